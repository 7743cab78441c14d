// Snapshot benchmark (not a pass/fail test; issue 8's numbers), through the real embedded runtime
// (`run_embedded`: ingress logs, workers, RocksDB, barrier snapshots):
//  1. overhead: counter.sfn (one state increment + one send per invocation) with snapshots every
//     1 s and every 100 ms vs. none (only the run's last one), runs interleaved (none, 1s, 100ms,
//     100ms, 1s, none, ...) in one process, rate = invocations / wall time, and the process's CPU
//     time (user + system, all threads) per invocation: on a machine whose cores other work
//     shares, the wall-time ratio moves with that work, the CPU-time ratio much less;
//  2. the synchronous part of a snapshot (the longest stop of processing in a worker for it, in
//     wall time and in the thread's CPU time) with 1,000,000 instances of state, snapshots every
//     100 ms: p50/p99/max over the run's snapshots; then the recovery of that state by a second
//     run (recovery time, and the whole run's wall time), and its rescaling from 2 to 3 workers
//     by a third;
//  3. committed-egress latency at a 20 ms interval: latency.sfn answers each record with its
//     handler time; latency = when the record reaches the egress sink - that time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include <sys/resource.h>

#include <nlohmann/json.hpp>

#include "runtime/core/text.h"
#include "sfn/runtime.h"

namespace {

namespace fs = std::filesystem;
using namespace sfn::runtime;
using Clock = std::chrono::steady_clock;

ModulePtr load(const char* path) {
  auto m = load_module_file(path);
  if (!m) {
    std::fprintf(stderr, "%s: %s\n", path, m.error().message.c_str());
    std::exit(1);
  }
  return m.value();
}

// Writes `n` lines `{"ingress":NAME,"value":VALUE(i)}`.
template <typename F>
fs::path write_input(const fs::path& path, const char* ingress, int64_t n, F value) {
  std::ofstream out(path);
  for (int64_t i = 0; i < n; ++i) out << "{\"ingress\":\"" << ingress << "\",\"value\":" << value(i) << "}\n";
  return path;
}

struct Timed {
  RunResult result;
  double seconds = 0;
  double cpu_seconds = 0;  // of the whole process (user + system)
};

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto sec = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return sec(u.ru_utime) + sec(u.ru_stime);
}

Timed run(const ModulePtr& m, RunOptions o) {
  o.egress_sink = o.egress_sink ? o.egress_sink : [](const EgressRecord&) {};
  const auto t0 = Clock::now();
  const double cpu0 = process_cpu_seconds();
  Timed t{run_embedded(m, o), 0, 0};
  t.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  t.cpu_seconds = process_cpu_seconds() - cpu0;
  if (t.result.exit_code != 0) {
    std::fprintf(stderr, "run failed (%d): %s\n", t.result.exit_code, t.result.error.c_str());
    std::exit(1);
  }
  return t;
}

double percentile(std::vector<int64_t> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return static_cast<double>(v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))]);
}

void overhead(const ModulePtr& counter, const fs::path& dir, int64_t keys, int64_t hops) {
  const fs::path input = write_input(dir / "counter.jsonl", "incs", keys, [&](int64_t i) {
    return "{\"id\":" + std::to_string(i) + ",\"hops\":" + std::to_string(hops) + "}";
  });
  const std::pair<const char*, int64_t> kinds[] = {
      {"none", 3600'000'000'000}, {"1s", 1'000'000'000}, {"100ms", 100'000'000}};
  double seconds[3] = {0, 0, 0}, invocations[3] = {0, 0, 0}, cpu[3] = {0, 0, 0};
  uint64_t snapshots[3] = {0, 0, 0};
  int round = 0;
  for (int k : {0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0}) {
    RunOptions o;
    o.workers = 2;
    o.input_path = input.string();
    o.state_dir = (dir / ("overhead" + std::to_string(round++))).string();
    o.checkpoint_interval_ns = kinds[k].second;
    Timed t = run(counter, o);
    seconds[k] += t.seconds;
    cpu[k] += t.cpu_seconds;
    invocations[k] += static_cast<double>(t.result.invocations);
    snapshots[k] += t.result.snapshots;
    fs::remove_all(o.state_dir);
  }
  const double base = invocations[0] / seconds[0], base_cpu = cpu[0] / invocations[0];
  for (int k = 0; k < 3; ++k) {
    const double rate = invocations[k] / seconds[k], per = cpu[k] / invocations[k];
    std::printf(
        "overhead: snapshots %-5s: %.0f invocations/s (4 runs, %llu snapshots) = %+.1f%% vs none; CPU %.3f us "
        "per invocation = %+.1f%% vs none\n",
        kinds[k].first, rate, static_cast<unsigned long long>(snapshots[k]), (base / rate - 1) * 100, per * 1e6,
        (per / base_cpu - 1) * 100);
  }
}

