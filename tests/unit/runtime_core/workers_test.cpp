// Many workers: a run with 64 workers (32 once aborted on ZeroMQ's socket limit and left a state
// directory recording 32 workers), and a run that cannot get the open files it needs refused
// before anything is written.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <iostream>

#include "module_fixture.h"
#include "runtime/worker/hub.h"
#include "sfn/runtime.h"

namespace sfn::runtime {
namespace {

class WorkersTest : public test::ModuleFixture {
 protected:
  WorkersTest() : ModuleFixture("sfn_workers") {}

  RunOptions options(unsigned workers, const std::string& state) {
    RunOptions o;
    o.workers = workers;
    o.clock = ClockMode::virtual_time;
    o.state_dir = (dir_ / state).string();
    o.input_path = (dir_ / "in.jsonl").string();
    std::ofstream in(o.input_path);
    for (int k = 0; k < 200; ++k) in << R"({"ingress":"set","value":{"key":)" << k << R"(,"v":)" << k << "}}\n";
    return o;
  }

  // Runs with at most 3000 open files; exits with the run's status (100: the dir was created).
  [[noreturn]] void run_with_3000_files(const std::filesystem::path& state) {
    rlimit low{3000, 3000};
    ::setrlimit(RLIMIT_NOFILE, &low);
    RunResult r = run_embedded(module_, options(64, state.filename().string()));
    std::cerr << r.error << "\n";
    std::exit(std::filesystem::exists(state) ? 100 : r.exit_code);
  }
};

TEST_F(WorkersTest, SixtyFourWorkersRunAndRestart) {
  for (int round = 0; round < 2; ++round) {  // the second run reopens the recorded layout
    RunResult r = run_embedded(module_, options(64, "state"));
    ASSERT_EQ(r.exit_code, 0) << r.error;
    EXPECT_EQ(r.invocations, 200u);
  }
}

TEST_F(WorkersTest, SocketsAndFilesGrowWithTheSquareOfWorkers) {
  EXPECT_EQ(worker::channel_sockets(64), 64u * 64u + 64u + 64u);
  EXPECT_TRUE(worker::reserve_open_files(64));
}

// In a child process (the limit cannot be raised again): 64 workers are refused with both
// numbers, and the state directory is not even created.
TEST_F(WorkersTest, TooFewOpenFilesIsRefusedBeforeTheStateDirIsWritten) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(run_with_3000_files(dir_ / "refused"), ::testing::ExitedWithCode(2),
              "64 workers need about [0-9]+ open files, but the limit is 3000 \\(ulimit -n\\)");
}

}  // namespace
}  // namespace sfn::runtime
