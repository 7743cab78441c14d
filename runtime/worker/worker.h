// A worker: one thread that owns the key groups g with g % W == index, their instances (in its
// StateBackend), their timers, and one incoming channel. It runs invocations one at a time
// (so instances are single-threaded), keeps messages to its own instances in a local FIFO
// without encoding them, sends the others over the transport (per-pair FIFO, batched), and at
// the end of each batch writes state back and flushes its channels. Its egress waits for the
// snapshot that covers it (worker_snapshot.cpp: barriers, in-flight recording, RUNTIME.md §3).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "runtime/snapshot/background_job.h"
#include "runtime/snapshot/barrier_alignment.h"
#include "runtime/snapshot/worker_file.h"
#include "runtime/state/state_backend.h"
#include "runtime/worker/hub.h"
#include "runtime/worker/in_flight.h"

namespace sfn::runtime::worker {

class WorkerInvocation;

// A message waiting to be processed: one block holding the message (at offset 0, in module
// layout) followed by the target address text. Owns the block and the message in it.
class Pending {
 public:
  Pending() = default;
  // A default-initialised message of `message_type` for `address`.
  Pending(const core::Module& module, uint32_t message_type, std::string_view address);
  // Moves the message at `msg` (module layout, zeroed afterwards) into a new Pending.
  static Pending take(const core::Module& module, uint32_t message_type, std::string_view address, void* msg);
  Pending(Pending&& o) noexcept = default;
  Pending& operator=(Pending&& o) noexcept;
  ~Pending() { reset(); }
  // Destroys the message and frees the block.
  void reset();

  void* message() const { return block_.get(); }
  uint32_t message_type() const { return message_type_; }
  // Sent by a handler or fired by a timer: counted among the messages in flight (in_flight.h).
  bool counted() const { return counted_; }
  void set_counted(bool counted) { counted_ = counted; }
  std::string_view address() const { return {block_.get() + addr_off_, addr_len_}; }

 private:
  struct Free {
    void operator()(char* p) const;
  };
  std::unique_ptr<char, Free> block_;
  const sfn_message_desc* desc_ = nullptr;
  uint32_t message_type_ = 0;
  uint32_t addr_off_ = 0;
  uint32_t addr_len_ = 0;
  bool counted_ = false;
};

class Worker {
 public:
  Worker(Hub& hub, unsigned index);
  ~Worker();

  // Opens the state store in `dir`, binds the incoming channel and loads durable timers.
  Status open(const std::string& dir);
  // Connects the outgoing channels to every other worker (after all have bound).
  Status connect();
  // The thread body: runs until the hub stops, then writes everything back and flushes.
  void run();
  // Runs `task` on the worker thread at its next loop turn (thread-safe).
  void post(std::function<void(Worker&)> task);

  transport::Waker waker() const;
  state::StateBackend& backend() { return *backend_; }
  unsigned index() const { return index_; }
  uint64_t invocations() const { return invocations_.load(std::memory_order_relaxed); }
  uint64_t queue_depth() const { return queue_depth_.load(std::memory_order_relaxed); }
  // Its instance cache's numbers as of its last batch (thread-safe).
  state::CacheStats cache_stats() const;
  // The bound of its instance cache in bytes (0: none).
  uint64_t cache_limit() const { return hub_.cache_bytes; }
  uint32_t owned_key_groups() const;
  // Set when the worker hit an unrecoverable store error (reported at the end of the run).
  std::string fatal_error() const;
  // What this worker's handlers sent while the messages in flight were over half the bound; read
  // once the thread has ended.
  const SendCounts& crowded_sends() const { return crowded_sends_; }

  // `sfn state`: the instance's states as a JSON object; runs on the worker thread.
  Status state_json(std::string_view address, std::string* out);

  // Recovery: queues the in-flight messages of the snapshot the state was restored from
  // (channel records), before run(); `epoch` is the first epoch this run produces. Messages of
  // a type this version of the program no longer has (in flight or in a timer) become dead
  // letters naming the type.
  void restore(const std::vector<std::string>& records, uint64_t epoch);

 private:
  friend class WorkerInvocation;
  bool renumber_record(const std::string& record, std::string& out);
  void removed_type(std::string_view target, uint32_t written_type);
  struct TimerEntry {
    int64_t due;
    uint64_t seq;
    std::string handle;
    bool operator>(const TimerEntry& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };

  void on_record(const transport::RecordView& rec);
  // Decodes one channel record into the local queue (or applies a timer cancel); `counted`: a
  // message a worker sent (not an ingress record, nor one recovered from a snapshot); `hold`: an
  // ingress record under the virtual clock, queued in `held_` (see there).
  void accept_record(std::string_view record, bool counted, bool hold = false);
  // Moves the next held ingress record to the local queue when the work before it is done: the
  // local queue is empty and no timer is due. False when none may go now.
  bool release_held();
  // After an invocation that sent `sent` messages: publishes this worker's count of messages in
  // flight, checks the run's total now and then (always while it is crowded), notes what was sent
  // while crowded, and stops the run past the bound.
  void note_in_flight(uint64_t sent);
  // How many due timers may fire now: they wait while the messages in flight are over half the
  // bound, so a burst of timers never fills it.
  int64_t timer_room();
  // A dead letter of the current epoch (LANGUAGE.md §9).
  void dead_letter(std::string_view address, uint32_t type, const void* msg, std::string_view error,
                   std::string_view location);
  // ---- snapshots (worker_snapshot.cpp) ----
  void on_barrier(transport::SenderId from, uint64_t epoch);
  void begin_snapshot(uint64_t epoch);
  // Moves the snapshot being taken on (each loop turn): taking the background encoding's end
  // and starting the background write, taking the write's result, acknowledging when all is
  // done (the jobs wake the loop when they end).
  void advance_snapshot();
  // Before the worker stops: finishes the background write of a snapshot being taken (its
  // state goes to the database; no acknowledgement).
  void settle_snapshot();
  // Records `p`, popped from the local queue, when it was queued before the barrier.
  void record_queued(const Pending& p);
  void finish_snapshot();
  // Appends a marker, or queues it behind records waiting in the overflow for that worker.
  void send_barrier(unsigned to, uint64_t epoch);
  void process(const Pending& p);
  void interrupted(std::string_view address);
  // Routes a ready message: local FIFO or the owner's channel.
  void route(Pending&& p);
  void send_remote(unsigned owner, const std::string& record);
  bool drain_overflow();
  // Flushes channels and egress; writes state back when `force`, or when enough is dirty or
  // enough time has passed (write-back coalesces many writes to the same instance).
  void end_batch(bool force);
  void publish_cache_stats();
  bool fire_due_timers();
  int64_t next_timer() const;
  void add_timer(uint32_t key_group, state::TimerRecord&& t, bool persist);
  void cancel_timer(std::string_view handle);
  void run_tasks();
  void fail(const std::string& message);

