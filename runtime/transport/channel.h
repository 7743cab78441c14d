// Channels between the runtime's workers: the FIFO streams of records from one sender (a worker
// or an ingress) to one worker, carried over ZeroMQ (`inproc://` in embedded mode; the same code
// works over `tcp://` for cluster mode). A Sender packs many records into one ZeroMQ message
// (a batch) and never drops: when the receiver's bounded queue is full, batches wait in the
// sender's backlog and flush() reports it. A Receiver owns one bound socket that every sender to
// that worker connects to, plus a wake-up the worker's own services can trigger from any thread.
// Records are opaque byte strings; control markers (barrier(epoch), shutdown) travel in the same
// stream, so they stay in order with the data around them. ZeroMQ types stay behind pimpls.
//
// Deadlock in cycles (workers messaging each other): a worker never blocks on a send. A full
// channel parks the batch in that Sender's backlog (memory, FIFO) and the worker keeps receiving
// and processing its inbox; it retries flush() each loop turn. Receiving is therefore never held
// up by sending, so no wait-for cycle can form. Ingress records are admitted only while the
// backlog is below its limit (ChannelOptions::max_backlog_bytes makes append() report would_block
// for that purpose; they wait safely in the durable ingress log). What handlers send is bounded
// by the run's limit on messages in flight instead (runtime/worker/in_flight.h): a program whose
// messages multiply stops the run with an error rather than filling the backlogs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/transport/result.h"
#include "runtime/transport/security.h"

namespace sfn::runtime::transport {

// What a record is. Markers carry an epoch and an empty payload.
enum class RecordKind : std::uint8_t {
  data = 0,      // an opaque message payload
  barrier = 1,   // snapshot barrier for `epoch` (RUNTIME.md §3)
  shutdown = 2,  // the sender will send nothing more on this channel
};

// Identifies the sending end of a channel (a worker index, or an ingress id chosen by the
// runtime). Every batch carries it, so a receiver knows which incoming channel a record came on.
using SenderId = std::uint32_t;

// One received record. `payload` points into the batch being delivered and is valid only during
// the RecordHandler call that receives it.
struct RecordView {
  RecordKind kind;
  SenderId sender;
  std::uint64_t epoch;  // the barrier epoch for markers, 0 for data
  std::string_view payload;
};

// Called once per received record, in channel order.
using RecordHandler = std::function<void(const RecordView&)>;

// Tuning of one channel; the defaults suit the embedded mode.
struct ChannelOptions {
  std::size_t max_batch_bytes = 64 * 1024;    // a batch is closed when its payload reaches this
  std::size_t max_batch_records = 1024;       // ... or when it holds this many records
  int high_water_mark = 64;                   // batches ZeroMQ queues per channel (send+receive side)
  std::size_t max_backlog_bytes = 64u << 20;  // above this, Sender::append reports would_block
  // Receiving side, cluster mode: batches from senders whose id's upper 16 bits are not
  // `generation` are dropped unread (a cut-off sender of another generation; decision 113).
  bool fence = false;
  std::uint32_t generation = 0;
  // The receiver's CurveZMQ public key (Z85), required by a Sender to a tcp:// or ipc://
  // receiver when its context has keys (TransportContext::secure); unused otherwise.
  std::string server_key;
};

// The process-wide ZeroMQ context every channel of one runtime shares (`inproc://` endpoints
// only connect sockets of the same context). Thread-safe; must outlive its channels.
class TransportContext {
 public:
  // `max_sockets` raises ZeroMQ's limit of sockets per context (1023 by default) when larger.
  explicit TransportContext(int max_sockets = 0);
  // The largest `max_sockets` ZeroMQ accepts on this system.
  static int socket_limit();
  ~TransportContext();

  // Secures this context's sockets (security.h, decision 122). With `options.keys`, Receivers
  // bound to tcp:// or ipc:// are CURVE servers that accept only the public keys in
  // `options.peers` (the context's ZAP handler, a thread, is started here), and Senders to such
  // endpoints are CURVE clients (ChannelOptions::server_key). Without keys, binding a
  // non-loopback address is refused unless `options.insecure`. Call it at most once, before any
  // socket of the context binds or connects; a context never secured has no keys and is not
  // insecure.
  Status secure(SecurityOptions options);
  // Clients the ZAP handler refused (0 without keys).
  std::uint64_t refused_clients() const;
  TransportContext(const TransportContext&) = delete;
  TransportContext& operator=(const TransportContext&) = delete;

