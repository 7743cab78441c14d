// End-to-end: runs the real `sfn run` binary on hand-written modules with --input files and
// compares stdout line by line, plus exit status and stderr for bad input.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include "tests/compiler/test_support.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace fs = std::filesystem;

struct RunOutput {
  int status = -1;
  std::string out, err;
  std::vector<std::string> lines() const {
    std::vector<std::string> v;
    std::istringstream in(out);
    for (std::string l; std::getline(in, l);) v.push_back(l);
    return v;
  }
};

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class RuntimeE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sfn_e2e_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  RunOutput run(const std::string& module, const std::string& input, const std::string& extra,
                const std::string& state = "state") {
    fs::path in = dir_ / "in.jsonl";
    std::ofstream(in) << input;
    std::string cmd = std::string(SFN_BIN) + " run " + module + " --input " + in.string() + " --state-dir " +
                      (dir_ / state).string() + " " + extra + " > " + (dir_ / "out").string() + " 2> " +
                      (dir_ / "err").string();
    int rc = std::system(cmd.c_str());
    RunOutput r;
    r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
    r.out = slurp(dir_ / "out");
    r.err = slurp(dir_ / "err");
    return r;
  }

  fs::path dir_;
};

const char* kGreets =
    "{\"ingress\":\"greets\",\"value\":{\"name\":\"Ann\"}}\n"
    "{\"ingress\":\"greets\",\"value\":{\"name\":\"Ann\"}}\n";

