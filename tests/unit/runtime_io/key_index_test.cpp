// KeyIndex (the idempotency key table of record logs) against std::unordered_map as a model:
// random assigns, inserts, finds and erases (erase shifts runs of the open-addressing table back),
// through several growths.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>

#include "runtime/io/key_index.h"

namespace sfn::runtime::io {
namespace {

TEST(KeyIndex, BehavesLikeAMap) {
  KeyIndex index;
  std::unordered_map<std::string, std::uint64_t> model;
  std::mt19937_64 rng(7);
  auto random_key = [&] { return "k" + std::to_string(rng() % 20000); };
  for (std::uint64_t step = 0; step < 200000; ++step) {
    std::string key = random_key();
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
  EXPECT_FALSE(index.find("").has_value());
  index.assign(std::string(65535, 'x'), 1);  // the longest key a log frame can hold
  EXPECT_EQ(index.find(std::string(65535, 'x')), std::optional<std::uint64_t>(1));
  EXPECT_FALSE(index.find(std::string(65534, 'x')).has_value());
}

}  // namespace
}  // namespace sfn::runtime::io
