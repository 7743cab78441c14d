// What the workers and the coordinator of one embedded process share: the module, the clock
// (real, or virtual time that only the coordinator advances), the transport context, the
// per-participant progress counters used to detect quiescence (nothing runnable anywhere), the
// egress sink, and the record format of the channels between workers.
//
// Quiescence: every participant (worker, or the coordinator feeding ingress) counts the
// messages it created (sent, fired from a timer, fed from input) and the ones it consumed
// (processed). It publishes the counters only under the hub mutex, when it goes idle, and it
// marks itself busy before creating anything. So "every participant idle and sum(created) ==
// sum(consumed)" can only hold when no message is queued or in flight anywhere.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/module.h"
#include "runtime/snapshot/store.h"
#include "runtime/transport/channel.h"
#include "sfn/runtime.h"

namespace sfn::runtime::worker {

// A participant's last published progress.
struct Progress {
  bool idle = false;
  uint64_t created = 0;
  uint64_t consumed = 0;
  int64_t next_timer = INT64_MAX;  // earliest pending timer it owns
};

// ZeroMQ sockets the channels of a runtime with `workers` workers use: a receiver per worker,
// a sender from each worker to every other and from the coordinator to each.
unsigned channel_sockets(unsigned workers);
// Makes sure a run with `workers` workers can open what it needs (channel sockets, wake-ups,
// each worker's RocksDB): raises the soft limit of open files to the hard limit, and refuses
// with both numbers when that is still too few, before anything is written.
Status reserve_open_files(unsigned workers);

class Hub {
 public:
  Hub(ModulePtr module, unsigned workers, uint32_t key_groups, ClockMode clock, std::string tag);

  const ModulePtr module;
  const unsigned workers;
  const uint32_t key_groups;
  const ClockMode clock;
  const std::string tag;  // distinguishes inproc endpoints of runtimes in one process
  transport::TransportContext transport;

  // The worker owning key group `kg`.
  unsigned owner(uint32_t kg) const { return core::worker_of(kg, workers); }

  // ---- cluster mode (runtime/cluster; set before the threads start, empty in embedded mode) ----
  // Each worker's channel endpoint (tcp://host:port); empty: inproc endpoints of `tag`.
  std::vector<std::string> endpoints;
  std::string endpoint_of(unsigned worker) const;
  // The cluster's generation (a new one after every failure): channel records carry it in the
  // sender id, and a worker drops records of another generation (fencing a cut-off worker).
  uint32_t generation = 0;
  transport::SenderId sender_id(unsigned participant) const { return ((generation & 0xffffu) << 16) | participant; }
  // Each worker's CurveZMQ public key (Z85), by index, when the cluster uses keys; else empty.
  std::vector<std::string> endpoint_keys;
  // A worker's receiving channel: fenced by generation in a cluster.
  transport::ChannelOptions channel_options() const {
    transport::ChannelOptions o;
    o.fence = !endpoints.empty();
    o.generation = generation;
    return o;
  }
  // A channel to `worker`: a CURVE client of its key when the cluster uses keys.
  transport::ChannelOptions sender_options(unsigned worker) const {
    transport::ChannelOptions o;
    if (worker < endpoint_keys.size()) o.server_key = endpoint_keys[worker];
    return o;
  }
  // Current time in ns since the Unix epoch (virtual time under ClockMode::virtual_time).
  int64_t now() const;
  std::atomic<int64_t> virtual_now{0};

  // ---- coordination (participants 0..workers-1 are workers; `workers` is the feeder) ----
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Progress> progress;        // guarded by mu
  bool stop = false;                     // guarded by mu
  std::vector<transport::Waker> wakers;  // set before the threads start
  void report_idle(unsigned participant, uint64_t created, uint64_t consumed, int64_t next_timer);
  void report_busy(unsigned participant);
  bool stopping();
  // A worker failed (its state can no longer be trusted): the run stops at once, without a last
  // snapshot, and the process recovers from the last committed one (embedded.cpp).
  std::atomic<bool> failed{false};
  void report_failure();

