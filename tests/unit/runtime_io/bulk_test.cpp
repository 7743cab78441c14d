// Tests of batch ingress requests (decision 033) over real loopback tcp: the wire format with a
// raw REQ socket (results per record, whole-request refusals), the BulkSender (order, offsets,
// duplicates, refusals, window, durability of every ack, timeouts), single-record requests
// mixed with batches, import_json_lines reading a pipe, and the record and request size limits
// (decision 110).
#include <gtest/gtest.h>
#include <unistd.h>

#include <iterator>
#include <set>
#include <thread>

#include <zmq.hpp>

#include "client.pb.h"
#include "runtime/io/bulk_sender.h"
#include "runtime/io/io_server.h"
#include "sfn/client.h"
#include "test_util.h"

namespace sfn::runtime::io {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

// Accepts JSON objects and any Protobuf bytes, stored as they came; refuses other JSON.
std::variant<std::string, IngressRejection> object_validator(std::string_view, PayloadFormat format,
                                                             std::string_view data) {
  if (format == PayloadFormat::json && (data.empty() || data.front() != '{'))
    return IngressRejection{IngressRejection::Code::undecodable, "expected a JSON object"};
  return std::string(data);
}

std::unique_ptr<IoServer> start_server(const TempDir& dir, std::size_t max_record_bytes = kDefaultMaxRecordBytes) {
  IoServerOptions o;
  o.log_dir = dir.path();
  o.ingress_names = {"orders"};
  o.ingress_endpoint = "tcp://127.0.0.1:*";
  o.validator = object_validator;
  o.max_record_bytes = max_record_bytes;
  return IoServer::start(o).value();
}

// Every (offset, key, payload) of a log.
struct Stored {
  std::uint64_t offset;
  std::string key, payload;
};
std::vector<Stored> read_log(const RecordLog& log) {
  std::vector<Stored> out;
  EXPECT_TRUE(log.read(0, 1'000'000,
                       [&](std::uint64_t o, std::string_view p, std::string_view k) {
                         out.push_back({o, std::string(k), std::string(p)});
                         return true;
                       })
                  .ok());
  return out;
}

// One raw request/reply on a REQ socket.
proto::IngressReply round_trip(const std::string& endpoint, const std::string& request) {
  zmq::context_t ctx;
  zmq::socket_t req(ctx, zmq::socket_type::req);
  req.set(zmq::sockopt::linger, 0);
  // A bound for a server that never answers, not a speed test: a batch of 65,537 records took
  // over 5 s under ThreadSanitizer on a loaded machine.
  req.set(zmq::sockopt::rcvtimeo, 60000);
  req.connect(endpoint);
  req.send(zmq::buffer(request), zmq::send_flags::none);
  zmq::message_t reply;
  EXPECT_TRUE(req.recv(reply).has_value());
  proto::IngressReply parsed;
  EXPECT_TRUE(parsed.ParseFromArray(reply.data(), static_cast<int>(reply.size())));
  return parsed;
}
proto::IngressReply round_trip(const std::string& endpoint, const proto::IngressRequest& request) {
  return round_trip(endpoint, request.SerializeAsString());
}

// A JSON object record of exactly `bytes` bytes: {"p":"xxx..."}.
std::string record_of(std::size_t bytes) { return "{\"p\":\"" + std::string(bytes - 8, 'x') + "\"}"; }

TEST(BatchRequest, OneResultPerRecordInOrder) {
  TempDir dir;
  auto server = start_server(dir);
  ASSERT_TRUE(server->ingest("orders", PayloadFormat::json, "{\"first\":1}", "seen").ok());
  proto::IngressRequest request;
  request.set_ingress("orders");
  request.set_request_id(9);
  auto add = [&](std::string json, std::string key) {
    auto* r = request.add_records();
    r->set_json(std::move(json));
    r->set_idempotency_key(std::move(key));
  };
  add("{\"a\":1}", "k1");
  add("[not an object]", "k2");
  add("{\"a\":2}", "seen");  // a key from an earlier request
  add("{\"a\":3}", "k1");    // a key from earlier in this batch
  add("{\"a\":4}", "");
  request.add_records()->set_protobuf(std::string("\x08\x01", 2));
  request.add_records()->set_json(std::string("{\"bad\":\"\xff\"}"));  // not UTF-8: still parseable
  auto reply = round_trip(server->ingress_endpoint(), request);
  EXPECT_EQ(reply.request_id(), 9u);
  EXPECT_FALSE(reply.has_error());
  EXPECT_FALSE(reply.has_ack());
  ASSERT_EQ(reply.results_size(), 7);
  EXPECT_EQ(reply.results(0).ack().offset(), 1u);
  ASSERT_TRUE(reply.results(1).has_error());
  EXPECT_EQ(reply.results(1).error().kind(), proto::ERROR_UNDECODABLE);
  EXPECT_EQ(reply.results(1).error().message(), "expected a JSON object");
  EXPECT_TRUE(reply.results(2).ack().duplicate());
  EXPECT_EQ(reply.results(2).ack().offset(), 0u);
  EXPECT_TRUE(reply.results(3).ack().duplicate());
  EXPECT_EQ(reply.results(3).ack().offset(), 1u);
  EXPECT_EQ(reply.results(4).ack().offset(), 2u);
  EXPECT_FALSE(reply.results(4).ack().duplicate());
  EXPECT_EQ(reply.results(5).ack().offset(), 3u);
  EXPECT_EQ(reply.results(6).ack().offset(), 4u);
  auto stored = read_log(*server->ingress_log("orders"));
  ASSERT_EQ(stored.size(), 5u);
  EXPECT_EQ(stored[1].payload, "{\"a\":1}");
  EXPECT_EQ(stored[1].key, "k1");
  EXPECT_EQ(stored[3].payload, std::string("\x08\x01", 2));
}

TEST(BatchRequest, MalformedBatchesAreRefusedWhole) {
  TempDir dir;
  auto server = start_server(dir);
  auto refused = [&](proto::IngressRequest request, proto::ErrorKind kind, std::string_view text) {
    auto reply = round_trip(server->ingress_endpoint(), request);
    ASSERT_TRUE(reply.has_error()) << text;
    EXPECT_EQ(reply.error().kind(), kind) << reply.error().message();
    EXPECT_NE(reply.error().message().find(text), std::string::npos) << reply.error().message();
    EXPECT_EQ(reply.results_size(), 0);
  };
  proto::IngressRequest both;
  both.set_ingress("orders");
  both.set_json("{}");
  both.add_records()->set_json("{}");
  refused(both, proto::ERROR_BAD_REQUEST, "both a record and a batch");
  proto::IngressRequest hole;
  hole.set_ingress("orders");
  hole.add_records()->set_json("{}");
  hole.add_records()->set_idempotency_key("no data");
  refused(hole, proto::ERROR_BAD_REQUEST, "record 1 of the batch carries no data");
  proto::IngressRequest unknown;
  unknown.set_ingress("nope");
  unknown.add_records()->set_json("{}");
  refused(unknown, proto::ERROR_UNKNOWN_INGRESS, "unknown ingress `nope`");
  proto::IngressRequest huge;
  huge.set_ingress("orders");
  for (int i = 0; i < 65537; ++i) huge.add_records()->set_json("{}");
  refused(huge, proto::ERROR_BAD_REQUEST, "at most 65536 records");
  EXPECT_EQ(server->ingress_log("orders")->end_offset(), 0u);  // nothing of them appended
}

TEST(BulkSender, StreamsRecordsWithResultsInOrder) {
  TempDir dir;
  auto server = start_server(dir);
  const RecordLog& log = *server->ingress_log("orders");
  std::vector<std::pair<std::uint64_t, Result<AppendResult>>> results;
  std::uint64_t not_durable = 0;
  auto on_result = [&](std::uint64_t tag, const Result<AppendResult>& r) {
    if (r && r->offset >= log.end_offset()) ++not_durable;  // acked before the sync covered it
    results.emplace_back(tag, r);
  };
  BulkOptions options;
  options.records_per_request = 10;
  options.max_requests_in_flight = 2;
  auto sender = BulkSender::connect(server->ingress_endpoint(), "orders", options, on_result).value();
  std::uint64_t most_unacked = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    std::string data = i % 100 == 7 ? "oops" : "{\"i\":" + std::to_string(i) + "}";
    std::string key = i >= 990 ? "k" + std::to_string(i - 10) : "k" + std::to_string(i);
    ASSERT_TRUE(sender->add(data, key, 5000 + i).ok());
    most_unacked = std::max(most_unacked, sender->unacknowledged());
  }
  ASSERT_TRUE(sender->finish().ok());
  EXPECT_EQ(sender->unacknowledged(), 0u);
  EXPECT_LE(most_unacked, 30u);  // two requests in flight plus the one being filled
  EXPECT_EQ(not_durable, 0u);
  ASSERT_EQ(results.size(), 1000u);
  std::uint64_t next_offset = 0;
  for (std::uint64_t i = 0; i < 1000; ++i) {
    const auto& [tag, r] = results[i];
    EXPECT_EQ(tag, 5000 + i);
    if (i % 100 == 7) {
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.error().code, ErrorCode::rejected);
      EXPECT_EQ(r.error().message, "expected a JSON object");
    } else if (i >= 990) {
      ASSERT_TRUE(r.ok());
      EXPECT_TRUE(r->duplicate) << i;
      EXPECT_EQ(r->offset, results[i - 10].second->offset);
    } else {
      ASSERT_TRUE(r.ok()) << r.error().message;
      EXPECT_FALSE(r->duplicate);
      EXPECT_EQ(r->offset, next_offset++);
    }
  }
  EXPECT_EQ(log.end_offset(), next_offset);
  EXPECT_EQ(next_offset, 1000u - 10 - 10);
}

