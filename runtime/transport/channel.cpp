// ZeroMQ implementation of channels (channel.h). A Sender is a PUSH socket connected to the
// receiving worker's PULL socket; ZeroMQ keeps one FIFO pipe per connection, which gives
// per-pair FIFO, and its per-pipe high-water mark bounds each channel. Full pipes never lose
// anything: closed batches wait in the Sender's backlog until ZeroMQ takes them. The receiver
// polls its PULL socket together with an eventfd used as the cross-thread wake-up.
#include "runtime/transport/channel.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <unordered_map>
#include <zmq.hpp>

#include "runtime/transport/context_impl.h"
#include "runtime/transport/frame.h"

#if defined(__SANITIZE_THREAD__)
#include <sanitizer/tsan_interface.h>
#endif

namespace sfn::runtime::transport {

TransportContext::TransportContext(int max_sockets) : impl_(std::make_unique<Impl>()) {
  if (max_sockets > impl_->context.get(zmq::ctxopt::max_sockets))
    impl_->context.set(zmq::ctxopt::max_sockets, max_sockets);
}
TransportContext::~TransportContext() = default;

Status TransportContext::secure(SecurityOptions options) {
  if (impl_->zap) return Error{ErrorCode::invalid_argument, "the transport context is secured already"};
  if (options.keys) {
    auto zap = ZapHandler::start(impl_->context.handle(), options.peers, options.peers_source);
    if (!zap) return zap.error();
    impl_->zap = std::move(zap.value());
  }
  impl_->security = std::move(options);
  return ok_status();
}

std::uint64_t TransportContext::refused_clients() const { return impl_->zap ? impl_->zap->refused() : 0; }

int TransportContext::socket_limit() {
  zmq::context_t probe(0);
  return probe.get(zmq::ctxopt::socket_limit);
}

std::string inproc_worker_endpoint(std::string_view runtime_tag, std::uint32_t worker) {
  return "inproc://sfn." + std::string(runtime_tag) + ".worker." + std::to_string(worker);
}

namespace {

// A batch's bytes are written by the sending thread and read by the receiving one; libzmq (not
// instrumented) hands the buffer over through lock-free queues ThreadSanitizer cannot see. The
// sender releases the buffer's address before handing it to libzmq and the receiver acquires it,
// which is the ordering libzmq guarantees (for inproc the receiver gets the same buffer). Without
// it TSan reports the handover as a race, and when the writer's stack has left its history (long
// runs) no suppression can match the report. No code outside a TSan build.
void handover_release([[maybe_unused]] const zmq::message_t& m) {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(const_cast<void*>(m.data()));
#endif
}
void handover_acquire([[maybe_unused]] const zmq::message_t& m) {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(const_cast<void*>(m.data()));
#endif
}

Error zmq_failure(const std::string& what, const std::string& endpoint, const zmq::error_t& e) {
  return Error{ErrorCode::io_error, what + " on " + endpoint + " failed: " + e.what()};
}

// A Sender of a context with keys is a CURVE client of the receiver's `server_key`.
Status secure_sender(const SecurityOptions& security, zmq::socket_t& socket, const std::string& endpoint,
                     const std::string& server_key) {
  if (!security.keys || !uses_curve(endpoint)) return ok_status();
  if (server_key.empty())
    return Error{
        ErrorCode::invalid_argument,
        "the channel to " + endpoint + " needs the receiver's CurveZMQ public key (ChannelOptions::server_key)"};
  return secure_client_socket(socket.handle(), endpoint, CurveClientKeys{*security.keys, server_key});
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Waker

struct Waker::Impl {
  int fd = -1;
  ~Impl() {
    if (fd >= 0) ::close(fd);
  }
};

void Waker::wake() const {
  if (!impl_) return;
  std::uint64_t one = 1;
  // EAGAIN means the counter is saturated: a wake-up is pending anyway, which is all we need.
  while (::write(impl_->fd, &one, sizeof one) < 0 && errno == EINTR) {
  }
}

// ---------------------------------------------------------------------------------------------
// Sender

struct Sender::Impl {
  zmq::socket_t socket;
  SenderId self = 0;
  std::string endpoint;
  ChannelOptions options;
  BatchWriter open;
  std::uint64_t next_seq = 0;
  std::deque<zmq::message_t> backlog;
  std::size_t backlog_bytes = 0;
  bool broken = false;

  Impl(zmq::context_t& ctx) : socket(ctx, zmq::socket_type::push) {}

  void begin_batch() { open.begin(self, next_seq); }

  // Moves the open batch (if any) to the backlog.
  void close_batch() {
    if (open.empty()) return;
    std::string_view bytes = open.finish();
    backlog.emplace_back(bytes.data(), bytes.size());
    handover_release(backlog.back());
    backlog_bytes += bytes.size();
    ++next_seq;
    begin_batch();
  }

  // Hands backlog batches to ZeroMQ until it would block.
  Status drain() {
    while (!backlog.empty()) {
      try {
        std::size_t size = backlog.front().size();
        auto sent = socket.send(backlog.front(), zmq::send_flags::dontwait);
        if (!sent) return ok_status();  // EAGAIN: high-water mark reached
        backlog_bytes -= size;
        backlog.pop_front();
      } catch (const zmq::error_t& e) {
        broken = true;
        return zmq_failure("sending a batch", endpoint, e);
      }
    }
    return ok_status();
  }

  Status check_usable() const {
    if (broken) return Error{ErrorCode::closed, "channel to " + endpoint + " is broken"};
    return ok_status();
  }
};

Sender::Sender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sender::~Sender() = default;

Result<std::unique_ptr<Sender>> Sender::connect(TransportContext& context, SenderId self, const std::string& endpoint,
                                                const ChannelOptions& options) {
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(context.impl().context);
  } catch (const zmq::error_t& e) {  // e.g. EMFILE: more sockets than the context allows
    return zmq_failure("creating a channel", endpoint, e);
  }
  impl->self = self;
  impl->endpoint = endpoint;
  impl->options = options;
  try {
    impl->socket.set(zmq::sockopt::sndhwm, options.high_water_mark);
    // Closing with batches still in ZeroMQ's queue waits briefly for delivery instead of
    // discarding them; callers flush_blocking() before closing to be sure.
    impl->socket.set(zmq::sockopt::linger, 1000);
    if (auto s = secure_sender(context.impl().security, impl->socket, endpoint, options.server_key); !s)
      return s.error();
    impl->socket.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return zmq_failure("connecting a channel", endpoint, e);
  }
  impl->begin_batch();
  return std::unique_ptr<Sender>(new Sender(std::move(impl)));
}

Status Sender::append(std::string_view payload) {
  if (auto s = impl_->check_usable(); !s) return s;
  if (impl_->backlog_bytes > impl_->options.max_backlog_bytes) {
    if (auto s = impl_->drain(); !s) return s;
    if (impl_->backlog_bytes > impl_->options.max_backlog_bytes)
      return Error{ErrorCode::would_block,
                   "channel to " + impl_->endpoint + " has " + std::to_string(impl_->backlog_bytes) + " bytes waiting"};
  }
  impl_->open.add(RecordKind::data, 0, payload);
  if (impl_->open.records() >= impl_->options.max_batch_records ||
      impl_->open.payload_bytes() >= impl_->options.max_batch_bytes) {
    impl_->close_batch();
    return impl_->drain();
  }
  return ok_status();
}

Status Sender::append_marker(RecordKind kind, std::uint64_t epoch) {
  if (auto s = impl_->check_usable(); !s) return s;
  if (kind == RecordKind::data)
    return Error{ErrorCode::invalid_argument, "append_marker needs a marker kind, not data"};
  // Markers are never refused for backlog: a barrier must not wait behind backpressure logic.
  impl_->open.add(kind, epoch, {});
  if (impl_->open.records() >= impl_->options.max_batch_records) {
    impl_->close_batch();
    return impl_->drain();
  }
  return ok_status();
}

Result<std::size_t> Sender::flush() {
  if (auto s = impl_->check_usable(); !s) return s.error();
  impl_->close_batch();
  if (auto s = impl_->drain(); !s) return s.error();
  return impl_->backlog.size();
}

Status Sender::flush_blocking(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = flush();
    if (!left) return left.error();
    if (left.value() == 0) return ok_status();
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return Error{ErrorCode::timeout, "channel to " + impl_->endpoint + " still has " + std::to_string(left.value()) +
                                           " batches waiting after the timeout"};
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    zmq::pollitem_t item{impl_->socket.handle(), 0, ZMQ_POLLOUT, 0};
    try {
      zmq::poll(&item, 1, std::max<std::chrono::milliseconds>(wait, std::chrono::milliseconds(1)));
    } catch (const zmq::error_t& e) {
      impl_->broken = true;
      return zmq_failure("polling a channel", impl_->endpoint, e);
    }
  }
}

std::size_t Sender::backlog_batches() const { return impl_->backlog.size(); }
std::size_t Sender::backlog_bytes() const { return impl_->backlog_bytes; }
std::size_t Sender::open_records() const { return impl_->open.records(); }
SenderId Sender::self() const { return impl_->self; }
const std::string& Sender::endpoint() const { return impl_->endpoint; }

// ---------------------------------------------------------------------------------------------
// Receiver

struct Receiver::Impl {
  zmq::socket_t socket;
  std::string endpoint;
  std::shared_ptr<Waker::Impl> wake;
  // Next expected batch sequence number per sender. A batch with seq 0 starts a new incarnation
  // of that sender's channel (a reconnected peer), anything else must follow on.
  std::unordered_map<SenderId, std::uint64_t> next_seq;
  std::uint64_t batches = 0;
  std::uint64_t records = 0;
  bool fence = false;
  std::uint32_t generation = 0;

