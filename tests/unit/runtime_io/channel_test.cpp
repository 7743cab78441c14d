// Tests of runtime/transport channels over real ZeroMQ sockets: ordering, batching, markers in
// order with data, backpressure without drops, multiple senders, wake-ups, a worker cycle that
// must not deadlock, tcp, and rejection of malformed batches.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "runtime/transport/channel.h"
#include "runtime/transport/frame.h"
#include "test_util.h"

namespace sfn::runtime::transport {
namespace {

using namespace std::chrono_literals;

struct Received {
  RecordKind kind;
  SenderId sender;
  std::uint64_t epoch;
  std::string payload;
};

// Receives until `count` records arrived or `deadline` passes.
std::vector<Received> receive_n(Receiver& receiver, std::size_t count, std::chrono::milliseconds deadline = 10s) {
  std::vector<Received> out;
  auto until = std::chrono::steady_clock::now() + deadline;
  while (out.size() < count && std::chrono::steady_clock::now() < until) {
    auto r = receiver.receive(
        50ms, [&](const RecordView& v) { out.push_back({v.kind, v.sender, v.epoch, std::string(v.payload)}); });
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    if (!r.ok()) break;
  }
  return out;
}

std::string unique_endpoint(const char* test) {
  static std::atomic<int> n{0};
  return inproc_worker_endpoint(std::string(test) + std::to_string(n++), 0);
}

TEST(Channel, DeliversInOrder) {
  TransportContext ctx;
  auto receiver = Receiver::bind(ctx, unique_endpoint("order")).value();
  auto sender = Sender::connect(ctx, 7, receiver->endpoint()).value();
  for (int i = 0; i < 10000; ++i) ASSERT_TRUE(sender->append("m" + std::to_string(i)).ok());
  ASSERT_TRUE(sender->flush_blocking(5s).ok());
  auto got = receive_n(*receiver, 10000);
  ASSERT_EQ(got.size(), 10000u);
  for (int i = 0; i < 10000; ++i) {
    EXPECT_EQ(got[i].payload, "m" + std::to_string(i));
    EXPECT_EQ(got[i].sender, 7u);
    EXPECT_EQ(got[i].kind, RecordKind::data);
  }
  // Many records travel per ZeroMQ message.
  EXPECT_LT(receiver->batches_received(), 100u);
}

TEST(Channel, BatchesCloseWhenFullOrFlushed) {
  TransportContext ctx;
  ChannelOptions options;
  options.max_batch_records = 10;
  auto receiver = Receiver::bind(ctx, unique_endpoint("batch"), options).value();
  auto sender = Sender::connect(ctx, 1, receiver->endpoint(), options).value();
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(sender->append(std::to_string(i)).ok());
  // Two full batches went out on their own; five records wait in the open batch.
  auto first = receive_n(*receiver, 20, 2s);
  EXPECT_EQ(first.size(), 20u);
  EXPECT_EQ(sender->open_records(), 5u);
  std::size_t extra = 0;
  auto r = receiver->receive(100ms, [&](const RecordView&) { ++extra; });
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(extra, 0u) << "an open batch must not be sent before flush()";
  auto left = sender->flush();
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left.value(), 0u);
  auto rest = receive_n(*receiver, 5, 2s);
  ASSERT_EQ(rest.size(), 5u);
  EXPECT_EQ(rest.front().payload, "20");
  EXPECT_EQ(receiver->batches_received(), 3u);