TEST(BulkSender, UnknownIngressAndSilenceEndTheStream) {
  TempDir dir;
  auto server = start_server(dir);
  auto ignore = [](std::uint64_t, const Result<AppendResult>&) {};
  auto unknown = BulkSender::connect(server->ingress_endpoint(), "nope", {}, ignore).value();
  ASSERT_TRUE(unknown->add("{}", "", 1).ok());
  auto end = unknown->finish();
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code, ErrorCode::not_found);
  EXPECT_NE(end.error().message.find("unknown ingress `nope`"), std::string::npos);
  EXPECT_EQ(unknown->add("{}", "", 2).error().code, ErrorCode::not_found);  // stays ended

  std::string dead = server->ingress_endpoint();
  server.reset();
  BulkOptions options;
  options.timeout = 300ms;
  auto silent = BulkSender::connect(dead, "orders", options, ignore).value();
  ASSERT_TRUE(silent->add("{}", "", 1).ok());
  auto start = std::chrono::steady_clock::now();
  auto timeout = silent->finish();
  ASSERT_FALSE(timeout.ok());
  EXPECT_EQ(timeout.error().code, ErrorCode::timeout);
  EXPECT_NE(timeout.error().message.find("no answer from " + dead), std::string::npos);
  EXPECT_NE(timeout.error().message.find("1 records not acknowledged"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(BulkSender::connect("127.0.0.1:1", "orders", {}, ignore).error().code, ErrorCode::invalid_argument);
}

// A server that answers a later request but not an earlier one (it restarted in between): the
// sender stops with an error saying so instead of waiting or mismatching results.
TEST(BulkSender, AnUnansweredEarlierRequestEndsTheStream) {
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  router.set(zmq::sockopt::linger, 0);
  router.bind("tcp://127.0.0.1:*");
  std::string endpoint = router.get(zmq::sockopt::last_endpoint);
  BulkOptions options;
  options.records_per_request = 1;
  std::vector<std::uint64_t> delivered;
  auto sender = BulkSender::connect(endpoint, "orders", options, [&](std::uint64_t tag, const Result<AppendResult>&) {
                  delivered.push_back(tag);
                }).value();
  ASSERT_TRUE(sender->add("{}", "", 1).ok());
  ASSERT_TRUE(sender->add("{}", "", 2).ok());
  std::vector<zmq::message_t> second;
  for (int request = 0; request < 2; ++request) {
    second.clear();
    do second.emplace_back();
    while (router.recv(second.back()) && second.back().more());
  }
  proto::IngressRequest request;
  ASSERT_TRUE(request.ParseFromArray(second.back().data(), static_cast<int>(second.back().size())));
  proto::IngressReply reply;
  reply.set_request_id(request.request_id());
  reply.add_results()->mutable_ack()->set_offset(0);
  router.send(second[0], zmq::send_flags::sndmore);  // the client's identity
  router.send(zmq::message_t(), zmq::send_flags::sndmore);
  router.send(zmq::buffer(reply.SerializeAsString()), zmq::send_flags::none);
  auto end = sender->finish();
  ASSERT_FALSE(end.ok());
  EXPECT_EQ(end.error().code, ErrorCode::io_error);
  EXPECT_NE(end.error().message.find("did the server restart?"), std::string::npos) << end.error().message;
  EXPECT_TRUE(delivered.empty());
}

// Old single-record clients and bulk clients at the same time, on the same log.
TEST(BulkSender, MixesWithSingleRecordRequests) {
  TempDir dir;
  auto server = start_server(dir);
  std::set<std::uint64_t> offsets;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      auto keep = [&](std::uint64_t, const Result<AppendResult>& r) {
        ASSERT_TRUE(r.ok());
        std::lock_guard lk(mu);
        EXPECT_TRUE(offsets.insert(r->offset).second);
      };
      auto sender = BulkSender::connect(server->ingress_endpoint(), "orders", {}, keep).value();
      for (int i = 0; i < 3000; ++i) ASSERT_TRUE(sender->add("{\"t\":" + std::to_string(t) + "}", "", i).ok());
      ASSERT_TRUE(sender->finish().ok());
    });
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto r = send_ingress(server->ingress_endpoint(), "orders", PayloadFormat::json, "{}", "");
        ASSERT_TRUE(r.ok()) << r.error().message;
        std::lock_guard lk(mu);
        EXPECT_TRUE(offsets.insert(r->offset).second);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(offsets.size(), 6100u);
  EXPECT_EQ(*offsets.rbegin(), 6099u);
  EXPECT_EQ(server->ingress_log("orders")->end_offset(), 6100u);
}

