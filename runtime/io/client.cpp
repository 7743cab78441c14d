// Clients of the runtime's endpoints (client.h): one DEALER request/reply per call with a
// deadline, and the egress follower that combines log reads over the control endpoint with
// the PUB stream.
#include "sfn/client.h"

#include <optional>

#include "runtime/io/protocol_convert.h"
#include "runtime/io/zmq_util.h"

namespace sfn::runtime::io {

namespace {

// Sends a request (ControlRequest, IngressRequest) with a fresh id and returns the reply to it
// (ControlReply, IngressReply), its error already mapped.
template <typename Reply, typename Request>
Result<Reply> call(const ServerEndpoint& server, Request& request, std::chrono::milliseconds timeout,
                   std::string_view what) {
  request.set_request_id(detail::next_request_id());
  zmq::context_t context(1);
  auto raw = detail::request_reply(context, server, request.SerializeAsString(), timeout, what);
  if (!raw) return raw.error();
  Reply reply;
  if (!reply.ParseFromString(raw.value()) || reply.request_id() != request.request_id())
    return detail::bad_reply(server.address);
  if (reply.has_error()) return detail::from_proto(reply.error(), server.address);
  return reply;
}

Result<proto::ControlReply> control_call(const ServerEndpoint& endpoint, proto::ControlRequest& request,
                                         std::chrono::milliseconds timeout, std::string_view what) {
  return call<proto::ControlReply>(endpoint, request, timeout, what);
}

Result<proto::IngressReply> ingress_call(const ServerEndpoint& endpoint, proto::IngressRequest& request,
                                         std::chrono::milliseconds timeout) {
  return call<proto::IngressReply>(endpoint, request, timeout, "ingress endpoint");
}

// A record larger than a batch request may be larger than the server receives, and the server
// would drop its request unanswered: such a record is first checked against the server's limit.
Status check_record_size(const ServerEndpoint& endpoint, std::string_view ingress, std::size_t bytes,
                         std::chrono::milliseconds timeout) {
  if (bytes <= kMaxBatchRequestBytes) return transport::ok_status();
  proto::IngressRequest ask;
  ask.set_ingress(std::string(ingress));
  ask.set_ask_limits(true);
  auto limits = ingress_call(endpoint, ask, timeout);
  if (!limits) return limits.error();
  if (bytes > limits->max_record_bytes())
    return Error{ErrorCode::too_large, record_too_large(bytes, limits->max_record_bytes())};
  return transport::ok_status();
}

}  // namespace

Result<AppendResult> send_ingress(const ServerEndpoint& endpoint, std::string_view ingress, PayloadFormat format,
                                  std::string_view data, std::string_view idempotency_key,
                                  std::chrono::milliseconds timeout) {
  if (auto s = check_record_size(endpoint, ingress, data.size(), timeout); !s) return s.error();
  proto::IngressRequest request;
  request.set_ingress(std::string(ingress));
  if (format == PayloadFormat::json)
    request.set_json(std::string(data));
  else
    request.set_protobuf(std::string(data));
  request.set_idempotency_key(std::string(idempotency_key));
  auto reply = ingress_call(endpoint, request, timeout);
  if (!reply) return reply.error();
  if (!reply->has_ack()) return detail::bad_reply(endpoint.address);
  return AppendResult{reply->ack().offset(), reply->ack().duplicate()};
}

Result<StatusReport> query_status(const ServerEndpoint& endpoint, std::chrono::milliseconds timeout) {
  proto::ControlRequest request;
  request.mutable_status();
  auto reply = control_call(endpoint, request, timeout, "control endpoint");
  if (!reply) return reply.error();
  if (!reply->has_status()) return detail::bad_reply(endpoint.address);
  return detail::from_proto(reply->status());
}

Result<std::string> query_state(const ServerEndpoint& endpoint, std::string_view address,
                                std::chrono::milliseconds timeout) {
  proto::ControlRequest request;
  request.mutable_state()->set_address(std::string(address));
  auto reply = control_call(endpoint, request, timeout, "control endpoint");
  if (!reply) return reply.error();
  if (!reply->has_state()) return detail::bad_reply(endpoint.address);
  return std::move(*reply->mutable_state()->mutable_json());
}

Result<std::string> request_reload(const ServerEndpoint& endpoint, const std::string& path,
                                   std::chrono::milliseconds timeout) {
  proto::ControlRequest request;
  request.mutable_reload()->set_path(path);
  auto reply = control_call(endpoint, request, timeout, "control endpoint");
  if (!reply) return reply.error();
  if (!reply->has_reload()) return detail::bad_reply(endpoint.address);
  return std::move(*reply->mutable_reload()->mutable_version());
}

Result<EgressPage> read_egress(const ServerEndpoint& control_endpoint, std::string_view egress, std::uint64_t from,
                               std::uint32_t max_records, std::chrono::milliseconds timeout) {
  proto::ControlRequest request;
  auto* read = request.mutable_egress_read();
  read->set_egress(std::string(egress));
  read->set_from_offset(from);
  read->set_max_records(max_records);
  auto reply = control_call(control_endpoint, request, timeout, "control endpoint");
  if (!reply) return reply.error();
  if (!reply->has_egress_read()) return detail::bad_reply(control_endpoint.address);
  EgressPage page;
  page.start_offset = reply->egress_read().start_offset();
  page.end_offset = reply->egress_read().end_offset();
  for (auto& r : *reply->mutable_egress_read()->mutable_records())
    page.records.push_back({r.offset(), std::move(*r.mutable_json())});
  return page;
}

struct EgressFollower::Impl {
  ServerEndpoint egress_ep;
  ServerEndpoint control_ep;
  std::string egress;
  std::chrono::milliseconds timeout;
  zmq::context_t context{1};
  std::optional<detail::ClientSocket> sub;
  std::uint64_t next = 0;
  bool need_fetch = true;

