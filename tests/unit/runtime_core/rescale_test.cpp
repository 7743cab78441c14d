// Rescaling (docs/decisions/114-rescaling.md): the databases of N workers split into those of M
// by key group (state::rebuild_for_workers) — state values with their write times (expiry),
// last-call times, timers and metadata — the in-flight records given to the new owners, and a
// changed key group count refused.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "module_fixture.h"
#include "runtime/core/module.h"
#include "runtime/core/value.h"
#include "runtime/embedded/layout.h"
#include "runtime/embedded/rescale.h"
#include "runtime/state/state_backend.h"
#include "runtime/worker/hub.h"

namespace sfn::runtime {
namespace {

namespace fs = std::filesystem;
using state::Instance;
using state::StateBackend;
using state::TimerRecord;
using state::Txn;
constexpr uint32_t kGroups = 16;
constexpr int64_t kMinute = 60'000'000'000;

std::string counter_address(int id) { return "test.rt/Counter/" + std::to_string(id); }
uint32_t group_of(int id) { return core::key_group_of(counter_address(id), kGroups); }

class RescaleTest : public test::ModuleFixture {
 protected:
  RescaleTest() : ModuleFixture("sfn_rescale") {}

  std::unique_ptr<StateBackend> open(const fs::path& dir) {
    auto b = StateBackend::open(dir.string(), module_);
    EXPECT_TRUE(b) << b.error().message;
    return b ? std::move(b.value()) : nullptr;
  }
  Instance* counter(StateBackend& b, int id, bool create) {
    const std::string address = counter_address(id);
    Result<core::Address> parsed = module_->parse_address(address);
    EXPECT_TRUE(parsed) << parsed.error().message;
    Result<Instance*> i =
        create ? b.instance(address, parsed.value(), group_of(id)) : b.find(address, parsed.value(), group_of(id));
    EXPECT_TRUE(i) << i.error().message;
    return i ? i.value() : nullptr;
  }
  static int64_t count_of(StateBackend& b, Instance* i) {
    return *reinterpret_cast<int64_t*>(i->block.get() + b.layout(1).offsets[0]);
  }
  static int64_t fresh_of(StateBackend& b, Instance* i) {
    return *reinterpret_cast<int64_t*>(i->block.get() + b.layout(1).offsets[2]);
  }
  static std::string last_of(StateBackend& b, Instance* i) {
    return std::string(core::str_view(*reinterpret_cast<sfn_str*>(i->block.get() + b.layout(1).offsets[3])));
  }

