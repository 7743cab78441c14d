// The chaos test (issue 8): a real `sfn run` serving chaos.sfn on loopback with 2 workers and
// 50 ms snapshots is killed with SIGKILL at random moments and restarted on the same state
// directory, while a client sends records with idempotency keys, retrying each until it is
// acknowledged. Afterwards every acknowledged record must have affected state and committed
// egress exactly once, and every timer must have fired once:
//  - per counter, `sfn state` shows received = records sent to it, answers = the same, ticks =
//    its records with n % 5 == 0;
//  - the committed egress log holds, per counter, exactly received + answers + ticks Count
//    records, all different (each emission carries the full count, so a duplicated record or
//    egress shows up as a repeated or extra line), and no dead letters.
// SFN_CHAOS_CYCLES (default 12) sets the number of kills, SFN_CHAOS_SEED the random seed;
// tests/chaos/run_chaos.sh runs many cycles by hand.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/compiler/test_support.h"
#include "tests/e2e/chaos/exactly_once.h"

namespace {

namespace fs = std::filesystem;
using sfn::testing::run_command;
using Clock = std::chrono::steady_clock;
using sfn::testing::chaos::converged;
using sfn::testing::chaos::expect_exactly_once;
using sfn::testing::chaos::Expected;
using sfn::testing::chaos::kCounters;
using sfn::testing::chaos::write_records;

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

// A `sfn run` server process on loopback endpoints, with 2 workers and 50 ms snapshots (or the
// options `run_options` name instead of the interval).
class Server {
 public:
  Server(const fs::path& module, const fs::path& state,
         const std::vector<std::string>& run_options = {"--checkpoint-interval", "50ms"})
      : process_(SFN_BIN, server_args(module, state, run_options), state.string() + ".stderr"),
        ingress_(process_.ingress()),
        control_(process_.control()) {}

  // Starts the process and waits until its control endpoint answers.
  void start() {
    const std::string problem = process_.start();
    ASSERT_TRUE(problem.empty()) << problem;
  }

  void kill9() { process_.kill9(); }
  // Kills the process unless it has exited already; returns its exit status (128+signal).
  int kill9_status() { return process_.stop(SIGKILL); }
  // Waits until the process has exited by itself (a zombie), or `limit` passed.
  bool wait_exited(std::chrono::seconds limit) const {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      std::ifstream stat("/proc/" + std::to_string(process_.pid()) + "/stat");
      std::string pid, name, state;
      if (!(stat >> pid >> name >> state) || state == "Z") return true;
    }
    return false;
  }
  std::string stderr_text() const { return process_.stderr_text(); }

  // Waits until `n` more snapshots have committed (0: returns at once).
  void wait_for_commits(int n) const {
    if (n == 0) return;
    auto committed = [&] {
      auto j = status_json();
      return j.is_object() ? j["last_committed_epoch"].get<uint64_t>() : 0;
    };
    const uint64_t target = committed() + static_cast<uint64_t>(n);
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (committed() < target && Clock::now() < deadline) {
    }
  }

