// The bulk ingress client (bulk_sender.h): batch requests in a bounded window over one DEALER.
#include "runtime/io/bulk_sender.h"

#include <deque>
#include <optional>
#include <vector>

#include "runtime/io/protocol_convert.h"
#include "runtime/io/zmq_util.h"

namespace sfn::runtime::io {

struct BulkSender::Impl {
  ServerEndpoint server;
  std::string endpoint;  // server.address
  BulkOptions options;
  BulkResultHandler on_result;
  zmq::context_t context{1};
  std::optional<detail::ClientSocket> socket;
  proto::IngressRequest building;  // the request being filled; cleared (not freed) when sent
  std::vector<std::uint64_t> building_tags;
  std::size_t building_bytes = 0;
  std::size_t max_record_bytes = 0;  // the server's limit, from its replies (0: not told yet)
  struct Outstanding {
    std::uint64_t request_id;
    std::vector<std::uint64_t> tags;  // none for a limits-only request
  };
  std::deque<Outstanding> in_flight;  // in the order sent, which is the order answered
  std::uint64_t unacknowledged = 0;
  proto::IngressReply reply;  // reused for every reply
  std::optional<Error> failed;

  // Remembers the first error: the stream cannot go on after it.
  Status fail(Error error) {
    failed = std::move(error);
    return *failed;
  }

  Error no_answer() const {
    return detail::no_answer(server, "ingress endpoint", options.timeout,
                             ", " + std::to_string(unacknowledged) + " records not acknowledged");
  }

  // Hands the results of one reply to the handler.
  Status deliver(const zmq::message_t& body) {
    if (!reply.ParseFromArray(body.data(), static_cast<int>(body.size())) || in_flight.empty())
      return fail(detail::bad_reply(endpoint));
    if (reply.request_id() != in_flight.front().request_id) {
      for (const auto& later : in_flight)
        if (later.request_id == reply.request_id())
          return fail(Error{ErrorCode::io_error, "requests to " + endpoint +
                                                     " went unanswered while later ones were "
                                                     "answered (did the server restart?); " +
                                                     std::to_string(unacknowledged) + " records not acknowledged"});
      return fail(detail::bad_reply(endpoint));
    }
    if (reply.max_record_bytes() != 0) max_record_bytes = reply.max_record_bytes();
    if (reply.has_error()) return fail(detail::from_proto(reply.error(), endpoint));
    Outstanding done = std::move(in_flight.front());
    in_flight.pop_front();
    if (static_cast<std::size_t>(reply.results_size()) != done.tags.size()) return fail(detail::bad_reply(endpoint));
    unacknowledged -= done.tags.size();
    for (std::size_t i = 0; i < done.tags.size(); ++i) {
      const auto& r = reply.results(static_cast<int>(i));
      if (r.has_ack())
        on_result(done.tags[i], AppendResult{r.ack().offset(), r.ack().duplicate()});
      else
        on_result(done.tags[i], detail::from_proto(r.error(), endpoint));
    }
    return transport::ok_status();
  }

  // Waits up to `wait` for one reply and delivers it; `received` tells whether one came.
  Status receive(std::chrono::milliseconds wait, bool& received) {
    received = false;
    auto readable = socket->poll(ZMQ_POLLIN, wait);
    if (!readable) return fail(readable.error());
    if (!(readable.value() & ZMQ_POLLIN)) return transport::ok_status();
    auto parts = detail::recv_multipart_nowait(socket->socket(), endpoint);
    if (!parts) return fail(parts.error());
    if (parts->empty()) return transport::ok_status();
    received = true;
    return deliver(parts->back());
  }

  // Delivers the replies that have arrived, without waiting.
  Status drain() {
    for (bool received = true; received;)
      if (auto s = receive(std::chrono::milliseconds(0), received); !s) return s;
    return transport::ok_status();
  }

  // Waits for the oldest outstanding request's reply (a timeout error if none comes).
  Status await_one() {
    bool received = false;
    if (auto s = receive(options.timeout, received); !s) return s;
    return received ? transport::ok_status() : fail(no_answer());
  }

  // Waits until every request sent has been answered.
  Status await_all() {
    while (!in_flight.empty())
      if (auto s = await_one(); !s) return s;
    return transport::ok_status();
  }

  // Sends `request` with a fresh id, first waiting while the window is full.
  Status send(proto::IngressRequest& request, std::vector<std::uint64_t> tags) {
    while (in_flight.size() >= options.max_requests_in_flight)
      if (auto s = await_one(); !s) return s;
    request.set_request_id(detail::next_request_id());
    std::vector<zmq::message_t> parts;
    parts.emplace_back();
    parts.emplace_back(request.ByteSizeLong());
    request.SerializeWithCachedSizesToArray(static_cast<std::uint8_t*>(parts.back().data()));
    if (auto s = detail::send_multipart(socket->socket(), parts, endpoint); !s) return fail(s.error());
    in_flight.push_back({request.request_id(), std::move(tags)});
    return transport::ok_status();
  }