  // ---- invocation budget (decision 110) ----
  core::Budget budget;  // set before the threads start
  // The run is stopping (SIGINT/SIGTERM): an invocation still running aborts at its next refuel
  // (within about a millisecond of loop), sets `interrupted` and its worker stops; nothing after
  // it is snapshotted, so it runs again from the last committed snapshot on restart.
  std::atomic<bool> interrupt{false};
  std::atomic<bool> interrupted{false};

  // ---- messages in flight (in_flight.h) ----
  uint64_t max_in_flight = kDefaultMaxInFlight;  // set before the threads start; 0: no bound
  // ---- the instance cache (decision 131) ----
  uint64_t cache_bytes = 0;  // set before the threads start: each worker's bound; 0: none
  // ---- tests: faults injected on purpose (RunOptions::faults); null: none ----
  std::shared_ptr<FaultInjector> faults;
  // Per worker: the messages it created by sends and timers minus those of them it processed (a
  // message processed by another worker counts there), so their sum is what is in flight.
  struct alignas(64) InFlight {
    std::atomic<int64_t> net{0};
  };
  std::vector<InFlight> in_flight;
  int64_t messages_in_flight() const;
  // More than max_in_flight: the run stops as after a failed worker (no last snapshot), and is not
  // recovered in process, which would only do the same again.
  std::atomic<bool> overloaded{false};
  void report_overload();

  // ---- egress ----
  // Receives committed egress records (an epoch's, once it commits), in order.
  std::function<void(std::vector<EgressRecord>&)> egress_sink;
  void publish(std::vector<EgressRecord>& records);

  // ---- snapshots (RUNTIME.md §3) ----
  // Where workers put their part of a snapshot; set before the threads start.
  const snapshot::SnapshotStore* snapshots = nullptr;
  // A worker's part of epoch `epoch` is durable (or failed with `error`): its checkpoint and
  // record file are written; `egress` is what it emitted in the epoch, in order.
  struct SnapshotAck {
    uint64_t epoch = 0;
    unsigned worker = 0;
    std::vector<EgressRecord> egress;
    std::string error;
    int64_t sync_us = 0;      // how long processing stopped for the local snapshot (longest stop)
    int64_t sync_cpu_us = 0;  // the worker thread's CPU time in that stop (not shipped in a cluster)
  };
  std::vector<SnapshotAck> acks;  // guarded by mu
  void ack_snapshot(SnapshotAck ack);

  // Cluster mode: a worker process forwards what its worker reports (progress, its part of a
  // snapshot, a failure) to the coordinator process instead of keeping it here.
  struct Link {
    std::function<void(unsigned participant, const Progress&)> progress;
    std::function<void(SnapshotAck&&)> ack;
    std::function<void()> failure;
  };
  Link link;  // set before the threads start

  // Counters for status and reports.
  std::atomic<uint64_t> invocations{0};
  std::atomic<uint64_t> dead_letters{0};
};

// Epochs are numbered from 1 (RUNTIME.md §2): records produced before barrier 1 belong to 1.
inline constexpr uint64_t kFirstEpoch = 1;

// Builds the dead-letter record of a failed invocation or route (LANGUAGE.md §9).
EgressRecord make_dead_letter(const core::Module& module, std::string_view address, uint32_t message_type,
                              const void* msg, std::string_view error, std::string_view location, uint64_t epoch);
// Builds the egress record of `msg` emitted to `egress`.
EgressRecord make_egress_record(const core::Module& module, uint32_t egress, const void* msg, uint64_t epoch);

// Channel records: u8 kind | u32 message_type | u32 target length | target | payload.
enum class RecordKind : uint8_t { message = 0, cancel_timer = 1 };
void encode_record(std::string& out, RecordKind kind, uint32_t message_type, std::string_view target,
                   std::string_view payload);
bool decode_record(std::string_view in, RecordKind* kind, uint32_t* message_type, std::string_view* target,
                   std::string_view* payload);

}  // namespace sfn::runtime::worker
