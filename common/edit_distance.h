// Edit distance between names, for "did you mean" suggestions in the compiler (compiler/check,
// compiler/parse) and the runtime (unknown ingress or egress names). Header-only: no layer of
// the build owns it, every layer may include it.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfn::common {

// Optimal string alignment distance (insert, delete, substitute, swap two adjacent characters;
// each costs 1), with a case-only difference of a character costing 0 so that `cart` finds
// `Cart` first.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  auto same = [](char x, char y) {
    return x == y || std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
  };
  std::vector<std::size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t sub = same(a[i - 1], b[j - 1]) ? 0 : 1;
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + sub});
      if (i > 1 && j > 1 && same(a[i - 1], b[j - 2]) && same(a[i - 2], b[j - 1]))
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
    }
    prev2 = prev;
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// Up to `most` of `candidates` within distance max(1, |name|/3) of `name` (never `name`
// itself), closest first; ties keep the candidates' order.
inline std::vector<std::string> nearest_names(std::string_view name, const std::vector<std::string>& candidates,
                                              std::size_t most) {
  const std::size_t limit = std::max<std::size_t>(1, name.size() / 3);
  std::vector<std::pair<std::size_t, std::size_t>> found;  // distance, index
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const std::string& c = candidates[i];
    if (c == name || c.empty()) continue;
    const std::size_t diff = c.size() > name.size() ? c.size() - name.size() : name.size() - c.size();
    if (diff > limit) continue;  // cheap reject
    if (std::size_t d = edit_distance(name, c); d <= limit) found.emplace_back(d, i);
  }
  std::stable_sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> out;
  for (std::size_t k = 0; k < found.size() && k < most; ++k) out.push_back(candidates[found[k].second]);
  return out;
}

}  // namespace sfn::common
