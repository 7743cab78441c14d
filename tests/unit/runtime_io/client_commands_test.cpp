// Tests of `sfn send`, `sfn tail`, `sfn status` and `sfn state`: runs the real `sfn` binary
// against an I/O server hosted by this test process on loopback tcp, and checks output and
// exit status, including the errors when nothing answers.
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "runtime/io/io_server.h"
#include "test_util.h"
#include "tests/compiler/test_support.h"

namespace sfn::runtime::io {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

struct Run {
  int status;
  std::string output;  // stdout, then stderr
};

Run run_sfn(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SFN_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  sfn::testing::CommandResult r = sfn::testing::run_command(argv);
  return Run{r.status, r.out + r.err};
}

class ClientCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    IoServerOptions o;
    o.log_dir = dir_.path();
    o.ingress_names = {"orders"};
    o.egress_names = {"out", "dead_letters"};
    o.ingress_endpoint = o.egress_endpoint = o.control_endpoint = "tcp://127.0.0.1:*";
    o.validator = [](std::string_view, PayloadFormat,
                     std::string_view data) -> std::variant<std::string, IngressRejection> {
      if (data.front() != '{') return IngressRejection{IngressRejection::Code::undecodable, "expected an Order object"};
      return std::string(data);
    };
    o.status = [] {
      StatusReport r;
      r.current_epoch = 3;
      r.last_committed_epoch = 2;
      r.key_groups = 128;
      r.workers = {{0, 128, 5, 42, "", -1, 0, 0, {4096, 3, 1u << 20, 40, 3, 1}}};
      return r;
    };
    o.state = [](std::string_view address) -> transport::Result<std::string> {
      if (address == "shop/Cart/alice") return std::string(R"({"items":["tea"]})");
      return transport::Error{ErrorCode::not_found, "no instance " + std::string(address)};
    };
    server_ = IoServer::start(o).value();
  }

  TempDir dir_;
  std::unique_ptr<IoServer> server_;
};

TEST_F(ClientCommands, SendAcknowledgesAndReportsErrors) {
  const auto ep = server_->ingress_endpoint();
  auto ok = run_sfn({"send", "orders", R"({"id": 1})", "--endpoint", ep});
  EXPECT_EQ(ok.status, 0) << ok.output;
  EXPECT_EQ(ok.output, "ok: orders offset 0\n");
  EXPECT_EQ(run_sfn({"send", "orders", "{}", "--endpoint", ep, "--key", "k"}).status, 0);
  auto dup = run_sfn({"send", "orders", "{}", "--endpoint", ep, "--key", "k"});
  EXPECT_EQ(dup.status, 0);
  EXPECT_NE(dup.output.find("duplicate of orders offset 1"), std::string::npos) << dup.output;

  auto undecodable = run_sfn({"send", "orders", "[1]", "--endpoint", ep});
  EXPECT_EQ(undecodable.status, 3);
  EXPECT_EQ(undecodable.output, "error: expected an Order object\n");
  auto not_json = run_sfn({"send", "orders", "{oops", "--endpoint", ep});
  EXPECT_EQ(not_json.status, 2);
  EXPECT_NE(not_json.output.find("not valid JSON"), std::string::npos);
  auto unknown = run_sfn({"send", "nope", "{}", "--endpoint", ep});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.output.find("unknown ingress `nope`"), std::string::npos);
  auto bad_timeout = run_sfn({"send", "orders", "{}", "--endpoint", ep, "--timeout", "soon"});
  EXPECT_EQ(bad_timeout.status, 2);
  EXPECT_EQ(server_->ingress_log("orders")->end_offset(), 2u);
}

