// A hand-written module linked into the runtime unit tests: a message using every kind of
// field (for the codecs), a Counter function type with plain and expiring states (for the state
// backend), and a Clock function type with delayed sends, cancel and expiry (for timers).
#pragma once

#include <cstdint>

#include "sfn/abi_cpp.h"

namespace sfn::test {

struct Inner {
  int64_t x;
  sfn_str s;
};

struct All {
  int64_t i;
  double f;
  uint8_t b;
  sfn_str s;
  sfn_str by;
  int64_t t;
  int64_t d;
  sfn_list li;  // list<int>
  sfn_list ls;  // list<string>
  sfn_map m;    // map<string, int>
  abi::Optional<int64_t> oi;
  Inner* om;  // Inner?
  Inner in;
  int32_t e;    // enum Color { RED, GREEN, BLUE }
  sfn_str r;    // ref<Counter>
  sfn_list ll;  // list<list<int>>
  abi::Optional<sfn_str> os;
  sfn_map mb;  // map<int, bool>
};

extern const sfn_message_desc kInnerDesc;
extern const sfn_message_desc kAllDesc;
extern const sfn_type kAllType;
extern const sfn_type kInnerType;
extern const sfn_type kListInt;
extern const sfn_type kListStr;
extern const sfn_type kMapStrInt;

// The module entry (linked, not dlopen'ed).
const sfn_module* test_module_entry(const sfn_services* services);

// Message type ids of the module.
enum : uint32_t { kMsgAll, kMsgInner, kMsgStart, kMsgStop, kMsgTick, kMsgSet, kMsgGet, kMsgOut };

}  // namespace sfn::test
