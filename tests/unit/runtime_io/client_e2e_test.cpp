// End-to-end: the real `sfn run` hosting the hand-written greeter module (tests/e2e/runtime)
// with ingress, egress and control endpoints on loopback, driven by the real `sfn send`,
// `sfn tail`, `sfn status` and `sfn state`, across a restart of the running process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sfn_runner.h"
#include "test_util.h"
#include "tests/compiler/test_support.h"

namespace sfn::runtime::io {
namespace {

using testing::run_sfn;
using testing::TempDir;

// A running `sfn run GREETER --ingress/--egress/--control tcp://127.0.0.1:*`; the endpoints it
// actually bound are read from its progress lines on stderr.
class RunningProgram {
 public:
  explicit RunningProgram(const std::filesystem::path& state_dir) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 2);
      int devnull = ::open("/dev/null", O_WRONLY);
      ::dup2(devnull, 1);
      ::close(fds[0]);
      ::close(fds[1]);
      ::execl(SFN_BINARY, SFN_BINARY, "run", GREETER_SO, "--workers", "2", "--state-dir", state_dir.c_str(),
              "--ingress", "tcp://127.0.0.1:*", "--egress", "tcp://127.0.0.1:*", "--control", "tcp://127.0.0.1:*",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    err_ = ::fdopen(fds[0], "r");
    char line[1024];
    while (endpoints_.size() < 3 && std::fgets(line, sizeof line, err_)) {
      std::string l(line);
      for (const char* kind : {"ingress", "egress", "control"}) {
        auto at = l.find(std::string(kind) + " endpoint");
        if (at == std::string::npos) continue;
        auto ep = l.find("tcp://", at);
        if (ep != std::string::npos) endpoints_[kind] = l.substr(ep, l.find_last_not_of("\n ") + 1 - ep);
      }
    }
  }
  ~RunningProgram() { stop(); }

  // Stops the program with SIGTERM and returns its exit status.
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    if (err_) ::fclose(err_);
    err_ = nullptr;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  std::string endpoint(const char* kind) { return endpoints_[kind]; }
  bool ready() const { return endpoints_.size() == 3; }

