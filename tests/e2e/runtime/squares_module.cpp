// A two-function request/reply program, hand-written against the module ABI:
//
//   message Ask { n: int; delay: duration; }
//   message Request { n: int; reply_to: ref<Client>; }
//   message Reply { n: int; square: int; served: int; }
//   message Result { client: string; n: int; square: int; served: int; }
//   ingress asks(a: Ask) -> Client("c${a.n % 2}");   egress results: Result;
//   function Client(name: string) {
//     on Ask(a) { let r = Request { n: a.n, reply_to: self };
//                 if (a.delay > 0s) { send r to Server(a.n % 3) after a.delay; } else { send r to Server(a.n % 3); } }
//     on Reply(r) { emit Result { client: name, n: r.n, square: r.square, served: r.served } to results; }
//   }
//   function Server(id: int) {
//     state served: int = 0;
//     on Request(q) { served += 1; if (q.n < 0) { fail "negative request"; }
//                     send Reply { n: q.n, square: q.n * q.n, served: served } to q.reply_to; }
//   }
#include <cstddef>
#include <string>

#include "sfn/abi_cpp.h"

namespace {

using namespace sfn::abi;

struct Ask {
  int64_t n;
  int64_t delay;
};
struct Request {
  int64_t n;
  sfn_str reply_to;
};
struct Reply {
  int64_t n;
  int64_t square;
  int64_t served;
};
struct Result {
  sfn_str client;
  int64_t n;
  int64_t square;
  int64_t served;
};

const sfn_type kClientRef{SFN_REF, nullptr, nullptr, nullptr, nullptr, "example.squares/Client"};

const sfn_field_desc kAskFields[] = {{"n", 1, offsetof(Ask, n), &kInt, SFN_FIELD_REQUIRED},
                                     {"delay", 2, offsetof(Ask, delay), &kDuration, 0}};
const sfn_field_desc kRequestFields[] = {{"n", 1, offsetof(Request, n), &kInt, SFN_FIELD_REQUIRED},
                                         {"reply_to", 2, offsetof(Request, reply_to), &kClientRef, SFN_FIELD_REQUIRED}};
const sfn_field_desc kReplyFields[] = {{"n", 1, offsetof(Reply, n), &kInt, SFN_FIELD_REQUIRED},
                                       {"square", 2, offsetof(Reply, square), &kInt, SFN_FIELD_REQUIRED},
                                       {"served", 3, offsetof(Reply, served), &kInt, SFN_FIELD_REQUIRED}};
const sfn_field_desc kResultFields[] = {{"client", 1, offsetof(Result, client), &kString, SFN_FIELD_REQUIRED},
                                        {"n", 2, offsetof(Result, n), &kInt, SFN_FIELD_REQUIRED},
                                        {"square", 3, offsetof(Result, square), &kInt, SFN_FIELD_REQUIRED},
                                        {"served", 4, offsetof(Result, served), &kInt, SFN_FIELD_REQUIRED}};
const sfn_message_desc kAsk{"Ask", "example.squares.Ask", sizeof(Ask), alignof(Ask), 2, kAskFields, nullptr};
const sfn_message_desc kRequest{
    "Request", "example.squares.Request", sizeof(Request), alignof(Request), 2, kRequestFields, nullptr};
const sfn_message_desc kReply{"Reply", "example.squares.Reply", sizeof(Reply), alignof(Reply), 3, kReplyFields,
                              nullptr};
const sfn_message_desc kResult{"Result", "example.squares.Result", sizeof(Result), alignof(Result), 4, kResultFields,
                               nullptr};
const sfn_message_desc* const kMessages[] = {&kAsk, &kRequest, &kReply, &kResult};
enum : uint32_t { kAskId, kRequestId, kReplyId, kResultId };
constexpr sfn_type kRequestType = message_type(&kRequest);
constexpr sfn_type kReplyType = message_type(&kReply);
constexpr sfn_type kResultType = message_type(&kResult);

const sfn_loc kFailLoc{"squares.sfn", 15, 36};
const sfn_loc kMulLoc{"squares.sfn", 16, 55};

void client_on_ask(Ctx& c, const Ask& a) {
  Request r{};
  r.n = a.n;
  svc().value_copy(&kString, &r.reply_to, &c.self());
  Str server;
  svc().ref_int("example.squares/Server", a.n % 3, &server.s);
  if (a.delay > 0) {
    Str timer;
    c.send_after(server.s, kRequestId, r, a.delay, timer.s);
  } else {
    c.send(server.s, kRequestId, r);
  }
  destroy(kRequestType, &r);
}

void client_on_reply(Ctx& c, const Reply& r) {
  Result out{};
  assign(out.client, c.key_str());
  out.n = r.n;
  out.square = r.square;
  out.served = r.served;
  c.emit(0, out);
  destroy(kResultType, &out);
}

void server_on_request(Ctx& c, const Request& q) {
  int64_t& served = c.mut<int64_t>(0);
  served += 1;
  if (q.n < 0) c.raise("negative request", kFailLoc);
  Reply r{};
  r.n = q.n;
  if (__builtin_mul_overflow(q.n, q.n, &r.square)) c.raise("integer overflow", kMulLoc);
  r.served = served;
  c.send(q.reply_to, kReplyId, r);
  destroy(kReplyType, &r);
}

void route_asks(Ctx&, const Ask& a, sfn_str& out) {
  Str key("c" + std::to_string(a.n % 2));
  svc().ref_str("example.squares/Client", &key.s, &out);
}

const sfn_handler_desc kClientHandlers[] = {{kAskId, handler_entry<Ask, client_on_ask>},
                                            {kReplyId, handler_entry<Reply, client_on_reply>}};
const sfn_state_desc kServerStates[] = {{"served", &kInt, nullptr, SFN_EXPIRE_NONE, 0}};
const sfn_handler_desc kServerHandlers[] = {{kRequestId, handler_entry<Request, server_on_request>}};
const sfn_function_desc kFunctions[] = {{"example.squares/Client", SFN_STRING, 0, nullptr, 2, kClientHandlers},
                                        {"example.squares/Server", SFN_INT, 1, kServerStates, 1, kServerHandlers}};
const sfn_ingress_desc kIngresses[] = {{"asks", kAskId, route_entry<Ask, route_asks>}};
const sfn_egress_desc kEgresses[] = {{"results", kResultId}};
const sfn_module kModule{
    SFN_ABI_VERSION, "example.squares", "squares-1", 4, kMessages, 0, nullptr, 2, kFunctions, 1, kIngresses, 1,
    kEgresses};

}  // namespace

SFN_DEFINE_MODULE_ENTRY(kModule)