  // Two workers' databases: counters 0..39 (count = id, `fresh` written at id minutes), one
  // timer per counter minted by its owner, timer counters 7 and 12.
  std::vector<std::string> write_two_workers() {
    std::vector<std::string> dirs;
    for (unsigned w = 0; w < 2; ++w) {
      dirs.push_back((dir_ / ("old-" + std::to_string(w))).string());
      auto b = open(dirs.back());
      Txn txn(b.get());
      uint64_t seq = 0;
      for (int id = 0; id < 40; ++id) {
        if (core::worker_of(group_of(id), 2) != w) continue;
        txn.begin(counter(*b, id, true), id * kMinute);
        *static_cast<int64_t*>(txn.mut(0)) = id;
        *static_cast<int64_t*>(txn.mut(2)) = 100 + id;                // `fresh`: expires 10 minutes after its write
        core::str_set(static_cast<sfn_str*>(txn.mut(3)), "touched");  // `last`: 60 minutes after the call
        txn.commit();
        const std::string handle = std::to_string(group_of(id)) + "." + std::to_string(w) + "." + std::to_string(++seq);
        b->put_timer(group_of(id), TimerRecord{handle, 1000 + id, counter_address(id), test::kMsgTick, "p"});
      }
      b->put_meta(state::kTimerSeqMeta, w == 0 ? "7" : "12");
      EXPECT_TRUE(b->write_back());
      EXPECT_TRUE(b->flush());
    }
    return dirs;
  }
};

TEST_F(RescaleTest, KeyGroupsMoveWithStateTimersAndMetadata) {
  const std::vector<std::string> from = write_two_workers();
  std::vector<std::string> to;
  for (unsigned w = 0; w < 3; ++w) to.push_back((dir_ / ("new-" + std::to_string(w))).string());
  state::RescaleStats stats;
  Status s = state::rebuild_for_workers(from, to, kGroups, &stats);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_GT(stats.keys, 80u);
  std::map<std::string, int> timer_owner;
  for (unsigned w = 0; w < 3; ++w) {
    auto b = open(to[w]);
    for (int id = 0; id < 40; ++id) {
      Instance* i = counter(*b, id, false);
      if (core::worker_of(group_of(id), 3) != w) {
        EXPECT_EQ(i, nullptr) << "counter " << id << " in worker " << w;
        continue;
      }
      ASSERT_NE(i, nullptr) << "counter " << id << " lost";
      EXPECT_EQ(count_of(*b, i), id);
      b->expire(i, id * kMinute + 10 * kMinute - 1);  // the write time came along: expiry as before
      EXPECT_EQ(fresh_of(*b, i), 100 + id);
      b->expire(i, id * kMinute + 10 * kMinute);
      EXPECT_EQ(fresh_of(*b, i), 0);
      b->expire(i, id * kMinute + 60 * kMinute - 1);  // the last-call time came along too
      EXPECT_EQ(last_of(*b, i), "touched");
      b->expire(i, id * kMinute + 60 * kMinute);
      EXPECT_EQ(last_of(*b, i), "");
    }
    ASSERT_TRUE(b->load_timers(kGroups, [&](TimerRecord&& t) {
      EXPECT_EQ(core::worker_of(static_cast<uint32_t>(std::stoul(t.handle)), 3), w) << t.handle;
      EXPECT_EQ(t.payload, "p");
      EXPECT_TRUE(timer_owner.emplace(t.handle, static_cast<int>(w)).second) << "timer twice: " << t.handle;
    }));
    std::string seq, types;
    bool found = false;
    ASSERT_TRUE(b->get_meta(state::kTimerSeqMeta, &seq, &found));
    EXPECT_TRUE(found);
    EXPECT_EQ(seq, "12") << "the largest counter: no handle is minted twice";
    ASSERT_TRUE(b->get_meta("message_types", &types, &found));
    EXPECT_TRUE(found && !types.empty());
  }
  EXPECT_EQ(timer_owner.size(), 40u);
}

TEST_F(RescaleTest, SplittingIsTheSameBackAndForth) {
  const std::vector<std::string> from = write_two_workers();
  const std::vector<std::string> one = {(dir_ / "one").string()},
                                 two = {(dir_ / "two-0").string(), (dir_ / "two-1").string()};
  state::RescaleStats stats;
  ASSERT_TRUE(state::rebuild_for_workers(from, one, kGroups, &stats));
  ASSERT_TRUE(state::rebuild_for_workers(one, two, kGroups, &stats));
  for (unsigned w = 0; w < 2; ++w) {
    auto b = open(two[w]);
    for (int id = 0; id < 40; ++id) {
      Instance* i = counter(*b, id, false);
      EXPECT_EQ(i != nullptr, core::worker_of(group_of(id), 2) == w) << id;
      if (i) {
        EXPECT_EQ(count_of(*b, i), id);
      }
    }
  }
}

TEST_F(RescaleTest, DisagreeingMetadataIsAnError) {
  std::vector<std::string> from = write_two_workers();
  {
    auto b = open(from[1]);
    b->put_meta("states", "another program\n");
    ASSERT_TRUE(b->write_back());
    ASSERT_TRUE(b->flush());
  }
  state::RescaleStats stats;
  Status s = state::rebuild_for_workers(from, {(dir_ / "n0").string()}, kGroups, &stats);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("disagree on their metadata \"states\""), std::string::npos) << s.error().message;
}

TEST_F(RescaleTest, InFlightRecordsGoToTheNewOwnerInOrder) {
  std::vector<std::vector<std::string>> old(2);
  std::vector<std::pair<uint32_t, std::string>> sent;  // (key group, record) in order
  for (int id = 0; id < 30; ++id) {
    std::string r;
    if (id % 3 == 0) {
      const std::string handle = std::to_string(group_of(id)) + ".1.4";
      worker::encode_record(r, worker::RecordKind::cancel_timer, 0, handle, "");
    } else {
      worker::encode_record(r, worker::RecordKind::message, test::kMsgTick, counter_address(id), std::to_string(id));
    }
    old[core::worker_of(group_of(id), 2)].push_back(r);
    sent.emplace_back(group_of(id), r);
  }
  const auto now = reroute_records(old, 3, kGroups);
  ASSERT_EQ(now.size(), 3u);
  size_t total = 0;
  for (unsigned w = 0; w < 3; ++w) {
    total += now[w].size();
    for (const std::string& r : now[w]) {
      auto it = std::find_if(sent.begin(), sent.end(), [&](const auto& p) { return p.second == r; });
      ASSERT_NE(it, sent.end());
      EXPECT_EQ(core::worker_of(it->first, 3), w);
    }
    // Records of one old worker keep their order at the new one.
    for (const auto& part : old) {
      std::vector<std::string> expect;
      for (const std::string& r : part)
        if (std::find(now[w].begin(), now[w].end(), r) != now[w].end()) expect.push_back(r);
      std::vector<std::string> got;
      for (const std::string& r : now[w])
        if (std::find(part.begin(), part.end(), r) != part.end()) got.push_back(r);
      EXPECT_EQ(got, expect);
    }
  }
  EXPECT_EQ(total, sent.size());
}

TEST_F(RescaleTest, AnotherKeyGroupCountIsRefusedAnotherWorkerCountIsRecorded) {
  ASSERT_TRUE(check_layout(dir_, std::nullopt, Layout{2, 128}));
  auto recorded = read_layout(dir_);
  ASSERT_TRUE(recorded.ok() && recorded.value());
  auto refused = check_layout(dir_, recorded.value(), Layout{2, 64});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("128 key groups"), std::string::npos) << refused.error().message;
  EXPECT_NE(refused.error().message.find("never changes"), std::string::npos) << refused.error().message;
  ASSERT_TRUE(check_layout(dir_, recorded.value(), Layout{3, 128}));
  EXPECT_EQ(read_layout(dir_).value()->workers, 2u) << "recorded only once the state is rescaled";
  ASSERT_TRUE(record_layout(dir_, Layout{3, 128}));
  EXPECT_EQ(read_layout(dir_).value()->workers, 3u);
  EXPECT_EQ(moved_key_groups(2, 3, 128), 84u);
  EXPECT_EQ(moved_key_groups(2, 2, 128), 0u);
}

}  // namespace
}  // namespace sfn::runtime
