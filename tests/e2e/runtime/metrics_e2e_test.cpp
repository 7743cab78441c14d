// `sfn run --metrics HOST:PORT` end to end: the real binary hosting the greeter module with its
// ingress endpoint, records sent with `sfn send`, then GET /metrics read with cpp-httplib's client;
// the loopback rule (--insecure); and Debian's real Prometheus server scraping the run every
// second until its HTTP API returns the number of records sent; the same against a cluster's
// coordinator, with each worker process's heartbeat age. Everything started is stopped.
#include <gtest/gtest.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using sfn::testing::ScratchDir;
using sfn::testing::ServerProcess;

constexpr int kRecords = 6;

// A `sfn run` of the greeter with 2 workers and `extra` options, on ports other than the
// `n` from `first` that the test keeps for itself.
std::unique_ptr<ServerProcess> greeter_run(const ScratchDir& dir, std::vector<std::string> extra, int first, int n) {
  std::vector<std::string> args{GREETER_SO, "--workers", "2", "--state-dir", (dir.path / "state").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  for (;;) {
    auto server = std::make_unique<ServerProcess>(SFN_BINARY, args, dir.path / "run.err");
    const int port = std::stoi(server->ingress().substr(server->ingress().rfind(':') + 1));
    if (port + 3 <= first || port >= first + n) return server;
  }
}

// Sends kRecords greetings (Ada, Bob, ...) with `sfn send --file` and waits until their egress
// is committed: every invocation has run and its snapshot is in.
void send_and_wait(const ScratchDir& dir, const ServerProcess& server) {
  const fs::path file = dir.path / "greets.jsonl";
  std::ofstream(file) << R"({"name":"Ada"})"
                         "\n"
                         R"({"name":"Bob"})"
                         "\n"
                         R"({"name":"Cy"})"
                         "\n"
                      << R"({"name":"Ada"})"
                         "\n"
                         R"({"name":"Dee"})"
                         "\n"
                         R"({"name":"Eve"})"
                         "\n";
  auto sent = sfn::testing::run_command(
      {SFN_BINARY, "send", "greets", "--file", file.string(), "--endpoint", server.ingress()});
  ASSERT_EQ(sent.status, 0) << sent.out << sent.err;
  ASSERT_EQ(server.wait_for_committed("greetings", kRecords).size(), static_cast<size_t>(kRecords))
      << server.stderr_text();
}

// GET http://127.0.0.1:PORT/metrics; empty when nothing answered.
std::string get_metrics(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  auto res = client.Get("/metrics");
  return res && res->status == 200 ? res->body : std::string();
}

// The value of the sample `name` (with its labels, as written); NaN when it is not there.
double sample(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.starts_with(name + " ")) return std::stod(line.substr(name.size() + 1));
  return std::nan("");
}

TEST(MetricsEndpoint, CountsTheRecordsSentToSfnRun) {
  ScratchDir dir("metrics_counts");
  const int port = sfn::testing::free_loopback_ports(1);
  const std::string address = "127.0.0.1:" + std::to_string(port);
  auto server = greeter_run(dir, {"--metrics", address}, port, 1);
  ASSERT_EQ(server->start(), "");
  EXPECT_NE(server->stderr_text().find("metrics endpoint http://" + address + "/metrics"), std::string::npos)
      << server->stderr_text();
  send_and_wait(dir, *server);
  const std::string text = get_metrics(port);
  ASSERT_FALSE(text.empty()) << "nothing answered at " << address;
  EXPECT_EQ(sample(text, "sfn_invocations_total"), kRecords) << text;
  EXPECT_EQ(sample(text, "sfn_worker_invocations_total{worker=\"0\"}") +
                sample(text, "sfn_worker_invocations_total{worker=\"1\"}"),
            kRecords)
      << text;
  EXPECT_EQ(sample(text, "sfn_worker_key_groups{worker=\"0\"}"), 64) << text;
  EXPECT_EQ(sample(text, "sfn_worker_key_groups{worker=\"1\"}"), 64) << text;
  EXPECT_EQ(sample(text, "sfn_worker_queue_depth{worker=\"0\"}"), 0) << text;
  EXPECT_EQ(sample(text, "sfn_ingress_records_appended_total{ingress=\"greets\"}"), kRecords) << text;
  EXPECT_EQ(sample(text, "sfn_egress_records_committed_total{egress=\"greetings\"}"), kRecords) << text;
  EXPECT_EQ(sample(text, "sfn_egress_records_committed_total{egress=\"dead_letters\"}"), 0) << text;
  EXPECT_EQ(sample(text, "sfn_dead_letters_total"), 0) << text;
  // Five names: five instances, each read (new) once, kept under the default bound.
  EXPECT_GE(sample(text, "sfn_cache_misses_total"), 5) << text;
  EXPECT_GE(sample(text, "sfn_cache_instances"), 5) << text;
  EXPECT_GT(sample(text, "sfn_cache_bytes"), 0) << text;
  EXPECT_GE(sample(text, "sfn_cache_limit_bytes"), sample(text, "sfn_cache_bytes")) << text;
  EXPECT_EQ(sample(text, "sfn_cache_evictions_total"), 0) << text;
  EXPECT_GE(sample(text, "sfn_snapshots_committed_total"), 1) << text;
  EXPECT_EQ(sample(text, "sfn_snapshots_failed_total"), 0) << text;
  EXPECT_GE(sample(text, "sfn_epoch_last_committed"), 1) << text;
  EXPECT_GT(sample(text, "sfn_snapshot_last_bytes"), 0) << text;
  EXPECT_GE(sample(text, "sfn_snapshot_last_bytes"), sample(text, "sfn_snapshot_last_new_bytes")) << text;
  EXPECT_GE(sample(text, "sfn_seconds_since_last_snapshot"), 0) << text;
  EXPECT_EQ(sample(text, "sfn_reloads_total"), 0) << text;
  EXPECT_GT(sample(text, "sfn_process_resident_memory_bytes"), 1 << 20) << text;
  EXPECT_EQ(server->stop(SIGTERM), 0) << server->stderr_text();
}

