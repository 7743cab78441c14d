// Rescaling (issue 18, docs/decisions/114-rescaling.md): `sfn run` serving chaos.sfn (counters,
// 300 ms durable timers, 2,000-hop chains of messages between instances on every worker) is
// started on one state directory with --workers 2, then 3, then 1, while a client sends records
// with idempotency keys. Between the phases the server is killed (SIGKILL: the snapshot has
// chains in flight and timers pending), killed again before its first snapshot with the new
// count (the next start rescales from the same snapshot again), or stopped (SIGTERM). At the
// end every acknowledged record affected state and committed egress exactly once and every
// timer fired once (exactly_once.h).
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/compiler/test_support.h"
#include "tests/e2e/chaos/exactly_once.h"

namespace {

namespace fs = std::filesystem;
using sfn::testing::run_command;
using namespace sfn::testing::chaos;

// One `sfn run` of the module on `state` with `workers` workers.
class ServedRun {
 public:
  ServedRun(const fs::path& module, const fs::path& state, int workers, const std::string& interval = "50ms")
      : process_(SFN_BIN,
                 {module.string(), "--workers", std::to_string(workers), "--checkpoint-interval", interval,
                  "--state-dir", state.string()},
                 state.string() + ".stderr") {
    const std::string problem = process_.start(std::chrono::seconds(60));
    EXPECT_TRUE(problem.empty()) << problem;
  }
  // Sends record `i` with its idempotency key (retrying); true once it is acknowledged.
  bool send(int i, std::map<std::string, Expected>& want) const {
    for (int attempt = 0; attempt < 20; ++attempt) {
      auto r = run_command({SFN_BIN, "send", "records", record_json(i), "--key", "r" + std::to_string(i), "--endpoint",
                            process_.ingress(), "--timeout", "2s"});
      if (r.status != 0) continue;
      count_record(want, i);
      return true;
    }
    return false;
  }
  nlohmann::json state(const std::string& address) const {
    auto r = run_command({SFN_BIN, "state", address, "--endpoint", process_.control(), "--timeout", "1s"});
    return r.status == 0 ? nlohmann::json::parse(r.out, nullptr, false) : nlohmann::json();
  }
  // Sends records first..last-1 in one `sfn send --file` (one request stream: their chains run
  // at the same time, so snapshots catch many hops in flight).
  bool send_file(int first, int last, const fs::path& file, std::map<std::string, Expected>& want) const {
    std::ofstream out(file);
    for (int i = first; i < last; ++i) out << record_json(i) << "\n";
    out.close();
    auto r = run_command({SFN_BIN, "send", "records", "--file", file.string(), "--key-prefix", file.stem().string(),
                          "--endpoint", process_.ingress(), "--timeout", "5s"});
    if (r.status != 0) return false;
    for (int i = first; i < last; ++i) count_record(want, i);
    return true;
  }
  std::vector<std::string> committed(const std::string& egress) const { return process_.committed(egress); }
  // Waits until a committed snapshot has at least `in_flight` of the 2,000-hop chains of the first
  // `records` records received and not yet answered (read from the committed Count records), so
  // the snapshot the next start restores holds chains in flight; false once too few chains are
  // left to catch.
  bool wait_for_commit_with_chains_in_flight(int records, int in_flight) const {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      std::map<std::string, std::pair<int, int>> latest;  // key -> (received, answers)
      for (const std::string& line : committed("counts")) {
        auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object()) continue;
        auto& [received, answers] = latest[j["key"].get<std::string>()];
        received = std::max(received, j["received"].get<int>());
        answers = std::max(answers, j["answers"].get<int>());
      }
      int received = 0, answers = 0;
      for (const auto& [key, ra] : latest) received += ra.first, answers += ra.second;
      if (received - answers >= in_flight) return true;
      if (answers > records - in_flight) return false;  // the chains ran out before a snapshot caught them
    }
    return false;
  }
  sfn::testing::ServerProcess& process() { return process_; }

 private:
  sfn::testing::ServerProcess process_;
};

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The in-flight records the first rescaling line of `log` re-routed ("N in-flight records").
long rerouted(const std::string& log) {
  const size_t at = log.find(" in-flight records re-routed");
  if (at == std::string::npos) return -1;
  const size_t start = log.rfind(' ', at - 1);
  return std::stol(log.substr(start + 1, at - start - 1));
}

TEST(Rescaling, TwoThenThreeThenOneWorkersKeepExactlyOnce) {
  sfn::testing::ScratchDir dir("sfn_rescale");
  const fs::path module = dir.path / "chaos.so", state = dir.path / "state";
  auto built =
      run_command({SFN_BIN, "build", "--shared", std::string(SFN_CHAOS_DIR) + "/chaos.sfn", "-o", module.string()});
  ASSERT_EQ(built.status, 0) << built.err;
  const fs::path stderr_path = state.string() + ".stderr";
  std::map<std::string, Expected> want;
  int next = 0;
  {
    ServedRun two(module, state, 2);
    for (; next < 10; ++next) ASSERT_TRUE(two.send(next, want)) << "record " << next;
    // A loaded machine may snapshot too slowly to catch the chains of one bulk: send another.
    bool caught = false;
    for (int round = 0; round < 5 && !caught; ++round, next += 200) {
      ASSERT_TRUE(two.send_file(next, next + 200, dir.path / ("bulk" + std::to_string(round) + ".jsonl"), want));
      caught = two.wait_for_commit_with_chains_in_flight(next + 200, 50);
    }
    ASSERT_TRUE(caught) << "no committed snapshot with chains in flight after 5 bulks of 200 records";
    two.process().kill9();  // chains in flight, timers pending
  }
  {
    ServedRun three(module, state, 3, "1h");  // no snapshot: killed before its first one
    for (const int end = next + 6; next < end; ++next) ASSERT_TRUE(three.send(next, want)) << "record " << next;
    three.process().kill9();
  }
  std::string log = sfn::testing::read_file(stderr_path);
  EXPECT_EQ(count_of(log, "from 2 to 3 workers"), 1u) << log;
  EXPECT_GT(rerouted(log), 0) << "the snapshot had chains in flight: " << log;
  {
    ServedRun three(module, state, 3);
    for (const int end = next + 24; next < end; ++next) ASSERT_TRUE(three.send(next, want)) << "record " << next;
    log = sfn::testing::read_file(stderr_path);
    EXPECT_EQ(count_of(log, "from 2 to 3 workers"), 2u) << "the same snapshot rescaled again: " << log;
    EXPECT_EQ(three.process().stop(SIGTERM), 0);  // a last snapshot, taken with 3 workers
  }
  EXPECT_NE(sfn::testing::read_file(state / "layout").find("workers 3\n"), std::string::npos);
  ServedRun one(module, state, 1);
  for (const int end = next + 20; next < end; ++next) ASSERT_TRUE(one.send(next, want)) << "record " << next;
  expect_exactly_once(one, want, "2 -> 3 -> 1 workers");
  log = sfn::testing::read_file(stderr_path);
  EXPECT_EQ(count_of(log, "from 3 to 1 workers"), 1u) << log;
  EXPECT_NE(log.find("of 128 key groups moved"), std::string::npos) << log;
  EXPECT_NE(sfn::testing::read_file(state / "layout").find("workers 1\n"), std::string::npos);
  EXPECT_FALSE(fs::exists(state / "worker-1")) << "the databases of workers that are gone are removed";
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);)
    if (line.starts_with("sfn: rescaled")) std::printf("[rescale] %s\n", line.c_str());
}

}  // namespace
