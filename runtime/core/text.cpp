// Text forms of values (see text.h). Calendar arithmetic uses Howard Hinnant's days/civil
// algorithms, exact over the whole int64 nanosecond range; no locale or libc time calls.
#include "runtime/core/text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "runtime/core/value.h"

namespace sfn::runtime::core {
namespace {

constexpr int64_t kNsPerSec = 1'000'000'000;

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// a - floor_div(a, b) * b for b > 0, without the product (which overflows near INT64_MIN).
int64_t floor_mod(int64_t a, int64_t b) {
  int64_t r = a % b;
  return r < 0 ? r + b : r;
}

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void append_padded(std::string& out, int64_t v, int width) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v < 0 ? -v : v);
  if (v < 0) out.push_back('-');
  for (int n = static_cast<int>(r.ptr - buf); n < width; ++n) out.push_back('0');
  out.append(buf, r.ptr);
}

// Appends "int[.frac]" of value/unit with trailing zeros of the fraction removed.
void append_scaled(std::string& out, uint64_t value, uint64_t unit) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value / unit);
  out.append(buf, r.ptr);
  uint64_t frac = value % unit;
  if (frac == 0) return;
  int digits = 0;
  for (uint64_t u = unit; u > 1; u /= 10) ++digits;
  std::string f(digits, '0');
  for (int i = digits - 1; i >= 0; --i, frac /= 10) f[i] = static_cast<char>('0' + frac % 10);
  while (!f.empty() && f.back() == '0') f.pop_back();
  out.push_back('.');
  out += f;
}

bool read_digits(std::string_view s, size_t& i, int n, int* out) {
  int v = 0;
  for (int k = 0; k < n; ++k, ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool expect(std::string_view s, size_t& i, char c) {
  if (i < s.size() && s[i] == c) {
    ++i;
    return true;
  }
  return false;
}

const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

}  // namespace

void append_float(std::string& out, double x) {
  if (std::isnan(x)) {
    out += "nan";
    return;
  }
  if (std::isinf(x)) {
    out += x < 0 ? "-inf" : "inf";
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  std::string_view text(buf, r.ptr - buf);
  out += text;
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_time(std::string& out, int64_t t) {
  int64_t secs = floor_div(t, kNsPerSec);
  int64_t nanos = floor_mod(t, kNsPerSec);
  int64_t days = floor_div(secs, 86400);
  int64_t sod = floor_mod(secs, 86400);
  int64_t y;
  unsigned m, d;
  civil_from_days(days, &y, &m, &d);
  append_padded(out, y, 4);
  out.push_back('-');
  append_padded(out, m, 2);
  out.push_back('-');
  append_padded(out, d, 2);
  out.push_back('T');
  append_padded(out, sod / 3600, 2);
  out.push_back(':');
  append_padded(out, sod / 60 % 60, 2);
  out.push_back(':');
  append_padded(out, sod % 60, 2);
  if (nanos) {
    std::string f(9, '0');
    for (int i = 8; i >= 0; --i, nanos /= 10) f[i] = static_cast<char>('0' + nanos % 10);
    while (f.back() == '0') f.pop_back();
    out.push_back('.');
    out += f;
  }
  out.push_back('Z');
}

bool parse_time(std::string_view s, int64_t* out) {
  size_t i = 0;
  int y, mo, d, h, mi, se;
  if (!read_digits(s, i, 4, &y) || !expect(s, i, '-') || !read_digits(s, i, 2, &mo) || !expect(s, i, '-') ||
      !read_digits(s, i, 2, &d))
    return false;
  if (!(expect(s, i, 'T') || expect(s, i, 't') || expect(s, i, ' '))) return false;
  if (!read_digits(s, i, 2, &h) || !expect(s, i, ':') || !read_digits(s, i, 2, &mi) || !expect(s, i, ':') ||
      !read_digits(s, i, 2, &se))
    return false;
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || se > 59) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return false;
  int64_t nanos = 0;
  if (expect(s, i, '.')) {
    int digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 9) nanos = nanos * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return false;
    for (int k = digits; k < 9; ++k) nanos *= 10;
  }
  int64_t offset = 0;
  if (expect(s, i, 'Z') || expect(s, i, 'z')) {
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int sign = s[i] == '-' ? -1 : 1;
    ++i;
    int oh, om;
    if (!read_digits(s, i, 2, &oh) || !expect(s, i, ':') || !read_digits(s, i, 2, &om) || oh > 23 || om > 59)
      return false;
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return false;
  }
  if (i != s.size()) return false;
  int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
  if (secs < 0 && nanos > 0) {  // keeps the product in range for times near the earliest one
    secs += 1;
    nanos -= kNsPerSec;
  }
  int64_t ns;
  if (__builtin_mul_overflow(secs, kNsPerSec, &ns) || __builtin_add_overflow(ns, nanos, &ns)) return false;
  *out = ns;
  return true;
}

void append_duration(std::string& out, int64_t ns) {
  if (ns == 0) {
    out += "0s";
    return;
  }
  uint64_t u = ns < 0 ? 0 - static_cast<uint64_t>(ns) : static_cast<uint64_t>(ns);
  if (ns < 0) out.push_back('-');
  if (u < 1000) {
    append_scaled(out, u, 1);
    out += "ns";
    return;
  }
  if (u < 1'000'000) {
    append_scaled(out, u, 1000);
    out += "us";
    return;
  }
  if (u < 1'000'000'000) {
    append_scaled(out, u, 1'000'000);
    out += "ms";
    return;
  }
  const uint64_t hour = 3600ull * kNsPerSec, minute = 60ull * kNsPerSec;
  if (u >= hour) {
    append_scaled(out, u / hour, 1);
    out.push_back('h');
    u %= hour;
  }
  if (u >= minute) {
    append_scaled(out, u / minute, 1);
    out.push_back('m');
    u %= minute;
  }
  if (u) {
    append_scaled(out, u, kNsPerSec);
    out.push_back('s');
  }
}

bool parse_duration(std::string_view s, int64_t* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (s.substr(i) == "0") {
    *out = 0;
    return true;
  }
  if (i >= s.size()) return false;
  __int128 total = 0;
  while (i < s.size()) {
    __int128 whole = 0, frac = 0, scale = 1;
    bool any = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      whole = whole * 10 + (s[i++] - '0');
      any = true;
      if (whole > (static_cast<__int128>(1) << 70)) return false;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (scale < 1'000'000'000'000'000'000) {
          frac = frac * 10 + (s[i] - '0');
          scale *= 10;
        }
        ++i;
        any = true;
      }
    }
    if (!any) return false;
    int64_t unit;
    std::string_view rest = s.substr(i);
    if (rest.starts_with("ns"))
      unit = 1, i += 2;
    else if (rest.starts_with("us"))
      unit = 1000, i += 2;
    else if (rest.starts_with("\xC2\xB5s"))
      unit = 1000, i += 3;
    else if (rest.starts_with("ms"))
      unit = 1'000'000, i += 2;
    else if (rest.starts_with("s"))
      unit = kNsPerSec, i += 1;
    else if (rest.starts_with("m"))
      unit = 60 * kNsPerSec, i += 1;
    else if (rest.starts_with("h"))
      unit = 3600 * kNsPerSec, i += 1;
    else if (rest.starts_with("d"))
      unit = 86400 * kNsPerSec, i += 1;
    else
      return false;
    total += whole * unit + frac * unit / scale;
    // A negative duration reaches INT64_MIN (what append_duration prints for it reads back).
    if (total > static_cast<__int128>(INT64_MAX) + (neg ? 1 : 0)) return false;
  }
  if (neg) total = -total;
  *out = static_cast<int64_t>(total);
  return true;
}

