// The memory budget of an invocation (decision 110) at the level of the value operations: what
// they charge and credit to the running meter, what a refused operation leaves (the empty value,
// a dropped push, an error from list_insert, a scratch slot from map_slot), that nothing is
// counted outside a meter's scope or charged while it is paused, and that a refusal zeroes the
// fuel of the invocation. Run under ASan/LSan too: a refused operation must leak nothing.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "runtime/core/module.h"
#include "runtime/core/value.h"

namespace {

using namespace sfn::runtime::core;

const sfn_type kStr{SFN_STRING, nullptr, nullptr, nullptr, nullptr, nullptr};
const sfn_type kInt{SFN_INT, nullptr, nullptr, nullptr, nullptr, nullptr};
const sfn_type kStrList{SFN_LIST, &kStr, nullptr, nullptr, nullptr, nullptr};
const sfn_type kStrIntMap{SFN_MAP, &kInt, &kStr, nullptr, nullptr, nullptr};  // map<string, int>

// A ctx whose fuel the meter zeroes, and its meter with `limit` bytes.
struct Metered {
  explicit Metered(uint64_t limit) : meter(&ctx) {
    ctx.fuel = 1000;
    meter.reset(limit);
  }
  sfn_ctx ctx{};
  MemoryMeter meter;
};

std::string text(const sfn_str& s) { return std::string(str_view(s)); }

TEST(MemoryMeter, NothingIsCountedOutsideAScope) {
  Metered m(64 << 10);
  sfn_str s{};
  str_set(&s, std::string(1 << 20, 'x'));
  EXPECT_EQ(s.len, 1u << 20);
  EXPECT_EQ(m.meter.used(), 0);
  EXPECT_EQ(MemoryMeter::running(), nullptr);
  str_free(&s);
}

TEST(MemoryMeter, ARefusedStringIsEmptyAndZeroesTheFuel) {
  Metered m(64 << 10);
  sfn_str s{};
  {
    MemoryMeter::Scope scope(m.meter);
    str_set(&s, "small");
    EXPECT_EQ(text(s), "small");
    EXPECT_FALSE(m.meter.exceeded());
    EXPECT_EQ(m.ctx.fuel, 1000);
    str_set(&s, std::string(100 << 10, 'x'));
    EXPECT_EQ(s.len, 0u);
    EXPECT_TRUE(m.meter.exceeded());
    EXPECT_EQ(m.ctx.fuel, 0);
    EXPECT_TRUE(memory_refused());
    str_set(&s, "tiny");  // once exceeded, everything is refused
    EXPECT_EQ(s.len, 0u);
  }
  EXPECT_FALSE(memory_refused());
  str_set(&s, "after");  // out of the scope: not counted
  EXPECT_EQ(text(s), "after");
  str_free(&s);
}

// Net bytes: a loop that builds and frees far more than the budget in all never exceeds it.
TEST(MemoryMeter, FreedValuesAreCredited) {
  Metered m(1 << 20);
  MemoryMeter::Scope scope(m.meter);
  const sfn_services* svc = services();
  for (int i = 0; i < 100; ++i) {
    sfn_list xs{};
    for (int j = 0; j < 64; ++j) {
      sfn_str s{};
      str_set(&s, std::string(1000, 'a'));
      svc->list_push(&kStrList, &xs, &s);
    }
    EXPECT_EQ(xs.len, 64u);
    value_destroy(&kStrList, &xs);
    EXPECT_EQ(m.meter.used(), 0) << "round " << i;
  }
  EXPECT_FALSE(m.meter.exceeded());
}

TEST(MemoryMeter, RefusedCollectionsDropOrScratchTheirElements) {
  Metered m(4 << 10);
  const sfn_services* svc = services();
  sfn_list xs{};
  sfn_map counts{};
  {
    MemoryMeter::Scope scope(m.meter);
    sfn_str s{};
    str_set(&s, std::string(4050, 'a'));  // fits, and leaves no room to grow the list
    svc->list_push(&kStrList, &xs, &s);
    EXPECT_EQ(xs.len, 0u) << "the push was refused";
    EXPECT_EQ(s.len, 0u) << "its element was moved in and dropped";
    sfn_str t{};
    EXPECT_STREQ(svc->list_insert(&kStrList, &xs, 0, &t), kMemoryRefused);
    sfn_str key{};
    str_set(&key, "k");  // refused too: the empty key
    auto* slot = static_cast<int64_t*>(svc->map_slot(&kStrIntMap, &counts, &key));
    ASSERT_NE(slot, nullptr);
    *slot = 7;  // written by generated code as if it were the map's
    EXPECT_EQ(counts.len, 0u);
    auto* elem = static_cast<sfn_str*>(list_emplace_back(&kStr, &xs));
    ASSERT_NE(elem, nullptr);
    EXPECT_EQ(elem->len, 0u);
    EXPECT_EQ(xs.len, 0u);
  }  // the scratch slots are destroyed here
  EXPECT_TRUE(m.meter.exceeded());
  value_destroy(&kStrList, &xs);
  value_destroy(&kStrIntMap, &counts);
}

TEST(MemoryMeter, APauseChargesNothingButCreditsFrees) {
  Metered m(64 << 10);
  MemoryMeter::Scope scope(m.meter);
  sfn_str big{};
  {
    MemoryMeter::Pause pause;
    str_set(&big, std::string(1 << 20, 'x'));  // the runtime loading stored state
    EXPECT_EQ(big.len, 1u << 20);
    EXPECT_FALSE(memory_refused());
  }
  EXPECT_EQ(m.meter.used(), 0);
  str_free(&big);
  EXPECT_LT(m.meter.used(), -(1 << 20)) << "freeing an older value makes room";
  EXPECT_FALSE(m.meter.exceeded());
}

// The string services build their result at its size, before touching `out` (which may be an
// input), and refuse a result that does not fit without allocating it.
TEST(MemoryMeter, StringServicesCheckTheResultSizeFirst) {
  Metered m(1 << 20);
  const sfn_services* svc = services();
  sfn_str to{}, s{};
  str_set(&to, std::string(1 << 16, 'b'));
  str_set(&s, std::string(1000, 'a'));
  MemoryMeter::Scope scope(m.meter);
  svc->str_concat(&s, &s, &s);  // out is both inputs
  EXPECT_EQ(text(s), std::string(2000, 'a'));
  sfn_str from{};
  str_set(&from, "a");
  sfn_str out{};
  svc->str_replace(&s, &from, &to, &out);  // 2000 × 64 KiB = 125 MiB
  EXPECT_EQ(out.len, 0u);
  EXPECT_TRUE(m.meter.exceeded());
  EXPECT_LT(m.meter.used(), 1 << 20);
  for (sfn_str* v : {&to, &s, &from, &out}) str_free(v);
}

TEST(MemoryMeter, StrAssignWithoutDataGivesRoomToWriteOrNothing) {
  Metered m(64 << 10);
  const sfn_services* svc = services();
  MemoryMeter::Scope scope(m.meter);
  sfn_str s{};
  svc->str_assign(&s, nullptr, 16);
  ASSERT_EQ(s.len, 16u);
  EXPECT_EQ(std::string(s.data, 16), std::string(16, '\0'));
  svc->str_assign(&s, nullptr, 1 << 20);
  EXPECT_EQ(s.len, 0u);
  EXPECT_TRUE(m.meter.exceeded());
  str_free(&s);
}

}  // namespace