TEST(MetricsEndpoint, LoopbackOnlyUnlessInsecure) {
  ScratchDir dir("metrics_insecure");
  const int port = sfn::testing::free_loopback_ports(1);
  const std::string any = "0.0.0.0:" + std::to_string(port);
  for (const std::string& address : {any, std::string("127.0.0.1"), std::string("127.0.0.1:99999")}) {
    auto refused = sfn::testing::run_command({"/usr/bin/timeout", "20", SFN_BINARY, "run", GREETER_SO, "--state-dir",
                                              (dir.path / "refused").string(), "--metrics", address});
    EXPECT_EQ(refused.status, 2) << address << ": " << refused.err;
    EXPECT_NE(refused.err.find(address), std::string::npos) << refused.err;
  }
  EXPECT_FALSE(fs::exists(dir.path / "refused")) << "refused before anything was written";
  // Allowed with --insecure; this test talks to it on loopback only.
  auto server = greeter_run(dir, {"--metrics", any, "--insecure"}, port, 1);
  ASSERT_EQ(server->start(), "");
  EXPECT_EQ(sample(get_metrics(port), "sfn_invocations_total"), 0);
  EXPECT_EQ(server->stop(SIGTERM), 0) << server->stderr_text();
}

// The prometheus binary on PATH; empty when there is none.
std::string find_prometheus() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && ::access((fs::path(d) / "prometheus").c_str(), X_OK) == 0)
      return (fs::path(d) / "prometheus").string();
  return "";
}

// Debian's Prometheus server on 127.0.0.1:`port`, scraping `target` every second, its data and
// log in `dir`; stopped (SIGTERM) when the object goes.
class Prometheus {
 public:
  Prometheus(const std::string& binary, const fs::path& dir, int port, const std::string& target)
      : log_(dir / "prometheus.log"), port_(port) {
    std::ofstream(dir / "prometheus.yml") << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                                             "scrape_configs:\n  - job_name: sfn\n    static_configs:\n"
                                             "      - targets: ['"
                                          << target << "']\n";
    pid_ = sfn::testing::spawn(
        {binary, "--config.file=" + (dir / "prometheus.yml").string(), "--storage.tsdb.path=" + (dir / "tsdb").string(),
         "--web.listen-address=127.0.0.1:" + std::to_string(port)},
        log_, log_);
    pidfd_ = pid_ > 0 ? static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0)) : -1;
  }
  ~Prometheus() {
    if (pid_ > 0) sfn::testing::stop_process(pid_, SIGTERM);
    if (pidfd_ >= 0) ::close(pidfd_);
  }
  bool started() const { return pidfd_ >= 0; }
  std::string log() const { return sfn::testing::read_file(log_); }

  // Waits up to `limit` for the process to exit (a failure: a bad config, a port in use).
  bool exited_within(std::chrono::milliseconds limit) const {
    pollfd p{pidfd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(limit.count())) == 1;
  }
  // Polls the HTTP API (every 200 ms, while watching Prometheus for an early exit) until the
  // value of `query` is `want`, for at most a minute.
  void expect_value(const std::string& query, const std::string& want) const {
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    std::string seen;
    while ((seen = value(query)) != want && std::chrono::steady_clock::now() < deadline)
      ASSERT_FALSE(exited_within(200ms)) << "prometheus exited:\n" << log();
    EXPECT_EQ(seen, want) << query << "\n" << log();
  }
  // The value of the instant query `query` through the HTTP API; "" before it has one.
  std::string value(const std::string& query) const {
    httplib::Client client("127.0.0.1", port_);
    client.set_connection_timeout(2);
    client.set_read_timeout(5);
    auto res = client.Get("/api/v1/query", httplib::Params{{"query", query}}, httplib::Headers{});
    if (!res || res->status != 200) return "";
    auto j = nlohmann::json::parse(res->body, nullptr, false);
    if (j.is_discarded() || j.value("status", "") != "success") return "";
    const auto& result = j["data"]["result"];
    return result.size() == 1 ? result[0]["value"][1].get<std::string>() : "";
  }

 private:
  fs::path log_;
  int port_;
  pid_t pid_ = -1;
  int pidfd_ = -1;
};

