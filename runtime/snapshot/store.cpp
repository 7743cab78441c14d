// Snapshot directories (store.h).
#include "runtime/snapshot/store.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "runtime/io/durable_file.h"

namespace sfn::runtime::snapshot {
namespace fs = std::filesystem;
using transport::Error;
using transport::ErrorCode;
using transport::Result;
using transport::Status;

namespace {

using io::fs_error;

// The epoch a snapshot directory name stands for ("00000000000000000042" -> 42).
std::optional<std::uint64_t> epoch_of(const std::string& name) {
  if (name.size() != 20 || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  return std::stoull(name);
}

}  // namespace

SnapshotStore::SnapshotStore(fs::path state_dir) : root_(std::move(state_dir) / "snapshots") {}

fs::path SnapshotStore::dir_of(std::uint64_t epoch) const {
  char name[21];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(epoch));
  return root_ / name;
}

fs::path SnapshotStore::worker_db(std::uint64_t epoch, unsigned worker) const {
  return dir_of(epoch) / ("worker-" + std::to_string(worker));
}

fs::path SnapshotStore::worker_file(std::uint64_t epoch, unsigned worker) const {
  return dir_of(epoch) / ("worker-" + std::to_string(worker) + ".snap");
}

Status SnapshotStore::prepare(std::uint64_t epoch) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) return fs_error("creating", root_, ec);
  fs::remove_all(dir_of(epoch), ec);
  if (ec) return fs_error("removing", dir_of(epoch), ec);
  fs::create_directory(dir_of(epoch), ec);
  if (ec) return fs_error("creating", dir_of(epoch), ec);
  return io::fsync_directory(root_);
}

std::vector<std::uint64_t> SnapshotStore::epochs() const {
  std::vector<std::uint64_t> out;
  std::error_code ec;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec))
    if (auto e = epoch_of(it->path().filename().string()); e && it->is_directory()) out.push_back(*e);
  std::sort(out.rbegin(), out.rend());
  return out;
}

Result<Manifest> SnapshotStore::verified(std::uint64_t e) const {
  auto m = read_manifest(dir_of(e), true);
  if (m.ok() && m->epoch != e)
    return Error{ErrorCode::corrupt, "snapshot " + dir_of(e).string() + ": MANIFEST names epoch " + std::to_string(m->epoch)};
  return m;
}

std::optional<Manifest> SnapshotStore::find_newest_valid(std::vector<std::pair<std::uint64_t, std::string>>* broken) const {
  for (std::uint64_t e : epochs()) {
    auto m = verified(e);
    if (m.ok()) return std::move(m.value());
    if (broken) broken->emplace_back(e, m.error().message);
  }
  return std::nullopt;
}

Result<std::optional<Manifest>> SnapshotStore::newest_valid(const std::function<void(const std::string&)>& report) {
  std::vector<std::pair<std::uint64_t, std::string>> broken;
  std::optional<Manifest> found = find_newest_valid(&broken);
  for (const auto& [e, why] : broken) {
    report(why);
    std::error_code ec;
    fs::path aside = dir_of(e);
    aside += ".broken";
    fs::remove_all(aside, ec);
    fs::rename(dir_of(e), aside, ec);
    if (ec) return fs_error("setting aside", dir_of(e), ec);
  }
  return found;
}

Status SnapshotStore::restore_worker_db(std::uint64_t epoch, unsigned worker, const fs::path& live) const {
  const fs::path from = worker_db(epoch, worker);
  std::error_code ec;
  fs::remove_all(live, ec);
  if (ec) return fs_error("removing", live, ec);
  fs::create_directories(live, ec);
  if (ec) return fs_error("creating", live, ec);
  for (fs::directory_iterator it(from, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path to = live / it->path().filename();
    if (it->path().extension() == ".sst") fs::create_hard_link(it->path(), to, ec);
    else fs::copy_file(it->path(), to, ec);
    if (ec) return fs_error("restoring", to, ec);
  }
  if (ec) return fs_error("reading", from, ec);
  return io::fsync_directory(live);
}

Result<std::uint64_t> SnapshotStore::retain(std::size_t keep) {
  auto all = epochs();
  std::error_code ec;
  for (std::size_t i = std::max<std::size_t>(keep, 1); i < all.size(); ++i) {
    fs::remove_all(dir_of(all[i]), ec);
    if (ec) return fs_error("removing", dir_of(all[i]), ec);
  }
  return all.empty() ? 0 : all[std::min(all.size(), std::max<std::size_t>(keep, 1)) - 1];
}

}  // namespace sfn::runtime::snapshot