 private:
  pid_t pid_ = -1;
  FILE* err_ = nullptr;
  std::map<std::string, std::string> endpoints_;
};

TEST(ClientE2E, SendTailStatusStateAgainstSfnRun) {
  TempDir dir;
  {
    RunningProgram program(dir.path() / "state");
    ASSERT_TRUE(program.ready()) << "sfn run did not report its endpoints";
    auto ingress = program.endpoint("ingress");
    auto control = program.endpoint("control");

    auto first = run_sfn({"send", "greets", R"({"name": "Ada"})", "--endpoint", ingress, "--key", "a1"});
    EXPECT_EQ(first.status, 0) << first.output;
    EXPECT_EQ(first.output, "ok: greets offset 0\n");
    auto second = run_sfn({"send", "greets", R"({"name": "Ada"})", "--endpoint", ingress});
    EXPECT_EQ(second.output, "ok: greets offset 1\n");
    auto dup = run_sfn({"send", "greets", R"({"name": "Ada"})", "--endpoint", ingress, "--key", "a1"});
    EXPECT_EQ(dup.status, 0);
    EXPECT_NE(dup.output.find("duplicate of greets offset 0"), std::string::npos) << dup.output;
    auto bad = run_sfn({"send", "greets", R"({"name": 5})", "--endpoint", ingress});
    EXPECT_EQ(bad.status, 3);
    EXPECT_NE(bad.output.find("name"), std::string::npos) << bad.output;

    auto tail =
        run_sfn({"tail", "greetings", "--limit", "2", "--endpoint", program.endpoint("egress"), "--control", control});
    EXPECT_EQ(tail.status, 0) << tail.output;
    EXPECT_EQ(tail.output,
              "{\"text\":\"Hello Ada, you are visitor #1!\"}\n"
              "{\"text\":\"Hello Ada, you are visitor #2!\"}\n");
    auto state = run_sfn({"state", "example.greeter/Greeter/Ada", "--endpoint", control});
    EXPECT_EQ(state.status, 0) << state.output;
    EXPECT_EQ(state.output, "{\"seen\":2}\n");
    auto status = run_sfn({"status", "--endpoint", control});
    EXPECT_EQ(status.status, 0) << status.output;
    EXPECT_NE(status.output.find("workers:    2"), std::string::npos) << status.output;
    EXPECT_NE(status.output.find("    cache: "), std::string::npos) << status.output;  // each worker's
    auto json = nlohmann::json::parse(run_sfn({"status", "--json", "--endpoint", control}).output);
    uint64_t instances = 0, misses = 0;
    for (const auto& w : json["workers"]) {
      instances += w["cache"]["instances"].get<uint64_t>();
      misses += w["cache"]["misses"].get<uint64_t>();
    }
    EXPECT_EQ(instances, 1u) << json.dump();  // Ada's greeter, read (new) once
    EXPECT_EQ(misses, 1u) << json.dump();
    EXPECT_NE(status.output.find("ingress greets: offsets 0..2"), std::string::npos) << status.output;
    EXPECT_EQ(program.stop(), 0);
  }
  // After a restart the ingress log, its idempotency keys and the egress log are still there.
  RunningProgram program(dir.path() / "state");
  ASSERT_TRUE(program.ready());
  auto dup =
      run_sfn({"send", "greets", R"({"name": "Ada"})", "--endpoint", program.endpoint("ingress"), "--key", "a1"});
  EXPECT_NE(dup.output.find("duplicate of greets offset 0"), std::string::npos) << dup.output;
  auto history = run_sfn({"tail", "greetings", "--no-follow", "--control", program.endpoint("control")});
  EXPECT_EQ(history.output,
            "{\"text\":\"Hello Ada, you are visitor #1!\"}\n"
            "{\"text\":\"Hello Ada, you are visitor #2!\"}\n");
}

// The visitor numbers each name was greeted with, from `sfn tail` lines.
std::map<std::string, std::vector<int>> visits_by_name(const std::string& tail) {
  std::map<std::string, std::vector<int>> out;
  std::size_t at = 0;
  while ((at = tail.find("Hello ", at)) != std::string::npos) {
    std::size_t comma = tail.find(',', at), hash = tail.find('#', at);
    out[tail.substr(at + 6, comma - at - 6)].push_back(std::stoi(tail.substr(hash + 1)));
    at = hash;
  }
  return out;
}

// 10,000 records from a file with `sfn send --file`: the summary, every record processed once
// (committed egress and state), a re-run with the same --key-prefix appends nothing, refused
// lines are named, and stdin works.
TEST(ClientE2E, BulkSendFileToSfnRun) {
  TempDir dir;
  RunningProgram program(dir.path() / "state");
  ASSERT_TRUE(program.ready()) << "sfn run did not report its endpoints";
  auto ingress = program.endpoint("ingress");
  auto file = dir.path() / "greets.jsonl";
  {
    std::ofstream out(file);
    for (int i = 0; i < 10000; ++i) out << "{\"name\": \"u" << i % 100 << "\"}\n";
  }
  auto first = run_sfn({"send", "greets", "--file", file.string(), "--key-prefix", "imp", "--endpoint", ingress});
  EXPECT_EQ(first.status, 0) << first.output;
  EXPECT_NE(first.output.find("greets: 10000 records in "), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("10000 appended, 0 duplicates, 0 refused"), std::string::npos) << first.output;

  // Every record affected the committed egress exactly once: each name has visitors #1..#100.
  auto tail = run_sfn({"tail", "greetings", "--limit", "10000", "--endpoint", program.endpoint("egress"), "--control",
                       program.endpoint("control")});
  ASSERT_EQ(tail.status, 0) << tail.output.substr(0, 500);
  auto visits = visits_by_name(tail.output);
  ASSERT_EQ(visits.size(), 100u);
  std::vector<int> all(100);
  for (int i = 0; i < 100; ++i) all[i] = i + 1;
  for (auto& [name, numbers] : visits) {
    std::sort(numbers.begin(), numbers.end());
    EXPECT_EQ(numbers, all) << name;
  }
  auto state = run_sfn({"state", "example.greeter/Greeter/u42", "--endpoint", program.endpoint("control")});
  EXPECT_EQ(state.output, "{\"seen\":100}\n");

  auto again = run_sfn({"send", "greets", "--file", file.string(), "--key-prefix", "imp", "--endpoint", ingress});
  EXPECT_EQ(again.status, 0) << again.output;
  EXPECT_NE(again.output.find("0 appended, 10000 duplicates, 0 refused"), std::string::npos) << again.output;

  auto bad = sfn::testing::run_command({SFN_BINARY, "send", "greets", "--file", "-", "--endpoint", ingress},
                                       "{\"name\": \"late\"}\n{\"name\": 5}\n\n{\"name\": \"late\"\n");
  EXPECT_EQ(bad.status, 3) << bad.err;
  EXPECT_NE(bad.out.find("greets: 3 records in"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("1 appended, 0 duplicates, 2 refused"), std::string::npos) << bad.out;
  EXPECT_NE(bad.err.find("<stdin>:2: field `name`"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("<stdin>:4: invalid JSON"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("error: 2 lines refused: 2, 4"), std::string::npos) << bad.err;
  auto status = run_sfn({"status", "--endpoint", program.endpoint("control")});
  EXPECT_NE(status.output.find("ingress greets: offsets 0..10001"), std::string::npos) << status.output;
  EXPECT_EQ(program.stop(), 0);
}

}  // namespace
}  // namespace sfn::runtime::io