TEST(MetricsPrometheus, PrometheusScrapesTheCountsOfSfnRun) {
  const std::string binary = find_prometheus();
  if (binary.empty()) GTEST_SKIP() << "no prometheus binary on PATH (Debian package `prometheus`, scripts/setup.sh)";
  ScratchDir dir("metrics_prometheus");
  const int port = sfn::testing::free_loopback_ports(2);  // the metrics endpoint, then Prometheus's
  const std::string target = "127.0.0.1:" + std::to_string(port);
  auto server = greeter_run(dir, {"--metrics", target}, port, 2);
  ASSERT_EQ(server->start(), "");
  send_and_wait(dir, *server);
  Prometheus prometheus(binary, dir.path, port + 1, target);
  ASSERT_TRUE(prometheus.started());
  ASSERT_NO_FATAL_FAILURE(prometheus.expect_value("sfn_invocations_total{job=\"sfn\"}", std::to_string(kRecords)));
  EXPECT_EQ(prometheus.value("sfn_ingress_records_appended_total{ingress=\"greets\"}"), std::to_string(kRecords));
  EXPECT_EQ(prometheus.value("up{job=\"sfn\"}"), "1");
  // The package's own linter of the exposition format finds nothing to say.
  const fs::path promtool = fs::path(binary).parent_path() / "promtool";
  if (::access(promtool.c_str(), X_OK) == 0) {
    auto lint = sfn::testing::run_command({promtool.string(), "check", "metrics"}, get_metrics(port));
    EXPECT_EQ(lint.status, 0) << lint.out << lint.err;
    EXPECT_EQ(lint.out + lint.err, "");
  }
  EXPECT_EQ(server->stop(SIGTERM), 0) << server->stderr_text();
}

// `sfn coordinator --metrics` with two `sfn worker` processes: Prometheus reads the cluster's
// invocations and each worker's heartbeat age back; `sfn status --json` shows the same workers.
TEST(MetricsPrometheus, PrometheusScrapesACluster) {
  const std::string binary = find_prometheus();
  if (binary.empty()) GTEST_SKIP() << "no prometheus binary on PATH (Debian package `prometheus`, scripts/setup.sh)";
  ScratchDir dir("metrics_cluster");
  const int port = sfn::testing::free_loopback_ports(5);  // metrics, Prometheus, control, 2 workers
  const std::string target = "127.0.0.1:" + std::to_string(port);
  const std::string control = "tcp://127.0.0.1:" + std::to_string(port + 2);
  ServerProcess coordinator(SFN_BINARY,
                            {GREETER_SFN, "--listen", control, "--workers", "2", "--state-dir",
                             (dir.path / "state").string(), "--metrics", target, "--heartbeat-timeout", "2s"},
                            dir.path / "coordinator.err");
  coordinator.set_command("coordinator");
  pid_t workers[2];
  for (int w = 0; w < 2; ++w)
    workers[w] = sfn::testing::spawn(
        {SFN_BINARY, "worker", "--coordinator", control, "--listen", "tcp://127.0.0.1:" + std::to_string(port + 3 + w),
         "--state-dir", (dir.path / ("w" + std::to_string(w))).string()},
        dir.path / ("w" + std::to_string(w) + ".err"));
  ASSERT_EQ(coordinator.start(std::chrono::seconds(60)), "");
  send_and_wait(dir, coordinator);
  Prometheus prometheus(binary, dir.path, port + 1, target);
  ASSERT_TRUE(prometheus.started());
  ASSERT_NO_FATAL_FAILURE(prometheus.expect_value("sfn_invocations_total{job=\"sfn\"}", std::to_string(kRecords)));
  for (int w = 0; w < 2; ++w) {
    const std::string age = prometheus.value("sfn_worker_heartbeat_age_seconds{worker=\"" + std::to_string(w) + "\"}");
    ASSERT_FALSE(age.empty()) << get_metrics(port);
    EXPECT_LT(std::stod(age), 2.0) << "worker " << w << " is heard from within the heartbeat timeout";
  }
  auto status = sfn::testing::run_command({SFN_BINARY, "status", "--json", "--endpoint", coordinator.control()});
  ASSERT_EQ(status.status, 0) << status.err;
  auto j = nlohmann::json::parse(status.out);
  ASSERT_EQ(j["workers"].size(), 2u) << status.out;
  for (const auto& w : j["workers"]) {
    EXPECT_TRUE(w.contains("heartbeat_age_ms") && w["heartbeat_age_ms"].get<int64_t>() < 2000) << status.out;
    EXPECT_TRUE(w["endpoint"].get<std::string>().starts_with("tcp://127.0.0.1:")) << status.out;
    EXPECT_GT(w["snapshot_shipped_bytes"].get<uint64_t>(), 0u) << status.out;
  }
  EXPECT_EQ(coordinator.stop(SIGTERM), 0) << coordinator.stderr_text();
  for (pid_t p : workers) EXPECT_EQ(sfn::testing::stop_process(p, SIGTERM), 0);
}

}  // namespace