void append_base64(std::string& out, std::string_view b) {
  size_t i = 0;
  for (; i + 2 < b.size(); i += 3) {
    uint32_t v = (uint8_t(b[i]) << 16) | (uint8_t(b[i + 1]) << 8) | uint8_t(b[i + 2]);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == b.size()) {
    uint32_t v = uint8_t(b[i]) << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == b.size()) {
    uint32_t v = (uint8_t(b[i]) << 16) | (uint8_t(b[i + 1]) << 8);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
}

bool parse_base64(std::string_view t, std::string* out) {
  out->clear();
  if (t.size() % 4 != 0) return false;
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  for (size_t i = 0; i < t.size(); i += 4) {
    int pad = 0;
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = t[i + k];
      if (c == '=' && i + 4 == t.size() && k >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      int x = val(c);
      if (x < 0 || pad) return false;
      v = (v << 6) | x;
    }
    out->push_back(static_cast<char>(v >> 16));
    if (pad < 2) out->push_back(static_cast<char>((v >> 8) & 255));
    if (pad < 1) out->push_back(static_cast<char>(v & 255));
  }
  return true;
}

void append_json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          static const char hex[] = "0123456789abcdef";
          out += "\\u00";
          out += hex[(c >> 4) & 15];
          out += hex[c & 15];
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

namespace {
// The length of the well-formed UTF-8 sequence at s[i], or 0 when there is none.
size_t utf8_sequence(std::string_view s, size_t i) {
  unsigned char c = s[i];
  if (c < 0x80) return 1;
  size_t len;
  uint32_t cp;
  if ((c & 0xE0) == 0xC0)
    len = 2, cp = c & 0x1F;
  else if ((c & 0xF0) == 0xE0)
    len = 3, cp = c & 0x0F;
  else if ((c & 0xF8) == 0xF0)
    len = 4, cp = c & 0x07;
  else
    return 0;
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = s[i + k];
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}
}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0, len; i < s.size(); i += len)
    if ((len = utf8_sequence(s, i)) == 0) return false;
  return true;
}

