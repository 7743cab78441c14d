// Edit distance and the choice of the best suggestion (common/edit_distance.h, shared with the
// runtime).
#include "compiler/check/suggest.h"

#include "common/edit_distance.h"

namespace sfn::check {

std::size_t edit_distance(std::string_view a, std::string_view b) { return common::edit_distance(a, b); }

std::optional<std::string> best_suggestion(std::string_view name, const Candidates& candidates) {
  std::vector<std::string> best = common::nearest_names(name, candidates, 1);
  if (best.empty()) return std::nullopt;
  return best.front();
}

}  // namespace sfn::check
