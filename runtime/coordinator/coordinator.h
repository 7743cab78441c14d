// The coordinator of an embedded process: it feeds ingress records (from a RecordSource) to the
// workers (running each ingress route to find the target instance), detects quiescence from the
// workers' progress reports (worker/hub.h), moves virtual time to the next timer or input `at`
// when nothing is runnable, and decides when a batch run is finished (source finished, no
// message in flight, no timer pending). On both clocks it feeds every record due now in batches;
// under the virtual clock time moves in steps: everything runnable at the current virtual time
// runs, and only once all is quiescent does the coordinator pick the next time (decision 133).
// Each worker holds the ingress records it is fed under the virtual clock and takes the next only
// once the work before it on that worker is done, which keeps `--workers 1` runs deterministic
// and in the order of feeding one record at a time after quiescence.
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
  int64_t at_ns = 0;    // delivery time (see Coordinator::run; 0: at once)
  std::string payload;  // canonical Protobuf of the ingress message type
};

// Where the coordinator's records come from: in `sfn run` the ingress logs (every record, from
// `--input` or a client, is durable before it is processed); in benchmarks and tests a vector.
// Records come out in delivery order (by `at_ns`, then arrival). Used by the coordinator thread
// only.
class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Takes in what became available since the last call; cheap when nothing did.
  virtual void poll() = 0;
  // The next record, or null when none is buffered now.
  virtual InputRecord* peek() = 0;
  // Consumes the record peek() returned: it is being fed to the workers.
  virtual void pop() = 0;
  // No record will come any more (batch input read to its end); false while serving clients.
  virtual bool finished() const = 0;
  // Records may come until the run is stopped (clients are served).
  virtual bool endless() const = 0;
};

// A fixed list of records, delivered by `at_ns` (stable).
class MemorySource final : public RecordSource {
 public:
  explicit MemorySource(std::vector<InputRecord> records);
  void poll() override {}
  InputRecord* peek() override { return next_ < records_.size() ? &records_[next_] : nullptr; }
  void pop() override { ++next_; }
  bool finished() const override { return next_ == records_.size(); }
  bool endless() const override { return false; }

 private:
  std::vector<InputRecord> records_;
  size_t next_ = 0;
};

// Decodes `payload` as a record of `ingress` and runs its route: the target address, or a
// `rejected` error (the text of the dead letter, which is written to `dead_letter`).
// Thread-compatible (no shared state).
Result<std::string> route_record(const core::Module& module, int64_t now, uint32_t ingress, std::string_view payload,
                                 EgressRecord* dead_letter);

class Coordinator {
 public:
  explicit Coordinator(worker::Hub& hub);
  ~Coordinator();

  // Connects one channel to every worker (sender id = number of workers).
  Status connect();
  // The records to deliver (owned by the caller, outlives run()). The run ends when the source
  // is finished and the work is done, or on request.
  void set_source(RecordSource* source) { source_ = source; }
  // Under the virtual clock: end the run when the next due work is at or after `ns` (ns since
  // the epoch), with the clock at `ns`; later timers stay pending.
  // `clock_ns`: where the virtual clock stands after that stop (-1: at `ns`).
  void set_until(int64_t ns, int64_t clock_ns = -1) {
    until_ = ns;
    until_clock_ = clock_ns < 0 ? ns : clock_ns;
  }
  // Takes barrier snapshots through `epochs` (owned by the caller): every interval while records
  // come from outside or on the real clock, and always a last one when the run ends, so that
  // everything processed is committed (its egress published) before run() returns.
  void set_snapshots(Epochs* epochs) { epochs_ = epochs; }
  // Runs until the work is done (see file comment) or `stop` becomes true; then stops the
  // workers (hub.stop) and wakes them.
  void run(const std::atomic<bool>& stop);

  uint64_t fed() const { return fed_; }
  // The last run() ended because `stop` was set or a worker failed (not because the work was done).
  bool interrupted() const { return interrupted_; }

 private:
  void feed(const std::vector<InputRecord>& records, std::unique_lock<std::mutex>& lock);
  void send_routed();
  // When the source's next record is due (`start` + its `at`); INT64_MAX when none is buffered.
  int64_t next_due(int64_t start);
  // Takes up to `max` records due at `now` from the source and feeds them.
  void feed_due(int64_t start, int64_t now, size_t max, std::unique_lock<std::mutex>& lock);
  void wake_all();
  // Begins an epoch and sends its barrier on every channel (after everything fed before).
  void start_epoch();
  // Polls the epoch in progress and starts one when due (`periodic`). Called without the lock.
  void drive_snapshots(bool periodic);
  // The last snapshots failed in a row (Epochs::failure): the run stops.
  bool snapshots_failing() const;
  // The last snapshot of a run: waits for the one in progress, then takes and commits one more.
  void final_snapshot(std::unique_lock<std::mutex>& lock);

  worker::Hub& hub_;
  std::vector<std::unique_ptr<transport::Sender>> senders_;
  RecordSource* source_ = nullptr;
  uint64_t created_ = 0;  // guarded by hub_.mu
  uint64_t fed_ = 0;
  bool interrupted_ = false;
  int64_t until_ = INT64_MAX;
  int64_t until_clock_ = INT64_MAX;
  Epochs* epochs_ = nullptr;
  std::vector<EgressRecord> egress_;  // route failures (dead letters) of the current epoch
  // Buffers of feed() that keep their memory between batches: the routed records framed one after
  // another, and each one's worker and place.
  struct Routed {
    unsigned owner;
    size_t offset, size;
  };
  std::vector<InputRecord> batch_;  // the records being fed
  std::vector<Routed> routed_;
  std::string routed_buf_, record_buf_;
};

}  // namespace sfn::runtime::coordinator
