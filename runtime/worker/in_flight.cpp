// Naming what filled the bound on messages in flight (see in_flight.h).
#include "runtime/worker/in_flight.h"

#include <algorithm>
#include <set>
#include <vector>

namespace sfn::runtime::worker {
namespace {

// The function types reachable from `from` over one or more counted sends.
std::set<uint32_t> reachable(const std::map<uint32_t, std::vector<uint32_t>>& next, uint32_t from) {
  std::set<uint32_t> seen;
  std::vector<uint32_t> stack{from};
  while (!stack.empty()) {
    const uint32_t at = stack.back();
    stack.pop_back();
    if (auto it = next.find(at); it != next.end())
      for (uint32_t to : it->second)
        if (seen.insert(to).second) stack.push_back(to);
  }
  return seen;
}

std::string type_name(const core::Module& module, uint32_t function) {
  return function < module.desc().function_count ? module.desc().functions[function].type_name : "?";
}

}  // namespace

void SendCounts::merge(const SendCounts& other) {
  for (const auto& [edge, n] : other.counts_) counts_[edge] += n;
}

std::string SendCounts::cycle(const core::Module& module) const {
  std::map<uint32_t, std::vector<uint32_t>> next;
  for (const auto& [edge, n] : counts_) next[edge.first].push_back(edge.second);
  std::map<uint32_t, std::set<uint32_t>> reach;
  for (const auto& [from, to] : next) reach[from] = reachable(next, from);
  // Two types are on a common cycle when each reaches the other.
  auto together = [&](uint32_t a, uint32_t b) { return reach[a].count(b) && reach[b].count(a); };
  // Start at the type that sent the most to types on a cycle with it.
  uint32_t start = 0;
  uint64_t best = 0;
  for (const auto& [edge, n] : counts_) {
    uint64_t sum = 0;
    for (const auto& [e, m] : counts_)
      if (e.first == edge.first && together(e.first, e.second)) sum += m;
    if (sum > best) best = sum, start = edge.first;
  }
  if (best == 0) return "";
  // Follow the heaviest send that stays on the cycle until a type comes round again.
  std::vector<uint32_t> path{start};
  for (;;) {
    uint32_t to = 0;
    uint64_t most = 0;
    for (const auto& [e, m] : counts_)
      if (e.first == path.back() && together(start, e.second) && m > most) most = m, to = e.second;
    const std::size_t seen = std::find(path.begin(), path.end(), to) - path.begin();
    const bool round = seen < path.size();
    path.push_back(to);
    if (!round) continue;
    std::string text;
    for (std::size_t i = seen; i < path.size(); ++i) text += (i > seen ? " → " : "") + type_name(module, path[i]);
    return text;
  }
}

std::string SendCounts::top(const core::Module& module, std::size_t n) const {
  std::vector<std::pair<uint64_t, std::pair<uint32_t, uint32_t>>> by_count;
  for (const auto& [edge, count] : counts_) by_count.emplace_back(count, edge);
  std::sort(by_count.begin(), by_count.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string text;
  for (std::size_t i = 0; i < by_count.size() && i < n; ++i)
    text += (i ? ", " : "") + type_name(module, by_count[i].second.first) + " → " +
            type_name(module, by_count[i].second.second) + ": " + std::to_string(by_count[i].first);
  return text;
}

std::string in_flight_error(uint64_t bound, const SendCounts& sends, const core::Module& module) {
  const std::string cycle = sends.cycle(module);
  return "more than " + std::to_string(bound) + " messages sent by handlers were in flight (--max-in-flight): " +
         (cycle.empty() ? "the program sends faster than it processes"
                        : "the messages multiply along the cycle " + cycle) +
         " (sends while over half of it: " + sends.top(module, 4) +
         "); the run stopped without a last snapshot, and it stops the same way from the last committed one until "
         "the program changes or the bound is raised";
}

}  // namespace sfn::runtime::worker
