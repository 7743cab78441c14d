// std.strings (stdlib/std/strings.sfn): joining, repeating, padding, parsing and searching
// UTF-8 strings. Offsets are in bytes unless the contract says code points.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>

#include "sfn_std.h"

namespace sfn::stdlib {

namespace {
std::string_view sv(const sfn_str& s) { return abi::view(s); }
// out := text; returns SFN_OK, so a std fn can end with `return put(out, text);`.
int put(sfn_str& out, std::string_view text) {
  abi::svc().str_assign(&out, text.data(), text.size());
  return SFN_OK;
}
// Code points are counted and found by their first bytes (no memory per code point: a string
// near the memory budget must not need eight times its size to be counted or reversed).
bool starts_code_point(char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }
std::uint64_t code_point_count(std::string_view s) {
  std::uint64_t n = 0;
  for (char c : s) n += starts_code_point(c);
  return n;
}
// The byte offset of code point `k` of s (s.size() when s has k code points or fewer).
std::size_t code_point_offset(std::string_view s, std::uint64_t k) {
  for (std::size_t i = 0; i < s.size(); ++i)
    if (starts_code_point(s[i]) && k-- == 0) return i;
  return s.size();
}
// The largest string the std functions build (2 GiB): beyond it they raise instead of
// allocating until the process dies.
bool too_large(double bytes) { return bytes > 2147483648.0; }

// Appends `text` at `at`; returns the end.
char* append(char* at, std::string_view text) {
  if (!text.empty()) std::memcpy(at, text.data(), text.size());
  return at + text.size();
}

// out := b's result, or a raise at `l` when the memory budget refused its room.
int hand_over(Ctx& c, const sfn_loc& l, Built& b, sfn_str& out) {
  if (!b.ok()) return c.raised(kOverBudget, l);
  b.into(out);
  return SFN_OK;
}

int pad(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_str& s, std::int64_t width, const sfn_str& fill, bool left) {
  std::int64_t have = static_cast<std::int64_t>(code_point_count(sv(s)));
  if (width <= have) return put(out, sv(s));
  auto f = sv(fill);
  if (f.empty()) return c.raised(left ? "strings.pad_left: empty fill" : "strings.pad_right: empty fill", l);
  const std::uint64_t fill_count = code_point_count(f);
  const std::uint64_t need = static_cast<std::uint64_t>(width - have);
  if (too_large(static_cast<double>(need) * static_cast<double>(f.size()) / static_cast<double>(fill_count)))
    return c.raised(left ? "strings.pad_left: result too large" : "strings.pad_right: result too large", l);
  // `need` code points of the fill, repeated: whole fills, then the first `rest` code points.
  const std::uint64_t whole = need / fill_count, rest = need % fill_count;
  const std::string_view tail = f.substr(0, code_point_offset(f, rest));
  Built b(s.len + whole * f.size() + tail.size());
  if (!b.ok()) return hand_over(c, l, b, out);
  char* at = b.data();
  if (!left) at = append(at, sv(s));
  for (std::uint64_t i = 0; i < whole; ++i) at = append(at, f);
  at = append(at, tail);
  if (left) append(at, sv(s));
  return hand_over(c, l, b, out);
}
}  // namespace

int strings_join(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_list& xs, const sfn_str& sep) {
  const sfn_str* items = static_cast<const sfn_str*>(xs.data);
  std::uint64_t n = xs.len ? (xs.len - 1) * sep.len : 0;
  for (std::uint64_t i = 0; i < xs.len; ++i) n += items[i].len;
  Built b(n);
  if (!b.ok()) return hand_over(c, l, b, out);
  char* at = b.data();
  for (std::uint64_t i = 0; i < xs.len; ++i) {
    if (i) at = append(at, sv(sep));
    at = append(at, sv(items[i]));
  }
  return hand_over(c, l, b, out);
}

int strings_repeat(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_str& s, std::int64_t n) {
  if (n <= 0 || s.len == 0) return put(out, "");
  if (too_large(static_cast<double>(s.len) * static_cast<double>(n)))
    return c.raised("strings.repeat: result too large", l);
  const std::uint64_t size = s.len * static_cast<std::uint64_t>(n);
  Built b(size);
  if (!b.ok()) return hand_over(c, l, b, out);
  append(b.data(), sv(s));
  for (std::uint64_t done = s.len; done < size; done *= 2)  // doubling what is written
    std::memcpy(b.data() + done, b.data(), std::min(done, size - done));
  return hand_over(c, l, b, out);
}

int strings_pad_left(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_str& s, std::int64_t width,
                     const sfn_str& fill) {
  return pad(c, l, out, s, width, fill, true);
}
int strings_pad_right(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_str& s, std::int64_t width,
                      const sfn_str& fill) {
  return pad(c, l, out, s, width, fill, false);
}

int strings_to_int(Ctx&, const sfn_loc&, IntOpt& out, const sfn_str& s) {
  out = IntOpt{};
  auto t = sv(s);
  std::size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) neg = t[i++] == '-';
  if (i == t.size()) return SFN_OK;
  std::uint64_t v = 0;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return SFN_OK;
    if (v > (UINT64_MAX - 9) / 10) return SFN_OK;
    v = v * 10 + static_cast<std::uint64_t>(t[i] - '0');
    if (v > 9223372036854775808ull) return SFN_OK;
  }
  if (!neg && v > 9223372036854775807ull) return SFN_OK;
  out.present = 1;
  out.value = neg ? static_cast<std::int64_t>(0 - v) : static_cast<std::int64_t>(v);
  return SFN_OK;
}

