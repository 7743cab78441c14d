// The unit tests' module (see test_module.h). Written like generated code: C structs with
// descriptors recording their layout, handlers through sfn::abi wrappers.
#include "test_module.h"

#include <cstddef>
#include <string>

namespace sfn::test {
namespace {

using namespace sfn::abi;

const char* const kColors[] = {"RED", "GREEN", "BLUE"};
const sfn_enum_desc kColor{"Color", 3, kColors};
const sfn_type kColorType{SFN_ENUM, nullptr, nullptr, nullptr, &kColor, nullptr};
const sfn_type kOptInt{SFN_OPTIONAL, &kInt, nullptr, nullptr, nullptr, nullptr};
const sfn_type kOptStr{SFN_OPTIONAL, &kString, nullptr, nullptr, nullptr, nullptr};
const sfn_type kOptInner{SFN_OPTIONAL, &kInnerType, nullptr, nullptr, nullptr, nullptr};
const sfn_type kRef{SFN_REF, nullptr, nullptr, nullptr, nullptr, "test.rt/Counter"};
const sfn_type kListListInt{SFN_LIST, &kListInt, nullptr, nullptr, nullptr, nullptr};
const sfn_type kMapIntBool{SFN_MAP, &kBool, &kInt, nullptr, nullptr, nullptr};
const sfn_type kOptTimer{SFN_OPTIONAL, &kTimer, nullptr, nullptr, nullptr, nullptr};

const sfn_field_desc kInnerFields[] = {{"x", 1, offsetof(Inner, x), &kInt, 0},
                                       {"s", 2, offsetof(Inner, s), &kString, 0}};

const sfn_field_desc kAllFields[] = {
    {"i", 1, offsetof(All, i), &kInt, 0},          {"f", 2, offsetof(All, f), &kFloat, 0},
    {"b", 3, offsetof(All, b), &kBool, 0},         {"s", 4, offsetof(All, s), &kString, 0},
    {"by", 5, offsetof(All, by), &kBytes, 0},      {"t", 6, offsetof(All, t), &kTime, 0},
    {"d", 7, offsetof(All, d), &kDuration, 0},     {"li", 8, offsetof(All, li), &kListInt, 0},
    {"ls", 9, offsetof(All, ls), &kListStr, 0},    {"m", 10, offsetof(All, m), &kMapStrInt, 0},
    {"oi", 11, offsetof(All, oi), &kOptInt, 0},    {"om", 12, offsetof(All, om), &kOptInner, 0},
    {"in", 13, offsetof(All, in), &kInnerType, 0}, {"e", 14, offsetof(All, e), &kColorType, 0},
    {"r", 15, offsetof(All, r), &kRef, 0},         {"ll", 16, offsetof(All, ll), &kListListInt, 0},
    {"os", 17, offsetof(All, os), &kOptStr, 0},    {"mb", 18, offsetof(All, mb), &kMapIntBool, 0}};

struct Start {
  sfn_str key;
  int64_t delay;
};
struct Stop {
  sfn_str key;
};
struct Tick {
  int64_t unused;
};
struct Set {
  int64_t key;
  int64_t v;
};
struct Get {
  int64_t key;
};
struct Out {
  sfn_str text;
};

const sfn_field_desc kStartFields[] = {{"key", 1, offsetof(Start, key), &kString, SFN_FIELD_REQUIRED},
                                       {"delay", 2, offsetof(Start, delay), &kDuration, SFN_FIELD_REQUIRED}};
const sfn_field_desc kStopFields[] = {{"key", 1, offsetof(Stop, key), &kString, SFN_FIELD_REQUIRED}};
const sfn_field_desc kSetFields[] = {{"key", 1, offsetof(Set, key), &kInt, SFN_FIELD_REQUIRED},
                                     {"v", 2, offsetof(Set, v), &kInt, SFN_FIELD_REQUIRED}};
const sfn_field_desc kGetFields[] = {{"key", 1, offsetof(Get, key), &kInt, SFN_FIELD_REQUIRED}};
const sfn_field_desc kOutFields[] = {{"text", 1, offsetof(Out, text), &kString, SFN_FIELD_REQUIRED}};

const sfn_message_desc kStartDesc{"Start", "test.rt.Start", sizeof(Start), alignof(Start), 2, kStartFields, nullptr};
const sfn_message_desc kStopDesc{"Stop", "test.rt.Stop", sizeof(Stop), alignof(Stop), 1, kStopFields, nullptr};
const sfn_message_desc kTickDesc{"Tick", "test.rt.Tick", sizeof(Tick), alignof(Tick), 0, nullptr, nullptr};
const sfn_message_desc kSetDesc{"Set", "test.rt.Set", sizeof(Set), alignof(Set), 2, kSetFields, nullptr};
const sfn_message_desc kGetDesc{"Get", "test.rt.Get", sizeof(Get), alignof(Get), 1, kGetFields, nullptr};
const sfn_message_desc kOutDesc{"Out", "test.rt.Out", sizeof(Out), alignof(Out), 1, kOutFields, nullptr};
constexpr sfn_type kOutType = message_type(&kOutDesc);

const sfn_message_desc* const kMessages[] = {&kAllDesc,  &kInnerDesc, &kStartDesc, &kStopDesc,
                                             &kTickDesc, &kSetDesc,   &kGetDesc,   &kOutDesc};

void emit_text(Ctx& c, const std::string& text) {
  Out o{};
  assign(o.text, text);
  c.emit(0, o);
  destroy(kOutType, &o);
}

// function Clock(name: string) { state pending: timer?; on Start, Stop, Tick }
void clock_start(Ctx& c, const Start& s) {
  auto& pending = c.mut<Optional<sfn_str>>(0);
  Tick t{};
  pending.present = 1;
  c.send_after(c.self(), kMsgTick, t, s.delay, pending.value);
}
void clock_stop(Ctx& c, const Stop&) {
  const auto& pending = c.get<Optional<sfn_str>>(0);
  if (pending.present) c.cancel(pending.value);
}
void clock_tick(Ctx& c, const Tick&) {
  int64_t now = c.now();
  emit_text(c, "tick " + std::string(c.key_str()) + " at " + format(kTime, &now));
}

// function Counter(id: int) { state count: int; state note: string = "init";
//   state fresh: int expires 10m after write; state last: string expires 1h after call; }
void note_init(void* slot) { assign(*static_cast<sfn_str*>(slot), "init"); }
void counter_set(Ctx& c, const Set& s) {
  c.mut<int64_t>(0) = s.v;
  c.mut<int64_t>(2) = s.v;
  assign(c.mut<sfn_str>(3), "touched");
}
void counter_get(Ctx& c, const Get&) {
  emit_text(c, "count=" + format(kInt, &c.get<int64_t>(0)) + " fresh=" + format(kInt, &c.get<int64_t>(2)) +
                   " last=" + std::string(view(c.get<sfn_str>(3))));
}

void route_start(Ctx&, const Start& s, sfn_str& out) { svc().ref_str("test.rt/Clock", &s.key, &out); }
void route_stop(Ctx&, const Stop& s, sfn_str& out) { svc().ref_str("test.rt/Clock", &s.key, &out); }
void route_set(Ctx&, const Set& s, sfn_str& out) { svc().ref_int("test.rt/Counter", s.key, &out); }
void route_get(Ctx&, const Get& s, sfn_str& out) { svc().ref_int("test.rt/Counter", s.key, &out); }

const sfn_state_desc kClockStates[] = {{"pending", &kOptTimer, nullptr, SFN_EXPIRE_NONE, 0}};
const sfn_handler_desc kClockHandlers[] = {{kMsgStart, handler_entry<Start, clock_start>},
                                           {kMsgStop, handler_entry<Stop, clock_stop>},
                                           {kMsgTick, handler_entry<Tick, clock_tick>}};
constexpr int64_t kMinute = 60'000'000'000;
const sfn_state_desc kCounterStates[] = {{"count", &kInt, nullptr, SFN_EXPIRE_NONE, 0},
                                         {"note", &kString, note_init, SFN_EXPIRE_NONE, 0},
                                         {"fresh", &kInt, nullptr, SFN_EXPIRE_AFTER_WRITE, 10 * kMinute},
                                         {"last", &kString, nullptr, SFN_EXPIRE_AFTER_CALL, 60 * kMinute}};
const sfn_handler_desc kCounterHandlers[] = {{kMsgSet, handler_entry<Set, counter_set>},
                                             {kMsgGet, handler_entry<Get, counter_get>}};
const sfn_function_desc kFunctions[] = {{"test.rt/Clock", SFN_STRING, 1, kClockStates, 3, kClockHandlers},
                                        {"test.rt/Counter", SFN_INT, 4, kCounterStates, 2, kCounterHandlers}};
const sfn_ingress_desc kIngresses[] = {{"start", kMsgStart, route_entry<Start, route_start>},
                                       {"stop", kMsgStop, route_entry<Stop, route_stop>},
                                       {"set", kMsgSet, route_entry<Set, route_set>},
                                       {"get", kMsgGet, route_entry<Get, route_get>}};
const sfn_egress_desc kEgresses[] = {{"out", kMsgOut}};
const sfn_enum_desc* const kEnums[] = {&kColor};
const sfn_module kModule{SFN_ABI_VERSION, "test.rt", "test-1",   8, kMessages, 1, kEnums, 2,
                         kFunctions,      4,         kIngresses, 1, kEgresses};

}  // namespace

const sfn_type kInnerType{SFN_MESSAGE, nullptr, nullptr, &kInnerDesc, nullptr, nullptr};
const sfn_type kListInt{SFN_LIST, &abi::kInt, nullptr, nullptr, nullptr, nullptr};
const sfn_type kListStr{SFN_LIST, &abi::kString, nullptr, nullptr, nullptr, nullptr};
const sfn_type kMapStrInt{SFN_MAP, &abi::kInt, &abi::kString, nullptr, nullptr, nullptr};
const sfn_message_desc kInnerDesc{"Inner", "test.rt.Inner", sizeof(Inner), alignof(Inner), 2, kInnerFields, nullptr};
const sfn_message_desc kAllDesc{"All", "test.rt.All", sizeof(All), alignof(All), 18, kAllFields, nullptr};
const sfn_type kAllType{SFN_MESSAGE, nullptr, nullptr, &kAllDesc, nullptr, nullptr};

const sfn_module* test_module_entry(const sfn_services* services) {
  abi::g_services = services;
  return &kModule;
}

}  // namespace sfn::test