  Hub& hub_;
  const core::Module& module_;
  unsigned index_;
  std::unique_ptr<state::StateBackend> backend_;
  std::unique_ptr<transport::Receiver> receiver_;
  std::vector<std::unique_ptr<transport::Sender>> senders_;  // by worker index; null for self
  // Records refused with would_block, in order; an entry with `barrier` set is a marker.
  struct OutRecord {
    std::string record;
    uint64_t barrier = 0;
  };
  std::vector<std::deque<OutRecord>> overflow_;
  std::deque<Pending> local_;
  // Under the virtual clock the coordinator feeds every record due at the current virtual time at
  // once (decision 133); they wait here and each goes to `local_` only once the work of the ones
  // before it on this worker is done (release_held), so a run with one worker processes them
  // exactly as when they were fed one at a time after quiescence.
  std::deque<Pending> held_;
  std::unique_ptr<WorkerInvocation> inv_;
  std::vector<EgressRecord> egress_;
  std::string record_buf_, payload_buf_;

  std::priority_queue<TimerEntry, std::vector<TimerEntry>, std::greater<TimerEntry>> timer_heap_;
  std::unordered_map<std::string, std::pair<uint32_t, state::TimerRecord>> timers_;  // handle -> (kg, t)
  uint64_t timer_seq_ = 0;
  uint64_t timer_order_ = 0;  // creation order: ties of `due` fire in this order
  bool timer_seq_dirty_ = false;

  // Which incoming channels (by sender id: workers, then the coordinator) have delivered the
  // barrier of the snapshot being taken, and that snapshot: its epoch (0: none) and what it
  // records.
  snapshot::BarrierAlignment align_;
  // The snapshot being taken (decision 130): frozen at the barrier, then the frozen instances
  // are encoded by a background job (`encoded`), the messages queued at the barrier are
  // recorded as they are popped (`queued_left`, framed into `queued`; the records arriving
  // before a channel's barrier into `in_flight`: the record file's bytes as they come, no string
  // per record), a second background job writes
  // and checkpoints (`written`), and every barrier comes in (`aligned`). It is acknowledged when
  // all four are done. `sync_us`: the longest time processing stopped for it (the barrier's step,
  // or a change of a frozen instance waiting for the background encoding of it); `sync_cpu_us`:
  // the thread's CPU time in that stop (on a loaded machine the OS may run other threads in the
  // middle of a stop).
  struct Snapshot {
    uint64_t epoch = 0;
    std::string queued, in_flight;     // framed records (snapshot::append_message)
    std::vector<EgressRecord> egress;  // of the epoch
    size_t queued_left = 0;
    bool encoded = false, written = false, aligned = false;
    std::string error;
    int64_t sync_us = 0, sync_cpu_us = 0;
    // Notes a stop of processing that began at `wall` and `cpu` (thread CPU time, us).
    void stopped(std::chrono::steady_clock::time_point wall, int64_t cpu);
    // Back to no snapshot, keeping the record buffers' memory up to a bound: freeing a large
    // block after every snapshot made the allocator consolidate its free lists each time.
    void reset();
  };
  Snapshot snap_;
  uint64_t epoch_ = kFirstEpoch;  // the epoch new egress and dead letters belong to

  uint64_t created_ = 0, consumed_ = 0;
  // Messages in flight (in_flight.h): counted ones routed and processed here, whether the run's
  // total was over half the bound at the last check, and what was sent since then.
  uint64_t sent_ = 0, taken_ = 0, checks_ = 0, sent_at_check_ = 0;
  bool crowded_ = false;
  std::vector<std::pair<uint32_t, uint32_t>> last_sends_;  // (from, to) function types
  SendCounts crowded_sends_;
  std::chrono::steady_clock::time_point last_write_back_ = std::chrono::steady_clock::now();
  std::atomic<uint64_t> invocations_{0};
  std::atomic<uint64_t> queue_depth_{0};
  struct CacheNumbers {
    std::atomic<uint64_t> bytes{0}, instances{0}, hits{0}, misses{0}, evictions{0};
  };
  CacheNumbers cache_;

  std::mutex tasks_mu_;
  std::vector<std::function<void(Worker&)>> tasks_;
  mutable std::mutex error_mu_;
  std::string fatal_;
  // Writes snapshots' frozen state in the background; last, so it ends (waiting for a running
  // write) before the backend and the receiver it uses go.
  std::unique_ptr<snapshot::BackgroundJob> writer_;
};

}  // namespace sfn::runtime::worker