int strings_to_float(Ctx&, const sfn_loc&, FloatOpt& out, const sfn_str& s) {
  out = FloatOpt{};
  auto t = sv(s);
  std::size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i, ++digits;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i, ++digits;
  }
  if (digits == 0) return SFN_OK;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    std::size_t ed = 0;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i, ++ed;
    if (ed == 0) return SFN_OK;
  }
  if (i != t.size()) return SFN_OK;
  std::string text(t[0] == '+' ? t.substr(1) : t);
  double v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    // Too small gives 0 with the sign kept; too large is none.
    bool tiny = text.find_first_of("eE") != std::string::npos && text.find("e-") != std::string::npos;
    if (!tiny) tiny = text.find("E-") != std::string::npos;
    if (!tiny) return SFN_OK;
    v = text[0] == '-' ? -0.0 : 0.0;
  } else if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
    return SFN_OK;
  }
  out.present = 1;
  out.value = v;
  return SFN_OK;
}

int strings_index_of(Ctx&, const sfn_loc&, IntOpt& out, const sfn_str& s, const sfn_str& needle) {
  out = IntOpt{};
  auto pos = sv(s).find(sv(needle));
  if (pos == std::string_view::npos) return SFN_OK;
  out.present = 1;
  out.value = static_cast<std::int64_t>(pos);
  return SFN_OK;
}

int strings_last_index_of(Ctx&, const sfn_loc&, IntOpt& out, const sfn_str& s, const sfn_str& needle) {
  out = IntOpt{};
  auto pos = sv(s).rfind(sv(needle));
  if (pos == std::string_view::npos) return SFN_OK;
  out.present = 1;
  out.value = static_cast<std::int64_t>(pos);
  return SFN_OK;
}

int strings_char_count(Ctx&, const sfn_loc&, std::int64_t& out, const sfn_str& s) {
  out = static_cast<std::int64_t>(code_point_count(sv(s)));
  return SFN_OK;
}

int strings_reverse(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_str& s) {
  auto t = sv(s);
  Built b(t.size());
  if (!b.ok()) return hand_over(c, l, b, out);
  char* at = b.data();
  for (std::size_t end = t.size(); end > 0;) {
    std::size_t start = end - 1;
    while (start > 0 && !starts_code_point(t[start])) --start;
    at = append(at, t.substr(start, end - start));
    end = start;
  }
  return hand_over(c, l, b, out);
}

int strings_count(Ctx&, const sfn_loc&, std::int64_t& out, const sfn_str& s, const sfn_str& needle) {
  auto t = sv(s), n = sv(needle);
  if (n.empty()) {
    out = static_cast<std::int64_t>(code_point_count(t)) + 1;
    return SFN_OK;
  }
  std::int64_t count = 0;
  for (std::size_t pos = t.find(n); pos != std::string_view::npos; pos = t.find(n, pos + n.size())) ++count;
  out = count;
  return SFN_OK;
}

}  // namespace sfn::stdlib
