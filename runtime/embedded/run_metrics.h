// The metrics of one `sfn run` process (`--metrics HOST:PORT`, runtime/metrics). A hot reload or
// an in-process recovery replaces the run (new workers, a new snapshot coordinator, counts from
// zero) while the endpoint stays: RunMetricsSource carries the counts of the runs that ended, so
// Prometheus counters never go back within a process.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "runtime/metrics/metrics.h"
#include "runtime/metrics/metrics_server.h"
#include "sfn/runtime.h"

namespace sfn::runtime {

// What one run knows, counted from its own start.
struct RunNumbers {
  metrics::RunMetrics m;  // seconds_since_last_snapshot and resident_memory_bytes are not filled
  std::optional<std::chrono::system_clock::time_point> last_snapshot;  // its last commit, if any
};

class RunMetricsSource {
 public:
  // A run starts: `numbers` reads it (from any thread) until end_run().
  void begin_run(std::function<RunNumbers()> numbers);
  // The run ends (still alive): its last numbers are carried into the counters, and its gauges
  // are shown until the next run begins.
  void end_run();
  // What /metrics shows now. Thread-safe.
  metrics::RunMetrics collect();

 private:
  // The counts of the runs that ended and the last snapshot any of them committed.
  struct Carried {
    std::vector<std::uint64_t> invocations;  // by worker id
    std::uint64_t dead_letters = 0, snapshots_committed = 0, snapshots_failed = 0;
    std::uint64_t cache_hits = 0, cache_misses = 0, cache_evictions = 0;
    RunNumbers last_snapshot;  // its m.last_snapshot_* fields and time
  };
  metrics::RunMetrics merged(RunNumbers now) const;

  std::mutex mu_;
  std::function<RunNumbers()> numbers_;  // the run in progress; null between runs
  RunNumbers idle_;                      // between runs: the last run's gauges, its counts carried
  Carried carried_;
};

// Starts the endpoint of `options.metrics_address` (null when it is empty), serving `source`.
transport::Result<std::unique_ptr<metrics::MetricsServer>> serve_metrics(const RunOptions& options,
                                                                         RunMetricsSource& source);

}  // namespace sfn::runtime
