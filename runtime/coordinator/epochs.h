// The coordinator's side of barrier snapshots (RUNTIME.md §3): starts epoch e (prepares its
// directory, records the ingress offsets, the virtual clock and the coordinator's own egress),
// collects the workers' acknowledgements (worker/hub.h), and commits: MANIFEST written last
// (snapshot/manifest.h), then the epoch's egress published in a fixed order (the coordinator's,
// then worker 0, 1, ...), then old snapshots and the ingress records before the oldest
// retained one dropped. A failed epoch is reported and its egress carried into the next one.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/snapshot/store.h"
#include "runtime/worker/hub.h"

namespace sfn::runtime::coordinator {

struct SnapshotOptions {
  std::chrono::nanoseconds interval = std::chrono::seconds(1);
  std::size_t retain = 3;
  std::string state_schema;  // recorded in each MANIFEST
};

// What the process around the coordinator provides.
struct IngressHooks {
  // The next offset to read per ingress (everything before was fed to the workers).
  std::function<std::map<std::string, uint64_t>()> offsets;
  // The end offset of every egress log (everything published so far).
  std::function<std::map<std::string, uint64_t>()> egress_offsets;
  // Drops ingress records before these offsets (they are in every retained snapshot).
  std::function<void(const std::map<std::string, uint64_t>&)> truncate;
};

// Numbers for `sfn status` and reports.
struct SnapshotStats {
  uint64_t current_epoch = 0;    // being taken, 0: none
  uint64_t committed_epoch = 0;  // last committed, 0: none
  int64_t last_duration_ms = 0;
  uint64_t last_bytes = 0;
  uint64_t last_bytes_new = 0;          // of last_bytes, copied into the store by it (MANIFEST bytes_new)
  int64_t last_max_sync_us = 0;         // longest stop of processing in a worker for the last one
  std::vector<int64_t> recent_sync_us;  // the same for each of the last kRecentSnapshots
  // The same in the worker thread's CPU time (without the time the OS ran other threads during
  // the stop; 0 for workers of other processes).
  std::vector<int64_t> recent_sync_cpu_us;
  uint64_t committed = 0;  // snapshots committed by this run
  std::optional<std::chrono::system_clock::time_point> last_time;
  uint64_t failed = 0;
};

class Epochs {
 public:
  static constexpr size_t kRecentSnapshots = 4096;
  // `next_epoch`: the first epoch this run takes (1, or the recovered epoch + 1).
  Epochs(worker::Hub& hub, snapshot::SnapshotStore& store, SnapshotOptions options, IngressHooks hooks,
         uint64_t next_epoch, uint64_t committed_epoch);

  bool in_progress() const { return current_ != 0; }
  // An interval has passed since the last epoch began.
  bool due() const { return std::chrono::steady_clock::now() - last_begin_ >= options_.interval; }
  // The epoch records produced now belong to.
  uint64_t epoch() const { return next_; }  // begin() moves next_ past the epoch it starts

  // Starts the next epoch with the coordinator's egress since the last one; returns its number,
  // or 0 when its directory could not be prepared (reported; the egress is kept). The caller
  // then sends the barrier on every channel.
  uint64_t begin(std::vector<EgressRecord> coordinator_egress);
  // Collects acknowledgements; commits or fails the current epoch when all are in. Returns
  // true when the current epoch ended (either way).
  bool poll();

  SnapshotStats stats() const;

  // Why the latest epoch failed ("" when it committed or none ended yet); with `stop`, only when
  // the last kMaxFailedInARow failed (e.g. a full disk): the run stops instead of piling up
  // egress that no snapshot commits.
  static constexpr int kMaxFailedInARow = 3;
  std::string failure(bool stop) const;

 private:
  void commit(std::vector<worker::Hub::SnapshotAck>& acks);
  void abandon(const std::string& why, std::vector<worker::Hub::SnapshotAck>& acks);
  void failed(uint64_t epoch, const std::string& why);

  worker::Hub& hub_;
  snapshot::SnapshotStore& store_;
  SnapshotOptions options_;
  IngressHooks hooks_;
  snapshot::SnapshotStore::Cache checksums_;
  uint64_t next_;
  uint64_t current_ = 0;
  snapshot::Manifest pending_;                    // the current epoch's manifest, files not summed yet
  std::vector<EgressRecord> coordinator_egress_;  // of the current epoch
  std::vector<EgressRecord> carried_;             // egress of failed epochs, published with the next
  std::chrono::steady_clock::time_point last_begin_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point began_;
  std::map<uint64_t, std::map<std::string, uint64_t>> retained_offsets_;  // committed epoch -> offsets
  mutable std::mutex stats_mu_;
  SnapshotStats stats_;
  int failed_in_a_row_ = 0;  // guarded by stats_mu_
  std::string last_failure_;
};

}  // namespace sfn::runtime::coordinator
