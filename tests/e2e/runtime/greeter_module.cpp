// The greeter of LANGUAGE.md §1, written by hand against the module ABI exactly as the C++
// backend will generate it:
//
//   message Greet { name: string; }   message Greeting { text: string; }
//   ingress greets(g: Greet) -> Greeter(g.name);   egress greetings: Greeting;
//   function Greeter(name: string) {
//     state seen: int = 0;
//     on Greet(g) { seen += 1; emit Greeting { text: "Hello ${name}, you are visitor #${seen}!" } to greetings; }
//   }
#include <cstddef>
#include <string>

#include "sfn/abi_cpp.h"

namespace {

using namespace sfn::abi;

struct Greet {
  sfn_str name;
};
struct Greeting {
  sfn_str text;
};

const sfn_field_desc kGreetFields[] = {{"name", 1, offsetof(Greet, name), &kString, SFN_FIELD_REQUIRED}};
const sfn_message_desc kGreet{"Greet", "example.greeter.Greet", sizeof(Greet), alignof(Greet), 1, kGreetFields,
                              nullptr};
const sfn_field_desc kGreetingFields[] = {{"text", 1, offsetof(Greeting, text), &kString, SFN_FIELD_REQUIRED}};
const sfn_message_desc kGreeting{
    "Greeting", "example.greeter.Greeting", sizeof(Greeting), alignof(Greeting), 1, kGreetingFields, nullptr};
const sfn_message_desc* const kMessages[] = {&kGreet, &kGreeting};
constexpr sfn_type kGreetingType = message_type(&kGreeting);

const sfn_loc kSeenLoc{"greeter.sfn", 20, 5};

void on_greet(Ctx& c, const Greet&) {
  int64_t& seen = c.mut<int64_t>(0);
  if (__builtin_add_overflow(seen, 1, &seen)) c.raise("integer overflow", kSeenLoc);
  Greeting out{};
  assign(out.text, "Hello " + std::string(c.key_str()) + ", you are visitor #" + format(kInt, &seen) + "!");
  c.emit(0, out);
  destroy(kGreetingType, &out);
}

void route_greets(Ctx&, const Greet& g, sfn_str& out) { svc().ref_str("example.greeter/Greeter", &g.name, &out); }

const sfn_state_desc kStates[] = {{"seen", &kInt, nullptr, SFN_EXPIRE_NONE, 0}};
const sfn_handler_desc kHandlers[] = {{0, handler_entry<Greet, on_greet>}};
const sfn_function_desc kFunctions[] = {{"example.greeter/Greeter", SFN_STRING, 1, kStates, 1, kHandlers}};
const sfn_ingress_desc kIngresses[] = {{"greets", 0, route_entry<Greet, route_greets>}};
const sfn_egress_desc kEgresses[] = {{"greetings", 1}};
const sfn_module kModule{
    SFN_ABI_VERSION, "example.greeter", "greeter-1", 2, kMessages, 0, nullptr, 1, kFunctions, 1, kIngresses, 1,
    kEgresses};

}  // namespace

SFN_DEFINE_MODULE_ENTRY(kModule)