void million_instances(const ModulePtr& counter, const fs::path& dir, int64_t instances) {
  const fs::path input = write_input(dir / "million.jsonl", "incs", instances,
                                     [](int64_t i) { return "{\"id\":" + std::to_string(i) + ",\"hops\":0}"; });
  RunOptions o;
  o.workers = 2;
  o.input_path = input.string();
  o.state_dir = (dir / "million").string();
  o.checkpoint_interval_ns = 100'000'000;
  Timed t = run(counter, o);
  const auto& s = t.result.snapshot_sync_us;
  const auto& c = t.result.snapshot_sync_cpu_us;
  std::printf(
      "%lld instances, snapshots every 100ms: %llu snapshots, sync pause p50 %.1f ms, p99 %.1f ms, max %.1f ms "
      "(the worker thread's CPU time in it: p50 %.2f ms, p99 %.2f ms, max %.2f ms) (run %.2f s)\n",
      static_cast<long long>(instances), static_cast<unsigned long long>(t.result.snapshots), percentile(s, 0.5) / 1000,
      percentile(s, 0.99) / 1000, percentile(s, 1.0) / 1000, percentile(c, 0.5) / 1000, percentile(c, 0.99) / 1000,
      percentile(c, 1.0) / 1000, t.seconds);
  o.input_path.clear();
  const fs::path empty = dir / "empty.jsonl";
  std::ofstream(empty).flush();
  o.input_path = empty.string();
  Timed r = run(counter, o);
  std::printf(
      "recovery of that state: %lld ms (restore of the snapshot); the whole second run (recovery, open, "
      "a last snapshot, stop): %.2f s\n",
      static_cast<long long>(r.result.recovery_ms), r.seconds);
  o.workers = 3;  // rescaling (decision 114): the databases of 3 workers built from the snapshot of 2
  Timed scaled = run(counter, o);
  std::printf(
      "rescaling of that state from 2 to 3 workers: %lld ms (recovery with the rebuild); the whole third run: "
      "%.2f s\n",
      static_cast<long long>(scaled.result.recovery_ms), scaled.seconds);
}

void latency(const ModulePtr& echo, const fs::path& dir, int64_t records) {
  std::ofstream out(dir / "latency.jsonl");
  for (int64_t i = 0; i < records; ++i)  // one record every 2 ms
    out << "{\"ingress\":\"pings\",\"value\":{\"id\":" << i << "},\"at\":\"" << 2 * i << "ms\"}\n";
  out.close();
  std::mutex mu;
  std::vector<int64_t> latencies;
  RunOptions o;
  o.workers = 2;
  o.input_path = (dir / "latency.jsonl").string();
  o.state_dir = (dir / "latency").string();
  o.checkpoint_interval_ns = 20'000'000;
  o.egress_sink = [&](const EgressRecord& r) {
    const int64_t now =
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    auto j = nlohmann::json::parse(r.json, nullptr, false);
    int64_t at = 0;
    if (!j.is_object() || !j.contains("at") || !core::parse_time(j["at"].get<std::string>(), &at)) return;
    std::lock_guard<std::mutex> lock(mu);
    latencies.push_back((now - at) / 1000);
  };
  Timed t = run(echo, o);
  std::printf(
      "committed-egress latency, snapshots every 20ms, %zu records over %.1f s: p50 %.1f ms, p99 %.1f ms, "
      "max %.1f ms\n",
      latencies.size(), t.seconds, percentile(latencies, 0.5) / 1000, percentile(latencies, 0.99) / 1000,
      percentile(latencies, 1.0) / 1000);
}

}  // namespace

int main(int argc, char** argv) {
  bool all = argc == 1, parts[3] = {all, all, all};
  const char* names[3] = {"overhead", "pause", "latency"};
  for (int i = 1; i < argc; ++i) {
    int k = 0;
    while (k < 3 && std::strcmp(argv[i], names[k]) != 0) ++k;
    if (k == 3) {
      std::printf(
          "usage: runtime_snapshot_bench [overhead] [pause] [latency]\n"
          "  Prints snapshot overhead (1s/100ms vs none), the synchronous pause and recovery with\n"
          "  1,000,000 instances, and committed-egress latency at a 20ms interval (all three by default).\n"
          "  SFN_BENCH_INSTANCES (default 1000000), SFN_BENCH_HOPS (default 29) scale it down.\n");
      return 0;
    }
    parts[k] = true;
  }
  auto env = [](const char* name, int64_t fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::atoll(v) : fallback;
  };
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const fs::path dir = fs::temp_directory_path() / ("sfn_snapshot_bench_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto counter = load(SFN_COUNTER_SO);
  auto echo = load(SFN_LATENCY_SO);
  if (parts[0]) overhead(counter, dir, 100'000, env("SFN_BENCH_HOPS", 29));
  if (parts[1]) million_instances(counter, dir, env("SFN_BENCH_INSTANCES", 1'000'000));
  if (parts[2]) latency(echo, dir, 2000);
  fs::remove_all(dir);
  return 0;
}