  // A batch also closes on its byte size.
  ChannelOptions small_bytes;
  small_bytes.max_batch_bytes = 100;
  auto receiver2 = Receiver::bind(ctx, unique_endpoint("batchbytes"), small_bytes).value();
  auto sender2 = Sender::connect(ctx, 2, receiver2->endpoint(), small_bytes).value();
  ASSERT_TRUE(sender2->append(std::string(60, 'a')).ok());
  ASSERT_TRUE(sender2->append(std::string(60, 'b')).ok());  // reaches 120 bytes: closed
  EXPECT_EQ(sender2->open_records(), 0u);
  EXPECT_EQ(receive_n(*receiver2, 2, 2s).size(), 2u);
}

TEST(Channel, MarkersStayInOrderWithData) {
  TransportContext ctx;
  auto receiver = Receiver::bind(ctx, unique_endpoint("markers")).value();
  auto sender = Sender::connect(ctx, 3, receiver->endpoint()).value();
  ASSERT_TRUE(sender->append("a").ok());
  ASSERT_TRUE(sender->append("b").ok());
  ASSERT_TRUE(sender->append_marker(RecordKind::barrier, 7).ok());
  ASSERT_TRUE(sender->flush().ok());
  ASSERT_TRUE(sender->append("c").ok());
  ASSERT_TRUE(sender->append_marker(RecordKind::barrier, 8).ok());
  ASSERT_TRUE(sender->append_marker(RecordKind::shutdown, 0).ok());
  ASSERT_TRUE(sender->flush().ok());
  EXPECT_FALSE(sender->append_marker(RecordKind::data, 1).ok());
  auto got = receive_n(*receiver, 6, 2s);
  ASSERT_EQ(got.size(), 6u);
  EXPECT_EQ(got[0].payload, "a");
  EXPECT_EQ(got[1].payload, "b");
  EXPECT_EQ(got[2].kind, RecordKind::barrier);
  EXPECT_EQ(got[2].epoch, 7u);
  EXPECT_EQ(got[3].payload, "c");
  EXPECT_EQ(got[4].kind, RecordKind::barrier);
  EXPECT_EQ(got[4].epoch, 8u);
  EXPECT_EQ(got[5].kind, RecordKind::shutdown);
}

TEST(Channel, BackpressureKeepsEverythingWithSlowReceiver) {
  TransportContext ctx;
  ChannelOptions options;
  options.max_batch_records = 1;  // one record per ZeroMQ message
  options.high_water_mark = 2;
  auto receiver = Receiver::bind(ctx, unique_endpoint("backpressure"), options).value();
  auto sender = Sender::connect(ctx, 1, receiver->endpoint(), options).value();
  constexpr int kCount = 500;
  for (int i = 0; i < kCount; ++i) ASSERT_TRUE(sender->append(std::to_string(i)).ok());
  auto left = sender->flush();
  ASSERT_TRUE(left.ok());
  EXPECT_GT(left.value(), 0u) << "a full queue must report would-block, not drop";
  EXPECT_GT(sender->backlog_bytes(), 0u);

  // The queue is full (asserted above) before the receiver starts; it takes one record per
  // receive, so flush_blocking meets would-block again and again while it drains.
  std::vector<Received> got;
  std::thread slow([&] {
    while (got.size() < kCount) {
      auto r = receiver->receive(
          10ms, [&](const RecordView& v) { got.push_back({v.kind, v.sender, v.epoch, std::string(v.payload)}); }, 1);
      if (!r.ok()) return;
    }
  });
  ASSERT_TRUE(sender->flush_blocking(20s).ok());
  slow.join();
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kCount));
  for (int i = 0; i < kCount; ++i) EXPECT_EQ(got[i].payload, std::to_string(i));
}

TEST(Channel, AppendReportsWouldBlockBeyondBacklogLimit) {
  TransportContext ctx;
  ChannelOptions options;
  options.max_batch_records = 1;
  options.high_water_mark = 1;
  options.max_backlog_bytes = 200;
  auto receiver = Receiver::bind(ctx, unique_endpoint("limit"), options).value();
  auto sender = Sender::connect(ctx, 1, receiver->endpoint(), options).value();
  int accepted = 0;
  Status last = ok_status();
  for (int i = 0; i < 100; ++i) {
    last = sender->append(std::string(50, 'x'));
    if (!last.ok()) break;
    ++accepted;
  }
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().code, ErrorCode::would_block);
  // Draining the receiver makes room again, and every accepted record arrives.
  auto got = receive_n(*receiver, 1, 2s);
  std::size_t total = got.size();
  for (int tries = 0; tries < 200 && total < static_cast<std::size_t>(accepted); ++tries) {
    (void)sender->flush();
    total += receive_n(*receiver, 1, 100ms).size();
  }
  EXPECT_EQ(total, static_cast<std::size_t>(accepted));
  EXPECT_TRUE(sender->append("again").ok());
}

TEST(Channel, ManySendersKeepPerPairFifo) {
  TransportContext ctx;
  ChannelOptions options;
  options.high_water_mark = 4;
  options.max_batch_records = 16;
  auto receiver = Receiver::bind(ctx, unique_endpoint("multi"), options).value();
  constexpr int kSenders = 4, kEach = 5000;
  std::vector<std::thread> threads;
  for (int s = 0; s < kSenders; ++s) {
    threads.emplace_back([&, s] {
      auto sender = Sender::connect(ctx, 100 + s, receiver->endpoint(), options).value();
      for (int i = 0; i < kEach; ++i) {
        EXPECT_TRUE(sender->append(std::to_string(i)).ok());
        if (i % 100 == 99) (void)sender->flush();
      }
      EXPECT_TRUE(sender->flush_blocking(20s).ok());
    });
  }
  std::map<SenderId, int> next;
  std::size_t total = 0;
  auto until = std::chrono::steady_clock::now() + 30s;
  while (total < kSenders * kEach && std::chrono::steady_clock::now() < until) {
    auto r = receiver->receive(50ms, [&](const RecordView& v) {
      EXPECT_EQ(std::to_string(next[v.sender]++), v.payload) << "sender " << v.sender;
      ++total;
    });
    ASSERT_TRUE(r.ok());
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(total, static_cast<std::size_t>(kSenders * kEach));
  ASSERT_EQ(next.size(), static_cast<std::size_t>(kSenders));
  for (auto& [sender, n] : next) EXPECT_EQ(n, kEach);
}

TEST(Channel, WakerInterruptsAWaitingReceiver) {
  TransportContext ctx;
  auto receiver = Receiver::bind(ctx, unique_endpoint("wake")).value();
  Waker waker = receiver->waker();
  const pid_t receiving = ::gettid();
  std::thread t([waker, receiving] {
    // Wakes the receive below once it waits (the test holds either way: a wake before the
    // receive is kept for it).
    EXPECT_TRUE(testing::wait_until_blocked_in(receiving, testing::poll_syscalls()));
    waker.wake();
  });
  auto start = std::chrono::steady_clock::now();
  auto r = receiver->receive(10s, [](const RecordView&) {});
  auto took = std::chrono::steady_clock::now() - start;
  t.join();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value(), 0u);
  EXPECT_LT(took, 5s);
  // Wakes before a receive coalesce into one wake-up, which that receive consumes.
  waker.wake();
  waker.wake();
  start = std::chrono::steady_clock::now();
  ASSERT_TRUE(receiver->receive(10s, [](const RecordView&) {}).ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
  start = std::chrono::steady_clock::now();
  ASSERT_TRUE(receiver->receive(100ms, [](const RecordView&) {}).ok());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 90ms);
}