// A pipe whose writer sends the first lines, waits until they are in the log (the reader must
// send a partial batch before it waits for more input), then the rest.
TEST(ImportJsonLines, ReadsAPipeWithKeysBadLinesAndBlankLines) {
  TempDir dir;
  auto server = start_server(dir);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto write_all = [&](const std::string& text) {
    ASSERT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  };
  bool first_lines_sent_early = false;
  std::thread writer([&] {
    write_all("{\"n\":1}\n\n{\"n\":2}\n{oops\n");
    first_lines_sent_early = server->ingress_log("orders")->wait_beyond(1, 10s);
    write_all("[3]\n   \n{\"n\":4}");  // the last line has no newline
    ::close(fds[1]);
  });
  ImportOptions options{server->ingress_endpoint(), "orders", "imp", {}};
  std::vector<std::pair<std::uint64_t, std::string>> refused;
  ImportHooks hooks;
  hooks.refused = [&](std::uint64_t line, const std::string& why) { refused.emplace_back(line, why); };
  ImportReport report = import_json_lines(fds[0], options, hooks);
  writer.join();
  ::close(fds[0]);
  ASSERT_FALSE(report.stopped) << report.stopped->message;
  EXPECT_TRUE(first_lines_sent_early);
  EXPECT_EQ(report.counts.lines, 7u);
  EXPECT_EQ(report.counts.records, 5u);
  EXPECT_EQ(report.counts.appended, 3u);
  EXPECT_EQ(report.counts.refused, 2u);
  EXPECT_EQ(report.counts.server_errors, 0u);
  ASSERT_EQ(refused.size(), 2u);
  EXPECT_EQ(refused[0].first, 4u);
  EXPECT_NE(refused[0].second.find("invalid JSON"), std::string::npos) << refused[0].second;
  EXPECT_EQ(refused[1], std::make_pair(std::uint64_t{5}, std::string("expected a JSON object")));
  auto stored = read_log(*server->ingress_log("orders"));
  ASSERT_EQ(stored.size(), 3u);
  EXPECT_EQ(stored[0].key, "imp:1");
  EXPECT_EQ(stored[1].key, "imp:3");
  EXPECT_EQ(stored[2].key, "imp:7");
  EXPECT_EQ(stored[2].payload, "{\"n\":4}");
}

}  // namespace
}  // namespace sfn::runtime::io

