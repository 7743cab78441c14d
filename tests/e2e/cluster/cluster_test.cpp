// Cluster mode (issue 18): `sfn coordinator` and two `sfn worker` processes on loopback run
// chaos.sfn (every record makes a 2,000-hop chain of messages between instances on both workers,
// so records cross processes all the time, and arms timers). While a client sends records with
// idempotency keys (retrying each until acknowledged), randomly chosen processes — workers and
// the coordinator — are killed with SIGKILL and started again. Afterwards every acknowledged
// record has affected state and committed egress exactly once and every timer fired once
// (exactly_once.h). SFN_CLUSTER_KILLS (default 10) sets the number of kills, SFN_CHAOS_SEED the
// seed. Rescaling: the coordinator stopped and started again with another --workers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/compiler/test_support.h"
#include "tests/e2e/chaos/exactly_once.h"

namespace {

namespace fs = std::filesystem;
using sfn::testing::run_command;
using namespace sfn::testing::chaos;

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

constexpr int kMaxWorkers = 3;

// A coordinator and up to three worker processes on loopback ports.
class Cluster {
 public:
  explicit Cluster(const fs::path& dir, const fs::path& program = fs::path(SFN_CHAOS_DIR) / "chaos.sfn")
      : dir_(dir), program_(program) {
    const int port = sfn::testing::free_loopback_ports(1 + kMaxWorkers);
    listen_ = "tcp://127.0.0.1:" + std::to_string(port);
    for (int w = 0; w < kMaxWorkers; ++w) worker_listen_[w] = "tcp://127.0.0.1:" + std::to_string(port + 1 + w);
    set_workers(2);
  }
  ~Cluster() {
    for (int w = 0; w < kMaxWorkers; ++w) kill_worker(w);
  }
  // The coordinator started next runs with `--workers n` on the same state directory.
  void set_workers(int n) {
    coordinator_.emplace(SFN_BIN,
                         std::vector<std::string>{program_.string(), "--listen", listen_, "--workers",
                                                  std::to_string(n), "--state-dir", (dir_ / "coordinator").string(),
                                                  "--checkpoint-interval", "50ms", "--heartbeat-timeout", "1s"},
                         dir_ / "coordinator.stderr");
    coordinator_->set_command("coordinator");
  }

