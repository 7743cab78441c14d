#include "runtime/embedded/run_metrics.h"

namespace sfn::runtime {
namespace {

// The last snapshot's gauges of `from` into `to`.
void copy_last_snapshot(const RunNumbers& from, RunNumbers& to) {
  to.m.last_snapshot_duration_seconds = from.m.last_snapshot_duration_seconds;
  to.m.last_snapshot_bytes = from.m.last_snapshot_bytes;
  to.m.last_snapshot_new_bytes = from.m.last_snapshot_new_bytes;
  to.last_snapshot = from.last_snapshot;
}

}  // namespace

void RunMetricsSource::begin_run(std::function<RunNumbers()> numbers) {
  std::lock_guard<std::mutex> lock(mu_);
  numbers_ = std::move(numbers);
}

void RunMetricsSource::end_run() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!numbers_) return;
  RunNumbers last = numbers_();
  numbers_ = nullptr;
  for (auto& w : last.m.workers) {
    if (carried_.invocations.size() <= w.id) carried_.invocations.resize(w.id + 1);
    carried_.invocations[w.id] += w.invocations;
    w.invocations = 0;
  }
  carried_.dead_letters += last.m.dead_letters;
  carried_.snapshots_committed += last.m.snapshots_committed;
  carried_.snapshots_failed += last.m.snapshots_failed;
  carried_.cache_hits += last.m.cache.hits;
  carried_.cache_misses += last.m.cache.misses;
  carried_.cache_evictions += last.m.cache.evictions;
  last.m.cache.hits = last.m.cache.misses = last.m.cache.evictions = 0;
  if (last.last_snapshot) copy_last_snapshot(last, carried_.last_snapshot);
  last.m.dead_letters = last.m.snapshots_committed = last.m.snapshots_failed = 0;
  last.last_snapshot.reset();
  idle_ = std::move(last);
}

metrics::RunMetrics RunMetricsSource::merged(RunNumbers now) const {
  for (auto& w : now.m.workers)
    if (w.id < carried_.invocations.size()) w.invocations += carried_.invocations[w.id];
  now.m.dead_letters += carried_.dead_letters;
  now.m.snapshots_committed += carried_.snapshots_committed;
  now.m.snapshots_failed += carried_.snapshots_failed;
  now.m.cache.hits += carried_.cache_hits;
  now.m.cache.misses += carried_.cache_misses;
  now.m.cache.evictions += carried_.cache_evictions;
  if (!now.last_snapshot) copy_last_snapshot(carried_.last_snapshot, now);
  if (now.last_snapshot)
    now.m.seconds_since_last_snapshot =
        std::chrono::duration<double>(std::chrono::system_clock::now() - *now.last_snapshot).count();
  now.m.resident_memory_bytes = metrics::resident_memory_bytes();
  return std::move(now.m);
}

metrics::RunMetrics RunMetricsSource::collect() {
  std::lock_guard<std::mutex> lock(mu_);
  return merged(numbers_ ? numbers_() : idle_);
}

transport::Result<std::unique_ptr<metrics::MetricsServer>> serve_metrics(const RunOptions& options,
                                                                         RunMetricsSource& source) {
  if (options.metrics_address.empty()) return std::unique_ptr<metrics::MetricsServer>();
  metrics::MetricsServerOptions o;
  o.address = options.metrics_address;
  o.allow_non_loopback = options.insecure;
  o.render = [&source] { return metrics::prometheus_text(source.collect()); };
  auto server = metrics::MetricsServer::start(std::move(o));
  if (server.ok() && options.progress)
    options.progress("metrics endpoint http://" + server.value()->address() + "/metrics");
  return server;
}

}  // namespace sfn::runtime