std::string valid_utf8(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

// Empty (no address: the zero value of a ref) or "pkg/Type/key" with a package and a type.
bool is_address_text(std::string_view s) {
  if (s.empty()) return true;
  size_t a = s.find('/');
  size_t b = a == std::string_view::npos ? a : s.find('/', a + 1);
  return a != 0 && b != std::string_view::npos && b != a + 1;
}

namespace {
// One formatter per kind of composite value (append_formatted dispatches); `nested` values
// inside them are quoted.
void append_formatted_text(std::string& out, std::string_view s, bool nested) {
  if (nested)
    append_json_string(out, s);
  else
    out += s;
}

void append_formatted_enum(std::string& out, const sfn_enum_desc* e, int32_t i) {
  out += e->name;
  out.push_back('.');
  if (i >= 0 && static_cast<uint32_t>(i) < e->value_count)
    out += e->values[i];
  else
    append_int(out, i);
}

void append_formatted_list(std::string& out, const sfn_type* t, const sfn_list* l) {
  uint32_t stride = list_stride(t->elem);
  out.push_back('[');
  for (uint64_t i = 0; i < l->len; ++i) {
    if (i) out += ", ";
    append_formatted(out, t->elem, static_cast<const char*>(l->data) + i * stride, true);
  }
  out.push_back(']');
}

void append_formatted_map(std::string& out, const sfn_type* t, const sfn_map* m) {
  MapEntryLayout el = map_entry_layout(t->key, t->elem);
  out.push_back('{');
  for (uint64_t i = 0; i < m->len; ++i) {
    if (i) out += ", ";
    const char* e = static_cast<const char*>(m->data) + i * el.size;
    append_formatted(out, t->key, e, true);
    out += ": ";
    append_formatted(out, t->elem, e + el.value_offset, true);
  }
  out.push_back('}');
}

void append_formatted_optional(std::string& out, const sfn_type* t, const void* v, bool nested) {
  if (t->elem->kind == SFN_MESSAGE) {
    const void* p = *static_cast<void* const*>(v);
    if (!p)
      out += "none";
    else
      append_formatted(out, t->elem, p, nested);
    return;
  }
  if (!*static_cast<const uint8_t*>(v))
    out += "none";
  else
    append_formatted(out, t->elem, static_cast<const char*>(v) + optional_value_offset(t->elem), nested);
}

void append_formatted_message(std::string& out, const sfn_message_desc* d, const void* v) {
  out += d->name;
  out.push_back('{');
  for (uint32_t i = 0; i < d->field_count; ++i) {
    if (i) out += ", ";
    out += d->fields[i].name;
    out += ": ";
    append_formatted(out, d->fields[i].type, static_cast<const char*>(v) + d->fields[i].offset, true);
  }
  out.push_back('}');
}
}  // namespace

void append_formatted(std::string& out, const sfn_type* t, const void* v, bool nested) {
  switch (t->kind) {
    case SFN_INT:
      append_int(out, *static_cast<const int64_t*>(v));
      return;
    case SFN_FLOAT:
      append_float(out, *static_cast<const double*>(v));
      return;
    case SFN_BOOL:
      out += *static_cast<const uint8_t*>(v) ? "true" : "false";
      return;
    case SFN_STRING:
      append_formatted_text(out, str_view(*static_cast<const sfn_str*>(v)), nested);
      return;
    case SFN_BYTES: {
      std::string b64;
      append_base64(b64, str_view(*static_cast<const sfn_str*>(v)));
      append_formatted_text(out, b64, nested);
      return;
    }
    case SFN_REF:
    case SFN_TIMER:
      out += str_view(*static_cast<const sfn_str*>(v));
      return;
    case SFN_TIME:
      append_time(out, *static_cast<const int64_t*>(v));
      return;
    case SFN_DURATION:
      append_duration(out, *static_cast<const int64_t*>(v));
      return;
    case SFN_ENUM:
      append_formatted_enum(out, t->enumeration, *static_cast<const int32_t*>(v));
      return;
    case SFN_LIST:
      append_formatted_list(out, t, static_cast<const sfn_list*>(v));
      return;
    case SFN_MAP:
      append_formatted_map(out, t, static_cast<const sfn_map*>(v));
      return;
    case SFN_OPTIONAL:
      append_formatted_optional(out, t, v, nested);
      return;
    case SFN_MESSAGE:
      append_formatted_message(out, t->message, v);
      return;
    default:
      out += "?";
      return;
  }
}

}  // namespace sfn::runtime::core