  // Sends the request being filled, if it holds any record.
  Status send_building() {
    if (building_tags.empty()) return transport::ok_status();
    if (auto s = send(building, std::move(building_tags)); !s) return s;
    building_tags = {};
    building_tags.reserve(options.records_per_request);
    building.mutable_records()->Clear();
    building_bytes = 0;
    return transport::ok_status();
  }

  // Adds a record to the request being filled (`bytes`: its data, key and framing).
  void append(std::string_view data, std::string_view key, std::uint64_t tag, std::size_t bytes) {
    proto::IngressRecord* record = building.add_records();
    if (options.format == PayloadFormat::json)
      record->set_json(data.data(), data.size());
    else
      record->set_protobuf(data.data(), data.size());
    record->set_idempotency_key(key.data(), key.size());
    building_tags.push_back(tag);
    building_bytes += bytes;
    ++unacknowledged;
  }

  // Learns the server's record size limit (a limits-only request, answered after every request
  // before it).
  Status ask_limits() {
    proto::IngressRequest ask;
    ask.set_ingress(building.ingress());
    ask.set_ask_limits(true);
    if (auto s = send(ask, {}); !s) return s;
    if (auto s = await_all(); !s) return s;
    if (max_record_bytes == 0)
      return fail(Error{ErrorCode::io_error, "the server at " + endpoint + " did not tell its record size limit"});
    return transport::ok_status();
  }

  // A record larger than a batch request: sent alone if the server accepts its size, else refused
  // here, its result handed over after those of the records before it.
  Status add_alone(std::string_view data, std::string_view key, std::uint64_t tag, std::size_t bytes) {
    if (auto s = send_building(); !s) return s;
    if (max_record_bytes == 0)
      if (auto s = ask_limits(); !s) return s;
    if (data.size() > max_record_bytes) {
      if (auto s = await_all(); !s) return s;
      on_result(tag, Error{ErrorCode::too_large, record_too_large(data.size(), max_record_bytes)});
      return transport::ok_status();
    }
    append(data, key, tag, bytes);
    if (auto s = send_building(); !s) return s;
    return drain();
  }
};

BulkSender::BulkSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BulkSender::~BulkSender() = default;

Result<std::unique_ptr<BulkSender>> BulkSender::connect(const ServerEndpoint& server, std::string ingress,
                                                        BulkOptions options, BulkResultHandler on_result) {
  if (auto s = detail::check_endpoint(server.address); !s) return s.error();
  if (options.records_per_request == 0 || options.max_requests_in_flight == 0)
    return Error{ErrorCode::invalid_argument,
                 "a bulk sender needs at least one record per request and one request in flight"};
  if (options.max_request_bytes > kMaxBatchRequestBytes)
    return Error{ErrorCode::invalid_argument,
                 "a batch request holds at most " + std::to_string(kMaxBatchRequestBytes) + " bytes of records"};
  auto impl = std::make_unique<Impl>();
  impl->server = server;
  impl->endpoint = server.address;
  impl->options = options;
  impl->on_result = std::move(on_result);
  impl->building.set_ingress(std::move(ingress));
  impl->building_tags.reserve(options.records_per_request);
  auto socket = detail::ClientSocket::connect(impl->context, zmq::socket_type::dealer, server, "ingress endpoint");
  if (!socket) return socket.error();
  impl->socket.emplace(std::move(socket.value()));
  return std::unique_ptr<BulkSender>(new BulkSender(std::move(impl)));
}

Status BulkSender::add(std::string_view data, std::string_view idempotency_key, std::uint64_t tag) {
  Impl& m = *impl_;
  if (m.failed) return *m.failed;
  const std::size_t bytes = data.size() + idempotency_key.size() + kRecordFramingBytes;
  if (data.size() > kMaxBatchRequestBytes) return m.add_alone(data, idempotency_key, tag, bytes);
  if (m.building_bytes + bytes > m.options.max_request_bytes)  // keeps every request within it
    if (auto s = m.send_building(); !s) return s;
  m.append(data, idempotency_key, tag, bytes);
  if (m.building_tags.size() < m.options.records_per_request && m.building_bytes < m.options.max_request_bytes)
    return transport::ok_status();
  if (auto s = m.send_building(); !s) return s;
  return m.drain();
}

Status BulkSender::flush() {
  Impl& m = *impl_;
  if (m.failed) return *m.failed;
  if (auto s = m.send_building(); !s) return s;
  return m.drain();
}

Status BulkSender::finish() {
  if (auto s = flush(); !s) return s;
  return impl_->await_all();
}

std::uint64_t BulkSender::unacknowledged() const { return impl_->unacknowledged; }

}  // namespace sfn::runtime::io
