// Unicode white space and simple case mapping over UTF-8 (unicode.h), with utf8proc.
#include "runtime/core/unicode.h"

#include <utf8proc.h>

namespace sfn::runtime::core {
namespace {

// The code point at the start of `s` and its length in bytes; {-1, 1} for a byte that does not
// start a well-formed sequence.
struct Decoded {
  utf8proc_int32_t cp;
  std::size_t len;
};
Decoded decode(std::string_view s) {
  utf8proc_int32_t cp = -1;
  auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(s.data()),
                            static_cast<utf8proc_ssize_t>(s.size()), &cp);
  if (n <= 0) return {-1, 1};
  return {cp, static_cast<std::size_t>(n)};
}

// The length of the code point that ends `s` (at most 4 bytes back), or 1.
std::size_t last_length(std::string_view s) {
  std::size_t start = s.size() - 1;
  while (start > 0 && s.size() - start < 4 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
  Decoded d = decode(s.substr(start));
  return d.cp >= 0 && start + d.len == s.size() ? d.len : 1;
}

template <class Map>
std::string map_code_points(std::string_view s, Map map) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    Decoded d = decode(s);
    if (d.cp < 0) {
      out.push_back(s.front());
    } else {
      utf8proc_uint8_t buf[4];
      auto n = utf8proc_encode_char(map(d.cp), buf);
      out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(n));
    }
    s.remove_prefix(d.len);
  }
  return out;
}

}  // namespace

bool is_unicode_space(int cp) {
  // White_Space (PropList.txt) is the separators Zs, Zl, Zp plus the controls TAB..CR and NEL.
  if ((cp >= 0x09 && cp <= 0x0D) || cp == 0x85) return true;
  if (cp < 0 || !utf8proc_codepoint_valid(cp)) return false;
  auto c = utf8proc_category(cp);
  return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

std::string_view trim_unicode_space(std::string_view s) {
  while (!s.empty()) {
    Decoded d = decode(s);
    if (!is_unicode_space(d.cp)) break;
    s.remove_prefix(d.len);
  }
  while (!s.empty()) {
    std::size_t n = last_length(s);
    if (!is_unicode_space(decode(s.substr(s.size() - n)).cp)) break;
    s.remove_suffix(n);
  }
  return s;
}

std::string to_upper_simple(std::string_view s) { return map_code_points(s, utf8proc_toupper); }
std::string to_lower_simple(std::string_view s) { return map_code_points(s, utf8proc_tolower); }

}  // namespace sfn::runtime::core
