// The I/O server (io_server.h): owns the ingress/egress logs and serves the ingress ROUTER, the
// control ROUTER and the egress PUB. One I/O thread owns the ingress ROUTER and the PUB: ingress
// requests that arrive together are validated, appended per log with one write + one fsync,
// and only then acknowledged; committed egress is published in offset order. A second thread
// owns the control ROUTER, so a slow status/state provider never delays ingress acks.
#include "runtime/io/io_server.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "common/edit_distance.h"
#include "runtime/io/protocol_convert.h"
#include "runtime/io/zmq_util.h"
#include "runtime/transport/context_impl.h"

namespace sfn::runtime::io {

namespace {

constexpr std::size_t kMaxIngressPerRound = 512;             // requests drained per group commit
constexpr std::size_t kMaxIngressRecordsPerRound = 65536;    // records drained per group commit
constexpr std::size_t kMaxIngressBytesPerRound = 64u << 20;  // request bytes drained per round
constexpr int kMaxBatchRecords = 65536;                      // records in one batch request
constexpr std::size_t kMaxControlPerRound = 64;
constexpr int kSendHighWaterMark = 100000;  // messages queued per peer before ZeroMQ drops
// Requests ZeroMQ reads ahead from one peer before it stops reading that connection (TCP then
// pushes back): with max_request_bytes() per request, what one peer can make the server hold.
// A bulk client has at most 8 requests in flight (BulkOptions), a single send one.
constexpr int kReceiveHighWaterMark = 64;
constexpr std::uint32_t kMaxEgressReadRecords = 1000;
constexpr std::size_t kMaxEgressReadBytes = 4u << 20;

bool valid_name(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
  return true;
}

// ZeroMQ binds a tcp host as an interface name or an address, so `localhost` (which passes the
// loopback check) would fail with "No such device": it is bound as 127.0.0.1.
std::string bindable(const std::string& endpoint) {
  const std::string local = "tcp://localhost:";
  if (endpoint.starts_with(local)) return "tcp://127.0.0.1:" + endpoint.substr(local.size());
  return endpoint;
}

proto::ErrorReply make_error(proto::ErrorKind kind, std::string message) {
  proto::ErrorReply e;
  e.set_kind(kind);
  e.set_message(std::move(message));
  return e;
}

// The wire form of an ingress record's failure (the client maps it back: protocol_convert.h).
proto::ErrorReply ingress_error(const Error& error) {
  switch (error.code) {
    case ErrorCode::not_found:
      return make_error(proto::ERROR_UNKNOWN_INGRESS, error.message);
    case ErrorCode::rejected:
      return make_error(proto::ERROR_UNDECODABLE, error.message);
    case ErrorCode::too_large:
      return make_error(proto::ERROR_TOO_LARGE, error.message);
    case ErrorCode::invalid_argument:
      return make_error(proto::ERROR_BAD_REQUEST, error.message);
    default:
      return make_error(proto::ERROR_INTERNAL, error.message);
  }
}

using LogMap = std::map<std::string, std::unique_ptr<RecordLog>, std::less<>>;

// What to tell a client that named no log of `logs` ("ingress" or "egress"): every name when
// there are few, else the nearest few (a program may have thousands).
std::string unknown_log(const LogMap& logs, std::string_view kind, std::string_view name) {
  constexpr std::size_t kListAll = 8, kNearest = 3;
  std::vector<std::string> names;
  for (const auto& [n, log] : logs) names.push_back(n);
  std::string out = "unknown " + std::string(kind) + " `" + std::string(name) + "` (";
  if (names.size() > kListAll) names = common::nearest_names(name, names, kNearest);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "`" : ", `") + n + "`";
  if (logs.size() <= kListAll) return out + "this program has: " + (list.empty() ? "none" : list) + ")";
  return out + "this program has " + std::to_string(logs.size()) + " " + std::string(kind) + "es" +
         (list.empty() ? "" : "; did you mean " + list + "?") + ")";
}

struct PendingPublish {
  std::string egress;
  std::uint64_t offset;
  std::string json;
};

}  // namespace

