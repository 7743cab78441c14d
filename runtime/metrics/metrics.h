// The numbers a running program exposes to Prometheus (`sfn run --metrics HOST:PORT`, GET
// /metrics) and the one function that writes them in the Prometheus text exposition format,
// version 0.0.4 (docs/runtime.md, "Metrics"; decision 121). The runtime fills a RunMetrics at
// each scrape; prometheus_text() knows nothing of where the numbers come from, so cluster mode
// fills the same struct from its workers' reports (and adds its own fields, e.g. a worker's
// heartbeat age, as one more family in prometheus_text()).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sfn::runtime::metrics {

// One worker's numbers (label worker="<id>").
struct WorkerMetrics {
  std::uint32_t id = 0;
  std::uint64_t invocations = 0;  // handler invocations since the process started (a counter)
  std::uint64_t queue_depth = 0;  // messages waiting now
  std::uint32_t key_groups = 0;   // key groups it owns now
  // Cluster mode: seconds since the coordinator last heard from the worker process (none: a
  // thread of this process), and the snapshot bytes it shipped to the coordinator (a counter).
  std::optional<double> heartbeat_age_seconds;
  std::uint64_t snapshot_shipped_bytes = 0;
};

// One ingress or egress log: how many records it has ever held (its end offset, a counter over
// the life of the state directory).
struct LogMetrics {
  std::string name;
  std::uint64_t records = 0;
};

// The workers' instance caches together (decision 131).
struct CacheMetrics {
  std::uint64_t bytes = 0;        // estimated memory of the cached instances now
  std::uint64_t instances = 0;    // cached now
  std::uint64_t limit_bytes = 0;  // the bound (0: none)
  std::uint64_t hits = 0;         // counters since the process started: lookups found in memory,
  std::uint64_t misses = 0;       // ... read from the database or new,
  std::uint64_t evictions = 0;    // ... instances evicted
};

struct RunMetrics {
  std::vector<WorkerMetrics> workers;  // sfn_invocations_total is the sum of theirs
  CacheMetrics cache;
  std::uint64_t dead_letters = 0;             // since the process started
  std::uint64_t current_epoch = 0;            // the snapshot being taken (0: none)
  std::uint64_t committed_epoch = 0;          // the last committed snapshot (0: none)
  double last_snapshot_duration_seconds = 0;  // barrier start to commit
  std::uint64_t last_snapshot_bytes = 0;      // size of its files
  std::uint64_t last_snapshot_new_bytes = 0;  // of which it copied into the store (MANIFEST bytes_new)
  std::uint64_t snapshots_committed = 0;      // since the process started
  std::uint64_t snapshots_failed = 0;
  // Since the last snapshot this process committed; none before its first.
  std::optional<double> seconds_since_last_snapshot;
  std::vector<LogMetrics> ingresses;     // records appended
  std::vector<LogMetrics> egresses;      // committed records (dead_letters among them)
  std::uint64_t reloads = 0;             // hot reloads since the process started
  double last_reload_pause_seconds = 0;  // the last reload's switch (0: none)
  std::uint64_t resident_memory_bytes = 0;
};

// The content type of prometheus_text()'s output.
inline constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

// Every metric of `m` with its # HELP and # TYPE lines, in a fixed order, ending in a newline.
// Metric names start with `sfn_`; label values are escaped (\\, \", \n).
std::string prometheus_text(const RunMetrics& m);

// The resident set size of this process (/proc/self/statm), 0 when it cannot be read.
std::uint64_t resident_memory_bytes();

}  // namespace sfn::runtime::metrics