TEST_F(RuntimeE2E, GreeterMatchesTheLanguageGuide) {
  RunOutput r = run(GREETER_SO, kGreets, "--workers 1 --clock virtual");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.lines(),
            (std::vector<std::string>{R"({"egress":"greetings","value":{"text":"Hello Ann, you are visitor #1!"}})",
                                      R"({"egress":"greetings","value":{"text":"Hello Ann, you are visitor #2!"}})"}));
}

TEST_F(RuntimeE2E, StateSurvivesARestart) {
  ASSERT_EQ(run(GREETER_SO, kGreets, "--workers 1").status, 0);
  RunOutput r = run(GREETER_SO, "{\"ingress\":\"greets\",\"value\":{\"name\":\"Ann\"}}\n", "--workers 1");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.lines(),
            (std::vector<std::string>{R"({"egress":"greetings","value":{"text":"Hello Ann, you are visitor #3!"}})"}));
}

TEST_F(RuntimeE2E, BadInputLinesAreReportedSkippedAndExitThree) {
  std::string input = std::string("{\"ingress\":\"greets\",\"value\":{\"name\":\"Ann\"}}\n") + "not json\n" +
                      "{\"ingress\":\"nope\",\"value\":{}}\n" + "{\"ingress\":\"greets\",\"value\":{\"name\":42}}\n" +
                      "{\"ingress\":\"greets\",\"value\":{}}\n" +
                      "{\"ingress\":\"greets\",\"value\":{\"name\":\"Bob\"}}\n";
  RunOutput r = run(GREETER_SO, input, "--workers 1 --clock virtual");
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("in.jsonl:2: invalid JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("in.jsonl:3: unknown ingress `nope`"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("in.jsonl:4: ingress `greets`: field `name`: expected a string"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("in.jsonl:5: ingress `greets`: missing field `name`"), std::string::npos) << r.err;
  EXPECT_EQ(r.lines(),
            (std::vector<std::string>{R"({"egress":"greetings","value":{"text":"Hello Ann, you are visitor #1!"}})",
                                      R"({"egress":"greetings","value":{"text":"Hello Bob, you are visitor #1!"}})"}));
}

const char* kAsks =
    "{\"ingress\":\"asks\",\"value\":{\"n\":3}}\n"
    "{\"ingress\":\"asks\",\"value\":{\"n\":-3}}\n"
    "{\"ingress\":\"asks\",\"value\":{\"n\":6}}\n"
    "{\"ingress\":\"asks\",\"value\":{\"n\":4,\"delay\":\"2h\"}}\n"
    "{\"ingress\":\"asks\",\"value\":{\"n\":7}}\n";

const std::vector<std::string> kAskResults = {
    R"({"egress":"results","value":{"client":"c1","n":3,"square":9,"served":1}})",
    R"({"egress":"dead_letters","value":{"address":"example.squares/Server/0","message_type":"example.squares.Request","message":{"n":-3,"reply_to":"example.squares/Client/c-1"},"error":"negative request","location":"squares.sfn:15:36","epoch":1}})",
    R"({"egress":"results","value":{"client":"c0","n":6,"square":36,"served":2}})",
    R"({"egress":"results","value":{"client":"c1","n":7,"square":49,"served":1}})",
    R"({"egress":"results","value":{"client":"c0","n":4,"square":16,"served":2}})"};

// Request/reply between two function types, a failing invocation that must leave no trace
// (served stays 2 for Server/0), and a 2-hour delayed send under the virtual clock.
TEST_F(RuntimeE2E, RequestReplyWithDeadLetterAndVirtualTimer) {
  auto start = std::chrono::steady_clock::now();
  RunOutput r = run(SQUARES_SO, kAsks, "--workers 1 --clock virtual");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.lines(), kAskResults);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

TEST_F(RuntimeE2E, OneWorkerVirtualRunsAreDeterministic) {
  RunOutput a = run(SQUARES_SO, kAsks, "--workers 1 --clock virtual", "s1");
  RunOutput b = run(SQUARES_SO, kAsks, "--workers 1 --clock virtual", "s2");
  EXPECT_EQ(a.out, b.out);
}

TEST_F(RuntimeE2E, TwoWorkersExchangeMessages) {
  std::string input;
  std::vector<std::string> expected;
  for (int n = 0; n < 60; ++n) {
    input += "{\"ingress\":\"asks\",\"value\":{\"n\":" + std::to_string(n) + "}}\n";
  }
  RunOutput r = run(SQUARES_SO, input, "--workers 2");
  EXPECT_EQ(r.status, 0) << r.err;
  std::vector<std::string> lines = r.lines();
  ASSERT_EQ(lines.size(), 60u) << r.out << r.err;
  // Each server s handles n = s, s+3, ...: served counts 1..20 per server, whatever the order.
  std::vector<int> served_max(3, 0);
  for (int n = 0; n < 60; ++n) {
    std::string square = "\"n\":" + std::to_string(n) + ",\"square\":" + std::to_string(n * n) + ",";
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                            [&](const std::string& l) { return l.find(square) != std::string::npos; }),
              1)
        << "missing result for n=" << n;
  }
  for (int s = 1; s <= 20; ++s) {
    std::string served = "\"served\":" + std::to_string(s) + "}";
    EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                            [&](const std::string& l) { return l.find(served) != std::string::npos; }),
              3)
        << "served=" << s;
  }
}

// The loopback path: `sfn run` with endpoints, driven by `sfn send`, `sfn state`, `sfn status`
// and `sfn tail` (runtime/io's client commands), then stopped with SIGINT.
TEST_F(RuntimeE2E, SendStateStatusAndTailOnLoopback) {
  const std::string sfn = SFN_BIN;
  sfn::testing::ServerProcess server(sfn, {GREETER_SO, "--workers", "2", "--state-dir", (dir_ / "state").string()},
                                     dir_ / "run.err", dir_ / "run.out");
  ASSERT_EQ(server.start(), "");
  const std::string ingress = server.ingress(), egress = server.egress(), control = server.control();
  auto sh = [&](const std::string& c, std::string* out = nullptr) {
    int rc = std::system((c + " > " + (dir_ / "cmd.out").string() + " 2>&1").c_str());
    if (out) *out = slurp(dir_ / "cmd.out");
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  std::string out;
  EXPECT_EQ(sh(sfn + " send greets '{\"name\":\"Ann\"}' --endpoint " + ingress, &out), 0) << out;
  EXPECT_EQ(sh(sfn + " send greets '{\"name\":\"Ann\"}' --endpoint " + ingress, &out), 0) << out;
  EXPECT_NE(sh(sfn + " send greets '{\"nam\":\"Ann\"}' --endpoint " + ingress, &out), 0);
  EXPECT_NE(out.find("unknown field `nam`"), std::string::npos) << out;
  std::string state;
  for (int i = 0; i < 50; ++i) {
    sh(sfn + " state example.greeter/Greeter/Ann --endpoint " + control, &state);
    if (state.find("{\"seen\":2}") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(state.find("{\"seen\":2}"), std::string::npos) << state;
  // An instance that never stored state does not exist: exit 1 with the runtime's message.
  std::string none;
  EXPECT_EQ(sh(sfn + " state example.greeter/Greeter/Nobody --endpoint " + control, &none), 1) << none;
  EXPECT_NE(none.find("no instance example.greeter/Greeter/Nobody"), std::string::npos) << none;
  std::string tail;
  sh("timeout 3 " + sfn + " tail greetings --endpoint " + egress + " --control " + control, &tail);
  EXPECT_NE(tail.find("Hello Ann, you are visitor #1!"), std::string::npos) << tail;
  EXPECT_NE(tail.find("Hello Ann, you are visitor #2!"), std::string::npos) << tail;
  EXPECT_EQ(server.stop(SIGINT), 0) << server.stderr_text();
  std::string run_out = slurp(dir_ / "run.out");
  EXPECT_NE(run_out.find(R"({"egress":"greetings","value":{"text":"Hello Ann, you are visitor #2!"}})"),
            std::string::npos)
      << run_out;
}

// SIGTERM stops a run whose handler is in an endless loop (issue 11, decision 110): the
// invocation aborts at its next refuel, the process exits within about a second, and the
// aborted invocation runs again when the run restarts (here into a small budget: a dead letter).
TEST_F(RuntimeE2E, SigtermStopsAnEndlessHandler) {
  fs::path src = dir_ / "spin.sfn";
  std::ofstream(src) << "package spin;\n\nmessage Go { k: int; }\ningress go(g: Go) -> Spin(g.k);\n\n"
                        "function Spin(k: int) {\n  on Go(_g) {\n    var i: int = 0;\n    log(\"spinning\");\n"
                        "    while (true) {\n      i = (i + 1) % 7;\n    }\n  }\n}\n";
  std::ofstream(dir_ / "in.jsonl") << "{\"ingress\":\"go\",\"value\":{\"k\":1}}\n";
  const std::string state = (dir_ / "state").string();  // as run() below uses it
  int err_pipe[2];
  ASSERT_EQ(::pipe(err_pipe), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::dup2(err_pipe[1], 2);
    ::close(err_pipe[0]);
    ::execl(SFN_BIN, SFN_BIN, "run", src.c_str(), "--input", (dir_ / "in.jsonl").c_str(), "--clock", "virtual",
            "--workers", "1", "--state-dir", state.c_str(), "--max-fuel", "9000000000000000000", nullptr);
    ::_exit(127);
  }
  ::close(err_pipe[1]);
  std::string err;
  char buf[4096];
  // Ordering by the handler's own log line: it is inside the invocation when this returns.
  while (err.find("spinning") == std::string::npos) {
    const ssize_t n = ::read(err_pipe[0], buf, sizeof buf);
    ASSERT_GT(n, 0) << "sfn run ended before the handler ran: " << err;
    err.append(buf, static_cast<size_t>(n));
  }
  const auto stopped_at = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  for (ssize_t n; (n = ::read(err_pipe[0], buf, sizeof buf)) > 0;) err.append(buf, static_cast<size_t>(n));
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);  // stderr closed: the process is exiting
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - stopped_at).count();
  ::close(err_pipe[0]);
  EXPECT_LT(seconds, 3.0) << err;
  EXPECT_TRUE(WIFEXITED(status)) << err;
  EXPECT_NE(err.find("stopped during an invocation of spin/Spin/1 at spin.sfn:10:5"), std::string::npos) << err;
  // The same input file again: the recovered run knows its line was taken, so only the replay of
  // the aborted invocation can make the one dead letter.
  RunOutput again =
      run(src.string(), "{\"ingress\":\"go\",\"value\":{\"k\":1}}\n", "--clock virtual --workers 1 --max-fuel 1000");
  EXPECT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(std::count(again.out.begin(), again.out.end(), '\n'), 1) << again.out;
  EXPECT_NE(again.out.find("\"error\":\"invocation budget exhausted (1000 loop iterations and fn calls)\","
                           "\"location\":\"spin.sfn:10:5\""),
            std::string::npos)
      << again.out << again.err;
}

// A source file is either refused (no backend in this build) or compiled; a broken one must
// end with a clear error and no output, never a crash.
TEST_F(RuntimeE2E, BrokenSourceFileIsAClearError) {
  fs::path src = dir_ / "app.sfn";
  std::ofstream(src) << "package x;\nthis is not sfn\n";
  RunOutput r = run(src.string(), "", "");
  EXPECT_TRUE(r.status == 1 || r.status == 2) << r.status << r.err;
  EXPECT_NE(r.err.find("error"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(RuntimeE2E, NotAModuleIsAClearError) {
  fs::path f = dir_ / "junk.so";
  std::ofstream(f) << "junk";
  RunOutput r = run(f.string(), "", "");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot load module"), std::string::npos) << r.err;
}

}  // namespace
