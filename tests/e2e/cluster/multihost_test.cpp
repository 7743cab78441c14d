// Cluster mode across hosts, with CurveZMQ (issue 18, decision 122): the coordinator and each
// worker run in their own network namespace, joined by veth pairs to a bridge in a fifth one
// (addresses from TEST-NET-1, 192.0.2.0/24), every socket secured with keys. A partition cuts a
// worker off (`ip link set down` on its bridge port) while records stream in, and is healed once
// the cluster noticed: nothing is lost, nothing duplicated (exactly_once.h), and the cut-off
// worker, fenced by its generation, rejoins. Also on loopback: a worker whose key is not among
// the coordinator's peers is refused, and a non-loopback bind without keys needs --insecure.
// Tests needing namespaces skip, saying why, where the process may not create them.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
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

// Waits until `text` appears in `file` after the first `after` (anywhere when `after` is empty).
bool wait_for_text_after(const fs::path& file, const std::string& after, const std::string& text,
                         std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    const std::string content = sfn::testing::read_file(file);
    const size_t at = content.find(after);
    if (at != std::string::npos && content.find(text, at) != std::string::npos) return true;
  }
  return false;
}

bool wait_for_text(const fs::path& file, const std::string& text, std::chrono::seconds limit) {
  return wait_for_text_after(file, "", text, limit);
}

