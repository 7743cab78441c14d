// The bulk ingress client (bulk_sender.h): batch requests in a bounded window over one DEALER.
#include "runtime/io/bulk_sender.h"

#include <deque>
#include <optional>
#include <vector>

#include "runtime/io/protocol_convert.h"
#include "runtime/io/zmq_util.h"

namespace sfn::runtime::io {

struct BulkSender::Impl {
  std::string endpoint;
  BulkOptions options;
  BulkResultHandler on_result;
  zmq::context_t context{1};
  std::optional<zmq::socket_t> socket;
  proto::IngressRequest building;  // the request being filled; cleared (not freed) when sent
  std::vector<std::uint64_t> building_tags;
  std::size_t building_bytes = 0;
  struct Outstanding {
    std::uint64_t request_id;
    std::vector<std::uint64_t> tags;
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
    return Error{ErrorCode::timeout,
                 "no answer from " + endpoint + " (ingress endpoint) within " +
                     std::to_string(options.timeout.count()) + " ms, " +
                     std::to_string(unacknowledged) +
                     " records not acknowledged; is an `sfn run` with that endpoint running?"};
  }

  // Hands the results of one reply to the handler.
  Status deliver(const zmq::message_t& body) {
    if (!reply.ParseFromArray(body.data(), static_cast<int>(body.size())) || in_flight.empty())
      return fail(detail::bad_reply(endpoint));
    if (reply.request_id() != in_flight.front().request_id) {
      for (const auto& later : in_flight)
        if (later.request_id == reply.request_id())
          return fail(Error{ErrorCode::io_error,
                            "requests to " + endpoint + " went unanswered while later ones were "
                            "answered (did the server restart?); " +
                                std::to_string(unacknowledged) + " records not acknowledged"});
      return fail(detail::bad_reply(endpoint));
    }
    if (reply.has_error()) return fail(detail::from_proto(reply.error(), endpoint));
    Outstanding done = std::move(in_flight.front());
    in_flight.pop_front();
    if (static_cast<std::size_t>(reply.results_size()) != done.tags.size())
      return fail(detail::bad_reply(endpoint));
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
    try {
      zmq::pollitem_t item{socket->handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, wait);
      if (!(item.revents & ZMQ_POLLIN)) return transport::ok_status();
    } catch (const zmq::error_t& e) {
      return fail(detail::zmq_error("waiting for acknowledgements", endpoint, e));
    }
    auto parts = detail::recv_multipart_nowait(*socket, endpoint);
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

  // Sends the request being filled, first waiting while the window is full.
  Status send_building() {
    if (building_tags.empty()) return transport::ok_status();
    while (in_flight.size() >= options.max_requests_in_flight)
      if (auto s = await_one(); !s) return s;
    building.set_request_id(detail::next_request_id());
    std::vector<zmq::message_t> parts;
    parts.emplace_back();
    parts.emplace_back(building.ByteSizeLong());
    building.SerializeWithCachedSizesToArray(static_cast<std::uint8_t*>(parts.back().data()));
    if (auto s = detail::send_multipart(*socket, parts, endpoint); !s) return fail(s.error());
    in_flight.push_back({building.request_id(), std::move(building_tags)});
    building_tags = {};
    building_tags.reserve(options.records_per_request);
    building.mutable_records()->Clear();
    building_bytes = 0;
    return transport::ok_status();
  }
};

BulkSender::BulkSender(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BulkSender::~BulkSender() = default;

Result<std::unique_ptr<BulkSender>> BulkSender::connect(const std::string& endpoint,
                                                        std::string ingress, BulkOptions options,
                                                        BulkResultHandler on_result) {
  if (auto s = detail::check_endpoint(endpoint); !s) return s.error();
  if (options.records_per_request == 0 || options.max_requests_in_flight == 0)
    return Error{ErrorCode::invalid_argument,
                 "a bulk sender needs at least one record per request and one request in flight"};
  auto impl = std::make_unique<Impl>();
  impl->endpoint = endpoint;
  impl->options = options;
  impl->on_result = std::move(on_result);
  impl->building.set_ingress(std::move(ingress));
  impl->building_tags.reserve(options.records_per_request);
  try {
    impl->socket.emplace(impl->context, zmq::socket_type::dealer);
    impl->socket->set(zmq::sockopt::linger, 0);
    impl->socket->connect(endpoint);
  } catch (const zmq::error_t& e) {
    return detail::zmq_error("connecting to the ingress endpoint", endpoint, e);
  }
  return std::unique_ptr<BulkSender>(new BulkSender(std::move(impl)));
}

Status BulkSender::add(std::string_view data, std::string_view idempotency_key,
                       std::uint64_t tag) {
  Impl& m = *impl_;
  if (m.failed) return *m.failed;
  proto::IngressRecord* record = m.building.add_records();
  if (m.options.format == PayloadFormat::json)
    record->set_json(data.data(), data.size());
  else
    record->set_protobuf(data.data(), data.size());
  record->set_idempotency_key(idempotency_key.data(), idempotency_key.size());
  m.building_tags.push_back(tag);
  m.building_bytes += data.size() + idempotency_key.size();
  ++m.unacknowledged;
  if (m.building_tags.size() < m.options.records_per_request &&
      m.building_bytes < m.options.max_request_bytes)
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
  Impl& m = *impl_;
  if (auto s = flush(); !s) return s;
  while (!m.in_flight.empty())
    if (auto s = m.await_one(); !s) return s;
  return transport::ok_status();
}

std::uint64_t BulkSender::unacknowledged() const { return impl_->unacknowledged; }

}  // namespace sfn::runtime::io
