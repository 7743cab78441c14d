// Shared by the codec fuzz targets: the message type an input picks (its first byte) among the
// runtime test module's messages (tests/unit/runtime_core/test_module.h: `All` has a field of
// every kind), and the checks every decoded message must pass.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runtime/core/codec.h"
#include "runtime/core/value.h"
#include "test_module.h"

namespace sfn::fuzz {

inline const sfn_message_desc* pick_message(std::uint8_t b) { return b % 2 ? &test::kInnerDesc : &test::kAllDesc; }

// A message of `desc`, owned.
struct OwnedMessage {
  explicit OwnedMessage(const sfn_message_desc* d) : desc(d), msg(runtime::core::message_new(d)) {}
  ~OwnedMessage() { runtime::core::message_delete(desc, msg); }
  OwnedMessage(const OwnedMessage&) = delete;
  OwnedMessage& operator=(const OwnedMessage&) = delete;
  const sfn_message_desc* desc;
  void* msg;
};

[[noreturn]] inline void finding(const char* what, std::string_view detail) {
  std::fprintf(stderr, "%s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// A decoded message encodes to Protobuf that decodes to the same bytes, and to JSON that
// decodes to the same JSON (JSON compares as text: a NaN's payload bits do not survive it).
inline void check_round_trips(const OwnedMessage& m) {
  using namespace runtime::core;
  std::string pb, json, again;
  encode_proto(m.desc, m.msg, pb);
  encode_json(m.desc, m.msg, json);
  OwnedMessage from_pb(m.desc), from_json(m.desc);
  if (Status s = decode_proto(m.desc, pb, from_pb.msg); !s) finding("own Protobuf refused", s.error().message);
  encode_proto(m.desc, from_pb.msg, again);
  if (again != pb) finding("Protobuf round trip differs", json);
  if (Status s = decode_json(m.desc, json, from_json.msg); !s) finding("own JSON refused", s.error().message);
  again.clear();
  encode_json(m.desc, from_json.msg, again);
  if (again != json) finding("JSON round trip differs", json + "\n" + again);
}

}  // namespace sfn::fuzz