// Key pairs (sfn keygen) for the processes and the client, the public ones in one peers directory.
void make_keys(const fs::path& dir, const std::vector<std::string>& names, const std::vector<std::string>& allowed) {
  fs::create_directories(dir / "peers");
  for (const auto& n : names) {
    auto r = run_command({SFN_BIN, "keygen", (dir / n).string()});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  for (const auto& n : allowed) fs::copy_file(dir / (n + ".pub"), dir / "peers" / (n + ".pub"));
}

// iproute2's `ip` (run_command does not search PATH).
const std::string kIp = fs::exists("/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip";

// Network namespaces made for one test and removed with it: `bridge` holds a bridge; each node
// has one veth pair to it and an address of 192.0.2.0/24.
class Netns {
 public:
  Netns() : prefix_("sfn" + std::to_string(::getpid()) + "-") {}
  ~Netns() {
    for (const auto& [node, ns] : nodes_) run({kIp, "netns", "del", ns});
    if (bridge_) run({kIp, "netns", "del", prefix_ + "br"});
  }
  // Empty when namespaces work here, else why not.
  std::string create_bridge() {
    auto r = run_command({kIp, "netns", "add", prefix_ + "br"});
    if (r.status != 0) return "cannot create network namespaces here (" + r.err + ")";
    bridge_ = true;
    if (!ok({kIp, "netns", "exec", prefix_ + "br", kIp, "link", "add", "br0", "type", "bridge"}) ||
        !ok({kIp, "netns", "exec", prefix_ + "br", kIp, "link", "set", "br0", "up"}))
      return "cannot create a bridge in a network namespace";
    return "";
  }
  // A node `name` at `address` (e.g. 192.0.2.10); false when a step failed.
  bool add_node(const std::string& name, const std::string& address) {
    const std::string ns = prefix_ + name, br = prefix_ + "br", port = "v" + name;
    nodes_[name] = ns;
    return ok({kIp, "netns", "add", ns}) &&
           ok({kIp, "netns", "exec", br, kIp, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns",
               ns}) &&
           ok({kIp, "netns", "exec", br, kIp, "link", "set", port, "master", "br0", "up"}) &&
           ok({kIp, "netns", "exec", ns, kIp, "addr", "add", address + "/24", "dev", "eth0"}) &&
           ok({kIp, "netns", "exec", ns, kIp, "link", "set", "eth0", "up"}) &&
           ok({kIp, "netns", "exec", ns, kIp, "link", "set", "lo", "up"});
  }
  // Cuts node `name` off (its bridge port down) or heals it.
  bool set_link(const std::string& name, bool up) {
    return ok({kIp, "netns", "exec", prefix_ + "br", kIp, "link", "set", "v" + name, up ? "up" : "down"});
  }
  // `argv` run in node `name`'s namespace.
  std::vector<std::string> in(const std::string& name, std::vector<std::string> argv) const {
    std::vector<std::string> out{kIp, "netns", "exec", nodes_.at(name)};
    out.insert(out.end(), argv.begin(), argv.end());
    return out;
  }

 private:
  static void run(const std::vector<std::string>& argv) { (void)run_command(argv); }
  static bool ok(const std::vector<std::string>& argv) { return run_command(argv).status == 0; }
  std::string prefix_;
  bool bridge_ = false;
  std::map<std::string, std::string> nodes_;
};

// A coordinator (node "c", 192.0.2.1) and two workers (nodes "w0"/"w1", 192.0.2.10/.11), CURVE
// on every socket; clients run in the coordinator's namespace with the client's keys.
class NetCluster {
 public:
  NetCluster(Netns& net, const fs::path& dir) : net_(net), dir_(dir) {}
  ~NetCluster() {
    for (pid_t& p : pids_)
      if (p > 0) ::kill(p, SIGKILL), ::waitpid(p, nullptr, 0);
  }
  void start_coordinator() {
    pids_[0] = sfn::testing::spawn(net_.in("c", {SFN_BIN,
                                                 "coordinator",
                                                 std::string(SFN_CHAOS_DIR) + "/chaos.sfn",
                                                 "--listen",
                                                 "tcp://192.0.2.1:7200",
                                                 "--workers",
                                                 "2",
                                                 "--state-dir",
                                                 (dir_ / "coordinator").string(),
                                                 "--ingress",
                                                 "tcp://127.0.0.1:7100",
                                                 "--egress",
                                                 "tcp://127.0.0.1:7101",
                                                 "--control",
                                                 "tcp://127.0.0.1:7102",
                                                 "--checkpoint-interval",
                                                 "50ms",
                                                 "--heartbeat-timeout",
                                                 "1s",
                                                 "--curve-key",
                                                 key("coordinator.key"),
                                                 "--curve-peers",
                                                 key("peers")}),
                                   dir_ / "coordinator.stderr");
  }
  void start_worker(int w) {
    const std::string n = "w" + std::to_string(w);
    pids_[1 + w] = sfn::testing::spawn(
        net_.in(n, {SFN_BIN, "worker", "--coordinator", "tcp://192.0.2.1:7200", "--listen",
                    "tcp://192.0.2.1" + std::to_string(w) + ":7300", "--state-dir", (dir_ / n).string(),
                    "--heartbeat-timeout", "1s", "--curve-key", key(n + ".key"), "--curve-peers", key("peers"),
                    "--server-key", key("coordinator.pub")}),
        dir_ / (n + ".stderr"));
  }
  // Waits until the coordinator's control endpoint answers (both workers joined).
  bool wait_ready() const {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (Clock::now() < deadline)
      if (client({"status", "--endpoint", "tcp://127.0.0.1:7102", "--timeout", "1s"}).status == 0) return true;
    return false;
  }
  // Sends record `i` (record_json) with its idempotency key r<i>; true once acknowledged.
  bool send(int i) const {
    return client({"send", "records", record_json(i), "--key", "r" + std::to_string(i), "--endpoint",
                   "tcp://127.0.0.1:7100", "--timeout", "1s"})
               .status == 0;
  }
  nlohmann::json state(const std::string& address) const {
    auto r = client({"state", address, "--endpoint", "tcp://127.0.0.1:7102", "--timeout", "2s"});
    return r.status == 0 ? nlohmann::json::parse(r.out, nullptr, false) : nlohmann::json();
  }
  std::vector<std::string> committed(const std::string& egress) const {
    auto r = client({"tail", egress, "--no-follow", "--endpoint", "tcp://127.0.0.1:7101", "--control",
                     "tcp://127.0.0.1:7102", "--timeout", "2s"});
    std::vector<std::string> lines;
    for (size_t at = 0, nl; (nl = r.out.find('\n', at)) != std::string::npos; at = nl + 1)
      lines.push_back(r.out.substr(at, nl - at));
    return lines;
  }
  fs::path log(const std::string& name) const { return dir_ / (name + ".stderr"); }
  std::string logs() const {
    std::string out;
    for (const char* n : {"coordinator", "w0", "w1"})
      out += std::string("--- ") + n + "\n" + sfn::testing::read_file(log(n));
    return out;
  }

 private:
  std::string key(const std::string& name) const { return (dir_ / "keys" / name).string(); }
  sfn::testing::CommandResult client(std::vector<std::string> args) const {
    args.insert(args.begin(), SFN_BIN);
    args.insert(args.end(), {"--curve-key", key("client.key"), "--server-key", key("coordinator.pub")});
    return run_command(net_.in("c", args));
  }
  Netns& net_;
  fs::path dir_;
  pid_t pids_[3] = {-1, -1, -1};
};

void send_records(const NetCluster& cluster, int from, int to, std::map<std::string, Expected>& want) {
  for (int i = from; i < to; ++i) {
    int attempts = 0;
    while (!cluster.send(i))
      ASSERT_LT(++attempts, 90) << "record " << i << " was never acknowledged\n" << cluster.logs();
    count_record(want, i);
  }
}

TEST(MultiHost, APartitionedWorkerIsFencedAndRejoinsWithEveryRecordOnce) {
  Netns net;
  if (std::string why = net.create_bridge(); !why.empty()) GTEST_SKIP() << why;
  ASSERT_TRUE(net.add_node("c", "192.0.2.1") && net.add_node("w0", "192.0.2.10") && net.add_node("w1", "192.0.2.11"));
  sfn::testing::ScratchDir dir("cluster_multihost");
  make_keys(dir.path / "keys", {"coordinator", "w0", "w1", "client"}, {"coordinator", "w0", "w1", "client"});
  NetCluster cluster(net, dir.path);
  cluster.start_worker(0);
  cluster.start_worker(1);
  cluster.start_coordinator();
  ASSERT_TRUE(cluster.wait_ready()) << cluster.logs();
  std::map<std::string, Expected> want;
  send_records(cluster, 0, 15, want);
  ASSERT_TRUE(net.set_link("w1", false));
  // The coordinator misses w1's heartbeats and ends the generation; w1 hears nothing and drops it.
  EXPECT_TRUE(wait_for_text(cluster.log("coordinator"), "sent no heartbeat", std::chrono::seconds(30)))
      << cluster.logs();
  EXPECT_TRUE(wait_for_text(cluster.log("w1"), "the coordinator went silent", std::chrono::seconds(30)))
      << cluster.logs();
  // While a worker is missing the coordinator's endpoints are closed (its run waits for workers):
  // a client gets no answer and retries later with the same key (docs/runtime.md).
  EXPECT_TRUE(
      wait_for_text_after(cluster.log("coordinator"), "sent no heartbeat", "(1 connected)", std::chrono::seconds(30)))
      << cluster.logs();
  EXPECT_FALSE(cluster.send(15)) << "acknowledged while the cluster waits for a worker";
  ASSERT_TRUE(net.set_link("w1", true));
  send_records(cluster, 15, 40, want);
  expect_exactly_once(cluster, want, "partition of worker 1");
  const std::string w1 = sfn::testing::read_file(cluster.log("w1"));
  EXPECT_NE(w1.rfind(": running"), std::string::npos) << "worker 1 rejoined a later generation\n" << cluster.logs();
  EXPECT_GT(w1.rfind(": running"), w1.find("the coordinator went silent")) << cluster.logs();
  if (::testing::Test::HasFailure() || std::getenv("SFN_TEST_LOGS")) std::fprintf(stderr, "%s", cluster.logs().c_str());
}

// On loopback: the coordinator's ZAP handler refuses a worker whose key is not among its peers
// (it is never assigned), and the cluster runs with the two allowed ones.
TEST(ClusterSecurity, AWorkerWithAnUnknownKeyIsRefused) {
  sfn::testing::ScratchDir dir("cluster_unknown_key");
  const fs::path keys = dir.path / "keys";
  make_keys(keys, {"coordinator", "w0", "w1", "client", "rogue"}, {"coordinator", "w0", "w1", "client"});
  ::setenv("SFN_CURVE_KEY", (keys / "client.key").c_str(), 1);  // the clients below, ServerProcess's too
  ::setenv("SFN_SERVER_KEY", (keys / "coordinator.pub").c_str(), 1);
  const int port = sfn::testing::free_loopback_ports(4);
  const std::string listen = "tcp://127.0.0.1:" + std::to_string(port);
  auto worker = [&](const std::string& name, int n) {
    return sfn::testing::spawn(
        {SFN_BIN, "worker", "--coordinator", listen, "--listen", "tcp://127.0.0.1:" + std::to_string(port + n),
         "--state-dir", (dir.path / name).string(), "--curve-key", (keys / (name + ".key")).string(), "--curve-peers",
         (keys / "peers").string(), "--server-key", (keys / "coordinator.pub").string()},
        dir.path / (name + ".stderr"));
  };
  const pid_t rogue = worker("rogue", 3);
  sfn::testing::ServerProcess coordinator(
      SFN_BIN,
      {std::string(SFN_CHAOS_DIR) + "/chaos.sfn", "--listen", listen, "--workers", "2", "--state-dir",
       (dir.path / "coordinator").string(), "--checkpoint-interval", "50ms", "--curve-key",
       (keys / "coordinator.key").string(), "--curve-peers", (keys / "peers").string()},
      dir.path / "coordinator.stderr");
  coordinator.set_command("coordinator");
  std::string started;
  std::thread starter([&] { started = coordinator.start(std::chrono::seconds(60)); });
  EXPECT_TRUE(wait_for_text(dir.path / "coordinator.stderr", "refused a CURVE client", std::chrono::seconds(30)));
  const pid_t w0 = worker("w0", 1), w1 = worker("w1", 2);
  starter.join();
  ASSERT_TRUE(started.empty()) << started;
  for (int i = 0; i < 6; ++i) {
    auto r = run_command({SFN_BIN, "send", "records", R"({"key":"c)" + std::to_string(i) + R"(","n":1})", "--endpoint",
                          coordinator.ingress()});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  EXPECT_EQ(coordinator.wait_for_committed("counts", 12).size(), 12u) << coordinator.stderr_text();
  const std::string rogue_log = sfn::testing::read_file(dir.path / "rogue.stderr");
  EXPECT_EQ(rogue_log.find("running"), std::string::npos) << rogue_log;
  EXPECT_NE(coordinator.stderr_text().find("is not among the allowed peers"), std::string::npos);
  for (pid_t p : {rogue, w0, w1}) EXPECT_EQ(sfn::testing::stop_process(p, SIGTERM), 0);
}

// Without keys a worker or coordinator refuses to bind a non-loopback address, unless --insecure
// (or keys) are given.
TEST(ClusterSecurity, ANonLoopbackBindNeedsKeysOrInsecure) {
  sfn::testing::ScratchDir dir("cluster_insecure");
  const int port = sfn::testing::free_loopback_ports(3);
  const std::string any = "tcp://0.0.0.0:" + std::to_string(port),
                    coord = "tcp://127.0.0.1:" + std::to_string(port + 1);
  auto r = run_command(
      {SFN_BIN, "worker", "--coordinator", coord, "--listen", any, "--state-dir", (dir.path / "w").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("refusing to bind the worker channel endpoint " + any), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--insecure"), std::string::npos) << r.err;
  r = run_command({SFN_BIN, "coordinator", std::string(SFN_CHAOS_DIR) + "/chaos.sfn", "--listen", any, "--workers", "1",
                   "--state-dir", (dir.path / "c").string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("refusing to bind the cluster endpoint " + any), std::string::npos) << r.err;
  const fs::path keys = dir.path / "keys";
  make_keys(keys, {"w", "coordinator"}, {"coordinator"});
  const std::vector<std::vector<std::string>> allowed{
      {"--insecure"},
      {"--curve-key", (keys / "w.key").string(), "--curve-peers", (keys / "peers").string(), "--server-key",
       (keys / "coordinator.pub").string()}};
  for (const auto& extra : allowed) {
    std::vector<std::string> argv{SFN_BIN,    "worker", "--coordinator", coord,
                                  "--listen", any,      "--state-dir",   (dir.path / "w").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const fs::path log = dir.path / ("w" + std::to_string(extra.size()) + ".stderr");
    const pid_t p = sfn::testing::spawn(argv, log);
    EXPECT_TRUE(wait_for_text(log, "connecting to the coordinator", std::chrono::seconds(30))) << extra[0];
    EXPECT_EQ(sfn::testing::stop_process(p, SIGTERM), 0) << sfn::testing::read_file(log);
  }
}

}  // namespace