namespace sfn::runtime::io {
namespace {

// A record over the limit is refused with too_large naming both sizes, one at the limit is
// appended; in a batch the refusal is that record's result. Every reply tells the limit, and a
// limits-only request gets only that. The in-process path has no limit.
TEST(RecordSize, TheServerRefusesRecordsOverItsLimitNamingBothSizes) {
  TempDir dir;
  constexpr std::size_t kLimit = 2048;
  auto server = start_server(dir, kLimit);
  auto at = send_ingress(server->ingress_endpoint(), "orders", PayloadFormat::json, record_of(kLimit), "");
  ASSERT_TRUE(at.ok()) << at.error().message;
  auto over = send_ingress(server->ingress_endpoint(), "orders", PayloadFormat::json, record_of(kLimit + 1), "");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::too_large);
  EXPECT_EQ(over.error().message,
            "the record is 2049 bytes, more than the 2048 bytes the ingress endpoint accepts "
            "(sfn run --max-record-bytes)");
  proto::IngressRequest batch;
  batch.set_ingress("orders");
  for (std::size_t bytes : {std::size_t{10}, kLimit + 1, kLimit}) batch.add_records()->set_json(record_of(bytes));
  auto reply = round_trip(server->ingress_endpoint(), batch);
  EXPECT_EQ(reply.max_record_bytes(), kLimit);
  ASSERT_EQ(reply.results_size(), 3);
  EXPECT_TRUE(reply.results(0).has_ack());
  EXPECT_EQ(reply.results(1).error().kind(), proto::ERROR_TOO_LARGE);
  EXPECT_TRUE(reply.results(2).has_ack());
  proto::IngressRequest ask;
  ask.set_ask_limits(true);
  ask.set_request_id(5);
  auto limits = round_trip(server->ingress_endpoint(), ask);
  EXPECT_EQ(limits.request_id(), 5u);
  EXPECT_EQ(limits.max_record_bytes(), kLimit);
  EXPECT_FALSE(limits.has_ack() || limits.has_error() || limits.results_size() > 0);
  EXPECT_EQ(round_trip(server->ingress_endpoint(), "garbage").max_record_bytes(), kLimit);  // on errors too
  EXPECT_TRUE(server->ingest("orders", PayloadFormat::json, record_of(10 * kLimit)).ok());
  EXPECT_EQ(server->ingress_log("orders")->end_offset(), 4u);
  IoServerOptions bad;
  bad.validator = object_validator;
  bad.max_record_bytes = kMinMaxRecordBytes - 1;
  EXPECT_EQ(IoServer::start(bad).error().code, ErrorCode::invalid_argument);
}

// A client sending a record larger than a batch request asks the server's limit first: over it,
// the record is refused with the server's words and never sent; at it, it is appended.
TEST(RecordSize, ClientsAskTheLimitBeforeSendingALargeRecord) {
  TempDir dir;
  constexpr std::size_t kLimit = kMaxBatchRequestBytes + kMaxBatchRequestBytes / 2;
  auto server = start_server(dir, kLimit);
  auto over = send_ingress(server->ingress_endpoint(), "orders", PayloadFormat::json, record_of(kLimit + 1), "");
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, ErrorCode::too_large);
  EXPECT_EQ(over.error().message, record_too_large(kLimit + 1, kLimit));
  auto at = send_ingress(server->ingress_endpoint(), "orders", PayloadFormat::json, record_of(kLimit), "");
  ASSERT_TRUE(at.ok()) << at.error().message;
  EXPECT_EQ(server->ingress_log("orders")->end_offset(), 1u);