// Two workers forward a token back and forth (a cycle) with tiny queues, each following the
// documented discipline: never block on send, flush every loop turn, keep draining the inbox.
// They must finish without deadlock and without losing a record.
TEST(Channel, CycleOfWorkersDoesNotDeadlock) {
  TransportContext ctx;
  ChannelOptions options;
  options.high_water_mark = 1;
  options.max_batch_records = 4;
  constexpr int kTokens = 200, kHops = 50;
  std::unique_ptr<Receiver> receivers[2];
  for (int w = 0; w < 2; ++w) receivers[w] = Receiver::bind(ctx, inproc_worker_endpoint("cycle", w), options).value();
  std::atomic<int> finished{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&, w] {
      auto to_other = Sender::connect(ctx, w, inproc_worker_endpoint("cycle", 1 - w), options).value();
      if (w == 0) {  // inject every token at once: far more than the queues hold
        for (int t = 0; t < kTokens; ++t) ASSERT_TRUE(to_other->append("0").ok());
      }
      auto until = std::chrono::steady_clock::now() + 30s;
      while (finished.load() < kTokens && std::chrono::steady_clock::now() < until) {
        auto r = receivers[w]->receive(1ms, [&](const RecordView& v) {
          int hops = std::stoi(std::string(v.payload)) + 1;
          if (hops >= kHops) {
            ++finished;
          } else {
            EXPECT_TRUE(to_other->append(std::to_string(hops)).ok());
          }
        });
        ASSERT_TRUE(r.ok());
        ASSERT_TRUE(to_other->flush().ok());
      }
    });
  }
  for (auto& t : workers) t.join();
  EXPECT_EQ(finished.load(), kTokens);
}

TEST(Channel, WorksOverTcp) {
  TransportContext ctx;
  auto receiver = Receiver::bind(ctx, "tcp://127.0.0.1:*").value();
  ASSERT_NE(receiver->endpoint().find("tcp://127.0.0.1:"), std::string::npos);
  auto sender = Sender::connect(ctx, 9, receiver->endpoint()).value();
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(sender->append(std::to_string(i)).ok());
  ASSERT_TRUE(sender->append_marker(RecordKind::barrier, 3).ok());
  ASSERT_TRUE(sender->flush_blocking(5s).ok());
  auto got = receive_n(*receiver, 1001);
  ASSERT_EQ(got.size(), 1001u);
  EXPECT_EQ(got[999].payload, "999");
  EXPECT_EQ(got[1000].kind, RecordKind::barrier);
}

TEST(Channel, BindErrorsAreValues) {
  TransportContext ctx;
  auto bad = Receiver::bind(ctx, "nonsense://x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::io_error);
  EXPECT_NE(bad.error().message.find("nonsense://x"), std::string::npos);
  auto first = Receiver::bind(ctx, "inproc://sfn.test.twice");
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(Receiver::bind(ctx, "inproc://sfn.test.twice").ok());
}

TEST(Frame, RejectsMalformedBatchesWithoutDelivering) {
  BatchWriter writer;
  writer.begin(5, 0);
  writer.add(RecordKind::data, 0, "hello");
  writer.add(RecordKind::barrier, 4, "");
  std::string bytes(writer.finish());
  int calls = 0;
  auto ok = decode_batch(bytes, [&](const RecordView& v) { ++calls; });
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(ok->sender, 5u);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    calls = 0;
    auto r = decode_batch(bytes.substr(0, cut), [&](const RecordView&) { ++calls; });
    EXPECT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(calls, 0);
  }
  std::string bad_kind = bytes;
  bad_kind[kBatchHeaderBytes] = 9;
  EXPECT_EQ(decode_batch(bad_kind, [](const RecordView&) {}).error().code, ErrorCode::corrupt);
  EXPECT_FALSE(decode_batch(bytes + "x", [](const RecordView&) {}).ok());
}

}  // namespace
}  // namespace sfn::runtime::transport
