// Rescaling (docs/decisions/114-rescaling.md): a run started with M workers from a snapshot
// taken with N (the same key groups, which never change). Key group g belongs to worker
// core::worker_of(g, workers), and in every worker's database it is one contiguous key range
// (state_backend.h), so the M databases are built from the snapshot's N checkpoints range by
// range, and the snapshot's in-flight records are given to the new owners of their targets.
// Nothing in the snapshot store changes: until the run's first snapshot (taken with M workers)
// commits, every start from it rescales again, the same way, so a crash midway leaves nothing
// to undo.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "runtime/embedded/recovery.h"
#include "runtime/snapshot/store.h"
#include "runtime/transport/result.h"

namespace sfn::runtime {

// Splits recovered snapshot `m` (taken with another number of workers) for `workers` workers:
// builds each one's database — in `dir`/worker-<w> with `local`, else in `dir`/rescaled/worker-<w>,
// named in `r.databases` for the cluster host to send — and re-routes `r.messages` (read per
// old worker). Writes one line to stderr saying what moved and how long it took; `r.rescaled`
// says it for the recovery summary.
[[nodiscard]] transport::Status rescale(const snapshot::SnapshotStore& store, const snapshot::Manifest& m,
                                        const std::filesystem::path& dir, unsigned workers, bool local, Recovered& r);

// The in-flight channel records of the old workers (per old worker, in their order), each given
// to the new owner of its target's key group (a message's address, a cancelled timer's handle);
// records for one worker keep their order. A record that does not decode stays at its index
// modulo `workers` (the worker reports it).
std::vector<std::vector<std::string>> reroute_records(const std::vector<std::vector<std::string>>& old,
                                                      unsigned workers, uint32_t key_groups);

// How many of `key_groups` key groups another number of workers gives another worker index.
uint32_t moved_key_groups(unsigned from, unsigned to, uint32_t key_groups);

// Removes the databases `dir`/worker-<i> of workers i >= `workers` (left by a run with more).
[[nodiscard]] transport::Status remove_other_workers(const std::filesystem::path& dir, unsigned workers);

}  // namespace sfn::runtime
