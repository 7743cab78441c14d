// The channel bookkeeping of one participant's part of a barrier snapshot (RUNTIME.md §3,
// Chandy–Lamport over FIFO channels), without I/O, so the protocol can be tested with scripted
// interleavings (tests/unit/runtime_snapshot). The first barrier of an epoch, from any incoming
// channel, starts the participant's local snapshot (the caller snapshots its state and forwards
// the barrier on all outgoing channels at once). From then until the barrier of that epoch has
// arrived on an incoming channel, every data record arriving on that channel is in flight for
// the snapshot: the caller records it (and processes it). When the barrier has arrived on every
// incoming channel, the participant's part is complete.
#pragma once

#include <cstdint>
#include <vector>

namespace sfn::runtime::snapshot {

class BarrierAlignment {
 public:
  // Incoming channels are numbered by sender id 0..`senders`-1; `self` has no channel.
  BarrierAlignment(unsigned senders, unsigned self) : senders_(senders), self_(self) {}

  // What a barrier did.
  enum class Step {
    ignored,               // stale (an epoch already taken) or a second barrier on the same channel
    started,               // the first barrier of its epoch: take the local snapshot now
    waiting,               // one more channel aligned; others still missing
    complete,              // the last missing barrier: the local part is complete
    started_and_complete,  // both at once (a single incoming channel)
  };
  Step on_barrier(unsigned from, uint64_t epoch);

  // Whether a data record arriving now on channel `from` is in flight for the snapshot being
  // taken (to be recorded with it).
  bool in_flight(unsigned from) const { return epoch_ != 0 && from < awaiting_.size() && awaiting_[from]; }
  // The epoch being taken; 0 when none.
  uint64_t epoch() const { return epoch_; }

 private:
  unsigned senders_, self_;
  uint64_t epoch_ = 0;      // being taken
  uint64_t last_done_ = 0;  // the last epoch completed
  std::vector<uint8_t> awaiting_;
  unsigned missing_ = 0;
};

}  // namespace sfn::runtime::snapshot
