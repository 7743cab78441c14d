// Unicode text operations of the string methods (docs/language.md decision 17), on UTF-8 through
// utf8proc's character database: `trim()` removes Unicode white space, `upper()`/`lower()` map
// each code point with utf8proc's simple case mapping (one code point to one: "ß".upper() is
// "ẞ", U+1E9E).
// Bytes that are not well-formed UTF-8 are kept as they are (they never reach these: strings are
// valid UTF-8).
#pragma once

#include <string>
#include <string_view>

namespace sfn::runtime::core {

// True for a code point with the Unicode White_Space property.
bool is_unicode_space(int cp);
std::string_view trim_unicode_space(std::string_view s);
std::string to_upper_simple(std::string_view s);
std::string to_lower_simple(std::string_view s);

}  // namespace sfn::runtime::core