  // Reads the log from `next`; keeps need_fetch while more remains.
  Status fetch(std::vector<EgressRecord>& out) {
    auto page = read_egress(control_ep, egress, next, 1000, timeout);
    if (!page) return page.error();
    if (next < page->start_offset) next = page->start_offset;  // older records were truncated
    for (auto& r : page->records) {
      if (r.offset < next) continue;
      next = r.offset + 1;
      out.push_back(std::move(r));
    }
    need_fetch = next < page->end_offset;
    return transport::ok_status();
  }

  // Takes the records published since the last call, refilling gaps from the log.
  Status take_published(std::vector<EgressRecord>& out) {
    for (;;) {
      auto parts = detail::recv_multipart_nowait(sub->socket(), egress_ep.address);
      if (!parts) return parts.error();
      if (parts->empty()) return transport::ok_status();
      if (parts->size() != 2 || parts->front().to_string_view() != egress) continue;
      proto::EgressRecord record;
      if (!record.ParseFromArray(parts->back().data(), static_cast<int>(parts->back().size())))
        return detail::bad_reply(egress_ep.address);
      if (record.offset() < next) continue;
      if (record.offset() > next) {  // a gap: refill from the log
        if (auto s = fetch(out); !s) return s;
        continue;
      }
      out.push_back({record.offset(), std::move(*record.mutable_json())});
      ++next;
    }
  }
};

EgressFollower::EgressFollower(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
EgressFollower::~EgressFollower() = default;

Result<std::unique_ptr<EgressFollower>> EgressFollower::open(const ServerEndpoint& egress_endpoint,
                                                             const ServerEndpoint& control_endpoint, std::string egress,
                                                             std::uint64_t from, std::chrono::milliseconds timeout) {
  if (auto s = detail::check_endpoint(control_endpoint.address); !s) return s.error();
  auto impl = std::make_unique<Impl>();
  impl->egress_ep = egress_endpoint;
  impl->control_ep = control_endpoint;
  impl->egress = std::move(egress);
  impl->timeout = timeout;
  impl->next = from;
  auto sub = detail::ClientSocket::connect(impl->context, zmq::socket_type::sub, egress_endpoint, "egress endpoint",
                                           [&](zmq::socket_t& s) {
                                             s.set(zmq::sockopt::rcvhwm, 100000);
                                             s.set(zmq::sockopt::subscribe, impl->egress);
                                           });
  if (!sub) return sub.error();
  impl->sub.emplace(std::move(sub.value()));
  // Fail early (unknown egress, nothing answering) rather than on the first next().
  auto probe = read_egress(control_endpoint, impl->egress, from, 1, timeout);
  if (!probe) return probe.error();
  return std::unique_ptr<EgressFollower>(new EgressFollower(std::move(impl)));
}

Result<std::vector<EgressRecord>> EgressFollower::next(std::chrono::milliseconds wait) {
  Impl& m = *impl_;
  std::vector<EgressRecord> out;
  if (m.need_fetch) {
    if (auto s = m.fetch(out); !s) return s.error();
    if (!out.empty()) return out;
  }
  auto readable = m.sub->poll(ZMQ_POLLIN, wait);
  if (!readable) return readable.error();
  // Quiet: check the log in case published records were missed (dropped or published before
  // our subscription took effect).
  auto s = (readable.value() & ZMQ_POLLIN) ? m.take_published(out) : m.fetch(out);
  if (!s) return s.error();
  return out;
}

std::uint64_t EgressFollower::next_offset() const { return impl_->next; }

}  // namespace sfn::runtime::io
