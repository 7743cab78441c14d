// The bound on messages in flight (decision 110): messages that handlers sent or timers fired and
// that no worker has processed yet. A program whose messages multiply along a cycle (A sends two
// to B for each message, B two to A) grows them without end; past the bound (`sfn run
// --max-in-flight`) the run stops with exit 1 and an error naming the function types whose sends
// filled it and the cycle among them, long before memory runs out. Ingress records are not
// counted: they wait in the ingress log until the workers take them.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/core/module.h"

namespace sfn::runtime::worker {

// Sends between function types (by index into the module's functions), counted by a worker while
// the messages in flight are above half the bound: what filled it.
class SendCounts {
 public:
  void add(uint32_t from, uint32_t to) { ++counts_[{from, to}]; }
  void add(const std::vector<std::pair<uint32_t, uint32_t>>& sends) {
    for (const auto& [from, to] : sends) add(from, to);
  }
  void merge(const SendCounts& other);
  // The heaviest cycle of function types among the counted sends ("a/A → a/B → a/A"), or "" when
  // the sends form no cycle.
  std::string cycle(const core::Module& module) const;
  // The counted sends, the most first: "a/A → a/B: 1200, a/B → a/A: 1100".
  std::string top(const core::Module& module, std::size_t n) const;

 private:
  std::map<std::pair<uint32_t, uint32_t>, uint64_t> counts_;
};

// The error of a run stopped by the bound, naming the cycle and the top senders.
std::string in_flight_error(uint64_t bound, const SendCounts& sends, const core::Module& module);

}  // namespace sfn::runtime::worker
