// The snapshot protocol's channel bookkeeping (runtime/snapshot/barrier_alignment.h) under
// scripted interleavings: barriers arriving in every order on 3 channels with data around them,
// and simulated systems of two workers messaging each other in a cycle plus a coordinator,
// under many random schedules, where every message must end up in the snapshot exactly when it
// was sent before its sender's snapshot: reflected in the receiver's snapshotted state or
// recorded as in flight, never both, never twice.
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "runtime/snapshot/barrier_alignment.h"

namespace {

using sfn::runtime::snapshot::BarrierAlignment;
using Step = BarrierAlignment::Step;

// Every interleaving of three per-channel scripts "data, barrier, data" (1,680 of them): the
// first barrier starts the snapshot, the third completes it, and data is in flight exactly when
// it arrives after the first barrier and before its own channel's barrier.
TEST(BarrierAlignment, EveryInterleavingOfThreeChannels) {
  std::vector<int> order = {1, 1, 1, 2, 2, 2, 3, 3, 3};  // channel of each event, in order
  int interleavings = 0;
  do {
    BarrierAlignment a(4, 0);  // channels 1..3 come in; 0 is the participant itself
    std::map<int, int> seen;   // events seen per channel (0: data, 1: barrier, 2: data)
    int barriers = 0;
    for (int ch : order) {
      const int k = seen[ch]++;
      if (k == 1) {
        const Step s = a.on_barrier(static_cast<unsigned>(ch), 7);
        ++barriers;
        const Step want = barriers == 1 ? Step::started : barriers == 3 ? Step::complete : Step::waiting;
        ASSERT_EQ(s, want) << "barrier " << barriers << " on channel " << ch;
      } else {
        const bool want = barriers > 0 && barriers < 3 && k == 0;
        ASSERT_EQ(a.in_flight(static_cast<unsigned>(ch)), want) << "data " << k << " on channel " << ch;
      }
    }
    EXPECT_EQ(a.epoch(), 0u);
    ++interleavings;
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_EQ(interleavings, 1680);
}

TEST(BarrierAlignment, StaleAndRepeatedBarriersAreIgnored) {
  BarrierAlignment a(3, 2);  // two workers (0, 1) ... participant 2 as the coordinator's peer
  EXPECT_EQ(a.on_barrier(0, 1), Step::started);
  EXPECT_EQ(a.on_barrier(0, 1), Step::ignored);  // the same channel again
  EXPECT_EQ(a.on_barrier(1, 1), Step::complete);
  EXPECT_EQ(a.on_barrier(1, 1), Step::ignored);  // an epoch already taken
  EXPECT_EQ(a.on_barrier(1, 2), Step::started);
  EXPECT_TRUE(a.in_flight(0));
  EXPECT_FALSE(a.in_flight(1));
  EXPECT_FALSE(a.in_flight(2));  // no channel to itself
}

TEST(BarrierAlignment, ASingleIncomingChannelStartsAndCompletesAtOnce) {
  BarrierAlignment a(2, 0);  // one worker and the coordinator
  EXPECT_EQ(a.on_barrier(1, 1), Step::started_and_complete);
  EXPECT_FALSE(a.in_flight(1));
}

// A simulated system: workers 0 and 1 and the coordinator (id 2) with FIFO channels. The
// coordinator sends records to both workers, then the barrier of epoch 1, then more records.
// Each worker processes a record by remembering it and, while its hop count lasts, sending a
// new message to the other worker (a cycle). A random scheduler delivers the head of a random
// non-empty channel. Each worker follows the protocol: at `started` it snapshots its state and
// forwards the barrier to the other worker; data `in_flight` is recorded.
struct Message {
  int id = 0;
  int hops = 0;
  bool barrier = false;
  bool before_sender_snapshot = false;
};

struct Worker {
  explicit Worker(unsigned self) : align(3, self) {}
  BarrierAlignment align;
  bool snapshotted = false;
  bool complete = false;
  std::set<int> processed, snapshot_state;
  std::vector<int> recorded;
};

class System {
 public:
  explicit System(uint64_t seed) : rng_(seed) {}

  // Runs one schedule; returns false (with `why`) when the snapshot is not a consistent cut.
  bool run(std::string* why) {
    for (int i = 0; i < 3; ++i) from_coordinator(i % 2, true);
    for (unsigned w = 0; w < 2; ++w) channel(2, w).push_back(Message{0, 0, true, false});
    for (int i = 0; i < 3; ++i) from_coordinator(i % 2, false);
    while (deliver_one()) {
    }
    return check(why);
  }

 private:
  std::deque<Message>& channel(unsigned from, unsigned to) { return channels_[{from, to}]; }

  void from_coordinator(unsigned to, bool before) {
    Message m{next_id_++, 4, false, before};
    sent_[m.id] = {2, to, before};
    channel(2, to).push_back(m);
  }

  bool deliver_one() {
    std::vector<std::pair<unsigned, unsigned>> ready;
    for (auto& [key, q] : channels_)
      if (!q.empty()) ready.push_back(key);
    if (ready.empty()) return false;
    const auto [from, to] = ready[std::uniform_int_distribution<size_t>(0, ready.size() - 1)(rng_)];
    Message m = channel(from, to).front();
    channel(from, to).pop_front();
    Worker& w = workers_[to];
    if (m.barrier) {
      const Step s = w.align.on_barrier(from, 1);
      if (s == Step::started || s == Step::started_and_complete) {
        w.snapshot_state = w.processed;
        w.snapshotted = true;
        channel(to, 1 - to).push_back(Message{0, 0, true, false});  // forward at once
      }
      if (s == Step::complete || s == Step::started_and_complete) w.complete = true;
      return true;
    }
    if (w.align.in_flight(from)) w.recorded.push_back(m.id);
    w.processed.insert(m.id);
    if (m.hops > 0) {
      Message next{next_id_++, m.hops - 1, false, !w.snapshotted};
      sent_[next.id] = {to, 1 - to, next.before_sender_snapshot};
      channel(to, 1 - to).push_back(next);
    }
    return true;
  }

  bool check(std::string* why) {
    for (unsigned w = 0; w < 2; ++w) {
      if (!workers_[w].complete) return *why = "worker " + std::to_string(w) + " never completed", false;
      std::set<int> rec(workers_[w].recorded.begin(), workers_[w].recorded.end());
      if (rec.size() != workers_[w].recorded.size()) return *why = "a message recorded twice", false;
    }
    for (const auto& [id, s] : sent_) {
      const Worker& r = workers_[s.to];
      const bool in_state = r.snapshot_state.count(id) > 0;
      const bool in_recorded = std::count(r.recorded.begin(), r.recorded.end(), id) > 0;
      if (in_state && in_recorded) return *why = "message " + std::to_string(id) + " both in state and recorded", false;
      if ((in_state || in_recorded) != s.before) {
        *why = "message " + std::to_string(id) + " from " + std::to_string(s.from) + " to " + std::to_string(s.to) +
               (s.before ? " was sent before its sender's snapshot but is missing from it"
                         : " was sent after its sender's snapshot but is in it");
        return false;
      }
    }
    return true;
  }

  struct Sent {
    unsigned from = 0, to = 0;
    bool before = false;
  };
  std::mt19937_64 rng_;
  std::map<std::pair<unsigned, unsigned>, std::deque<Message>> channels_;
  Worker workers_[2] = {Worker(0), Worker(1)};
  std::map<int, Sent> sent_;
  int next_id_ = 1;
};

TEST(BarrierAlignment, CyclesBetweenTwoWorkersGiveAConsistentCutUnderRandomSchedules) {
  for (uint64_t seed = 1; seed <= 3000; ++seed) {
    System system(seed);
    std::string why;
    ASSERT_TRUE(system.run(&why)) << "schedule seed " << seed << ": " << why;
  }
}

}  // namespace
