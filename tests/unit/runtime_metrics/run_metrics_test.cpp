// Embedded mode's metrics source (runtime/embedded/run_metrics.h): a hot reload or an in-process
// recovery starts a new run counting from zero, and the counters still never go back.
#include <gtest/gtest.h>

#include "runtime/embedded/run_metrics.h"

namespace sfn::runtime {
namespace {

using namespace std::chrono_literals;

RunNumbers first_run(std::chrono::system_clock::time_point committed_at) {
  RunNumbers n;
  n.m.workers = {{0, 3, 1, 64, std::nullopt, 0}, {1, 4, 0, 64, std::nullopt, 0}};
  n.m.dead_letters = 2;
  n.m.cache = {1000, 10, 4096, 7, 10, 3};
  n.m.committed_epoch = 5;
  n.m.last_snapshot_duration_seconds = 0.5;
  n.m.last_snapshot_bytes = 100;
  n.m.last_snapshot_new_bytes = 10;
  n.m.snapshots_committed = 5;
  n.m.snapshots_failed = 1;
  n.m.egresses = {{"out", 9}};
  n.last_snapshot = committed_at;
  return n;
}

TEST(RunMetricsSource, CountersCarryAcrossRuns) {
  RunMetricsSource source;
  EXPECT_TRUE(source.collect().workers.empty());  // before the first run: nothing to show yet
  const auto committed_at = std::chrono::system_clock::now() - 2s;
  source.begin_run([&] { return first_run(committed_at); });
  metrics::RunMetrics during = source.collect();
  ASSERT_EQ(during.workers.size(), 2u);
  EXPECT_EQ(during.workers[1].invocations, 4u);
  ASSERT_TRUE(during.seconds_since_last_snapshot);
  EXPECT_GE(*during.seconds_since_last_snapshot, 2.0);
  EXPECT_GT(during.resident_memory_bytes, 0u);

  source.end_run();
  metrics::RunMetrics between = source.collect();  // the last run's numbers, not zeros
  ASSERT_EQ(between.workers.size(), 2u);
  EXPECT_EQ(between.workers[0].invocations, 3u);
  EXPECT_EQ(between.dead_letters, 2u);
  EXPECT_EQ(between.snapshots_committed, 5u);
  EXPECT_EQ(between.cache.hits, 7u);
  EXPECT_EQ(between.cache.bytes, 1000u);
  EXPECT_EQ(between.egresses.at(0).records, 9u);

  RunNumbers second;  // a reload: new workers count from zero, no snapshot committed yet
  second.m.workers = {{0, 1, 0, 64, std::nullopt, 0}, {1, 0, 0, 64, std::nullopt, 0}};
  second.m.snapshots_failed = 1;
  second.m.committed_epoch = 5;
  second.m.cache = {200, 2, 4096, 1, 2, 0};  // a new cache: its gauges are its own
  source.begin_run([&] { return second; });
  metrics::RunMetrics after = source.collect();
  EXPECT_EQ(after.workers[0].invocations, 4u);
  EXPECT_EQ(after.workers[1].invocations, 4u);
  EXPECT_EQ(after.dead_letters, 2u);
  EXPECT_EQ(after.snapshots_committed, 5u);
  EXPECT_EQ(after.snapshots_failed, 2u);
  EXPECT_EQ(after.cache.hits, 8u);
  EXPECT_EQ(after.cache.misses, 12u);
  EXPECT_EQ(after.cache.evictions, 3u);
  EXPECT_EQ(after.cache.bytes, 200u);
  EXPECT_EQ(after.cache.instances, 2u);
  EXPECT_EQ(after.last_snapshot_bytes, 100u);  // the last snapshot is still the first run's
  EXPECT_EQ(after.last_snapshot_new_bytes, 10u);
  EXPECT_EQ(after.last_snapshot_duration_seconds, 0.5);
  ASSERT_TRUE(after.seconds_since_last_snapshot);
  EXPECT_GE(*after.seconds_since_last_snapshot, 2.0);

  second.m.snapshots_committed = 1;  // the new run commits its own
  second.m.last_snapshot_bytes = 300;
  second.last_snapshot = std::chrono::system_clock::now();
  after = source.collect();
  EXPECT_EQ(after.snapshots_committed, 6u);
  EXPECT_EQ(after.last_snapshot_bytes, 300u);
  EXPECT_LT(*after.seconds_since_last_snapshot, 2.0);
}

TEST(RunMetricsSource, NoEndpointWithoutAnAddress) {
  RunMetricsSource source;
  RunOptions options;
  auto server = serve_metrics(options, source);
  ASSERT_TRUE(server.ok());
  EXPECT_EQ(server.value(), nullptr);
  options.metrics_address = "0.0.0.0:0";  // --insecure is not given
  auto refused = serve_metrics(options, source);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("--insecure"), std::string::npos);
}

}  // namespace
}  // namespace sfn::runtime