TEST_F(ClientCommands, NothingAnsweringIsAnErrorNamingTheEndpoint) {
  std::string dead;
  {
    TempDir other;
    IoServerOptions o;
    o.log_dir = other.path();
    o.control_endpoint = "tcp://127.0.0.1:*";
    o.validator = [](std::string_view, PayloadFormat,
                     std::string_view d) -> std::variant<std::string, IngressRejection> { return std::string(d); };
    dead = IoServer::start(o).value()->control_endpoint();
  }
  auto start = std::chrono::steady_clock::now();
  for (auto args :
       std::vector<std::vector<std::string>>{{"send", "orders", "{}", "--endpoint", dead, "--timeout", "300ms"},
                                             {"status", "--endpoint", dead, "--timeout", "300ms"},
                                             {"state", "a/B/c", "--endpoint", dead, "--timeout", "300ms"},
                                             {"tail", "out", "--control", dead, "--timeout", "300ms"}}) {
    auto r = run_sfn(args);
    EXPECT_EQ(r.status, 1) << args[0] << ": " << r.output;
    EXPECT_NE(r.output.find("no answer from " + dead), std::string::npos) << r.output;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  auto bad = run_sfn({"status", "--endpoint", "127.0.0.1:7102"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.output.find("not a ZeroMQ endpoint"), std::string::npos);
}

TEST_F(ClientCommands, TailPrintsHistoryAndFollows) {
  std::vector<std::string> first = {R"({"n":0})", R"({"n":1})", R"({"n":2})"};
  ASSERT_TRUE(server_->commit_egress("out", first).ok());
  auto history = run_sfn({"tail", "out", "--no-follow", "--control", server_->control_endpoint()});
  EXPECT_EQ(history.status, 0) << history.output;
  EXPECT_EQ(history.output, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
  auto from =
      run_sfn({"tail", "out", "--no-follow", "--from", "2", "--offsets", "--control", server_->control_endpoint()});
  EXPECT_EQ(from.output, "2\t{\"n\":2}\n");

  // Follows: commits 3..5 once `sfn tail` has printed the history (it subscribed before it
  // read it); the limit ends it after record 4 (from PUB, or from the log if PUB was earlier).
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    ::execl(SFN_BINARY, SFN_BINARY, "tail", "out", "--from", "1", "--limit", "4", "--endpoint",
            server_->egress_endpoint().c_str(), "--control", server_->control_endpoint().c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(out[1]);
  FILE* lines = ::fdopen(out[0], "r");
  std::string followed;
  char line[256];
  for (int n = 0; n < 2 && std::fgets(line, sizeof line, lines); ++n) followed += line;
  EXPECT_EQ(followed, "{\"n\":1}\n{\"n\":2}\n");
  for (int i = 3; i < 6; ++i) {
    std::vector<std::string> one = {"{\"n\":" + std::to_string(i) + "}"};
    ASSERT_TRUE(server_->commit_egress("out", one).ok());
  }
  while (std::fgets(line, sizeof line, lines)) followed += line;
  std::fclose(lines);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_EQ(WEXITSTATUS(status), 0) << followed;
  EXPECT_EQ(followed, "{\"n\":1}\n{\"n\":2}\n{\"n\":3}\n{\"n\":4}\n");
  auto unknown = run_sfn({"tail", "nope", "--control", server_->control_endpoint()});
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.output.find("unknown egress `nope`"), std::string::npos);
}

TEST_F(ClientCommands, StatusAndState) {
  auto status = run_sfn({"status", "--endpoint", server_->control_endpoint()});
  EXPECT_EQ(status.status, 0) << status.output;
  EXPECT_NE(status.output.find("epoch:      3 (last committed: 2)"), std::string::npos) << status.output;
  EXPECT_NE(status.output.find("key groups: 128"), std::string::npos);
  EXPECT_NE(status.output.find("worker 0: 128 key groups, queue depth 5, 42 invocations"), std::string::npos);
  EXPECT_NE(status.output.find("    cache: 4 KiB in 3 instances (bound 1 MiB), 40 hits, 3 misses, 1 evictions\n"),
            std::string::npos)
      << status.output;
  EXPECT_NE(status.output.find("ingress orders: offsets 0..0"), std::string::npos);
  auto json = run_sfn({"status", "--json", "--endpoint", server_->control_endpoint()});
  auto parsed = nlohmann::json::parse(json.output);
  EXPECT_EQ(parsed["workers"][0]["invocations"], 42);
  EXPECT_EQ(parsed["workers"][0]["cache"],
            nlohmann::json::parse(R"({"bytes":4096,"instances":3,"limit_bytes":1048576,"hits":40,"misses":3,)"
                                  R"("evictions":1})"));
  EXPECT_TRUE(parsed["last_snapshot_time"].is_null());

  auto state = run_sfn({"state", "shop/Cart/alice", "--endpoint", server_->control_endpoint()});
  EXPECT_EQ(state.status, 0);
  EXPECT_EQ(state.output, "{\"items\":[\"tea\"]}\n");
  auto missing = run_sfn({"state", "shop/Cart/bob", "--endpoint", server_->control_endpoint()});
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.output, "error: no instance shop/Cart/bob\n");
}

TEST_F(ClientCommands, SendFileSummarizesAndReportsRefusedLines) {
  const auto ep = server_->ingress_endpoint();
  auto file = dir_.path() / "orders.jsonl";
  {
    std::ofstream out(file);
    for (int i = 1; i <= 300; ++i)
      out << (i == 7 ? "[7]" : i == 9 ? "{oops" : "{\"id\":" + std::to_string(i) + "}") << "\n";
  }
  auto first = run_sfn({"send", "orders", "--file", file.string(), "--endpoint", ep, "--key-prefix", "o"});
  EXPECT_EQ(first.status, 3) << first.output;
  EXPECT_NE(first.output.find("orders: 300 records in "), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("298 appended, 0 duplicates, 2 refused"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find(file.string() + ":7: expected an Order object (line refused)"), std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find(file.string() + ":9: invalid JSON"), std::string::npos) << first.output;
  EXPECT_NE(first.output.find("error: 2 lines refused: 7, 9"), std::string::npos) << first.output;
  EXPECT_EQ(first.output.find("\r"), std::string::npos);  // no progress line: not a terminal
  EXPECT_EQ(server_->ingress_log("orders")->end_offset(), 298u);

  auto again = run_sfn({"send", "orders", "--file", file.string(), "--endpoint", ep, "--key-prefix", "o"});
  EXPECT_NE(again.output.find("0 appended, 298 duplicates, 2 refused"), std::string::npos) << again.output;
  EXPECT_EQ(server_->ingress_log("orders")->end_offset(), 298u);

  auto stdin_run = sfn::testing::run_command({SFN_BINARY, "send", "orders", "--file", "-", "--endpoint", ep},
                                             "{\"id\":1}\n\n{\"id\":2}\n");
  EXPECT_EQ(stdin_run.status, 0) << stdin_run.err;
  EXPECT_NE(stdin_run.out.find("orders: 2 records in"), std::string::npos) << stdin_run.out;
  EXPECT_NE(stdin_run.out.find("2 appended, 0 duplicates, 0 refused"), std::string::npos);
  EXPECT_EQ(server_->ingress_log("orders")->end_offset(), 300u);
}

TEST_F(ClientCommands, SendFileUsageErrorsAndStops) {
  const auto ep = server_->ingress_endpoint();
  for (auto args : std::vector<std::vector<std::string>>{
           {"send", "orders", "{}", "--file", "x.jsonl", "--endpoint", ep},
           {"send", "orders", "--endpoint", ep},
           {"send", "orders", "--file", "-", "--key", "k", "--endpoint", ep},
           {"send", "orders", "{}", "--key-prefix", "p", "--endpoint", ep},
           {"send", "orders", "--file", (dir_.path() / "missing.jsonl").string(), "--endpoint", ep},
           {"send", "orders", "--file", "-", "--endpoint", "127.0.0.1:1"}}) {
    auto r = run_sfn(args);
    EXPECT_EQ(r.status, 2) << r.output;
    EXPECT_NE(r.output.find("error: "), std::string::npos) << r.output;
  }
  auto unknown = sfn::testing::run_command({SFN_BINARY, "send", "nope", "--file", "-", "--endpoint", ep}, "{}\n");
  EXPECT_EQ(unknown.status, 1);
  EXPECT_NE(unknown.err.find("unknown ingress `nope`"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("the import stopped after line 1"), std::string::npos) << unknown.err;
}

// On a terminal, `sfn send --file` draws a progress line on stderr (and clears it at the end).
TEST_F(ClientCommands, SendFileShowsProgressOnATerminal) {
  auto file = dir_.path() / "few.jsonl";
  std::ofstream(file) << "{\"id\":1}\n{\"id\":2}\n";
  int terminal = -1;
  pid_t pid = ::forkpty(&terminal, nullptr, nullptr, nullptr);
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::execl(SFN_BINARY, SFN_BINARY, "send", "orders", "--file", file.c_str(), "--endpoint",
            server_->ingress_endpoint().c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::string seen;
  char buf[4096];
  for (ssize_t n; (n = ::read(terminal, buf, sizeof buf)) > 0;) seen.append(buf, n);  // EIO at exit
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(terminal);
  EXPECT_EQ(WEXITSTATUS(status), 0) << seen;
  EXPECT_NE(seen.find("\r\033[Korders: 2 records read, 2 acknowledged, 0 refused"), std::string::npos) << seen;
  EXPECT_NE(seen.find("2 appended, 0 duplicates, 0 refused"), std::string::npos) << seen;
}

// `sfn send --file - --key-prefix` killed half-way, then run again with the whole input: every
// line is in the log exactly once.
TEST_F(ClientCommands, InterruptedImportResumesWithTheSameKeyPrefix) {
  const auto ep = server_->ingress_endpoint();
  std::string lines;
  for (int i = 1; i <= 1000; ++i) lines += "{\"id\":" + std::to_string(i) + "}\n";
  std::string half = lines.substr(0, lines.find("{\"id\":501}"));
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in[0], 0);
    ::close(in[0]);
    ::close(in[1]);
    ::execl(SFN_BINARY, SFN_BINARY, "send", "orders", "--file", "-", "--key-prefix", "run", "--endpoint", ep.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in[0]);
  ASSERT_EQ(::write(in[1], half.data(), half.size()), static_cast<ssize_t>(half.size()));
  // The sender sends what it has before it waits for more input; kill it once that is acked.
  EXPECT_TRUE(server_->ingress_log("orders")->wait_beyond(499, 20s));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(in[1]);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(server_->ingress_log("orders")->end_offset(), 500u);

  auto rerun = sfn::testing::run_command(
      {SFN_BINARY, "send", "orders", "--file", "-", "--key-prefix", "run", "--endpoint", ep}, lines);
  EXPECT_EQ(rerun.status, 0) << rerun.err;
  EXPECT_NE(rerun.out.find("1000 records"), std::string::npos) << rerun.out;
  EXPECT_NE(rerun.out.find("500 appended, 500 duplicates, 0 refused"), std::string::npos) << rerun.out;
  std::map<std::string, std::string> by_key;
  ASSERT_TRUE(server_->ingress_log("orders")
                  ->read(0, 2000,
                         [&](std::uint64_t, std::string_view p, std::string_view k) {
                           EXPECT_TRUE(by_key.emplace(std::string(k), std::string(p)).second) << "twice: " << k;
                           return true;
                         })
                  .ok());
  ASSERT_EQ(by_key.size(), 1000u);
  for (int i = 1; i <= 1000; ++i) EXPECT_EQ(by_key["run:" + std::to_string(i)], "{\"id\":" + std::to_string(i) + "}");
}

TEST_F(ClientCommands, EveryCommandHasHelp) {
  for (const char* cmd : {"send", "tail", "status", "state"}) {
    auto help = run_sfn({cmd, "--help"});
    EXPECT_EQ(help.status, 0) << cmd;
    EXPECT_NE(help.output.find("--endpoint"), std::string::npos) << cmd << ": " << help.output;
    EXPECT_NE(help.output.find("--timeout"), std::string::npos) << cmd;
  }
  auto send_help = run_sfn({"send", "--help"}).output;
  EXPECT_NE(send_help.find("tcp://127.0.0.1:7100"), std::string::npos);
  EXPECT_NE(send_help.find("--file"), std::string::npos) << send_help;
  EXPECT_NE(send_help.find("--key-prefix"), std::string::npos) << send_help;
}

}  // namespace
}  // namespace sfn::runtime::io