  void start_worker(int w, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{SFN_BIN,
                                  "worker",
                                  "--coordinator",
                                  listen_,
                                  "--listen",
                                  worker_listen_[w],
                                  "--state-dir",
                                  (dir_ / ("worker-" + std::to_string(w))).string(),
                                  "--heartbeat-timeout",
                                  "1s"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    workers_[w] = sfn::testing::spawn(argv, dir_ / ("worker-" + std::to_string(w) + ".stderr"));
  }
  void kill_worker(int w) {
    if (workers_[w] <= 0) return;
    ::kill(workers_[w], SIGKILL);
    ::waitpid(workers_[w], nullptr, 0);
    workers_[w] = -1;
  }
  // Starts the coordinator and waits until its control endpoint answers (the workers joined).
  void start_coordinator() {
    const std::string problem = coordinator_->start(std::chrono::seconds(60));
    ASSERT_TRUE(problem.empty()) << problem;
  }
  void kill_coordinator() { coordinator_->kill9(); }
  // Stops the coordinator as an operator would (its run ends with a last snapshot).
  int stop_coordinator() { return coordinator_->stop(SIGTERM); }

  // Sends record `i` (record_json) with its idempotency key r<i>; true once acknowledged.
  bool send(int i) const {
    return run_command({SFN_BIN, "send", "records", record_json(i), "--key", "r" + std::to_string(i), "--endpoint",
                        coordinator_->ingress(), "--timeout", "1s"})
               .status == 0;
  }
  nlohmann::json state(const std::string& address) const {
    auto r = run_command({SFN_BIN, "state", address, "--endpoint", coordinator_->control(), "--timeout", "2s"});
    return r.status == 0 ? nlohmann::json::parse(r.out, nullptr, false) : nlohmann::json();
  }
  std::vector<std::string> committed(const std::string& egress) const { return coordinator_->committed(egress); }
  sfn::testing::CommandResult reload(const fs::path& program) const {
    return run_command({SFN_BIN, "reload", program.string(), "--control", coordinator_->control(), "--timeout", "60s"});
  }
  // The program file worker `w` compiled last (below its state directory).
  std::string worker_program(int w, const fs::path& program) const {
    return sfn::testing::read_file(dir_ / ("worker-" + std::to_string(w)) / "program" / program.relative_path());
  }
  nlohmann::json status() const {
    auto r = run_command({SFN_BIN, "status", "--json", "--endpoint", coordinator_->control(), "--timeout", "1s"});
    return r.status == 0 ? nlohmann::json::parse(r.out, nullptr, false) : nlohmann::json();
  }
  std::string logs() const {
    std::string out = "--- coordinator\n" + sfn::testing::read_file(dir_ / "coordinator.stderr");
    for (int w = 0; w < kMaxWorkers; ++w)
      out += "--- worker " + std::to_string(w) + "\n" +
             sfn::testing::read_file(dir_ / ("worker-" + std::to_string(w) + ".stderr"));
    return out;
  }

 private:
  fs::path dir_, program_;
  std::string listen_, worker_listen_[kMaxWorkers];
  std::optional<sfn::testing::ServerProcess> coordinator_;
  pid_t workers_[kMaxWorkers] = {-1, -1, -1};
};

TEST(Cluster, RunsAcrossProcessesAndServesClients) {
  sfn::testing::ScratchDir dir("cluster_basic");
  Cluster cluster(dir.path);
  cluster.start_worker(0, {"--cache-size", "1KB"});  // a tiny cache: instances are evicted and read again
  cluster.start_worker(1);
  cluster.start_coordinator();
  std::map<std::string, Expected> want;
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(cluster.send(i));
    count_record(want, i);
  }
  expect_exactly_once(cluster, want, "no faults");
  auto st = cluster.status();
  ASSERT_TRUE(st.is_object()) << cluster.logs();
  ASSERT_EQ(st["workers"].size(), 2u) << st.dump();
  uint64_t invocations = 0;
  for (const auto& w : st["workers"]) {
    EXPECT_EQ(w["key_groups"], 64) << st.dump();
    invocations += w["invocations"].get<uint64_t>();
  }
  EXPECT_GT(invocations, 12u * 2000u) << "the chains ran on the workers";
  // The worker processes' caches reach `sfn status` with their heartbeats: the bound each was
  // given, and the tiny one evicting (which process got which index is the coordinator's choice).
  auto cache_with = [&](bool tiny) {
    for (const auto& w : st["workers"])
      if (w.contains("cache") && (w["cache"]["limit_bytes"] == 1024u) == tiny) return w["cache"];
    return nlohmann::json();
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline &&
         !(cache_with(true).is_object() && cache_with(true)["evictions"].get<uint64_t>() > 0 &&
           cache_with(false).is_object() && cache_with(false)["misses"].get<uint64_t>() > 0))
    st = cluster.status();
  ASSERT_TRUE(cache_with(true).is_object() && cache_with(false).is_object()) << st.dump();
  EXPECT_GT(cache_with(true)["evictions"].get<uint64_t>(), 0u) << st.dump();
  EXPECT_GT(cache_with(true)["misses"].get<uint64_t>(), 0u) << st.dump();
  EXPECT_GT(cache_with(false)["limit_bytes"].get<uint64_t>(), 1024u) << st.dump();
  EXPECT_GT(cache_with(false)["instances"].get<uint64_t>(), 0u) << st.dump();
}

// `sfn reload` against a cluster: the coordinator checks the new version once (E0601), the run
// switches between two epochs, and every worker of the next generation compiles and runs it;
// records sent before, during and after the switch count exactly once.
TEST(Cluster, ReloadSwitchesEveryWorkerToTheNewVersion) {
  sfn::testing::ScratchDir dir("cluster_reload");
  const fs::path program = dir.path / "chaos.sfn";
  const std::string v1 = sfn::testing::read_file(fs::path(SFN_CHAOS_DIR) / "chaos.sfn");
  {
    std::ofstream(program) << v1;
  }
  Cluster cluster(dir.path, program);
  cluster.start_worker(0);
  cluster.start_worker(1);
  cluster.start_coordinator();
  std::map<std::string, Expected> want;
  auto send = [&](int i) {
    ASSERT_TRUE(cluster.send(i));
    count_record(want, i);
  };
  for (int i = 0; i < 6; ++i) send(i);
  const std::string version1 = cluster.status()["version"];
  std::string v2 = v1;
  v2.replace(v2.find("left: 2000"), 10, "left: 500");
  {
    std::ofstream(program) << v2;
  }
  std::thread reloading([&] {
    auto r = cluster.reload(program);
    EXPECT_EQ(r.status, 0) << r.out << r.err << cluster.logs();
  });
  for (int i = 6; i < 12; ++i) {
    int attempts = 0;
    while (!cluster.send(i)) ASSERT_LT(++attempts, 60) << cluster.logs();
    count_record(want, i);
  }
  reloading.join();
  for (int i = 12; i < 18; ++i) send(i);
  expect_exactly_once(cluster, want, "reload");
  EXPECT_NE(cluster.status()["version"], version1) << cluster.logs();
  for (int w = 0; w < 2; ++w)
    EXPECT_NE(cluster.worker_program(w, program).find("left: 500"), std::string::npos) << "worker " << w;
  // An incompatible version is refused once, by the coordinator; the cluster goes on.
  std::string v3 = v2;
  // A field without a default added to a message that pending timers hold: E0601.
  v3.replace(v3.find("message Tick {\n  n: int;"), 24, "message Tick {\n  n: int;\n  extra: int;");
  v3.replace(v3.find("send Tick { n: r.n }"), 20, "send Tick { n: r.n, extra: 1 }");
  {
    std::ofstream(program) << v3;
  }
  auto refused = cluster.reload(program);
  EXPECT_EQ(refused.status, 1) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("E0601"), std::string::npos) << refused.err;
  send(18);
  expect_exactly_once(cluster, want, "after a refused reload");
}

