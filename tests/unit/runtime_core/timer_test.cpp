// Timer tests through the embedded runtime: delayed sends under the virtual clock, cancel,
// `after write` / `after call` expiry, determinism, and timers surviving a restart.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "module_fixture.h"
#include "runtime/snapshot/store.h"
#include "runtime/snapshot/worker_file.h"
#include "runtime/state/state_backend.h"
#include "runtime/worker/hub.h"
#include "sfn/runtime.h"

namespace sfn::runtime {
namespace {

namespace fs = std::filesystem;

class TimerTest : public test::ModuleFixture {
 protected:
  TimerTest() : ModuleFixture("sfn_timer") {}

  // Runs `input` and returns the egress records as "egress: json" lines.
  std::vector<std::string> run(const std::string& input, ClockMode clock = ClockMode::virtual_time,
                               unsigned workers = 1, const std::string& state = "state", uint64_t cache_bytes = 0,
                               RunResult* result = nullptr) {
    RunOptions o;
    o.workers = workers;
    o.cache_bytes = cache_bytes;
    o.clock = clock;
    o.state_dir = (dir_ / state).string();
    if (!input.empty()) {
      o.input_path = (dir_ / "in.jsonl").string();
      std::ofstream(o.input_path) << input;
    }
    std::vector<std::string> out;
    o.egress_sink = [&](const EgressRecord& r) { out.push_back(r.egress + ": " + r.json); };
    RunResult r = run_embedded(module_, o);
    EXPECT_EQ(r.exit_code, 0) << r.error;
    if (result) *result = r;
    return out;
  }
};

TEST_F(TimerTest, VirtualClockRunsHoursInMilliseconds) {
  auto start = std::chrono::steady_clock::now();
  auto out = run(R"({"ingress":"start","value":{"key":"a","delay":"3h"}})"
                 "\n");
  EXPECT_EQ(out, (std::vector<std::string>{R"(out: {"text":"tick a at 1970-01-01T03:00:00Z"})"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(TimerTest, CancelPreventsDelivery) {
  auto out = run(R"({"ingress":"start","value":{"key":"a","delay":"1h"}})"
                 "\n"
                 R"({"ingress":"start","value":{"key":"b","delay":"1h"}})"
                 "\n"
                 R"({"ingress":"stop","value":{"key":"a"},"at":"30m"})"
                 "\n");
  EXPECT_EQ(out, (std::vector<std::string>{R"(out: {"text":"tick b at 1970-01-01T01:00:00Z"})"}));
}

TEST_F(TimerTest, CancelAfterDeliveryIsANoOp) {
  auto out = run(R"({"ingress":"start","value":{"key":"a","delay":"1m"}})"
                 "\n"
                 R"({"ingress":"stop","value":{"key":"a"},"at":"2m"})"
                 "\n");
  EXPECT_EQ(out, (std::vector<std::string>{R"(out: {"text":"tick a at 1970-01-01T00:01:00Z"})"}));
}

TEST_F(TimerTest, InputAtAndTimersInterleaveByTime) {
  auto out = run(R"({"ingress":"start","value":{"key":"late","delay":"2h"}})"
                 "\n"
                 R"({"ingress":"start","value":{"key":"early","delay":"30m"},"at":"1h"})"
                 "\n");
  EXPECT_EQ(out, (std::vector<std::string>{R"(out: {"text":"tick early at 1970-01-01T01:30:00Z"})",
                                           R"(out: {"text":"tick late at 1970-01-01T02:00:00Z"})"}));
}

TEST_F(TimerTest, ExpiryAfterWriteAndAfterCall) {
  auto out = run(R"({"ingress":"set","value":{"key":1,"v":5}})"
                 "\n"
                 R"({"ingress":"get","value":{"key":1},"at":"5m"})"
                 "\n"
                 R"({"ingress":"get","value":{"key":1},"at":"15m"})"
                 "\n"
                 R"({"ingress":"get","value":{"key":1},"at":"1h10m"})"
                 "\n"
                 R"({"ingress":"get","value":{"key":1},"at":"2h20m"})"
                 "\n");
  EXPECT_EQ(out,
            (std::vector<std::string>{
                R"(out: {"text":"count=5 fresh=5 last=touched"})", R"(out: {"text":"count=5 fresh=0 last=touched"})",
                R"(out: {"text":"count=5 fresh=0 last=touched"})", R"(out: {"text":"count=5 fresh=0 last="})"}));
}

TEST_F(TimerTest, OneWorkerRunsAreDeterministic) {
  std::string input;
  for (int i = 0; i < 30; ++i)
    input += R"({"ingress":"start","value":{"key":"k)" + std::to_string(i % 7) + R"(","delay":")" +
             std::to_string(i % 5) +
             R"(m"}})"
             "\n";
  auto a = run(input, ClockMode::virtual_time, 1, "s1");
  auto b = run(input, ClockMode::virtual_time, 1, "s2");
  EXPECT_EQ(a.size(), 30u);
  EXPECT_EQ(a, b);
}

// Decision 131: with a cache far too small for the run's instances, instances are evicted between
// their messages (their changed state written back first) and read again on the next: a pending
// timer is still cancelled through the state that holds its handle, `after write` / `after call`
// expiry counts from the stored times, and the output is what it is with every instance in memory.
TEST_F(TimerTest, EvictedInstancesComeBackWithTheirStateTimersAndExpiry) {
  const int n = 200;
  std::string input;
  auto line = [&](const char* ingress, const std::string& value, const char* at) {
    input += std::string(R"({"ingress":")") + ingress + R"(","value":)" + value +
             (at ? std::string(R"(,"at":")") + at + "\"" : "") + "}\n";
  };
  for (int i = 0; i < n; ++i) {
    line("start", R"({"key":"c)" + std::to_string(i) + R"(","delay":")" + std::to_string(i % 3 + 1) + "h\"}", nullptr);
    line("set", R"({"key":)" + std::to_string(i) + R"(,"v":)" + std::to_string(i) + "}", nullptr);
  }
  for (const char* at : {"5m", "15m", "30m", "1h10m", "2h20m"}) {
    for (int i = 0; i < n; ++i) {
      if (std::string(at) == "30m") {
        if (i % 2 == 0) line("stop", R"({"key":"c)" + std::to_string(i) + "\"}", at);
        continue;
      }
      line("get", R"({"key":)" + std::to_string(i) + "}", at);
    }
  }
  RunResult tiny, all;
  auto evicted = run(input, ClockMode::virtual_time, 1, "tiny", 2048, &tiny);
  auto in_memory = run(input, ClockMode::virtual_time, 1, "all", 0, &all);
  EXPECT_EQ(in_memory.size(), static_cast<size_t>(4 * n + n / 2));  // 4 gets each, the odd clocks tick
  EXPECT_EQ(evicted, in_memory);
  EXPECT_GT(tiny.cache_evictions, static_cast<uint64_t>(n));
  EXPECT_LE(tiny.cache_instances, 16u);
  EXPECT_GT(tiny.cache_misses, static_cast<uint64_t>(4 * n));  // most messages read their instance again
  EXPECT_EQ(all.cache_evictions, 0u);
  EXPECT_EQ(all.cache_instances, static_cast<uint64_t>(2 * n));
}

TEST_F(TimerTest, TimersSurviveARestart) {
  // The first run stops at 30m of virtual time with the 1h timer pending (and persisted).
  RunOptions o;
  o.workers = 2;
  o.clock = ClockMode::virtual_time;
  o.until_ns = 30 * 60 * 1'000'000'000LL;
  o.state_dir = (dir_ / "state").string();
  o.input_path = (dir_ / "in.jsonl").string();
  std::ofstream(o.input_path) << R"({"ingress":"start","value":{"key":"a","delay":"1h"}})"
                                 "\n";
  std::vector<std::string> first;
  o.egress_sink = [&](const EgressRecord& r) { first.push_back(r.json); };
  RunResult r = run_embedded(module_, o);
  ASSERT_EQ(r.exit_code, 0) << r.error;
  EXPECT_TRUE(first.empty());
  // The second run has no input; the persisted timer is its only work. Virtual time jumps to it.
  auto out = run("", ClockMode::virtual_time, 2, "state");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], R"(out: {"text":"tick a at 1970-01-01T01:00:00Z"})");
}

