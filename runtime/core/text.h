// Text forms of values shared by `string(x)`, the JSON codec and the tools (LANGUAGE.md §10):
// shortest round-trip floats, RFC 3339 UTC times, compact durations ("1h30m", "250ms",
// "1.5s"), base64, JSON string quoting and UTF-8 validation, and the formatter of any value.
// Parsers return false (never throw) on malformed text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sfn/abi.h"

namespace sfn::runtime::core {

// Appends the shortest decimal text that reads back to `x`; always has a '.', an exponent or
// is "nan"/"inf"/"-inf" (so 3.0 prints "3.0", 1e20 prints "1e+20").
void append_float(std::string& out, double x);
// Appends `t` (ns since the Unix epoch) as RFC 3339 UTC with only the needed fraction digits.
void append_time(std::string& out, int64_t t);
// Parses RFC 3339 ("2026-11-23T19:30:00Z", "...T19:30:00.5+01:00"); false when malformed.
bool parse_time(std::string_view text, int64_t* out);
// Appends a duration: "0s", "1h30m", "1m30s", "1.5s", "250ms", "1.5us", "12ns", "-2s".
void append_duration(std::string& out, int64_t ns);
// Parses a sequence of number+unit pairs (units ns us µs ms s m h d; numbers may have a
// fraction; optional leading '-'), e.g. "1h30m", "1.5s", "250ms". False when malformed or out
// of range.
bool parse_duration(std::string_view text, int64_t* out);

// Standard base64 with padding.
void append_base64(std::string& out, std::string_view bytes);
bool parse_base64(std::string_view text, std::string* out);

// Appends `s` as a JSON string literal (quotes and escapes).
void append_json_string(std::string& out, std::string_view s);
// True when `s` is well-formed UTF-8.
bool is_valid_utf8(std::string_view s);
// `s` with every byte that is not part of well-formed UTF-8 replaced by U+FFFD (for error
// messages that quote input: they travel in Protobuf strings, which must be UTF-8).
std::string valid_utf8(std::string_view s);
// True for the text of a ref value both codecs accept: empty (no address, the zero value) or
// "pkg/Type/key" with a package and a type.
bool is_address_text(std::string_view s);

// Appends string(x) of a value per LANGUAGE.md §10. `nested` quotes strings (inside
// containers and messages).
void append_formatted(std::string& out, const sfn_type* type, const void* value, bool nested = false);

}  // namespace sfn::runtime::core
