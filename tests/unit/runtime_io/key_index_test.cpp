// KeyIndex (the idempotency key table of record logs) against std::unordered_map as a model:
// random assigns, inserts, finds and erases (erase shifts runs of the open-addressing table back),
// through several growths; numbered keys (`<stem>:<n>`, kept as runs) the same way, and a long
// batch of them in a few runs.
#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>
#include <unordered_map>

#include "runtime/io/key_index.h"

namespace sfn::runtime::io {
namespace {

void behaves_like_a_map(KeyIndex& index, std::unordered_map<std::string, std::uint64_t>& model,
                        const std::function<std::string(std::uint64_t)>& random_key) {
  std::mt19937_64 rng(7);
  for (std::uint64_t step = 0; step < 200000; ++step) {
    std::string key = random_key(rng());
    switch (rng() % 4) {
      case 0:
        index.assign(key, step);
        model[key] = step;
        break;
      case 1: {
        auto earlier = index.insert(key, step);
        auto [it, fresh] = model.emplace(key, step);
        ASSERT_EQ(earlier.has_value(), !fresh) << key;
        if (earlier) {
          ASSERT_EQ(*earlier, it->second);
        }
        break;
      }
      case 2:
        index.erase(key);
        model.erase(key);
        break;
      default: {
        auto found = index.find(key);
        auto it = model.find(key);
        ASSERT_EQ(found.has_value(), it != model.end()) << key << " at step " << step;
        if (found) {
          ASSERT_EQ(*found, it->second);
        }
      }
    }
    ASSERT_EQ(index.size(), model.size());
  }
  std::size_t visited = 0;
  index.for_each([&](std::string_view key, std::uint64_t offset) {
    ++visited;
    EXPECT_EQ(model.at(std::string(key)), offset);
  });
  EXPECT_EQ(visited, model.size());
}

TEST(KeyIndex, BehavesLikeAMap) {
  KeyIndex index;
  std::unordered_map<std::string, std::uint64_t> model;
  behaves_like_a_map(index, model, [](std::uint64_t r) { return "k" + std::to_string(r % 20000); });
  EXPECT_FALSE(index.find("").has_value());
  index.assign(std::string(65535, 'x'), 1);  // the longest key a log frame can hold
  EXPECT_EQ(index.find(std::string(65535, 'x')), std::optional<std::uint64_t>(1));
  EXPECT_FALSE(index.find(std::string(65534, 'x')).has_value());
}

TEST(KeyIndex, NumberedKeysBehaveLikeAMap) {
  KeyIndex index;
  std::unordered_map<std::string, std::uint64_t> model;
  // Mostly numbered keys of three stems (some with leading zeros or too long: plain keys).
  behaves_like_a_map(index, model, [](std::uint64_t r) {
    const std::uint64_t n = r % 3000;
    switch (r / 3000 % 8) {
      case 0:
        return "k:0" + std::to_string(n);
      case 1:
        return "k:" + std::to_string(n) + "x";
      case 2:
        return "input:ab:" + std::to_string(n) + std::string(18, '1');
      default:
        return "s" + std::to_string(r / 3000 % 3) + ":" + std::to_string(n);
    }
  });
  std::size_t runs = 0;
  index.for_each_run([&](std::string_view key, std::uint64_t offset, std::uint64_t count) {
    runs += count;
    EXPECT_EQ(model.at(std::string(key)), offset);
  });
  EXPECT_EQ(runs, model.size());
}

TEST(KeyIndex, ALongBatchOfNumberedKeysIsOneRun) {
  KeyIndex index;
  for (std::uint64_t i = 1; i <= 1000000; ++i) ASSERT_FALSE(index.insert("input:0f:0:" + std::to_string(i), i + 5));
  index.insert("input:0f:0:1000002", 1000007);  // a skipped line: a second run
  EXPECT_EQ(index.size(), 1000001u);
  EXPECT_EQ(index.runs(), 2u);
  EXPECT_EQ(index.insert("input:0f:0:17", 99), std::optional<std::uint64_t>(22));
  EXPECT_EQ(index.find("input:0f:0:1000000"), std::optional<std::uint64_t>(1000005));
  EXPECT_FALSE(index.find("input:0f:0:1000001").has_value());
  EXPECT_FALSE(index.find("input:0f:1:5").has_value());
  index.erase("input:0f:0:500");  // splits the run
  EXPECT_EQ(index.runs(), 3u);
  EXPECT_FALSE(index.find("input:0f:0:500").has_value());
  EXPECT_EQ(index.find("input:0f:0:501"), std::optional<std::uint64_t>(506));
  index.assign("input:0f:0:500", 505);  // joins the two again
  EXPECT_EQ(index.runs(), 2u);
  // A run taken back from a keys file (assign_run) is the same.
  KeyIndex again;
  index.for_each_run(
      [&](std::string_view key, std::uint64_t offset, std::uint64_t count) { again.assign_run(key, offset, count); });
  EXPECT_EQ(again.size(), index.size());
  EXPECT_EQ(again.runs(), 2u);
  EXPECT_EQ(again.find("input:0f:0:777"), std::optional<std::uint64_t>(782));
}

}  // namespace
}  // namespace sfn::runtime::io
