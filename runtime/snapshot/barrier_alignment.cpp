// Barrier alignment of one participant (see barrier_alignment.h).
#include "runtime/snapshot/barrier_alignment.h"

namespace sfn::runtime::snapshot {

BarrierAlignment::Step BarrierAlignment::on_barrier(unsigned from, uint64_t epoch) {
  bool started = false;
  if (epoch_ == 0) {
    if (epoch <= last_done_) return Step::ignored;
    epoch_ = epoch;
    awaiting_.assign(senders_, 1);
    if (self_ < senders_) awaiting_[self_] = 0;
    missing_ = senders_ - (self_ < senders_ ? 1 : 0);
    started = true;
  }
  if (epoch != epoch_ || from >= awaiting_.size() || !awaiting_[from]) return started ? Step::started : Step::ignored;
  awaiting_[from] = 0;
  if (--missing_ > 0) return started ? Step::started : Step::waiting;
  last_done_ = epoch_;
  epoch_ = 0;
  return started ? Step::started_and_complete : Step::complete;
}

}  // namespace sfn::runtime::snapshot
