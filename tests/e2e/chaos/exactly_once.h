// The exactly-once check of the chaos tests (chaos_test.cpp, cluster_test.cpp) over chaos.sfn:
// after any number of kills, every acknowledged record affected the state and the committed
// egress exactly once and every timer fired once. `Server` answers state(address) (JSON) and
// committed(egress) (the committed records, one JSON text each).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sfn::testing::chaos {

using Clock = std::chrono::steady_clock;
inline constexpr int kCounters = 6;

struct Expected {
  int received = 0;
  int ticks = 0;
};

// Waits until every counter's state shows all records, answers and timers.
template <typename Server>
bool converged(const Server& s, const std::map<std::string, Expected>& want, std::string* last) {
  for (const auto& [key, e] : want) {
    auto j = s.state("chaos/Counter/" + key);
    *last = key + ": " + (j.is_object() ? j.dump() : "no answer");
    if (!j.is_object() || j["received"] != e.received || j["answers"] != e.received || j["ticks"] != e.ticks)
      return false;
  }
  return true;
}

// Every record in `want` affected the state and the committed egress exactly once: the counters
// converge to the expected counts, and the `counts` egress log holds per counter exactly
// received + answers + ticks records, all different, and no dead letters.
template <typename Server>
void expect_exactly_once(const Server& server, const std::map<std::string, Expected>& want, const std::string& what) {
  std::string last;
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (!converged(server, want, &last))
    ASSERT_LT(Clock::now(), deadline) << "state did not converge (" << what << "); last: " << last;

  // Committed egress appears when the epoch covering it commits.
  size_t total = 0;
  for (const auto& [key, e] : want) total += 2 * e.received + e.ticks;
  std::vector<std::string> counts;
  while ((counts = server.committed("counts")).size() < total && Clock::now() < deadline + std::chrono::seconds(30)) {
  }
  std::map<std::string, std::set<std::string>> distinct;
  std::map<std::string, size_t> per_key;
  for (const auto& line : counts) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_TRUE(j.is_object()) << line;
    const std::string key = j["key"];
    ++per_key[key];
    EXPECT_TRUE(distinct[key].insert(line).second) << "egress record committed twice (" << what << "): " << line;
  }
  for (const auto& [key, e] : want)
    EXPECT_EQ(per_key[key], static_cast<size_t>(2 * e.received + e.ticks))
        << key << ": committed Count records (" << what << ")";
  EXPECT_EQ(counts.size(), total);
  EXPECT_TRUE(server.committed("dead_letters").empty());
}

// Record `i` of a test: the JSON of a chaos.sfn Record for counter c<i mod kCounters>.
inline std::string record_json(int i) {
  return R"({"key":"c)" + std::to_string(i % kCounters) + R"(","n":)" + std::to_string(i) + "}";
}

// Adds what record `i` must change to `want`.
inline void count_record(std::map<std::string, Expected>& want, int i) {
  Expected& e = want["c" + std::to_string(i % kCounters)];
  e.received += 1;
  e.ticks += i % 5 == 0;
}

// Writes `n` --input lines of records for the counters and returns what they must add up to.
inline std::map<std::string, Expected> write_records(const std::filesystem::path& input, int n) {
  std::map<std::string, Expected> want;
  std::ofstream f(input);
  for (int i = 0; i < n; ++i) {
    f << R"({"ingress":"records","value":)" << record_json(i) << "}\n";
    count_record(want, i);
  }
  return want;
}

}  // namespace sfn::testing::chaos
