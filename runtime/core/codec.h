// Schema-driven codecs of messages in the ABI layout: Protobuf wire format (through libprotobuf's
// coded streams; no generated classes) and the JSON of LANGUAGE.md §10. Decoders never trust
// their input: any malformed, truncated, out-of-range or ill-typed data yields an error Status
// naming the field and the problem, and leaves the destination a valid (default) value.
//
// Protobuf mapping (LANGUAGE.md §5): int/time/duration int64 varint; float double (fixed64);
// bool/enum varint; string/bytes/ref/timer length-delimited; nested message length-delimited;
// list<scalar number> packed (unpacked accepted); map<K,V> repeated entry messages {1: K, 2: V};
// T? written when present (proto3 `optional`). A list element, map value or optional whose type
// is itself a list, map or optional is wrapped in a message with the value as field 1.
// Presence (decision 014): a field whose default is its type's natural value (0, +0.0, false,
// "", [], {}, none, a message of such) is omitted when it holds that value; a field with
// SFN_FIELD_EXPLICIT is always written (a list, map or optional one inside its wrapper), so a
// missing field always decodes to the default and an explicit 0 stays 0.
#pragma once

#include <string>
#include <string_view>

#include "common/limits.h"
#include "sfn/abi.h"
#include "sfn/runtime.h"

namespace sfn::runtime::core {

// Appends the Protobuf encoding of `msg` (a message of `desc`) to `out`.
void encode_proto(const sfn_message_desc* desc, const void* msg, std::string& out);
// What a decoder does with a string (or ref, timer) that is not well-formed UTF-8 (decision
// 111): records from outside are refused; what the runtime stored itself (state, messages in
// flight, timers, the ingress log) is read with each ill-formed byte replaced by U+FFFD, so no
// stored value can make an instance or a run unreadable.
enum class BadUtf8 { refuse, repair };
// Decodes `bytes` into `msg`, which must hold a valid value (it is reset to the default
// first). Unknown fields are skipped (forward compatibility).
Status decode_proto(const sfn_message_desc* desc, std::string_view bytes, void* msg,
                    BadUtf8 bad_utf8 = BadUtf8::refuse);

// Any value as a wrapper message {1: value} (state values, timers): encode / decode. The
// destination of decode_value must hold a valid value of `type`; it is replaced. Its strings
// are read with BadUtf8::repair (state is what the runtime stored).
void encode_value(const sfn_type* type, const void* value, std::string& out);
Status decode_value(const sfn_type* type, std::string_view bytes, void* value);

// Appends `msg` as one JSON object (declared field order; `none` fields omitted, except `null`
// for an optional field whose default is not none).
void encode_json(const sfn_message_desc* desc, const void* msg, std::string& out);
// Appends any value as JSON.
void append_json_value(std::string& out, const sfn_type* type, const void* value);
// Value depth (common/limits.h): a message, list, map or optional opens one level of nesting;
// both decoders refuse a value deeper than common::kMaxValueDepth with nesting_too_deep().
inline bool opens_level(const sfn_type* t) {
  return t->kind == SFN_MESSAGE || t->kind == SFN_LIST || t->kind == SFN_MAP || t->kind == SFN_OPTIONAL;
}
inline std::string nesting_too_deep() {
  return "nesting too deep: more than " + std::to_string(common::kMaxValueDepth) + " levels";
}
// JSON text nested deeper than this (objects and arrays) is refused before it is parsed. A value
// never nests deeper in JSON than its depth; the one level of slack lets the decoder name the
// field path of a record just one level too deep. Whether `text` stays within `max_depth` is a
// scan without parsing, so hostile nesting costs no recursion.
inline constexpr int kMaxJsonDepth = common::kMaxValueDepth + 1;
bool json_nesting_within(std::string_view text, int max_depth);
// Parses `text` as a JSON object of `desc` into `msg` (a valid value, reset first). Unknown
// fields, missing required fields (SFN_FIELD_REQUIRED) and ill-typed values are errors.
Status decode_json(const sfn_message_desc* desc, std::string_view text, void* msg);

}  // namespace sfn::runtime::core