// A run without input ends on request_stop(); the test asks only once the run has started (its
// progress line), so the request cannot be lost to the run's own reset of the flag.
TEST_F(TimerTest, RequestStopEndsARunWithoutInput) {
  RunOptions o;
  o.workers = 1;
  o.clock = ClockMode::real;
  o.state_dir = (dir_ / "state").string();
  std::mutex mu;
  std::condition_variable cv;
  bool started = false;
  o.progress = [&](const std::string& line) {
    if (line.rfind("running ", 0) != 0) return;
    std::lock_guard lock(mu);
    started = true;
    cv.notify_all();
  };
  RunResult result;
  std::thread t([&] { result = run_embedded(module_, o); });
  bool up;
  {
    std::unique_lock lock(mu);
    up = cv.wait_for(lock, std::chrono::seconds(60), [&] { return started; });
  }
  request_stop();
  t.join();
  EXPECT_TRUE(up) << "no progress line: " << result.error;
  EXPECT_EQ(result.exit_code, 0) << result.error;
}

// The in-flight messages a snapshot recorded carry the message type numbers of the version that
// wrote it. Here that version declared a type this module does not have ("Gone") before all
// others, so every number is one higher: the recorded Tick (5, Set's number here) still reaches
// its handler, the Gone one becomes a dead letter naming its type (decision 015).
TEST_F(TimerTest, InFlightMessagesOfAnotherNumberingAreRenumberedByName) {
  EXPECT_TRUE(run("").empty());  // an empty run still ends with snapshot 1
  snapshot::SnapshotStore store(dir_ / "state");
  const fs::path snap = store.dir_of(1);
  const sfn_module& m = module_->desc();
  std::string names = "Gone\n";
  for (uint32_t i = 0; i < m.message_count; ++i) names += std::string(m.messages[i]->name) + "\n";
  auto manifest = snapshot::read_manifest(snap, false);
  ASSERT_TRUE(manifest.ok()) << manifest.error().message;
  // The checkpoint's SST files live in the store's shared files: edit a whole copy, commit again.
  ASSERT_TRUE(store.restore_worker_db(manifest.value(), 0, snap / "whole"));
  fs::remove_all(store.worker_db(1, 0));
  fs::rename(snap / "whole", store.worker_db(1, 0));
  {
    auto opened = state::StateBackend::open(store.worker_db(1, 0).string(), module_);
    ASSERT_TRUE(opened) << opened.error().message;
    std::unique_ptr<state::StateBackend> db = std::move(opened.value());
    db->put_meta("message_types", names);
    ASSERT_TRUE(db->write_back());
    ASSERT_TRUE(db->flush());
  }
  auto ws = snapshot::read_worker_snapshot(store.worker_file(1, 0));
  ASSERT_TRUE(ws.ok()) << ws.error().message;
  std::string record;
  worker::encode_record(record, worker::RecordKind::message, test::kMsgTick + 1, "test.rt/Clock/a", "");
  ws->messages.push_back(record);
  worker::encode_record(record, worker::RecordKind::message, 0, "test.rt/Clock/b", "");
  ws->messages.push_back(record);
  ASSERT_TRUE(snapshot::write_worker_snapshot(store.worker_file(1, 0), ws.value()));
  ASSERT_TRUE(store.commit(manifest.value(), nullptr));

  auto out = run("");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_NE(out[0].find("message type `Gone` does not exist in this version of the program"), std::string::npos)
      << out[0];
  EXPECT_NE(out[0].find(R"("address":"test.rt/Clock/b")"), std::string::npos) << out[0];
  EXPECT_EQ(out[1].find(R"(out: {"text":"tick a at )"), 0u) << out[1];
}

}  // namespace
}  // namespace sfn::runtime