  nlohmann::json status_json() const {
    auto r = run_command({SFN_BIN, "status", "--json", "--endpoint", control_, "--timeout", "500ms"});
    if (r.status != 0) return nullptr;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  // Sends one record with its idempotency key; true when acknowledged (also as a duplicate).
  bool send(const std::string& json, const std::string& key) const {
    auto r = run_command({SFN_BIN, "send", "records", json, "--key", key, "--endpoint", ingress_, "--timeout", "1s"});
    return r.status == 0;
  }

  nlohmann::json state(const std::string& address) const {
    auto r = run_command({SFN_BIN, "state", address, "--endpoint", control_, "--timeout", "1s"});
    if (r.status != 0) return nullptr;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  std::vector<std::string> committed(const std::string& egress) const { return process_.committed(egress); }

 private:
  static std::vector<std::string> server_args(const fs::path& module, const fs::path& state,
                                              const std::vector<std::string>& run_options) {
    std::vector<std::string> args = {module.string(), "--workers", "2", "--state-dir", state.string()};
    args.insert(args.end(), run_options.begin(), run_options.end());
    return args;
  }

  sfn::testing::ServerProcess process_;
  const std::string &ingress_, &control_;
};

void killed_and_restarted_server_has_exactly_once_effects(const std::vector<std::string>& run_options) {
  const uint64_t kills = env_or("SFN_CHAOS_CYCLES", 12);
  const uint64_t seed = env_or("SFN_CHAOS_SEED", 20261202);
  const int records = static_cast<int>(std::max<uint64_t>(120, kills * 10));
  std::mt19937_64 rng(seed);
  const fs::path dir = fs::temp_directory_path() / ("sfn_chaos_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path module = dir / "chaos.so";
  auto built =
      run_command({SFN_BIN, "build", "--shared", std::string(SFN_CHAOS_DIR) + "/chaos.sfn", "-o", module.string()});
  ASSERT_EQ(built.status, 0) << built.err;

  Server server(module, dir / "state", run_options);
  server.start();
  std::map<std::string, Expected> want;
  uint64_t kills_done = 0;
  for (int i = 0; i < records; ++i) {
    const std::string key = "c" + std::to_string(i % kCounters);
    const std::string json = R"({"key":")" + key + R"(","n":)" + std::to_string(i) + "}";
    int attempts = 0;
    while (!server.send(json, "r" + std::to_string(i))) {
      ASSERT_LT(++attempts, 20) << "record " << i << " was never acknowledged (seed " << seed << ")";
      server.kill9();  // a server that does not answer is restarted like a killed one
      server.start();
    }
    want[key].received += 1;
    want[key].ticks += i % 5 == 0;
    if (kills_done < kills && (i + 1) % (records / static_cast<int>(kills + 1)) == 0) {
      // Kill at a random moment: right after the ack, or once 1 or 2 more snapshots committed
      // while the record's 2,000-hop chain is still being processed.
      server.wait_for_commits(std::uniform_int_distribution<int>(0, 2)(rng));
      server.kill9();
      ++kills_done;
      server.start();
    }
  }
  EXPECT_GE(kills_done, kills);

  expect_exactly_once(server, want, "seed " + std::to_string(seed));

  // One more kill after everything committed: the recovered state is the same.
  server.kill9();
  server.start();
  std::string last;
  EXPECT_TRUE(converged(server, want, &last)) << last;
  server.kill9();
  fs::remove_all(dir);
}

TEST(Chaos, KilledAndRestartedServerHasExactlyOnceEffects) {
  killed_and_restarted_server_has_exactly_once_effects({"--checkpoint-interval", "50ms"});
}

// The same with a 1 KB instance cache (an instance or two per worker: instances are evicted and
// read again all the time) and
// snapshots every 20 ms (decisions 130, 131).
TEST(Chaos, KilledAndRestartedServerWithATinyCacheHasExactlyOnceEffects) {
  killed_and_restarted_server_has_exactly_once_effects({"--checkpoint-interval", "20ms", "--cache-size", "1KB"});
}

// Storage faults in the chaos run (issue 23): the state directory is a 64 MiB tmpfs. Between
// records, at random: a SIGKILL; a SIGKILL and a flipped byte in every live SST file (the
// snapshots hold their own copies); a full disk (a file fills the tmpfs: whichever write comes
// first fails, and the server must stop or refuse, never crash, lose or duplicate), then the
// file is removed and the server started again. Every acknowledged record counts exactly once.
TEST(Chaos, DiskFullAndDamagedLiveStateKeepExactlyOnce) {
  const uint64_t faults = env_or("SFN_CHAOS_CYCLES", 12);
  const uint64_t seed = env_or("SFN_CHAOS_SEED", 20261207);
  const int records = static_cast<int>(std::max<uint64_t>(120, faults * 10));
  std::mt19937_64 rng(seed);
  sfn::testing::ScratchDir dir("sfn_storage_chaos");
  const fs::path state = dir.path / "state", module = dir.path / "chaos.so", filler = state / "filler";
  fs::create_directories(state);
  if (::mount("tmpfs", state.c_str(), "tmpfs", 0, "size=64m") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs at " << state << " (" << std::strerror(errno)
                 << "): the storage chaos test needs root or CAP_SYS_ADMIN";
  struct Unmount {
    fs::path at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{state};
  auto built =
      run_command({SFN_BIN, "build", "--shared", std::string(SFN_CHAOS_DIR) + "/chaos.sfn", "-o", module.string()});
  ASSERT_EQ(built.status, 0) << built.err;
  Server server(module, state / "run");
  server.start();
  std::map<std::string, Expected> want;
  std::map<std::string, int> done;  // faults injected, by kind
  for (int i = 0; i < records; ++i) {
    const std::string key = "c" + std::to_string(i % kCounters);
    const std::string json = R"({"key":")" + key + R"(","n":)" + std::to_string(i) + "}";
    int attempts = 0;
    while (!server.send(json, "r" + std::to_string(i))) {
      ASSERT_LT(++attempts, 20) << "record " << i << " was never acknowledged (seed " << seed << ")\n"
                                << server.stderr_text();
      server.kill9();
      server.start();
    }
    want[key].received += 1;
    want[key].ticks += i % 5 == 0;
    if ((i + 1) % (records / static_cast<int>(faults + 1)) != 0) continue;
    server.wait_for_commits(std::uniform_int_distribution<int>(0, 2)(rng));
    switch (std::uniform_int_distribution<int>(0, 2)(rng)) {
      case 0:
        server.kill9();
        ++done["kill"];
        break;
      case 1:
        server.kill9();
        for (const auto& e : fs::recursive_directory_iterator(state / "run"))
          if (e.path().extension() == ".sst" && e.path().string().find("/snapshots/") == std::string::npos) {
            std::fstream f(e.path(), std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(static_cast<std::streamoff>(fs::file_size(e.path()) / 2));
            f.put('\x5a');
          }
        ++done["damaged live state"];
        break;
      default: {
        {
          std::ofstream fill(filler, std::ios::binary);
          const std::string block(1 << 16, '\0');
          while (fill.write(block.data(), block.size())) {
          }
        }
        // The next snapshots, logs or databases find no room; the server stops (snapshots
        // failing, an egress append failing) or refuses records; it must not crash.
        (void)server.send(json, "r" + std::to_string(i));  // a duplicate: acknowledged or refused
        const bool exited = server.wait_exited(std::chrono::seconds(5));
        const int status = server.kill9_status();
        if (exited) {
          EXPECT_TRUE(status == 1 || status == 2) << "exit " << status << "\n" << server.stderr_text();
          EXPECT_NE(server.stderr_text().find("No space left on device"), std::string::npos) << server.stderr_text();
        }
        fs::remove(filler);
        ++done[exited ? "disk full (stopped)" : "disk full (killed)"];
      }
    }
    server.start();
  }
  std::string summary;
  for (const auto& [kind, n] : done) summary += kind + " x" + std::to_string(n) + " ";
  std::printf("[chaos] seed %llu, faults: %s\n", static_cast<unsigned long long>(seed), summary.c_str());
  expect_exactly_once(server, want, "seed " + std::to_string(seed) + ", faults: " + summary);
  server.kill9();
}

// The newest committed epoch of a state directory (a snapshot with a MANIFEST); 0: none.
uint64_t newest_committed(const fs::path& state) {
  uint64_t newest = 0;
  std::error_code ec;
  for (fs::directory_iterator it(state / "snapshots", ec), end; !ec && it != end; it.increment(ec))
    if (fs::exists(it->path() / "MANIFEST"))
      newest = std::max<uint64_t>(newest, std::strtoull(it->path().filename().c_str(), nullptr, 10));
  return newest;
}

// A batch run (`sfn run --input`) killed with SIGKILL while its input is half done and started
// again with the same command resumes its input (decision 016): every line affects state and
// committed egress exactly once, every timer fires once.
TEST(Chaos, KilledBatchRunResumesItsInputExactlyOnce) {
  const fs::path dir = fs::temp_directory_path() / ("sfn_batch_chaos_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path module = dir / "chaos.so", input = dir / "input.jsonl", state = dir / "state";
  auto built =
      run_command({SFN_BIN, "build", "--shared", std::string(SFN_CHAOS_DIR) + "/chaos.sfn", "-o", module.string()});
  ASSERT_EQ(built.status, 0) << built.err;
  const std::map<std::string, Expected> want = write_records(input, 3000);
  const std::vector<std::string> argv = {SFN_BIN,       "run", module.string(),         "--input", input.string(),
                                         "--workers",   "2",   "--checkpoint-interval", "30ms",    "--state-dir",
                                         state.string()};
  int killed_midway = 0;
  for (int kill = 0; kill < 3; ++kill) {
    const uint64_t before = newest_committed(state);
    const pid_t pid = ::fork();
    if (pid == 0) {
      int null = ::open("/dev/null", O_WRONLY);
      ::dup2(null, 1);
      ::dup2(null, 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(SFN_BIN, args.data());
      ::_exit(127);
    }
    ASSERT_GT(pid, 0);
    int st = 0;
    bool exited = false;
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (!exited && newest_committed(state) < before + 2 + kill && Clock::now() < deadline)
      exited = ::waitpid(pid, &st, WNOHANG) == pid;
    if (!exited) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      ++killed_midway;
    }
  }
  EXPECT_GT(killed_midway, 0) << "every run finished before it could be killed: make the input longer";
  auto last = run_command(argv);
  ASSERT_EQ(last.status, 0) << last.err;

  Server server(module, state);
  server.start();
  expect_exactly_once(server, want, "batch run killed " + std::to_string(killed_midway) + " times");
  server.kill9();
  fs::remove_all(dir);
}

// A worker thread that fails (fault_run W:N runs `sfn run` with a FaultInjector that makes worker
// 1 fail after its N-th invocation: early, before the first snapshot commits, or late, with snapshots
// and in-flight chains behind it) stops the run without a last snapshot; the process recovers in
// place from the last committed snapshot (or from nothing, replaying the whole input) and
// resumes its input, so every line still has exactly-once effects and the run exits 0.
class WorkerFailure : public ::testing::TestWithParam<const char*> {};

TEST_P(WorkerFailure, IsRecoveredInProcessWithExactlyOnceEffects) {
  const fs::path dir = fs::temp_directory_path() / ("sfn_worker_failure_" + std::to_string(::getpid()) + "_" +
                                                    sfn::testing::identifier(GetParam()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path module = dir / "chaos.so", input = dir / "input.jsonl", state = dir / "state";
  auto built =
      run_command({SFN_BIN, "build", "--shared", std::string(SFN_CHAOS_DIR) + "/chaos.sfn", "-o", module.string()});
  ASSERT_EQ(built.status, 0) << built.err;
  const std::map<std::string, Expected> want = write_records(input, 300);
  auto r = run_command({SFN_FAULT_RUN, GetParam(), module.string(), "--input", input.string(), "--workers", "2",
                        "--checkpoint-interval", "30ms", "--state-dir", state.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("worker 1: injected failure"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("recovering from the last committed snapshot"), std::string::npos) << r.err;

  Server server(module, state);
  server.start();
  expect_exactly_once(server, want, std::string("after an in-process recovery, fault_run ") + GetParam());
  server.kill9();
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(EarlyAndLate, WorkerFailure, ::testing::Values("1:20000", "1:200000"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           return sfn::testing::identifier(info.param);
                         });

}  // namespace