TEST(Cluster, KillsOfWorkersAndTheCoordinatorKeepExactlyOnce) {
  const uint64_t kills = env_or("SFN_CLUSTER_KILLS", 10);
  const uint64_t seed = env_or("SFN_CHAOS_SEED", 20261207);
  const int records = static_cast<int>(std::max<uint64_t>(60, kills * 6));
  std::mt19937_64 rng(seed);
  sfn::testing::ScratchDir dir("cluster_chaos");
  Cluster cluster(dir.path);
  cluster.start_worker(0);
  cluster.start_worker(1);
  cluster.start_coordinator();
  std::map<std::string, Expected> want;
  std::map<std::string, int> done;
  for (int i = 0; i < records; ++i) {
    int attempts = 0;
    while (!cluster.send(i))
      ASSERT_LT(++attempts, 60) << "record " << i << " was never acknowledged (seed " << seed << ")\n"
                                << cluster.logs();
    count_record(want, i);
    if ((i + 1) % (records / static_cast<int>(kills + 1)) != 0 || done["total"] >= static_cast<int>(kills)) continue;
    ++done["total"];
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
      case 2:
        cluster.kill_coordinator();
        ++done["coordinator"];
        cluster.start_coordinator();
        break;
      default: {
        const int w = std::uniform_int_distribution<int>(0, 1)(rng);
        cluster.kill_worker(w);
        ++done["worker " + std::to_string(w)];
        cluster.start_worker(w);
      }
    }
  }
  std::string summary;
  for (const auto& [kind, n] : done) summary += kind + " x" + std::to_string(n) + " ";
  std::printf("[cluster] seed %llu, kills: %s\n", static_cast<unsigned long long>(seed), summary.c_str());
  EXPECT_EQ(done["total"], static_cast<int>(kills));
  expect_exactly_once(cluster, want, "seed " + std::to_string(seed) + ", kills: " + summary);
  if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s", cluster.logs().c_str());
}

// Rescaling (decision 114): records streamed to 2 workers; the coordinator stopped (SIGTERM) and
// started again with --workers 3 and a third worker process, then with --workers 1. The key
// groups move with their state, in-flight chains and pending timers: every acknowledged record
// counts exactly once and every timer fires once.
TEST(Cluster, RescalesFromTwoToThreeToOneWorkers) {
  sfn::testing::ScratchDir dir("cluster_rescale");
  Cluster cluster(dir.path);
  cluster.start_worker(0);
  cluster.start_worker(1);
  cluster.start_coordinator();
  std::map<std::string, Expected> want;
  int next = 0;
  auto send_until = [&](int end) {
    for (; next < end; ++next) {
      for (int attempts = 1; !cluster.send(next); ++attempts)
        ASSERT_LT(attempts, 60) << "record " << next << " was never acknowledged\n" << cluster.logs();
      count_record(want, next);
    }
  };
  send_until(24);
  EXPECT_EQ(cluster.stop_coordinator(), 0) << cluster.logs();
  cluster.set_workers(3);
  cluster.start_worker(2);
  cluster.start_coordinator();
  send_until(48);
  EXPECT_EQ(cluster.stop_coordinator(), 0) << cluster.logs();
  cluster.set_workers(1);
  cluster.start_coordinator();
  send_until(72);
  expect_exactly_once(cluster, want, "2 -> 3 -> 1 workers");
  auto st = cluster.status();
  ASSERT_TRUE(st.is_object()) << cluster.logs();
  ASSERT_EQ(st["workers"].size(), 1u) << st.dump();
  EXPECT_EQ(st["workers"][0]["key_groups"], 128) << st.dump();
  const std::string log = sfn::testing::read_file(dir.path / "coordinator.stderr");
  EXPECT_NE(log.find("from 2 to 3 workers"), std::string::npos) << cluster.logs();
  EXPECT_NE(log.find("from 3 to 1 workers"), std::string::npos) << cluster.logs();
  if (::testing::Test::HasFailure()) std::fprintf(stderr, "%s", cluster.logs().c_str());
}

}  // namespace