  struct Impl;
  Impl& impl() { return *impl_; }  // for runtime/transport and runtime/io internals only

 private:
  std::unique_ptr<Impl> impl_;
};

// Returns the `inproc://` endpoint name of worker `worker` in the runtime tagged `runtime_tag`
// (tags keep several runtimes in one process, e.g. tests, apart).
std::string inproc_worker_endpoint(std::string_view runtime_tag, std::uint32_t worker);

// Wakes a Receiver blocked in receive(). Cheap to copy; wake() is safe from any thread and
// coalesces (many wakes before the next receive() give one wake-up).
class Waker {
 public:
  Waker() = default;
  // Makes the owning Receiver's current or next receive() return promptly.
  void wake() const;

  struct Impl;
  explicit Waker(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<Impl> impl_;
};

// The sending end of one channel. Owned and used by one thread at a time (ZeroMQ sockets are
// not thread-safe; handing a Sender to another thread through a mutex/thread start is fine).
class Sender {
 public:
  // Connects a new channel from `self` to the Receiver bound at `endpoint`. Connecting before
  // the receiver binds is allowed: records queue until it does.
  static Result<std::unique_ptr<Sender>> connect(TransportContext& context, SenderId self, const std::string& endpoint,
                                                 const ChannelOptions& options = {});
  ~Sender();
  Sender(const Sender&) = delete;
  Sender& operator=(const Sender&) = delete;

  // Adds a data record to the open batch. A full batch is closed and flushed (without
  // blocking). Returns would_block, without adding the record, when the backlog already holds
  // more than max_backlog_bytes; any other error means the channel is broken.
  Status append(std::string_view payload);

  // Adds a control marker (barrier or shutdown) after every record appended before it.
  Status append_marker(RecordKind kind, std::uint64_t epoch);

  // Closes the open batch and hands queued batches to ZeroMQ without blocking, oldest first.
  // Returns how many batches are still in the backlog (0: all handed over). Call it at the end
  // of each processing batch and again on every loop turn while it returns > 0.
  Result<std::size_t> flush();

  // Like flush(), but waits up to `timeout` for the receiver to make room. Returns timeout if a
  // backlog remains (nothing is lost: the batches stay queued). Only for senders that have no
  // inbox of their own to drain (e.g. an ingress feeder), never for workers.
  Status flush_blocking(std::chrono::milliseconds timeout);

  // Batches (and their payload bytes) closed but not yet accepted by ZeroMQ.
  std::size_t backlog_batches() const;
  std::size_t backlog_bytes() const;
  // Records appended but not yet in a closed batch.
  std::size_t open_records() const;
  SenderId self() const;
  const std::string& endpoint() const;

 private:
  struct Impl;
  explicit Sender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The receiving end of all channels into one worker. Owned by that worker's thread.
class Receiver {
 public:
  // Binds `endpoint` (e.g. inproc_worker_endpoint(...), or tcp://host:port; tcp://host:*
  // picks a free port, which endpoint() then reports).
  static Result<std::unique_ptr<Receiver>> bind(TransportContext& context, const std::string& endpoint,
                                                const ChannelOptions& options = {});
  ~Receiver();
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;

  // Waits up to `timeout` (0: just poll) for batches or a wake-up, then delivers the records of
  // up to `max_batches` available batches to `handler`, in per-channel FIFO order. Returns the
  // number of records delivered (0 after a timeout or a bare wake-up). A malformed batch or a
  // gap in a sender's batch sequence (impossible in-process; a broken peer over tcp) delivers
  // none of that batch's records and returns corrupt (earlier batches were delivered). One
  // Sender per (sender id, receiver): a batch with sequence 0 restarts that sender's channel.
  Result<std::size_t> receive(std::chrono::milliseconds timeout, const RecordHandler& handler,
                              std::size_t max_batches = 64);

  // A handle that wakes this receiver from any thread.
  Waker waker() const;
  const std::string& endpoint() const;
  // Total batches and records received so far (for status: queue depths, throughput).
  std::uint64_t batches_received() const;
  std::uint64_t records_received() const;

 private:
  struct Impl;
  explicit Receiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::runtime::transport
