// Snapshot directories (store.h).
#include "runtime/snapshot/store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>

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

constexpr const char* kSharedDir = "files";

// A linked file's identity for the commit cache: inode, size and modification time.
std::uint64_t stamp_of(const struct stat& st) {
  const std::uint64_t mtime =
      static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
  return (static_cast<std::uint64_t>(st.st_ino) * 1000003u) ^ (static_cast<std::uint64_t>(st.st_size) * 7919u) ^ mtime;
}

// The files of a snapshot directory, relative to it, sorted (MANIFEST and leftovers of
// interrupted copies excluded).
Result<std::vector<std::string>> files_below(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file() && name != "MANIFEST" && !name.ends_with(".tmp"))
      out.push_back(fs::relative(it->path(), dir).string());
  }
  if (ec) return fs_error("listing", dir, ec);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

SnapshotStore::SnapshotStore(fs::path state_dir) : root_(state_dir / "snapshots") {}

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
    return Error{ErrorCode::corrupt,
                 "snapshot " + dir_of(e).string() + ": MANIFEST names epoch " + std::to_string(m->epoch)};
  return m;
}

std::optional<Manifest> SnapshotStore::find_newest_valid(
    std::vector<std::pair<std::uint64_t, std::string>>* broken) const {
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

Result<FileSum> SnapshotStore::seal_file(std::uint64_t e, const std::string& rel, Cache* cache, std::uint64_t* copied) {
  const fs::path path = dir_of(e) / rel;
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return io::sys_error("inspecting", path);
  if (!rel.ends_with(".sst")) {
    // A file of the snapshot's own (or a link to a live one, replaced by a copy of it).
    auto d = st.st_nlink > 1 ? io::copy_file_durably(path, path, false) : io::digest_file(path);
    if (!d.ok()) return d.error();
    if (st.st_nlink > 1) *copied += d->size;
    return FileSum{rel, d->size, d->crc, ""};
  }
  FileSum sum;
  auto hit = cache ? cache->find(rel) : Cache::iterator{};
  std::error_code ec;
  if (cache && hit != cache->end() && hit->second.stamp == stamp_of(st) &&
      fs::exists(root_ / hit->second.sum.stored, ec)) {
    sum = hit->second.sum;
  } else {
    std::string flat = rel;
    std::replace(flat.begin(), flat.end(), '/', '-');
    const std::string stored = std::string(kSharedDir) + "/" + dir_of(e).filename().string() + "-" + flat;
    // A private file (shipped by a worker process, or copied by RocksDB) moves into the store;
    // a link to a live file is copied.
    const bool private_file = st.st_nlink == 1;
    auto d = private_file ? io::digest_file(path) : io::copy_file_durably(path, root_ / stored, false);
    if (!d.ok()) return d.error();
    if (private_file && ::rename(path.c_str(), (root_ / stored).c_str()) != 0) return io::sys_error("moving", path);
    *copied += d->size;
    sum = FileSum{rel, d->size, d->crc, stored};
    if (cache) (*cache)[rel] = CachedFile{stamp_of(st), sum};
    if (private_file) return sum;
  }
  if (::unlink(path.c_str()) != 0) return io::sys_error("unlinking", path);  // the snapshot keeps only the copy
  return sum;
}

Status SnapshotStore::commit(Manifest& m, Cache* cache) {
  std::error_code ec;
  fs::create_directories(root_ / kSharedDir, ec);
  if (ec) return fs_error("creating", root_ / kSharedDir, ec);
  auto rels = files_below(dir_of(m.epoch));
  if (!rels.ok()) return rels.error();
  m.files.clear();
  m.bytes = m.bytes_new = 0;
  for (const std::string& rel : rels.value()) {
    auto sum = seal_file(m.epoch, rel, cache, &m.bytes_new);
    if (!sum.ok()) return sum.error();
    m.bytes += sum->size;
    m.files.push_back(std::move(sum.value()));
  }
  if (auto s = io::fsync_directory(root_ / kSharedDir); !s) return s;  // the copies before the MANIFEST
  return write_manifest(dir_of(m.epoch), m);
}

Status SnapshotStore::restore_worker_db(const Manifest& m, unsigned worker, const fs::path& live) const {
  const std::string prefix = "worker-" + std::to_string(worker) + "/";
  if (auto s = io::empty_directory(live); !s) return s;
  for (const FileSum& f : m.files) {
    if (!f.path.starts_with(prefix) || f.path.find('/', prefix.size()) != std::string::npos) continue;
    const fs::path from = f.stored.empty() ? dir_of(m.epoch) / f.path : root_ / f.stored;
    auto got = io::copy_file_durably(from, live / f.path.substr(prefix.size()), false);
    if (!got.ok()) return got.error();
    if (got->size != f.size || got->crc != f.crc)
      return Error{ErrorCode::corrupt, "snapshot " + dir_of(m.epoch).string() + ": file " + from.string() +
                                           " does not match its checksum (found restoring worker " +
                                           std::to_string(worker) + ")"};
  }
  return io::fsync_directory(live);
}

Status SnapshotStore::collect_shared_files() const {
  std::set<std::string> listed;
  for (std::uint64_t e : epochs()) {
    auto m = read_manifest(dir_of(e), false);  // one without a MANIFEST lists nothing shared yet
    if (m.ok())
      for (const FileSum& f : m->files)
        if (!f.stored.empty()) listed.insert(f.stored);
  }
  std::error_code ec;
  const fs::path shared = root_ / kSharedDir;
  for (fs::directory_iterator it(shared, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string rel = std::string(kSharedDir) + "/" + it->path().filename().string();
    if (listed.count(rel)) continue;
    std::error_code rm;
    fs::remove(it->path(), rm);
    if (rm) return fs_error("removing", it->path(), rm);
  }
  if (ec && ec != std::errc::no_such_file_or_directory) return fs_error("listing", shared, ec);
  return transport::ok_status();
}

Result<std::uint64_t> SnapshotStore::retain(std::size_t keep) {
  auto all = epochs();
  std::error_code ec;
  for (std::size_t i = std::max<std::size_t>(keep, 1); i < all.size(); ++i) {
    fs::remove_all(dir_of(all[i]), ec);
    if (ec) return fs_error("removing", dir_of(all[i]), ec);
  }
  if (auto s = collect_shared_files(); !s) return s.error();
  return all.empty() ? 0 : all[std::min(all.size(), std::max<std::size_t>(keep, 1)) - 1];
}

}  // namespace sfn::runtime::snapshot
