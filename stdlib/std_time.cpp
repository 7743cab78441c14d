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

namespace {
// The fields of one time that time.format's directives print.
struct TimeFields {
  std::int64_t t, days;
  Civil cv;
  std::int64_t secs, frac, wd;  // the second of the day, its nanoseconds, the weekday (0 = Monday)
};

// The directives of time.format, one line each: a table, not a switch.
struct FormatDirective {
  char ch;
  std::string (*format)(const TimeFields&);
};
const FormatDirective kFormatDirectives[] = {
    {'Y', [](const TimeFields& f) { return pad(f.cv.y, 4); }},
    {'m', [](const TimeFields& f) { return pad(f.cv.m, 2); }},
    {'d', [](const TimeFields& f) { return pad(f.cv.d, 2); }},
    {'j', [](const TimeFields& f) { return pad(f.days - days_from_civil(f.cv.y, 1, 1) + 1, 3); }},
    {'H', [](const TimeFields& f) { return pad(f.secs / 3600, 2); }},
    {'M', [](const TimeFields& f) { return pad(f.secs / 60 % 60, 2); }},
    {'S', [](const TimeFields& f) { return pad(f.secs % 60, 2); }},
    {'L', [](const TimeFields& f) { return pad(f.frac / 1000000, 3); }},
    {'f', [](const TimeFields& f) { return pad(f.frac / 1000, 6); }},
    {'N', [](const TimeFields& f) { return pad(f.frac, 9); }},
    {'a', [](const TimeFields& f) { return std::string(kDays[f.wd]).substr(0, 3); }},
    {'A', [](const TimeFields& f) { return std::string(kDays[f.wd]); }},
    {'b', [](const TimeFields& f) { return std::string(kMonths[f.cv.m - 1]).substr(0, 3); }},
    {'B', [](const TimeFields& f) { return std::string(kMonths[f.cv.m - 1]); }},
    {'u', [](const TimeFields& f) { return std::to_string(f.wd + 1); }},
    {'s', [](const TimeFields& f) { return std::to_string(floor_div(f.t, kNsPerSec)); }},
    {'z', [](const TimeFields&) { return std::string("+0000"); }},
    {'Z', [](const TimeFields&) { return std::string("UTC"); }},
    {'F', [](const TimeFields& f) { return pad(f.cv.y, 4) + "-" + pad(f.cv.m, 2) + "-" + pad(f.cv.d, 2); }},
    {'T',
     [](const TimeFields& f) {
       return pad(f.secs / 3600, 2) + ":" + pad(f.secs / 60 % 60, 2) + ":" + pad(f.secs % 60, 2);
     }},
    {'%', [](const TimeFields&) { return std::string("%"); }},
};

const FormatDirective* find_format_directive(char ch) {
  for (const FormatDirective& d : kFormatDirectives)
    if (d.ch == ch) return &d;
  return nullptr;
}
}  // namespace

int time_format(Ctx& c, const sfn_loc& l, sfn_str& out, std::int64_t t, const sfn_str& pattern) {
  TimeFields f;
  f.t = t;
  f.days = floor_div(t, kNsPerDay);
  std::int64_t ns_of_day = t - f.days * kNsPerDay;
  f.cv = civil_from_days(f.days);
  f.secs = ns_of_day / kNsPerSec;
  f.frac = ns_of_day % kNsPerSec;
  f.wd = ((f.days % 7) + 7 + 3) % 7;  // 1970-01-01 was a Thursday (index 3 from Monday)
  std::string r;
  auto p = abi::view(pattern);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] != '%') {
      r += p[i];
      continue;
    }
    if (i + 1 >= p.size()) return bad_directive(c, l, 0);
    char d = p[++i];
    const FormatDirective* directive = find_format_directive(d);
    if (!directive) return bad_directive(c, l, d);
    r += directive->format(f);
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
  std::int64_t ignored = 0;  // %j: read, not used (the date comes from %Y %m %d)

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
  // %L, %f, %N: `digits` digits of the second, each worth `ns_per_unit` nanoseconds.
  void fraction(std::size_t digits, std::int64_t ns_per_unit) {
    std::int64_t v = 0;
    num(digits, digits, v);
    ns = v * ns_per_unit;
  }
  // %F, %T: `a_min` to `a_max` digits into `a`, `sep`, two digits into `b`, `sep`, two into `c`.
  void triple(std::size_t a_min, std::size_t a_max, std::int64_t& a, std::string_view sep, std::int64_t& b,
              std::int64_t& c) {
    num(a_min, a_max, a);
    lit(sep);
    num(2, 2, b);
    lit(sep);
    num(2, 2, c);
  }
  void month_name(bool abbrev) {
    std::int64_t v = 0;
    name(kMonths, 12, abbrev, v);
    mo = v + 1;
  }
  void weekday_number() {  // %u: 1 = Monday
    std::int64_t v = 0;
    num(1, 1, v);
    wday = v - 1;
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

// The directives of time.parse, one line each: what each reads into the parser's fields.
struct ParseDirective {
  char ch;
  void (*read)(TimeParser&);
};
const ParseDirective kParseDirectives[] = {
    {'Y', [](TimeParser& p) { p.num(4, 9, p.y); }},
    {'m', [](TimeParser& p) { p.num(2, 2, p.mo); }},
    {'d', [](TimeParser& p) { p.num(2, 2, p.d); }},
    {'j', [](TimeParser& p) { p.num(3, 3, p.ignored); }},
    {'H', [](TimeParser& p) { p.num(2, 2, p.h); }},
    {'M', [](TimeParser& p) { p.num(2, 2, p.mi); }},
    {'S', [](TimeParser& p) { p.num(2, 2, p.se); }},
    {'L', [](TimeParser& p) { p.fraction(3, 1000000); }},
    {'f', [](TimeParser& p) { p.fraction(6, 1000); }},
    {'N', [](TimeParser& p) { p.fraction(9, 1); }},
    {'a', [](TimeParser& p) { p.name(kDays, 7, true, p.wday); }},
    {'A', [](TimeParser& p) { p.name(kDays, 7, false, p.wday); }},
    {'b', [](TimeParser& p) { p.month_name(true); }},
    {'B', [](TimeParser& p) { p.month_name(false); }},
    {'u', [](TimeParser& p) { p.weekday_number(); }},
    {'s', [](TimeParser& p) { p.epoch_seconds(); }},
    {'z', [](TimeParser& p) { p.zone(); }},
    {'Z', [](TimeParser& p) { p.lit("UTC"); }},
    {'F', [](TimeParser& p) { p.triple(4, 9, p.y, "-", p.mo, p.d); }},
    {'T', [](TimeParser& p) { p.triple(2, 2, p.h, ":", p.mi, p.se); }},
    {'%', [](TimeParser& p) { p.lit("%"); }},
};

const ParseDirective* find_parse_directive(char ch) {
  for (const ParseDirective& d : kParseDirectives)
    if (d.ch == ch) return &d;
  return nullptr;
}

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
    const ParseDirective* directive = find_parse_directive(dch);
    if (!directive) return bad_directive(c, l, dch);
    if (tp.ok) directive->read(tp);
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