struct IoServer::Impl {
  IoServerOptions options;
  LogMap ingress;
  LogMap egress;
  transport::TransportContext context;  // its ZAP handler, with keys, outlives the sockets below
  std::optional<zmq::socket_t> ingress_socket, control_socket, pub_socket;
  std::string ingress_ep, egress_ep, control_ep;
  int wake_fd = -1;  // wakes the I/O thread: egress to publish, or stop
  int stop_fd = -1;  // never read: once written, wakes the control thread for good
  std::atomic<bool> stopping{false};
  std::thread thread;
  std::thread control_thread;
  std::mutex commit_mu;  // keeps egress appends and their publication in the same order
  std::mutex publish_mu;
  std::deque<PendingPublish> to_publish;

  ~Impl() {
    if (wake_fd >= 0) ::close(wake_fd);
    if (stop_fd >= 0) ::close(stop_fd);
  }

  void stop() {
    stopping.store(true);
    std::uint64_t one = 1;
    while (::write(stop_fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
    wake();
    if (thread.joinable()) thread.join();
    if (control_thread.joinable()) control_thread.join();
  }

  void wake() {
    std::uint64_t one = 1;
    while (::write(wake_fd, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }

  // Runs the validator; returns the bytes to store, or why the record is refused: not_found
  // (unknown ingress), rejected (does not decode), io_error (the validator failed).
  Result<std::string> validate(std::string_view name, PayloadFormat format, std::string_view data) {
    if (ingress.find(name) == ingress.end()) return Error{ErrorCode::not_found, unknown_log(ingress, "ingress", name)};
    try {
      auto verdict = options.validator(name, format, data);
      if (auto* bytes = std::get_if<std::string>(&verdict)) return std::move(*bytes);
      auto& rejection = std::get<IngressRejection>(verdict);
      return Error{
          rejection.code == IngressRejection::Code::unknown_ingress ? ErrorCode::not_found : ErrorCode::rejected,
          std::move(rejection.message)};
    } catch (const std::exception& e) {
      return Error{ErrorCode::io_error, std::string("ingress validator failed: ") + e.what()};
    }
  }

  // validate(), after refusing a record larger than `max_record_bytes` (0: any size).
  Result<std::string> admit(const IngestRequest& r, std::size_t max_record_bytes) {
    if (max_record_bytes != 0 && r.data.size() > max_record_bytes)
      return Error{ErrorCode::too_large, record_too_large(r.data.size(), max_record_bytes)};
    return validate(r.ingress, r.format, r.data);
  }

  // Validates `requests` (refusing records larger than `max_record_bytes`, 0: no limit) and
  // appends the valid ones with one append_batch (one write + one fsync) per ingress log; returns
  // once they are durable. Results are in request order; records of one ingress are appended in
  // request order.
  std::vector<Result<AppendResult>> ingest(std::span<const IngestRequest> requests, std::size_t max_record_bytes) {
    std::vector<std::optional<Result<AppendResult>>> results(requests.size());
    std::vector<std::string> stored(requests.size());
    for (std::size_t i = 0; i < requests.size(); ++i) {
      auto verdict = admit(requests[i], max_record_bytes);
      if (verdict)
        stored[i] = std::move(verdict.value());
      else
        results[i].emplace(verdict.error());
    }
    for (auto& [name, log] : ingress) {
      std::vector<AppendRequest> appends;
      std::vector<std::size_t> owners;
      for (std::size_t i = 0; i < requests.size(); ++i)
        if (!results[i] && requests[i].ingress == name) {
          appends.push_back({stored[i], requests[i].idempotency_key});
          owners.push_back(i);
        }
      if (appends.empty()) continue;
      auto appended = log->append_batch(appends);
      for (std::size_t k = 0; k < appended.size(); ++k) {
        if (!appended[k])
          appended[k] = Error{appended[k].error().code,
                              "appending to ingress `" + name + "` failed: " + appended[k].error().message};
        results[owners[k]].emplace(std::move(appended[k]));
      }
    }
    std::vector<Result<AppendResult>> out;
    out.reserve(requests.size());
    for (auto& r : results) out.push_back(std::move(*r));
    return out;
  }

  void report(const transport::Error& e) { std::fprintf(stderr, "sfn: I/O server: %s\n", e.message.c_str()); }

  void reply(zmq::socket_t& socket, std::vector<zmq::message_t>& envelope, const google::protobuf::Message& message,
             const std::string& endpoint) {
    envelope.emplace_back(message.SerializeAsString());
    if (auto s = detail::send_multipart(socket, envelope, endpoint); !s) report(s.error());
  }

  // One ingress request of a round: who to answer, what was asked, and the answer.
  // The request and the reply live on the round's arena (no allocation per record object).
  struct IngressCall {
    std::vector<zmq::message_t> envelope;
    proto::IngressRequest& request;
    proto::IngressReply& reply;
    bool batch = false;
    bool refused = false;      // the request as a whole was refused (reply.error is set)
    bool limits_only = false;  // asks only for the limits (ask_limits): no records
  };

  // Parses one received request; refuses it as a whole when it is malformed.
  void parse_call(IngressCall& call, const zmq::message_t& body) {
    auto refuse = [&call](proto::ErrorKind kind, std::string message) {
      *call.reply.mutable_error() = make_error(kind, std::move(message));
      call.refused = true;
    };
    if (!call.request.ParseFromArray(body.data(), static_cast<int>(body.size())))
      return refuse(proto::ERROR_BAD_REQUEST, "the request is not an IngressRequest message");
    call.reply.set_request_id(call.request.request_id());
    call.limits_only = call.request.ask_limits();
    if (call.limits_only) return;
    call.batch = call.request.records_size() > 0;
    bool single = call.request.data_case() != proto::IngressRequest::DATA_NOT_SET;
    if (call.batch && single) return refuse(proto::ERROR_BAD_REQUEST, "the request carries both a record and a batch");
    if (!call.batch && !single) return refuse(proto::ERROR_BAD_REQUEST, "the request carries no record data");
    if (!call.batch) return;
    if (call.request.records_size() > kMaxBatchRecords)
      return refuse(proto::ERROR_BAD_REQUEST, "a batch holds at most " + std::to_string(kMaxBatchRecords) + " records");
    if (ingress.find(call.request.ingress()) == ingress.end())
      return refuse(proto::ERROR_UNKNOWN_INGRESS, unknown_log(ingress, "ingress", call.request.ingress()));
    for (int i = 0; i < call.request.records_size(); ++i)
      if (call.request.records(i).data_case() == proto::IngressRecord::DATA_NOT_SET)
        return refuse(proto::ERROR_BAD_REQUEST, "record " + std::to_string(i) + " of the batch carries no data");
  }

  // Receives the requests waiting on the ingress ROUTER, up to a round's limits.
  std::vector<IngressCall> receive_ingress_round(google::protobuf::Arena& arena) {
    std::vector<IngressCall> calls;
    std::size_t records = 0, bytes = 0;
    while (calls.size() < kMaxIngressPerRound && records < kMaxIngressRecordsPerRound &&
           bytes < kMaxIngressBytesPerRound) {
      auto parts = detail::recv_multipart_nowait(*ingress_socket, ingress_ep);
      if (!parts) {
        report(parts.error());
        break;
      }
      if (parts->empty()) break;
      if (parts->size() < 2) continue;  // no routing identity: nobody to answer
      IngressCall& call =
          calls.emplace_back(IngressCall{{},
                                         *google::protobuf::Arena::CreateMessage<proto::IngressRequest>(&arena),
                                         *google::protobuf::Arena::CreateMessage<proto::IngressReply>(&arena)});
      parse_call(call, parts->back());
      bytes += parts->back().size();
      parts->pop_back();
      call.envelope = std::move(parts.value());
      records += call.batch ? static_cast<std::size_t>(call.request.records_size()) : 1;
    }
    return calls;
  }

  // The records of a round as one list for ingest() (views into the calls' requests).
  static std::vector<IngestRequest> round_records(const std::vector<IngressCall>& calls) {
    std::vector<IngestRequest> records;
    for (const auto& call : calls) {
      if (call.refused || call.limits_only) continue;
      const auto& r = call.request;
      if (!call.batch) {
        bool json = r.data_case() == proto::IngressRequest::kJson;
        records.push_back({r.ingress(), json ? PayloadFormat::json : PayloadFormat::protobuf,
                           json ? r.json() : r.protobuf(), r.idempotency_key()});
        continue;
      }
      for (const auto& record : r.records()) {
        bool json = record.data_case() == proto::IngressRecord::kJson;
        records.push_back({r.ingress(), json ? PayloadFormat::json : PayloadFormat::protobuf,
                           json ? record.json() : record.protobuf(), record.idempotency_key()});
      }
    }
    return records;
  }

  // Writes one record's result into a reply (single request) or a batch result.
  template <typename Target>
  static void set_result(const Result<AppendResult>& result, Target& out) {
    if (result) {
      out.mutable_ack()->set_offset(result->offset);
      out.mutable_ack()->set_duplicate(result->duplicate);
    } else {
      *out.mutable_error() = ingress_error(result.error());
    }
  }

  // Serves one round: every waiting request is validated and appended together (one write +
  // one fsync per ingress log), and answered only after that, so every ack is durable.
  void serve_ingress() {
    google::protobuf::ArenaOptions sizes;
    sizes.start_block_size = 64u << 10;
    sizes.max_block_size = 4u << 20;
    google::protobuf::Arena arena(sizes);
    std::vector<IngressCall> calls = receive_ingress_round(arena);
    std::vector<IngestRequest> records = round_records(calls);
    std::vector<Result<AppendResult>> results = ingest(records, options.max_record_bytes);
    std::size_t next = 0;
    for (auto& call : calls) {
      call.reply.set_max_record_bytes(options.max_record_bytes);
      if (call.limits_only) {
        reply(*ingress_socket, call.envelope, call.reply, ingress_ep);
        continue;
      }
      if (!call.refused && !call.batch) set_result(results[next++], call.reply);
      if (!call.refused && call.batch) {
        call.reply.mutable_results()->Reserve(call.request.records_size());
        for (int i = 0; i < call.request.records_size(); ++i) set_result(results[next++], *call.reply.add_results());
      }
      reply(*ingress_socket, call.envelope, call.reply, ingress_ep);
    }
  }

  void fill_logs(StatusReport& report) {
    report.ingresses.clear();
    report.egresses.clear();
    for (auto& [name, log] : ingress) report.ingresses.push_back({name, log->start_offset(), log->end_offset()});
    for (auto& [name, log] : egress) report.egresses.push_back({name, log->start_offset(), log->end_offset()});
  }

  void answer_control(const proto::ControlRequest& request, proto::ControlReply& reply) {
    try {
      switch (request.request_case()) {
        case proto::ControlRequest::kStatus: {
          StatusReport report = options.status ? options.status() : StatusReport{};
          fill_logs(report);
          report.curve = options.security.keys.has_value();
          report.refused_clients = context.refused_clients();
          detail::to_proto(report, *reply.mutable_status());
          return;
        }
        case proto::ControlRequest::kState: {
          if (!options.state) {
            *reply.mutable_error() = make_error(proto::ERROR_UNAVAILABLE, "this runtime does not serve instance state");
            return;
          }
          auto state = options.state(request.state().address());
          if (state) {
            reply.mutable_state()->set_json(std::move(state.value()));
          } else {
            proto::ErrorKind kind = proto::ERROR_INTERNAL;
            if (state.error().code == ErrorCode::not_found) kind = proto::ERROR_NOT_FOUND;
            if (state.error().code == ErrorCode::invalid_argument) kind = proto::ERROR_BAD_REQUEST;
            *reply.mutable_error() = make_error(kind, state.error().message);
          }
          return;
        }
        case proto::ControlRequest::kEgressRead: {
          const auto& read = request.egress_read();
          auto it = egress.find(read.egress());
          if (it == egress.end()) {
            *reply.mutable_error() = make_error(proto::ERROR_NOT_FOUND, unknown_log(egress, "egress", read.egress()));
            return;
          }
          std::uint32_t max = read.max_records() == 0 ? 100 : read.max_records();
          max = std::min(max, kMaxEgressReadRecords);
          auto* out = reply.mutable_egress_read();
          std::size_t bytes = 0;
          auto visited = it->second->read(read.from_offset(), max,
                                          [&](std::uint64_t offset, std::string_view payload, std::string_view) {
                                            auto* r = out->add_records();
                                            r->set_egress(read.egress());
                                            r->set_offset(offset);
                                            r->set_json(std::string(payload));
                                            bytes += payload.size();
                                            return bytes < kMaxEgressReadBytes;
                                          });
          if (!visited) {
            reply.clear_egress_read();
            *reply.mutable_error() = make_error(proto::ERROR_INTERNAL, visited.error().message);
            return;
          }
          out->set_start_offset(it->second->start_offset());
          out->set_end_offset(it->second->end_offset());
          return;
        }
        case proto::ControlRequest::kReload: {
          auto label = options.reload
                           ? options.reload(request.reload().path())
                           : Result<std::string>(Error{ErrorCode::invalid_argument,
                                                       "this run cannot be reloaded (start it with sfn run FILE.sfn)"});
          if (label)
            reply.mutable_reload()->set_version(std::move(label.value()));
          else
            *reply.mutable_error() = ingress_error(label.error());  // rejected: the version was refused
          return;
        }
        case proto::ControlRequest::REQUEST_NOT_SET:
          break;
      }
      *reply.mutable_error() = make_error(proto::ERROR_BAD_REQUEST, "empty control request");
    } catch (const std::exception& e) {
      reply.Clear();
      *reply.mutable_error() = make_error(proto::ERROR_INTERNAL, e.what());
    }
  }

  void serve_control() {
    for (std::size_t n = 0; n < kMaxControlPerRound; ++n) {
      auto parts = detail::recv_multipart_nowait(*control_socket, control_ep);
      if (!parts) {
        report(parts.error());
        return;
      }
      if (parts->empty()) return;
      if (parts->size() < 2) continue;
      proto::ControlRequest request;
      proto::ControlReply reply;
      if (!request.ParseFromArray(parts->back().data(), static_cast<int>(parts->back().size()))) {
        *reply.mutable_error() = make_error(proto::ERROR_BAD_REQUEST, "the request is not a ControlRequest message");
      } else {
        reply.set_request_id(request.request_id());
        answer_control(request, reply);
      }
      parts->pop_back();
      this->reply(*control_socket, parts.value(), reply, control_ep);
    }
  }

  void publish_pending() {
    std::deque<PendingPublish> items;
    {
      std::lock_guard lk(publish_mu);
      items.swap(to_publish);
    }
    if (!pub_socket) return;
    for (auto& item : items) {
      proto::EgressRecord record;
      record.set_egress(item.egress);
      record.set_offset(item.offset);
      record.set_json(std::move(item.json));
      std::vector<zmq::message_t> parts;
      parts.emplace_back(item.egress.data(), item.egress.size());
      parts.emplace_back(record.SerializeAsString());
      // PUB never blocks: a subscriber beyond its high-water mark misses messages and refills
      // the gap from the log (EgressFollower), so nothing committed is lost to it.
      if (auto s = detail::send_multipart(*pub_socket, parts, egress_ep); !s) report(s.error());
    }
  }

  // Polls `socket` (if any) and `fd` until stopping; calls `serve` when the socket is readable
  // and `on_fd` when the fd is.
  template <typename Serve, typename OnFd>
  void poll_loop(std::optional<zmq::socket_t>& socket, int fd, Serve serve, OnFd on_fd) {
    while (!stopping.load()) {
      zmq::pollitem_t items[2] = {{nullptr, fd, ZMQ_POLLIN, 0},
                                  {socket ? socket->handle() : nullptr, 0, ZMQ_POLLIN, 0}};
      try {
        zmq::poll(items, socket ? 2 : 1, std::chrono::milliseconds(-1));
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;
        report(detail::zmq_error("polling", "the I/O endpoints", e));
        return;
      }
      if (items[0].revents & ZMQ_POLLIN) on_fd();
      if (socket && (items[1].revents & ZMQ_POLLIN)) serve();
    }
  }

  void run() {
    poll_loop(
        ingress_socket, wake_fd,
        [this] {
          serve_ingress();
          publish_pending();
        },
        [this] {
          std::uint64_t count;
          if (::read(wake_fd, &count, sizeof count) < 0 && errno != EAGAIN && errno != EINTR)
            report(Error{ErrorCode::io_error, std::string("reading the I/O wake-up: ") + std::strerror(errno)});
          publish_pending();
        });
  }

  void run_control() {
    poll_loop(control_socket, stop_fd, [this] { serve_control(); }, [] {});
  }

  Status bind(std::optional<zmq::socket_t>& socket, zmq::socket_type type, const std::string& endpoint,
              std::string& resolved, const char* role) {
    if (endpoint.empty()) return transport::ok_status();
    if (auto s = detail::check_endpoint(endpoint); !s) return s;
    try {
      socket.emplace(context.impl().context, type);
      if (auto s = context.impl().prepare_server(*socket, endpoint, std::string(role) + " endpoint"); !s) {
        socket.reset();
        return s;
      }
      socket->set(zmq::sockopt::linger, 0);
      // PUB: slow subscribers refill gaps from the log. ROUTER: a reply beyond the high-water
      // mark is dropped silently, and ZeroMQ's count lags behind what the peer has read (by
      // up to half the mark), so a client pipelining ~500 requests lost replies with the
      // default of 1000; a client's own window bounds what really waits here.
      socket->set(zmq::sockopt::sndhwm, kSendHighWaterMark);
      // A hard bound on what a peer can make the server allocate: ZeroMQ reads a frame's length
      // first and disconnects a peer whose frame is larger (decision 110).
      socket->set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(max_request_bytes(options.max_record_bytes)));
      socket->set(zmq::sockopt::rcvhwm, kReceiveHighWaterMark);
      if (endpoint.starts_with("tcp://[")) socket->set(zmq::sockopt::ipv6, 1);  // e.g. [::1]
      socket->bind(bindable(endpoint));
      resolved = socket->get(zmq::sockopt::last_endpoint);
    } catch (const zmq::error_t& e) {
      socket.reset();
      return Error{ErrorCode::io_error,
                   std::string("cannot bind the ") + role + " endpoint " + endpoint + ": " + e.what()};
    }
    return transport::ok_status();
  }
};

IoServer::IoServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

IoServer::~IoServer() { impl_->stop(); }

Result<std::unique_ptr<IoServer>> IoServer::start(IoServerOptions options) {
  if (!options.validator) return Error{ErrorCode::invalid_argument, "the I/O server needs an ingress validator"};
  if (options.max_record_bytes < kMinMaxRecordBytes || options.max_record_bytes > kMaxMaxRecordBytes)
    return Error{ErrorCode::invalid_argument,
                 "the largest ingress record must be from " + std::to_string(kMinMaxRecordBytes) + " to " +
                     std::to_string(kMaxMaxRecordBytes) + " bytes, not " + std::to_string(options.max_record_bytes)};
  auto impl = std::make_unique<Impl>();
  auto open_logs = [&](const std::vector<std::string>& names, const char* kind, const LogOptions& log_options,
                       LogMap& into) -> Status {
    for (const auto& name : names) {
      if (!valid_name(name))
        return Error{ErrorCode::invalid_argument,
                     std::string(kind) + " name `" + name + "` is not usable as a log name"};
      if (into.count(name)) continue;
      auto log = RecordLog::open(options.log_dir / kind / name, log_options);
      if (!log) return log.error();
      into.emplace(name, std::move(log.value()));
    }
    return transport::ok_status();
  };
  if (auto s = open_logs(options.ingress_names, "ingress", options.ingress_log_options, impl->ingress); !s)
    return s.error();
  if (auto s = open_logs(options.egress_names, "egress", options.egress_log_options, impl->egress); !s)
    return s.error();
  impl->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  impl->stop_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->wake_fd < 0 || impl->stop_fd < 0)
    return Error{ErrorCode::io_error, std::string("eventfd: ") + std::strerror(errno)};
  if (auto s = impl->context.secure(options.security); !s) return s.error();
  impl->options.max_record_bytes = options.max_record_bytes;
  if (auto s = impl->bind(impl->ingress_socket, zmq::socket_type::router, options.ingress_endpoint, impl->ingress_ep,
                          "ingress");
      !s)
    return s.error();
  if (auto s = impl->bind(impl->pub_socket, zmq::socket_type::pub, options.egress_endpoint, impl->egress_ep, "egress");
      !s)
    return s.error();
  if (auto s = impl->bind(impl->control_socket, zmq::socket_type::router, options.control_endpoint, impl->control_ep,
                          "control");
      !s)
    return s.error();
  impl->options = std::move(options);
  Impl* raw = impl.get();
  if (impl->ingress_socket || impl->pub_socket) impl->thread = std::thread([raw] { raw->run(); });
  if (impl->control_socket) impl->control_thread = std::thread([raw] { raw->run_control(); });
  return std::unique_ptr<IoServer>(new IoServer(std::move(impl)));
}

Result<AppendResult> IoServer::ingest(std::string_view ingress, PayloadFormat format, std::string_view data,
                                      std::string_view idempotency_key) {
  IngestRequest request{ingress, format, data, idempotency_key};
  return std::move(impl_->ingest(std::span<const IngestRequest>(&request, 1), 0).front());
}

std::vector<Result<AppendResult>> IoServer::ingest_batch(std::span<const IngestRequest> requests) {
  return impl_->ingest(requests, 0);
}

RecordLog* IoServer::ingress_log(std::string_view name) const {
  auto it = impl_->ingress.find(name);
  return it == impl_->ingress.end() ? nullptr : it->second.get();
}

RecordLog* IoServer::egress_log(std::string_view name) const {
  auto it = impl_->egress.find(name);
  return it == impl_->egress.end() ? nullptr : it->second.get();
}

Result<std::uint64_t> IoServer::commit_egress(std::string_view egress, std::span<const std::string> json,
                                              std::span<const std::string> keys) {
  auto it = impl_->egress.find(egress);
  if (it == impl_->egress.end()) return Error{ErrorCode::not_found, "unknown egress `" + std::string(egress) + "`"};
  std::lock_guard commit(impl_->commit_mu);
  std::vector<AppendRequest> requests;
  requests.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i)  // views of `keys` itself, never of a temporary copy
    requests.push_back({json[i], i < keys.size() ? std::string_view(keys[i]) : std::string_view()});
  auto results = it->second->append_batch(requests);
  for (auto& r : results)
    if (!r) return r.error();
  std::uint64_t first = results.empty() ? it->second->end_offset() : results.front()->offset;
  if (impl_->pub_socket && !json.empty()) {
    {
      std::lock_guard lk(impl_->publish_mu);
      for (std::size_t i = 0; i < json.size(); ++i)
        impl_->to_publish.push_back({std::string(egress), results[i]->offset, json[i]});
    }
    impl_->wake();
  }
  return first;
}

const std::string& IoServer::ingress_endpoint() const { return impl_->ingress_ep; }
const std::string& IoServer::egress_endpoint() const { return impl_->egress_ep; }
const std::string& IoServer::control_endpoint() const { return impl_->control_ep; }
std::uint64_t IoServer::refused_clients() const { return impl_->context.refused_clients(); }

}  // namespace sfn::runtime::io
