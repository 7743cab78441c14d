// Recovery at start (RUNTIME.md §3): the newest snapshot whose MANIFEST verifies is loaded —
// each worker's database restored from its checkpoint, the in-flight messages and the epoch's
// egress read back, the ingress offsets and the virtual clock taken from the MANIFEST. Broken
// newer snapshots are reported and set aside. No snapshot: everything starts empty (and the
// ingress logs are replayed from their start).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/snapshot/store.h"
#include "runtime/transport/result.h"
#include "sfn/runtime.h"

namespace sfn::runtime {

struct Recovered {
  uint64_t epoch = 0;  // 0: no snapshot
  int64_t virtual_clock_ns = 0;
  std::map<std::string, uint64_t> ingress_offsets;
  std::map<std::string, uint64_t> egress_offsets;  // each egress log holds at least this much
  std::vector<std::vector<std::string>> messages;  // per worker: in-flight channel records
  std::vector<EgressRecord> egress;                // the epoch's egress in publication order
  int64_t duration_ms = 0;                         // how long recovery took
  std::string summary;                             // one line for `sfn status` and stderr
  std::vector<std::string> damaged;                // why each newer snapshot was set aside
  snapshot::Manifest manifest;                     // of the recovered epoch (epoch > 0)
  // Rescaling (rescale.h), when the snapshot was taken with another number of workers: a note
  // for the summary, and, in a cluster, the database built for each worker (empty otherwise).
  std::string rescaled;
  std::vector<std::filesystem::path> databases;
};

// Restores the state directory's workers (`dir`/worker-<i>) from the newest valid snapshot; one
// taken with another number of workers is rescaled (rescale.h). Refuses, before changing
// anything, a snapshot taken with another number of key groups, or by a version of the program
// that `options` does not accept (versions.h; `version` is this module's version hash).
// With `restore_dbs` false (a cluster), the databases are left to the workers: only the
// snapshot is chosen and its record files read (and, rescaling, the workers' databases built).
[[nodiscard]] transport::Result<Recovered> recover(snapshot::SnapshotStore& store, const std::filesystem::path& dir,
                                                   unsigned workers, uint32_t key_groups, const std::string& version,
                                                   const RunOptions& options, bool restore_dbs = true);

// The files worker `w` restores its database from, as (where they are, name in the database
// directory): its part of the recovered snapshot, or the database rescaling built for it.
[[nodiscard]] transport::Result<std::vector<std::pair<std::filesystem::path, std::string>>> restore_files(
    const Recovered& rec, const snapshot::SnapshotStore& store, unsigned w);

// The live database directory of worker `w` in a state directory.
std::filesystem::path worker_dir(const std::filesystem::path& state_dir, unsigned w);

// The key an egress record is stored with in its log ("<epoch>:<index>"), and its inverse.
std::string egress_key(uint64_t epoch, uint64_t index);
bool parse_egress_key(std::string_view key, uint64_t* epoch, uint64_t* index);

}  // namespace sfn::runtime
