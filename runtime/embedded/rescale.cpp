// Rescaling a recovered snapshot to another number of workers (rescale.h).
#include "runtime/embedded/rescale.h"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "runtime/core/module.h"
#include "runtime/io/durable_file.h"
#include "runtime/state/state_backend.h"
#include "runtime/worker/hub.h"

namespace sfn::runtime {
namespace fs = std::filesystem;
using transport::Error;
using transport::ErrorCode;

namespace {

// The worker index of a directory name "worker-<i>"; false for any other name.
bool worker_index(const std::string& name, unsigned* index) {
  if (!name.starts_with("worker-")) return false;
  const char* end = name.data() + name.size();
  auto r = std::from_chars(name.data() + 7, end, *index);
  return r.ec == std::errc() && r.ptr == end;
}

// Restores each of `m`'s worker checkpoints (checked) into `scratch`/worker-<i>, splits them
// into `targets` and removes `scratch`.
transport::Status rebuild_databases(const snapshot::SnapshotStore& store, const snapshot::Manifest& m,
                                    const std::vector<fs::path>& targets, const fs::path& scratch,
                                    state::RescaleStats* stats) {
  std::vector<std::string> from, to;
  for (unsigned i = 0; i < m.workers; ++i) {
    from.push_back(worker_dir(scratch, i).string());
    if (auto s = store.restore_worker_db(m, i, from.back()); !s) return s;
  }
  for (const fs::path& t : targets) {
    if (auto s = io::empty_directory(t); !s) return s;
    to.push_back(t.string());
  }
  Status built = state::rebuild_for_workers(from, to, m.key_groups, stats);
  if (!built) return Error{ErrorCode::io_error, "rescaling: " + built.error().message};
  std::error_code ec;
  fs::remove_all(scratch, ec);
  if (ec) return io::fs_error("removing", scratch, ec);
  return transport::ok_status();
}

std::string mebibytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace

uint32_t moved_key_groups(unsigned from, unsigned to, uint32_t key_groups) {
  uint32_t moved = 0;
  for (uint32_t kg = 0; kg < key_groups; ++kg) moved += core::worker_of(kg, from) != core::worker_of(kg, to);
  return moved;
}

std::vector<std::vector<std::string>> reroute_records(const std::vector<std::vector<std::string>>& old,
                                                      unsigned workers, uint32_t key_groups) {
  std::vector<std::vector<std::string>> out(workers);
  for (size_t i = 0; i < old.size(); ++i)
    for (const std::string& r : old[i]) {
      worker::RecordKind kind;
      uint32_t type;
      std::string_view target, payload;
      unsigned to = static_cast<unsigned>(i % workers);
      if (decode_record(r, &kind, &type, &target, &payload)) {
        uint32_t kg = 0;
        if (kind == worker::RecordKind::message)
          kg = core::key_group_of(target, key_groups);
        else
          std::from_chars(target.data(), target.data() + target.size(), kg);  // "<key group>.<worker>.<seq>"
        if (kg < key_groups) to = core::worker_of(kg, workers);
      }
      out[to].push_back(r);
    }
  return out;
}

transport::Status remove_other_workers(const fs::path& dir, unsigned workers) {
  std::error_code ec;
  std::vector<fs::path> stale;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    unsigned i = 0;
    if (it->is_directory() && worker_index(it->path().filename().string(), &i) && i >= workers)
      stale.push_back(it->path());
  }
  if (ec) return io::fs_error("listing", dir, ec);
  for (const fs::path& p : stale)
    if (fs::remove_all(p, ec); ec) return io::fs_error("removing", p, ec);
  return transport::ok_status();
}

transport::Status rescale(const snapshot::SnapshotStore& store, const snapshot::Manifest& m, const fs::path& dir,
                          unsigned workers, bool local, Recovered& r) {
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<fs::path> targets;
  for (unsigned w = 0; w < workers; ++w) targets.push_back(worker_dir(local ? dir : dir / "rescaled", w));
  state::RescaleStats stats;
  if (auto s = rebuild_databases(store, m, targets, dir / "rescale-scratch", &stats); !s) return s;
  r.messages = reroute_records(r.messages, workers, m.key_groups);
  size_t records = 0;
  for (const auto& v : r.messages) records += v.size();
  if (!local) r.databases = targets;
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  r.rescaled = "rescaled from " + std::to_string(m.workers) + " workers";
  std::cerr << "sfn: rescaled the snapshot of epoch " << m.epoch << " from " << m.workers << " to " << workers
            << " workers: " << moved_key_groups(m.workers, workers, m.key_groups) << " of " << m.key_groups
            << " key groups moved (" << stats.keys << " keys, " << mebibytes(stats.bytes) << ", " << records
            << " in-flight records re-routed) in " << ms << " ms" << std::endl;
  return transport::ok_status();
}

}  // namespace sfn::runtime
