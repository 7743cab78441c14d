// "Did you mean" suggestions for unknown names: the closest candidate by edit distance, among the
// names of the right category that are in scope. Pure functions, unit-tested on their own.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sfn::check {

using Candidates = std::vector<std::string>;

// The `.name` of every item (messages, fields, enum values, function types...), as candidates.
template <class Range>
Candidates names_of(const Range& items) {
  Candidates c;
  for (const auto& item : items) c.push_back(item.name);
  return c;
}

// Edit distance (insert, delete, substitute, swap two adjacent characters; each costs 1), with
// a case-only difference of a character costing 0 so that `cart` finds `Cart` first.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` if it is close enough: distance at most max(1, len/3), never
// `name` itself; ties go to the first candidate. nullopt when none is close.
std::optional<std::string> best_suggestion(std::string_view name, const Candidates& candidates);

}  // namespace sfn::check
