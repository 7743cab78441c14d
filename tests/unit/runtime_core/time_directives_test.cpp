// std.time's directive tables (stdlib/std_time.cpp, issue 21): time.parse reads every directive
// time.format writes, a name that does not match gives none (the `-Wreturn-type` bug of issue 21),
// and an unknown or unfinished directive raises in both. The run test
// tests/compiler/run/std_time covers the text time.format writes for each directive.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "runtime/core/module.h"
#include "sfn_rt.h"
#include "sfn_std.h"
#include "std_probe.h"

namespace sfn::runtime::core {
namespace {

constexpr std::int64_t kNs = 1000000000;
// 2026-11-23T19:30:05.123456789Z, a Monday, day 327 of the year.
constexpr std::int64_t kMonday = 1795462205 * kNs + 123456789;

class TimeDirectives : public ::testing::Test {
 protected:
  void SetUp() override { sfn_rt_init(services()); }

  std::string format(std::int64_t t, std::string_view pattern) {
    Text p(pattern), out;
    EXPECT_EQ(stdlib::time_format(ctx_, loc_, out.s, t, p.s), SFN_OK) << probe_.raised;
    return std::string(out.view());
  }
  // The parsed time, or -1 for none.
  std::int64_t parse(std::string_view text, std::string_view pattern) {
    Text s(text), p(pattern);
    stdlib::IntOpt out{};
    EXPECT_EQ(stdlib::time_parse(ctx_, loc_, out, s.s, p.s), SFN_OK) << probe_.raised;
    return out.present ? out.value : -1;
  }
  int raises_format(std::string_view pattern) {
    Text p(pattern), out;
    return stdlib::time_format(ctx_, loc_, out.s, kMonday, p.s);
  }
  int raises_parse(std::string_view text, std::string_view pattern) {
    Text s(text), p(pattern);
    stdlib::IntOpt out{};
    return stdlib::time_parse(ctx_, loc_, out, s.s, p.s);
  }

  Probe probe_;
  abi::Ctx ctx_{&probe_};
  sfn_loc loc_{"time.sfn", 1, 1};
};

TEST_F(TimeDirectives, FormatWritesEachDirective) {
  EXPECT_EQ(format(kMonday, "%Y-%m-%d %H:%M:%S"), "2026-11-23 19:30:05");
  EXPECT_EQ(format(kMonday, "%j %u %a %A %b %B"), "327 1 Mon Monday Nov November");
  EXPECT_EQ(format(kMonday, "%L %f %N"), "123 123456 123456789");
  EXPECT_EQ(format(kMonday, "%s %z %Z %F %T 100%%"), "1795462205 +0000 UTC 2026-11-23 19:30:05 100%");
}

TEST_F(TimeDirectives, ParseReadsWhatFormatWrites) {
  for (const char* pattern : {"%Y-%m-%d %H:%M:%S.%N", "%F %T.%N %z", "%a %d %B %Y %T.%N %Z", "%A %u %j %F %T.%N"})
    EXPECT_EQ(parse(format(kMonday, pattern), pattern), kMonday) << pattern;
  const std::int64_t second = kMonday - 123456789;
  EXPECT_EQ(parse("2026-11-23 19:30:05.123", "%F %T.%L"), second + 123000000);
  EXPECT_EQ(parse("2026-11-23 19:30:05.123456", "%F %T.%f"), second + 123456000);
  EXPECT_EQ(parse("1795462205", "%s"), second);
  EXPECT_EQ(parse("23 nov 2026 19:30:05 100%", "%d %b %Y %T 100%%"), second);
}

TEST_F(TimeDirectives, ParseGivesNoneWhenTheTextDoesNotMatch) {
  EXPECT_EQ(parse("Funday 2026-11-23", "%A %F"), -1);  // a name that matches none
  EXPECT_EQ(parse("Xyz 2026-11-23", "%a %F"), -1);
  EXPECT_EQ(parse("Smarch 2026", "%B %Y"), -1);
  EXPECT_EQ(parse("Tue 2026-11-23", "%a %F"), -1);  // the wrong weekday
  EXPECT_EQ(parse("2 2026-11-23", "%u %F"), -1);
  EXPECT_EQ(parse("2026-11-23 UTX", "%F %Z"), -1);
  EXPECT_EQ(probe_.raised, "");
}

TEST_F(TimeDirectives, AnUnknownOrUnfinishedDirectiveRaises) {
  EXPECT_EQ(raises_format("%Q"), SFN_RAISED);
  EXPECT_EQ(probe_.raised, "time: invalid pattern directive %Q");
  EXPECT_EQ(raises_format("100%"), SFN_RAISED);
  EXPECT_EQ(probe_.raised, "time: invalid pattern directive %");
  EXPECT_EQ(raises_parse("2026", "%Y %Q"), SFN_RAISED);  // also after the text stopped matching
  EXPECT_EQ(probe_.raised, "time: invalid pattern directive %Q");
  EXPECT_EQ(raises_parse("2026", "%Y%"), SFN_RAISED);
}

}  // namespace
}  // namespace sfn::runtime::core
