// std.time (stdlib/std/time.sfn): UTC calendar arithmetic on `time` (ns since the epoch),
// strftime-like formatting and parsing. Calendar conversions use Howard Hinnant's
// days_from_civil / civil_from_days algorithms (proleptic Gregorian).
#include <string>

#include "sfn_std.h"

namespace sfn::stdlib {

namespace {
constexpr std::int64_t kNsPerSec = 1000000000;
constexpr std::int64_t kNsPerDay = 86400 * kNsPerSec;
const char* const kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
const char* const kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                               "July",    "August",   "September", "October", "November", "December"};

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}
struct Civil {
  std::int64_t y;
  unsigned m, d;
};
Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}
bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
unsigned days_in_month(std::int64_t y, unsigned m) {
  static const unsigned d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : d[m - 1];
}
std::string pad(std::int64_t v, int width) {
  std::string s = std::to_string(v < 0 ? -v : v);
  while (static_cast<int>(s.size()) < width) s = "0" + s;
  return v < 0 ? "-" + s : s;
}
int bad_directive(Ctx& c, const sfn_loc& l, char ch) {
  std::string msg = "time: invalid pattern directive %";
  if (ch) msg += ch;
  return c.raised(msg, l);
}
}  // namespace

int time_format(Ctx& c, const sfn_loc& l, sfn_str& out, std::int64_t t, const sfn_str& pattern) {
  std::int64_t days = floor_div(t, kNsPerDay);
  std::int64_t ns_of_day = t - days * kNsPerDay;
  Civil cv = civil_from_days(days);
  std::int64_t secs = ns_of_day / kNsPerSec, frac = ns_of_day % kNsPerSec;
  std::int64_t wd = ((days % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday (index 3 from Monday)
  std::string r;
  auto p = abi::view(pattern);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '%') {
      r += p[i];
      continue;
    }
    if (i + 1 >= p.size()) return bad_directive(c, l, 0);
    char d = p[++i];
    switch (d) {
      case 'Y':
        r += pad(cv.y, 4);
        break;
      case 'm':
        r += pad(cv.m, 2);
        break;
      case 'd':
        r += pad(cv.d, 2);
        break;
      case 'j':
        r += pad(days - days_from_civil(cv.y, 1, 1) + 1, 3);
        break;
      case 'H':
        r += pad(secs / 3600, 2);
        break;
      case 'M':
        r += pad(secs / 60 % 60, 2);
        break;
      case 'S':
        r += pad(secs % 60, 2);
        break;
      case 'L':
        r += pad(frac / 1000000, 3);
        break;
      case 'f':
        r += pad(frac / 1000, 6);
        break;
      case 'N':
        r += pad(frac, 9);
        break;
      case 'a':
        r += std::string(kDays[wd]).substr(0, 3);
        break;
      case 'A':
        r += kDays[wd];
        break;
      case 'b':
        r += std::string(kMonths[cv.m - 1]).substr(0, 3);
        break;
      case 'B':
        r += kMonths[cv.m - 1];
        break;
      case 'u':
        r += std::to_string(wd + 1);
        break;
      case 's':
        r += std::to_string(floor_div(t, kNsPerSec));
        break;
      case 'z':
        r += "+0000";
        break;
      case 'Z':
        r += "UTC";
        break;
      case 'F':
        r += pad(cv.y, 4) + "-" + pad(cv.m, 2) + "-" + pad(cv.d, 2);
        break;
      case 'T':
        r += pad(secs / 3600, 2) + ":" + pad(secs / 60 % 60, 2) + ":" + pad(secs % 60, 2);
        break;
      case '%':
        r += '%';
        break;
      default:
        return bad_directive(c, l, d);
    }
  }
  abi::svc().str_assign(&out, r.data(), r.size());
  return SFN_OK;
}

namespace {

// The state of one time.parse: the text read so far and the fields its directives gave.
struct TimeParser {
  std::string_view text;
  std::size_t pos = 0;
  bool ok = true;  // false once the text does not match the pattern
  std::int64_t y = 1970, mo = 1, d = 1, h = 0, mi = 0, se = 0, ns = 0, offset = 0, epoch = 0, wday = -1;
  bool has_epoch = false;