  std::vector<std::pair<std::uint64_t, Result<AppendResult>>> results;
  auto on_result = [&](std::uint64_t tag, const Result<AppendResult>& r) { results.emplace_back(tag, r); };
  auto sender = BulkSender::connect(server->ingress_endpoint(), "orders", {}, on_result).value();
  const std::size_t sizes[] = {10, kLimit + 1, 20, kLimit, kMaxBatchRequestBytes, 30, 8 << 20};
  for (std::size_t i = 0; i < std::size(sizes); ++i) ASSERT_TRUE(sender->add(record_of(sizes[i]), "", i).ok());
  ASSERT_TRUE(sender->finish().ok());
  ASSERT_EQ(results.size(), std::size(sizes));
  for (std::size_t i = 0; i < std::size(sizes); ++i) {
    EXPECT_EQ(results[i].first, i);
    EXPECT_EQ(results[i].second.ok(), sizes[i] <= kLimit) << i;
  }
  EXPECT_EQ(results[6].second.error().message, record_too_large(8 << 20, kLimit));
  EXPECT_EQ(server->ingress_log("orders")->end_offset(), 1u + 5u);
}

// A request larger than the server receives (max_request_bytes of its limit) is dropped by
// ZeroMQ after reading its length: the peer is disconnected, nothing is appended, and the server
// goes on serving; a request of exactly that size is read (and answered).
TEST(RecordSize, ARequestOverTheFrameBoundIsDroppedUnreadAndTheServerGoesOn) {
  TempDir dir;
  auto server = start_server(dir, kMinMaxRecordBytes);
  const std::size_t bound = max_request_bytes(kMinMaxRecordBytes);
  EXPECT_EQ(round_trip(server->ingress_endpoint(), std::string(bound, '\xff')).error().kind(),
            proto::ERROR_BAD_REQUEST);
  ASSERT_TRUE(testing::server_drops_request(server->ingress_endpoint(), bound + 1));
  EXPECT_TRUE(send_ingress(server->ingress_endpoint(), "orders", PayloadFormat::json, "{}", "").ok());
  EXPECT_EQ(server->ingress_log("orders")->end_offset(), 1u);
}

}  // namespace
}  // namespace sfn::runtime::io
