// The Prometheus text exposition format (0.0.4) of runtime/metrics: every metric with its HELP
// and TYPE lines and values, label escaping, number formatting, and well-formed families.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <sstream>

#include "runtime/metrics/metrics.h"

namespace sfn::runtime::metrics {
namespace {

RunMetrics example() {
  RunMetrics m;
  m.workers = {{0, 7, 2, 64, std::nullopt, 0}, {1, 5, 0, 64, std::nullopt, 0}};
  m.cache = {40960, 100, 1048576, 9, 3, 2};
  m.dead_letters = 1;
  m.current_epoch = 12;
  m.committed_epoch = 11;
  m.last_snapshot_duration_seconds = 0.25;
  m.last_snapshot_bytes = 4096;
  m.last_snapshot_new_bytes = 1024;
  m.snapshots_committed = 11;
  m.snapshots_failed = 1;
  m.seconds_since_last_snapshot = 0.5;
  m.ingresses = {{"greets", 12}};
  m.egresses = {{"greetings", 11}, {"dead_letters", 1}};
  m.reloads = 2;
  m.last_reload_pause_seconds = 0.125;
  m.resident_memory_bytes = 12345678;
  return m;
}

TEST(PrometheusText, EveryMetricWithHelpTypeAndValue) {
  EXPECT_EQ(prometheus_text(example()),
            "# HELP sfn_invocations_total Handler invocations since the process started.\n"
            "# TYPE sfn_invocations_total counter\n"
            "sfn_invocations_total 12\n"
            "# HELP sfn_worker_invocations_total Handler invocations of each worker since the process started.\n"
            "# TYPE sfn_worker_invocations_total counter\n"
            "sfn_worker_invocations_total{worker=\"0\"} 7\n"
            "sfn_worker_invocations_total{worker=\"1\"} 5\n"
            "# HELP sfn_worker_queue_depth Messages waiting in each worker's queue.\n"
            "# TYPE sfn_worker_queue_depth gauge\n"
            "sfn_worker_queue_depth{worker=\"0\"} 2\n"
            "sfn_worker_queue_depth{worker=\"1\"} 0\n"
            "# HELP sfn_worker_key_groups Key groups each worker owns.\n"
            "# TYPE sfn_worker_key_groups gauge\n"
            "sfn_worker_key_groups{worker=\"0\"} 64\n"
            "sfn_worker_key_groups{worker=\"1\"} 64\n"
            "# HELP sfn_cache_bytes Estimated memory of the instances in the workers' caches.\n"
            "# TYPE sfn_cache_bytes gauge\n"
            "sfn_cache_bytes 40960\n"
            "# HELP sfn_cache_limit_bytes The bound of the workers' instance caches (--cache-size; 0: none).\n"
            "# TYPE sfn_cache_limit_bytes gauge\n"
            "sfn_cache_limit_bytes 1048576\n"
            "# HELP sfn_cache_instances Instances in the workers' caches.\n"
            "# TYPE sfn_cache_instances gauge\n"
            "sfn_cache_instances 100\n"
            "# HELP sfn_cache_hits_total Lookups of a message's instance found in the cache.\n"
            "# TYPE sfn_cache_hits_total counter\n"
            "sfn_cache_hits_total 9\n"
            "# HELP sfn_cache_misses_total Lookups of a message's instance read from the database (or new).\n"
            "# TYPE sfn_cache_misses_total counter\n"
            "sfn_cache_misses_total 3\n"
            "# HELP sfn_cache_evictions_total Instances evicted from the cache.\n"
            "# TYPE sfn_cache_evictions_total counter\n"
            "sfn_cache_evictions_total 2\n"
            "# HELP sfn_ingress_records_appended_total Records appended to each ingress log (its end offset, over "
            "the state directory's life).\n"
            "# TYPE sfn_ingress_records_appended_total counter\n"
            "sfn_ingress_records_appended_total{ingress=\"greets\"} 12\n"
            "# HELP sfn_egress_records_committed_total Committed records in each egress log (its end offset, over "
            "the state directory's life).\n"
            "# TYPE sfn_egress_records_committed_total counter\n"
            "sfn_egress_records_committed_total{egress=\"greetings\"} 11\n"
            "sfn_egress_records_committed_total{egress=\"dead_letters\"} 1\n"
            "# HELP sfn_dead_letters_total Dead letters since the process started.\n"
            "# TYPE sfn_dead_letters_total counter\n"
            "sfn_dead_letters_total 1\n"
            "# HELP sfn_epoch_current The epoch whose snapshot is being taken (0: none).\n"
            "# TYPE sfn_epoch_current gauge\n"
            "sfn_epoch_current 12\n"
            "# HELP sfn_epoch_last_committed The epoch of the last committed snapshot (0: none).\n"
            "# TYPE sfn_epoch_last_committed gauge\n"
            "sfn_epoch_last_committed 11\n"
            "# HELP sfn_snapshot_last_duration_seconds The last committed snapshot: barrier start to commit.\n"
            "# TYPE sfn_snapshot_last_duration_seconds gauge\n"
            "sfn_snapshot_last_duration_seconds 0.25\n"
            "# HELP sfn_snapshot_last_bytes Size of the last committed snapshot's files.\n"
            "# TYPE sfn_snapshot_last_bytes gauge\n"
            "sfn_snapshot_last_bytes 4096\n"
            "# HELP sfn_snapshot_last_new_bytes Bytes the last committed snapshot copied into the store (files no "
            "earlier snapshot holds).\n"
            "# TYPE sfn_snapshot_last_new_bytes gauge\n"
            "sfn_snapshot_last_new_bytes 1024\n"
            "# HELP sfn_snapshots_committed_total Snapshots committed since the process started.\n"
            "# TYPE sfn_snapshots_committed_total counter\n"
            "sfn_snapshots_committed_total 11\n"
            "# HELP sfn_snapshots_failed_total Snapshots failed since the process started.\n"
            "# TYPE sfn_snapshots_failed_total counter\n"
            "sfn_snapshots_failed_total 1\n"
            "# HELP sfn_seconds_since_last_snapshot Seconds since this process last committed a snapshot (no "
            "sample before its first).\n"
            "# TYPE sfn_seconds_since_last_snapshot gauge\n"
            "sfn_seconds_since_last_snapshot 0.5\n"
            "# HELP sfn_reloads_total Hot reloads since the process started.\n"
            "# TYPE sfn_reloads_total counter\n"
            "sfn_reloads_total 2\n"
            "# HELP sfn_last_reload_pause_seconds The last hot reload: from the offer of the new version to its "
            "workers running (0: none).\n"
            "# TYPE sfn_last_reload_pause_seconds gauge\n"
            "sfn_last_reload_pause_seconds 0.125\n"
            "# HELP sfn_process_resident_memory_bytes Resident memory of the process.\n"
            "# TYPE sfn_process_resident_memory_bytes gauge\n"
            "sfn_process_resident_memory_bytes 12345678\n");
}

TEST(PrometheusText, EscapesLabelValues) {
  RunMetrics m;
  m.egresses = {{"a\"b\\c\nd", 3}};
  const std::string text = prometheus_text(m);
  EXPECT_NE(text.find("sfn_egress_records_committed_total{egress=\"a\\\"b\\\\c\\nd\"} 3\n"), std::string::npos) << text;
}

TEST(PrometheusText, NoSnapshotAgeBeforeTheFirstSnapshot) {
  const std::string text = prometheus_text(RunMetrics{});
  EXPECT_NE(text.find("# TYPE sfn_seconds_since_last_snapshot gauge\n"), std::string::npos);
  EXPECT_EQ(text.find("\nsfn_seconds_since_last_snapshot "), std::string::npos) << text;
  EXPECT_NE(text.find("\nsfn_invocations_total 0\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("worker=\""), std::string::npos) << "no worker, no worker sample";
}

TEST(PrometheusText, NumbersInTheirShortestForm) {
  RunMetrics m;
  m.last_snapshot_duration_seconds = 1e-05;
  m.last_reload_pause_seconds = std::numeric_limits<double>::infinity();
  m.seconds_since_last_snapshot = std::nan("");
  m.resident_memory_bytes = std::numeric_limits<std::uint64_t>::max();
  const std::string text = prometheus_text(m);
  EXPECT_NE(text.find("\nsfn_snapshot_last_duration_seconds 1e-05\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nsfn_last_reload_pause_seconds +Inf\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nsfn_seconds_since_last_snapshot NaN\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nsfn_process_resident_memory_bytes 18446744073709551615\n"), std::string::npos) << text;
}

// Every family once, HELP then TYPE, its samples right after under its own name; names valid;
// counters end in _total; the text ends with a newline.
TEST(PrometheusText, FamiliesAreWellFormed) {
  const std::string text = prometheus_text(example());
  ASSERT_TRUE(text.ends_with("\n"));
  const std::regex help(R"(# HELP (sfn_[a-z_]+) \S.*)"), type(R"(# TYPE (sfn_[a-z_]+) (counter|gauge))");
  const std::regex line(R"((sfn_[a-z_]+)(\{[a-z]+="[^"]*"\})? [0-9.e+-]+)");
  std::set<std::string> families;
  std::string family, helped;
  std::istringstream in(text);
  std::smatch m;
  for (std::string l; std::getline(in, l);) {
    if (std::regex_match(l, m, help)) {
      helped = m[1];
    } else if (std::regex_match(l, m, type)) {
      ASSERT_EQ(m[1], helped) << l;
      family = m[1];
      EXPECT_TRUE(families.insert(family).second) << "twice: " << family;
      EXPECT_EQ(m[2] == "counter", family.ends_with("_total")) << l;
    } else {
      ASSERT_TRUE(std::regex_match(l, m, line)) << l;
      EXPECT_EQ(m[1], family) << l;
    }
  }
  EXPECT_EQ(families.size(), 24u);
}

TEST(PrometheusText, ResidentMemoryOfThisProcess) {
  const std::uint64_t rss = resident_memory_bytes();
  EXPECT_GT(rss, 1u << 20);  // a gtest binary with its libraries holds more than 1 MiB
  EXPECT_LT(rss, std::uint64_t{8} << 30);
}

}  // namespace
}  // namespace sfn::runtime::metrics