  Impl(zmq::context_t& ctx) : socket(ctx, zmq::socket_type::pull) {}
};

Receiver::Receiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Receiver::~Receiver() = default;

Result<std::unique_ptr<Receiver>> Receiver::bind(TransportContext& context, const std::string& endpoint,
                                                 const ChannelOptions& options) {
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>(context.impl().context);
  } catch (const zmq::error_t& e) {
    return zmq_failure("creating a channel receiver", endpoint, e);
  }
  impl->endpoint = endpoint;
  impl->fence = options.fence;
  impl->generation = options.generation & 0xffffu;
  impl->wake = std::make_shared<Waker::Impl>();
  impl->wake->fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->wake->fd < 0)
    return Error{ErrorCode::io_error, std::string("eventfd for receiver ") + endpoint + ": " + std::strerror(errno)};
  try {
    impl->socket.set(zmq::sockopt::rcvhwm, options.high_water_mark);
    impl->socket.set(zmq::sockopt::linger, 0);
    if (auto s = context.impl().prepare_server(impl->socket, endpoint, "channel receiver"); !s) return s.error();
    impl->socket.bind(endpoint);
    impl->endpoint = impl->socket.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return zmq_failure("binding a channel receiver", endpoint, e);
  }
  return std::unique_ptr<Receiver>(new Receiver(std::move(impl)));
}

