// Recovery from the newest valid snapshot (recovery.h).
#include "runtime/embedded/recovery.h"

#include <charconv>
#include <chrono>
#include <iostream>

#include "runtime/embedded/rescale.h"
#include "runtime/embedded/versions.h"
#include "runtime/io/durable_file.h"
#include "runtime/snapshot/worker_file.h"

namespace sfn::runtime {
namespace fs = std::filesystem;
using transport::Error;
using transport::ErrorCode;
using transport::Result;

namespace {

// Reads the record files of `epoch`: the coordinator's egress, then each worker's messages and
// egress, numbering the egress in publication order (as Epochs::commit does).
transport::Status read_snapshot_files(const snapshot::SnapshotStore& store, uint64_t epoch, unsigned workers,
                                      Recovered& r) {
  auto mine = snapshot::read_worker_snapshot(store.dir_of(epoch) / "coordinator.snap");
  if (!mine.ok()) return mine.error();
  r.egress = std::move(mine->egress);
  r.messages.assign(workers, {});
  for (unsigned w = 0; w < workers; ++w) {
    auto f = snapshot::read_worker_snapshot(store.worker_file(epoch, w));
    if (!f.ok()) return f.error();
    r.messages[w] = std::move(f->messages);
    for (auto& e : f->egress) r.egress.push_back(std::move(e));
  }
  for (size_t i = 0; i < r.egress.size(); ++i) {
    r.egress[i].epoch = epoch;
    r.egress[i].index = i;
  }
  return transport::ok_status();
}

// The workers' databases and in-flight records of snapshot `m` for `workers` workers: the
// snapshot's own parts, or (taken with another number of workers) rebuilt from them (rescale.h).
// With `local` false (a cluster) only a rescaling builds databases, for the host to send.
transport::Status restore_parts(const snapshot::SnapshotStore& store, const snapshot::Manifest& m, const fs::path& dir,
                                unsigned workers, bool local, Recovered& r) {
  if (auto s = read_snapshot_files(store, m.epoch, m.workers, r); !s) return s;
  if (local)
    if (auto s = remove_other_workers(dir, workers); !s) return s;
  if (m.workers != workers) return rescale(store, m, dir, workers, local, r);
  for (const char* leftover : {"rescaled", "rescale-scratch"}) {  // of an earlier rescaling
    std::error_code ec;
    fs::remove_all(dir / leftover, ec);
    if (ec) return io::fs_error("removing", dir / leftover, ec);
  }
  for (unsigned w = 0; w < workers && local; ++w)
    if (auto s = store.restore_worker_db(m, w, worker_dir(dir, w)); !s) return s;
  return transport::ok_status();
}

}  // namespace

fs::path worker_dir(const fs::path& state_dir, unsigned w) { return state_dir / ("worker-" + std::to_string(w)); }

Result<Recovered> recover(snapshot::SnapshotStore& store, const fs::path& dir, unsigned workers, uint32_t key_groups,
                          const std::string& version, const RunOptions& options, bool restore_dbs) {
  const auto t0 = std::chrono::steady_clock::now();
  Recovered r;
  r.messages.assign(workers, {});
  auto found = store.newest_valid([&r](const std::string& why) {
    std::cerr << "sfn run: " << why << "; set aside as <epoch>.broken\n";
    r.damaged.push_back(why);
  });
  if (!found.ok()) return found.error();
  if (!found.value()) {  // nothing committed: whatever the workers wrote back since is not state
    for (unsigned w = 0; w < workers && restore_dbs; ++w)
      if (auto s = io::empty_directory(worker_dir(dir, w)); !s)
        return Error{s.error().code, "removing uncommitted state: " + s.error().message};
    if (restore_dbs)
      if (auto s = remove_other_workers(dir, workers); !s) return s.error();
    return r;
  }
  const snapshot::Manifest& m = *found.value();
  if (m.key_groups != key_groups)
    return Error{ErrorCode::invalid_argument,
                 "snapshot " + store.dir_of(m.epoch).string() + " was taken with " + std::to_string(m.key_groups) +
                     " key groups (now: " + std::to_string(key_groups) +
                     "); the number of key groups of a state directory never changes (rescaling moves whole key "
                     "groups between workers): use another --state-dir"};
  if (auto s = accept_snapshot(m, store.dir_of(m.epoch), version, options); !s) return s.error();
  if (auto s = restore_parts(store, m, dir, workers, restore_dbs, r); !s) return s.error();
  r.epoch = m.epoch;
  r.manifest = m;
  r.virtual_clock_ns = m.virtual_clock_ns;
  r.ingress_offsets = m.ingress_offsets;
  r.egress_offsets = m.egress_offsets;
  r.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  size_t in_flight = 0;
  for (const auto& v : r.messages) in_flight += v.size();
  r.summary = "recovered epoch " + std::to_string(m.epoch) + " (" + std::to_string(in_flight) +
              " in-flight messages) in " + std::to_string(r.duration_ms) + " ms";
  if (m.program_version != version) r.summary += ", written by program version " + m.program_version;
  if (!r.rescaled.empty()) r.summary += "; " + r.rescaled;
  return r;
}

Result<std::vector<std::pair<fs::path, std::string>>> restore_files(const Recovered& rec,
                                                                    const snapshot::SnapshotStore& store, unsigned w) {
  std::vector<std::pair<fs::path, std::string>> out;
  if (rec.epoch == 0) return out;
  if (!rec.databases.empty()) {
    std::error_code ec;
    for (fs::directory_iterator it(rec.databases.at(w), ec), end; !ec && it != end; it.increment(ec))
      if (it->is_regular_file() && it->path().filename() != "LOCK")  // RocksDB's lock file is not state
        out.emplace_back(it->path(), it->path().filename().string());
    if (ec) return io::fs_error("listing", rec.databases.at(w), ec);
    return out;
  }
  const std::string prefix = "worker-" + std::to_string(w) + "/";
  for (const auto& f : rec.manifest.files)
    if (f.path.starts_with(prefix))
      out.emplace_back(f.stored.empty() ? store.dir_of(rec.epoch) / f.path : store.root() / f.stored,
                       f.path.substr(prefix.size()));
  return out;
}

std::string egress_key(uint64_t epoch, uint64_t index) { return std::to_string(epoch) + ":" + std::to_string(index); }

bool parse_egress_key(std::string_view key, uint64_t* epoch, uint64_t* index) {
  size_t colon = key.find(':');
  if (colon == std::string_view::npos) return false;
  auto a = std::from_chars(key.data(), key.data() + colon, *epoch);
  auto b = std::from_chars(key.data() + colon + 1, key.data() + key.size(), *index);
  return a.ec == std::errc() && a.ptr == key.data() + colon && b.ec == std::errc() && b.ptr == key.data() + key.size();
}

}  // namespace sfn::runtime
