// End-to-end security (decision 122) with real processes on loopback: `sfn keygen`, an
// `sfn run` of the hand-written greeter with --curve-key/--curve-peers answering `sfn send`,
// `sfn tail` and `sfn status` with the right keys and refusing an unknown key and a client
// without keys, and the rule that a bind to a non-loopback address needs keys or --insecure.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "sfn_runner.h"
#include "test_util.h"
#include "tests/compiler/test_support.h"

namespace sfn::runtime::io {
namespace {

using testing::run_sfn;
using testing::TempDir;

// `sfn ARGS` without the client key variables (a client that has no keys).
testing::SfnRun run_sfn_without_keys(const std::vector<std::string>& args) {
  return run_sfn(args, {"/usr/bin/env", "-u", "SFN_CURVE_KEY", "-u", "SFN_SERVER_KEY"});
}

// The client commands' key variables, set for the scope (the test's child processes inherit them).
class ClientKeysInEnvironment {
 public:
  ClientKeysInEnvironment(const std::string& key, const std::string& server_key) {
    ::setenv("SFN_CURVE_KEY", key.c_str(), 1);
    ::setenv("SFN_SERVER_KEY", server_key.c_str(), 1);
  }
  ~ClientKeysInEnvironment() {
    ::unsetenv("SFN_CURVE_KEY");
    ::unsetenv("SFN_SERVER_KEY");
  }
};

// The public key (the line after the comment) of a .pub file.
std::string public_key(const std::filesystem::path& pub) {
  std::istringstream in(sfn::testing::read_file(pub));
  std::string line;
  while (std::getline(in, line))
    if (!line.empty() && line[0] != '#') return line;
  return "";
}

std::size_t count_lines_with(const std::string& text, const std::string& needle) {
  std::istringstream in(text);
  std::size_t n = 0;
  for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
  return n;
}

TEST(CurveE2E, KeygenWritesAKeyPairAndKeepsExistingOnes) {
  TempDir dir;
  const std::string base = (dir.path() / "node").string();
  auto made = run_sfn({"keygen", base});
  ASSERT_EQ(made.status, 0) << made.output;
  struct stat st{};
  ASSERT_EQ(::stat((base + ".key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((base + ".pub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  const std::string key_text = sfn::testing::read_file(base + ".key");
  EXPECT_EQ(key_text.rfind("# sfn CurveZMQ secret key", 0), 0u) << key_text;
  const std::string first = public_key(base + ".pub");
  EXPECT_EQ(first.size(), 40u);
  EXPECT_NE(made.output.find(first), std::string::npos) << made.output;
  auto again = run_sfn({"keygen", base});
  EXPECT_EQ(again.status, 2);
  EXPECT_NE(again.output.find(base + ".key exists; pass --force"), std::string::npos) << again.output;
  EXPECT_EQ(public_key(base + ".pub"), first);
  ASSERT_EQ(run_sfn({"keygen", base, "--force"}).status, 0);
  EXPECT_NE(public_key(base + ".pub"), first);
  EXPECT_EQ(run_sfn({"keygen", "--help"}).status, 0);
  // A server refuses a secret key other users can read, and a public key given as its key.
  std::filesystem::create_directories(dir.path() / "peers");
  std::filesystem::copy_file(base + ".pub", dir.path() / "peers" / "node.pub");
  const std::string peers = (dir.path() / "peers").string();
  auto wrong = run_sfn({"run", GREETER_SO, "--state-dir", (dir.path() / "s").string(), "--curve-key", base + ".pub",
                        "--curve-peers", peers});
  EXPECT_EQ(wrong.status, 2);
  EXPECT_NE(wrong.output.find(base + ".pub holds a public key"), std::string::npos) << wrong.output;
  ::chmod((base + ".key").c_str(), 0644);
  auto open = run_sfn({"run", GREETER_SO, "--state-dir", (dir.path() / "s").string(), "--curve-key", base + ".key",
                       "--curve-peers", peers});
  EXPECT_EQ(open.status, 2);
  EXPECT_NE(open.output.find("is open to other users (mode 0644); run `chmod 600 " + base + ".key`"), std::string::npos)
      << open.output;
}

TEST(CurveE2E, SecuredRunAnswersKeyedClientsAndRefusesOthers) {
  TempDir dir;
  auto key = [&](const char* name) { return (dir.path() / name).string(); };
  for (const char* name : {"server", "client", "stranger"}) ASSERT_EQ(run_sfn({"keygen", key(name)}).status, 0);
  std::filesystem::create_directories(dir.path() / "peers");
  std::filesystem::copy_file(key("client") + ".pub", dir.path() / "peers" / "client.pub");
  ClientKeysInEnvironment env(key("client") + ".key", key("server") + ".pub");
  sfn::testing::ServerProcess server(SFN_BINARY,
                                     {GREETER_SO, "--workers", "1", "--state-dir", key("state"), "--curve-key",
                                      key("server") + ".key", "--curve-peers", key("peers")},
                                     dir.path() / "server.err");
  ASSERT_EQ(server.start(), "");  // its `sfn status` probes use the keys of the environment

  auto sent = run_sfn({"send", "greets", R"({"name": "Ada"})", "--endpoint", server.ingress()});
  EXPECT_EQ(sent.output, "ok: greets offset 0\n");
  auto tail =
      run_sfn({"tail", "greetings", "--limit", "1", "--endpoint", server.egress(), "--control", server.control()});
  EXPECT_EQ(tail.status, 0) << tail.output;
  EXPECT_EQ(tail.output, "{\"text\":\"Hello Ada, you are visitor #1!\"}\n");
  auto status = run_sfn({"status", "--endpoint", server.control()});
  EXPECT_EQ(status.status, 0) << status.output;
  EXPECT_NE(status.output.find("security:   CurveZMQ (0 clients refused)"), std::string::npos) << status.output;

  // An unknown key: refused at once with the reason; the server logs one line naming the key.
  const std::string stranger = public_key(key("stranger") + ".pub");
  auto refused = run_sfn({"send", "greets", R"({"name": "Eve"})", "--endpoint", server.ingress(), "--curve-key",
                          key("stranger") + ".key", "--server-key", key("server") + ".pub"});
  EXPECT_EQ(refused.status, 1);
  EXPECT_NE(refused.output.find("refused this client's CurveZMQ key " + stranger), std::string::npos) << refused.output;
  auto refused_tail = run_sfn(
      {"tail", "greetings", "--no-follow", "--control", server.control(), "--curve-key", key("stranger") + ".key"});
  EXPECT_EQ(refused_tail.status, 1) << refused_tail.output;
  EXPECT_EQ(count_lines_with(server.stderr_text(), stranger), 1u) << server.stderr_text();
  EXPECT_EQ(count_lines_with(server.stderr_text(), "refused a CURVE client from 127.0.0.1: its public key " + stranger +
                                                       " is not among the allowed peers"),
            1u);

  // A client without keys: told that the server wants them; nothing reaches the ingress log.
  auto plain = run_sfn_without_keys({"send", "greets", R"({"name": "Eve"})", "--endpoint", server.ingress()});
  EXPECT_EQ(plain.status, 1);
  EXPECT_NE(plain.output.find("requires CurveZMQ keys"), std::string::npos) << plain.output;
  auto plain_status = run_sfn_without_keys({"status", "--endpoint", server.control(), "--timeout", "2s"});
  EXPECT_EQ(plain_status.status, 1);
  // A wrong server key: the server cannot read the handshake; the client times out saying so.
  auto wrong =
      run_sfn({"status", "--endpoint", server.control(), "--server-key", key("stranger") + ".pub", "--timeout", "1s"});
  EXPECT_EQ(wrong.status, 1);
  EXPECT_NE(wrong.output.find("is --server-key its public key?"), std::string::npos) << wrong.output;

  auto after = run_sfn({"status", "--endpoint", server.control(), "--json"});
  ASSERT_EQ(after.status, 0) << after.output;
  auto json = nlohmann::json::parse(after.output);
  EXPECT_EQ(json["curve"], true);
  EXPECT_GE(json["refused_clients"].get<int>(), 2);  // the stranger's send and tail
  EXPECT_EQ(json["ingresses"][0]["end_offset"], 1);  // Eve's records never arrived
  EXPECT_NE(run_sfn({"state", "example.greeter/Greeter/Ada", "--endpoint", server.control()}).output.find("\"seen\":1"),
            std::string::npos);
  EXPECT_EQ(server.committed("greetings").size(), 1u);
}

TEST(CurveE2E, NonLoopbackBindsNeedKeysOrInsecure) {
  TempDir dir;
  const int port = sfn::testing::free_loopback_ports(1);
  const std::string everywhere = "tcp://0.0.0.0:" + std::to_string(port);
  auto refused = run_sfn({"run", GREETER_SO, "--state-dir", (dir.path() / "s").string(), "--ingress", everywhere});
  EXPECT_EQ(refused.status, 2);
  EXPECT_NE(refused.output.find("refusing to bind the ingress endpoint " + everywhere +
                                ": it is not a loopback address and is not secured by CurveZMQ keys"),
            std::string::npos)
      << refused.output;
  EXPECT_NE(refused.output.find("pass --insecure"), std::string::npos) << refused.output;

  sfn::testing::ServerProcess server(SFN_BINARY, {GREETER_SO, "--state-dir", (dir.path() / "s").string(), "--insecure"},
                                     dir.path() / "server.err");
  server.set_bind_host("0.0.0.0");
  ASSERT_EQ(server.start(), "");  // bound on 0.0.0.0; the clients reach it over 127.0.0.1
  EXPECT_NE(server.stderr_text().find("ingress endpoint tcp://0.0.0.0:"), std::string::npos) << server.stderr_text();
  auto sent = run_sfn({"send", "greets", R"({"name": "Ada"})", "--endpoint", server.ingress()});
  EXPECT_EQ(sent.output, "ok: greets offset 0\n");
  auto status = run_sfn({"status", "--endpoint", server.control()});
  EXPECT_NE(status.output.find("security:   none (no CurveZMQ keys)"), std::string::npos) << status.output;
}

}  // namespace
}  // namespace sfn::runtime::io
