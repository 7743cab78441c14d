// Property test of the string methods and std.strings (issue 20): from well-formed UTF-8 nothing
// makes ill-formed UTF-8, whatever the offsets and counts. On random strings of 1- to 4-byte
// characters (Unicode white space and cased letters among them) and random offsets, every result
// is well-formed UTF-8 or a runtime error; substring() raises exactly when a cut falls inside a
// character (decision 17).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "runtime/core/module.h"
#include "runtime/core/text.h"
#include "runtime/core/value.h"
#include "sfn_rt.h"
#include "sfn_std.h"
#include "std_probe.h"

namespace sfn::runtime::core {
namespace {

const sfn_type kListOfStrings{SFN_LIST, &abi::kString, nullptr, nullptr, nullptr, nullptr};

class Strings : public ::testing::Test {
 protected:
  void SetUp() override { sfn_rt_init(services()); }

  std::string random_text(int max_chars) {
    static const std::vector<std::string> kChars = {"a",
                                                    "Z",
                                                    " ",
                                                    "\t",
                                                    "\xC3\xA9",
                                                    "\xC3\x9F",
                                                    "\xCE\xA3",
                                                    "\xC2\xA0",
                                                    "\xE2\x80\x83",
                                                    "\xE3\x80\x80",
                                                    "\xE6\x97\xA5",
                                                    "\xF0\x9F\x98\x80",
                                                    "\xC7\x85",
                                                    ","};
    std::string out;
    for (int n = static_cast<int>(rng_() % static_cast<unsigned>(max_chars + 1)); n > 0; --n)
      out += kChars[rng_() % kChars.size()];
    return out;
  }
  int64_t offset(std::string_view s) { return static_cast<int64_t>(rng_() % (s.size() + 3)) - 1; }
  static bool on_boundary(std::string_view s, int64_t at) {
    return at >= static_cast<int64_t>(s.size()) || (static_cast<unsigned char>(s[at]) & 0xC0) != 0x80;
  }

  std::mt19937_64 rng_{20};
  Probe probe_;
  abi::Ctx ctx_{&probe_};
  sfn_loc loc_{"strings.sfn", 1, 1};
};

TEST_F(Strings, SubstringRaisesExactlyWhenItCutsACharacter) {
  const sfn_services* svc = services();
  for (int i = 0; i < 5000; ++i) {
    Text s(random_text(6)), out;
    const int64_t start = offset(s.view()), len = offset(s.view());
    const char* err = svc->str_substring(&s.s, start, len, &out.s);
    const bool in_range = start >= 0 && len >= 0 && start + len <= static_cast<int64_t>(s.view().size());
    const bool cuts = in_range && (!on_boundary(s.view(), start) || !on_boundary(s.view(), start + len));
    SCOPED_TRACE(std::string(s.view()) + " substring(" + std::to_string(start) + ", " + std::to_string(len) + ")");
    EXPECT_EQ(err != nullptr, !in_range || cuts) << (err ? err : "no error");
    if (cuts) {
      EXPECT_STREQ(err, "substring does not fall on UTF-8 character boundaries");
    } else if (!err) {
      EXPECT_EQ(out.view(), s.view().substr(start, len));
    }
    EXPECT_TRUE(is_valid_utf8(out.view()));
  }
}

TEST_F(Strings, MethodsKeepUtf8WellFormed) {
  const sfn_services* svc = services();
  for (int i = 0; i < 3000; ++i) {
    Text s(random_text(8)), a(random_text(2)), b(random_text(2)), out;
    SCOPED_TRACE(std::string(s.view()) + " | " + std::string(a.view()) + " | " + std::string(b.view()));
    for (auto unary : {svc->str_trim, svc->str_upper, svc->str_lower}) {
      unary(&s.s, &out.s);
      EXPECT_TRUE(is_valid_utf8(out.view())) << out.view();
    }
    svc->str_replace(&s.s, &a.s, &b.s, &out.s);
    EXPECT_TRUE(is_valid_utf8(out.view())) << out.view();
    sfn_list parts{};
    svc->str_split(&s.s, &a.s, &parts);
    for (uint64_t k = 0; k < parts.len; ++k) EXPECT_TRUE(is_valid_utf8(str_view(static_cast<sfn_str*>(parts.data)[k])));
    svc->value_destroy(&kListOfStrings, &parts);
  }
}

TEST_F(Strings, StdStringsKeepUtf8WellFormed) {
  for (int i = 0; i < 3000; ++i) {
    Text s(random_text(6)), fill(random_text(2)), out;
    SCOPED_TRACE(std::string(s.view()) + " | " + std::string(fill.view()));
    const int64_t n = offset(s.view());
    auto check = [&](int status) {
      EXPECT_TRUE(status == SFN_OK || !probe_.raised.empty());
      probe_.raised.clear();
      EXPECT_TRUE(is_valid_utf8(out.view())) << out.view();
    };
    check(stdlib::strings_reverse(ctx_, loc_, out.s, s.s));
    check(stdlib::strings_repeat(ctx_, loc_, out.s, s.s, n));
    check(stdlib::strings_pad_left(ctx_, loc_, out.s, s.s, n + 3, fill.s));
    check(stdlib::strings_pad_right(ctx_, loc_, out.s, s.s, n + 3, fill.s));
    sfn_list xs{};
    for (int k = 0; k < 2; ++k) str_set(static_cast<sfn_str*>(list_emplace_back(&abi::kString, &xs)), s.view());
    check(stdlib::strings_join(ctx_, loc_, out.s, xs, fill.s));
    value_destroy(&kListOfStrings, &xs);
  }
}

}  // namespace
}  // namespace sfn::runtime::core
