// The coordinator of an embedded process: it feeds ingress records to the workers (running each
// ingress route to find the target instance), detects quiescence from the workers' progress
// reports (worker/hub.h), moves virtual time to the next timer or input `at` when nothing is
// runnable, and decides when a batch run is finished (input exhausted, no message in flight, no
// timer pending). Under the virtual clock it releases input records one at a time, each only
// once the previous one's work has completed, which makes `--workers 1` runs deterministic.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "runtime/coordinator/epochs.h"
#include "runtime/worker/hub.h"

namespace sfn::runtime::coordinator {

// One ingress record ready to deliver.
struct InputRecord {
  uint32_t ingress = 0;
  int64_t at_ns = 0;       // delivery time after the start of the run (0: at once)
  std::string payload;     // canonical Protobuf of the ingress message type
};

// Decodes `payload` as a record of `ingress` and runs its route: on success writes the target
// address to `address` and returns true; otherwise writes the error (and the dead-letter
// record to `dead_letter`) and returns false. Thread-compatible (no shared state).
bool route_record(const core::Module& module, int64_t now, uint32_t ingress, std::string_view payload,
                  std::string* address, std::string* error, EgressRecord* dead_letter);

class Coordinator {
 public:
  explicit Coordinator(worker::Hub& hub);
  ~Coordinator();

  // Connects one channel to every worker (sender id = number of workers).
  Status connect();
  // Records from --input, in file order; delivered by `at` (stable).
  void set_input(std::vector<InputRecord> records);
  // A source of further records polled while running (e.g. ingress logs). While set, the run
  // only ends on request_stop().
  void set_external(std::function<void(std::vector<InputRecord>&)> poll);
  // Under the virtual clock: end the run when the next due work is at or after `ns` (ns since
  // the epoch), with the clock at `ns`; later timers stay pending.
  void set_until(int64_t ns) { until_ = ns; }
  // Takes barrier snapshots through `epochs` (owned by the caller): every interval while records
  // come from outside or on the real clock, and always a last one when the run ends, so that
  // everything processed is committed (its egress published) before run() returns.
  void set_snapshots(Epochs* epochs) { epochs_ = epochs; }
  // Runs until the work is done (see file comment) or `stop` becomes true; then stops the
  // workers (hub.stop) and wakes them.
  void run(const std::atomic<bool>& stop);

  uint64_t fed() const { return fed_; }

 private:
  void feed(const std::vector<const InputRecord*>& records, std::unique_lock<std::mutex>& lock);
  void wake_all();
  // Begins an epoch and sends its barrier on every channel (after everything fed before).
  void start_epoch();
  // Polls the epoch in progress and starts one when due (`periodic`). Called without the lock.
  void drive_snapshots(bool periodic);
  // The last snapshot of a run: waits for the one in progress, then takes and commits one more.
  void final_snapshot(std::unique_lock<std::mutex>& lock);

  worker::Hub& hub_;
  std::vector<std::unique_ptr<transport::Sender>> senders_;
  std::vector<InputRecord> input_;
  size_t next_ = 0;
  std::function<void(std::vector<InputRecord>&)> external_;
  uint64_t created_ = 0;  // guarded by hub_.mu
  uint64_t fed_ = 0;
  int64_t until_ = INT64_MAX;
  Epochs* epochs_ = nullptr;
  std::vector<EgressRecord> egress_;  // route failures (dead letters) of the current epoch
  std::string record_buf_;
};

}  // namespace sfn::runtime::coordinator