  void num(std::size_t min_digits, std::size_t max_digits, std::int64_t& v) {
    std::size_t start = pos;
    v = 0;
    while (pos < text.size() && pos - start < max_digits && std::isdigit(static_cast<unsigned char>(text[pos])))
      v = v * 10 + (text[pos++] - '0');
    if (pos - start < min_digits) ok = false;
  }
  void name(const char* const* names, std::size_t count, bool abbrev, std::int64_t& v) {
    for (std::size_t k = 0; k < count; ++k) {
      std::string n = abbrev ? std::string(names[k]).substr(0, 3) : names[k];
      if (text.size() - pos >= n.size()) {
        bool eq = true;
        for (std::size_t j = 0; j < n.size(); ++j)
          if (std::tolower(static_cast<unsigned char>(text[pos + j])) != std::tolower(static_cast<unsigned char>(n[j])))
            eq = false;
        if (eq) {
          v = static_cast<std::int64_t>(k);
          pos += n.size();
          return;
        }
      }
    }
    ok = false;
  }
  void lit(std::string_view lt) {
    if (text.substr(pos, lt.size()) == lt)
      pos += lt.size();
    else
      ok = false;
  }
  void epoch_seconds() {
    bool neg = pos < text.size() && text[pos] == '-';
    if (neg) ++pos;
    num(1, 18, epoch);
    if (neg) epoch = -epoch;
    has_epoch = true;
  }
  void zone() {
    if (pos < text.size() && text[pos] == 'Z') {
      ++pos;
      offset = 0;
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      bool neg = text[pos++] == '-';
      std::int64_t hh = 0, mm = 0;
      num(2, 2, hh);
      num(2, 2, mm);
      offset = (hh * 60 + mm) * 60 * (neg ? -1 : 1);
    } else
      ok = false;
  }
  // Reads directive `%dch`; false when it is not a directive.
  bool directive(char dch) {
    std::int64_t v = 0;
    switch (dch) {
      case 'Y':
        num(4, 9, y);
        break;
      case 'm':
        num(2, 2, mo);
        break;
      case 'd':
        num(2, 2, d);
        break;
      case 'j':
        num(3, 3, v);
        break;
      case 'H':
        num(2, 2, h);
        break;
      case 'M':
        num(2, 2, mi);
        break;
      case 'S':
        num(2, 2, se);
        break;
      case 'L':
        num(3, 3, v);
        ns = v * 1000000;
        break;
      case 'f':
        num(6, 6, v);
        ns = v * 1000;
        break;
      case 'N':
        num(9, 9, ns);
        break;
      case 'a':
        name(kDays, 7, true, wday);
        break;
      case 'A':
        name(kDays, 7, false, wday);
        break;
      case 'b':
        name(kMonths, 12, true, v);
        mo = v + 1;
        break;
      case 'B':
        name(kMonths, 12, false, v);
        mo = v + 1;
        break;
      case 'u':
        num(1, 1, v);
        wday = v - 1;
        break;
      case 's':
        epoch_seconds();
        break;
      case 'z':
        zone();
        break;
      case 'Z':
        lit("UTC");
        break;
      case 'F':
        num(4, 9, y);
        lit("-");
        num(2, 2, mo);
        lit("-");
        num(2, 2, d);
        break;
      case 'T':
        num(2, 2, h);
        lit(":");
        num(2, 2, mi);
        lit(":");
        num(2, 2, se);
        break;
      case '%':
        lit("%");
        break;
      default:
        return false;
    }
    return true;
  }
  // The parsed time in ns, or nothing when the text did not match or names no valid time.
  void result(IntOpt& out) const {
    if (!ok || pos != text.size()) return;
    std::int64_t secs;
    if (has_epoch) {
      secs = epoch;
    } else {
      if (mo < 1 || mo > 12 || d < 1 || d > static_cast<std::int64_t>(days_in_month(y, static_cast<unsigned>(mo))) ||
          h > 23 || mi > 59 || se > 59)
        return;
      std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
      if (wday >= 0 && ((days % 7) + 7 + 3) % 7 != wday) return;
      secs = days * 86400 + h * 3600 + mi * 60 + se - offset;
    }
    std::int64_t r;
    if (__builtin_mul_overflow(secs, kNsPerSec, &r) || __builtin_add_overflow(r, ns, &r)) return;
    out.present = 1;
    out.value = r;
  }
};

}  // namespace

int time_parse(Ctx& c, const sfn_loc& l, IntOpt& out, const sfn_str& s, const sfn_str& pattern) {
  out = IntOpt{};
  auto p = abi::view(pattern);
  TimeParser tp;
  tp.text = abi::view(s);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '%') {
      if (tp.ok) {
        if (tp.pos < tp.text.size() && tp.text[tp.pos] == p[i])
          ++tp.pos;
        else
          tp.ok = false;
      }
      continue;
    }
    if (i + 1 >= p.size()) return bad_directive(c, l, 0);
    char dch = p[++i];
    if (!tp.ok) {
      if (std::string_view("YmdjHMSLfNaAbBuszZFT%").find(dch) == std::string_view::npos)
        return bad_directive(c, l, dch);
      continue;
    }
    if (!tp.directive(dch)) return bad_directive(c, l, dch);
  }
  tp.result(out);
  return SFN_OK;
}

int time_start_of_day(Ctx& c, const sfn_loc& l, std::int64_t& out, std::int64_t t) {
  std::int64_t r;
  if (__builtin_mul_overflow(floor_div(t, kNsPerDay), kNsPerDay, &r))
    return c.raised("time.start_of_day: out of range", l);
  out = r;
  return SFN_OK;
}
int time_add_days(Ctx& c, const sfn_loc& l, std::int64_t& out, std::int64_t t, std::int64_t days) {
  std::int64_t d;
  if (__builtin_mul_overflow(days, kNsPerDay, &d) || __builtin_add_overflow(t, d, &out))
    return c.raised("integer overflow", l);
  return SFN_OK;
}
int time_weekday(Ctx&, const sfn_loc&, std::int64_t& out, std::int64_t t) {
  std::int64_t days = floor_div(t, kNsPerDay);
  out = ((days % 7) + 7 + 3) % 7 + 1;
  return SFN_OK;
}
int time_year(Ctx&, const sfn_loc&, std::int64_t& out, std::int64_t t) {
  out = civil_from_days(floor_div(t, kNsPerDay)).y;
  return SFN_OK;
}
int time_month(Ctx&, const sfn_loc&, std::int64_t& out, std::int64_t t) {
  out = civil_from_days(floor_div(t, kNsPerDay)).m;
  return SFN_OK;
}
int time_day(Ctx&, const sfn_loc&, std::int64_t& out, std::int64_t t) {
  out = civil_from_days(floor_div(t, kNsPerDay)).d;
  return SFN_OK;
}
int time_days_between(Ctx&, const sfn_loc&, std::int64_t& out, std::int64_t a, std::int64_t b) {
  std::int64_t diff;
  if (__builtin_sub_overflow(b, a, &diff)) {
    // The difference of two times may not fit; compute in 128 bits.
    __int128 d = static_cast<__int128>(b) - a;
    out = static_cast<std::int64_t>(d / kNsPerDay);
    return SFN_OK;
  }
  out = diff / kNsPerDay;
  return SFN_OK;
}

}  // namespace sfn::stdlib