Result<std::size_t> Receiver::receive(std::chrono::milliseconds timeout, const RecordHandler& handler,
                                      std::size_t max_batches) {
  zmq::pollitem_t items[2] = {{impl_->socket.handle(), 0, ZMQ_POLLIN, 0}, {nullptr, impl_->wake->fd, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, 2, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return std::size_t{0};
    return zmq_failure("polling", impl_->endpoint, e);
  }
  if (items[1].revents & ZMQ_POLLIN) {
    std::uint64_t count;
    if (::read(impl_->wake->fd, &count, sizeof count) < 0 && errno != EAGAIN && errno != EINTR)
      return Error{ErrorCode::io_error,
                   std::string("reading the wake-up of ") + impl_->endpoint + ": " + std::strerror(errno)};
  }
  std::size_t delivered = 0;
  zmq::message_t msg;
  for (std::size_t i = 0; i < max_batches; ++i) {
    try {
      auto got = impl_->socket.recv(msg, zmq::recv_flags::dontwait);
      if (!got) break;
    } catch (const zmq::error_t& e) {
      return zmq_failure("receiving", impl_->endpoint, e);
    }
    handover_acquire(msg);
    auto peeked = peek_batch_header(msg.to_string_view());
    if (!peeked) return peeked.error();
    if (impl_->fence && (peeked->sender >> 16) != impl_->generation) continue;  // fenced off
    auto [it, fresh] = impl_->next_seq.try_emplace(peeked->sender, 0);
    if (peeked->seq != it->second && peeked->seq != 0)
      return Error{ErrorCode::corrupt, "channel from sender " + std::to_string(peeked->sender) + " to " +
                                           impl_->endpoint + " skipped from batch " + std::to_string(it->second) +
                                           " to " + std::to_string(peeked->seq)};
    std::size_t in_batch = 0;
    auto counting = [&](const RecordView& r) {
      ++in_batch;
      handler(r);
    };
    auto header = decode_batch(msg.to_string_view(), counting);
    if (!header) return header.error();
    it->second = header->seq + 1;
    ++impl_->batches;
    impl_->records += in_batch;
    delivered += in_batch;
  }
  return delivered;
}

Waker Receiver::waker() const { return Waker(impl_->wake); }
const std::string& Receiver::endpoint() const { return impl_->endpoint; }
std::uint64_t Receiver::batches_received() const { return impl_->batches; }
std::uint64_t Receiver::records_received() const { return impl_->records; }

}  // namespace sfn::runtime::transport
