// The fmt fuzzer's properties (fmt_fuzz_util.h) on a bounded, seeded set of inputs, so that every
// ctest run checks them: 600 example programs with 1 to 40 comments each, at random places and
// of random kinds.
#include <gtest/gtest.h>

#include <random>

#include "tests/fuzz/fmt_fuzz_util.h"

namespace {

TEST(FmtProperty, RandomCommentsAreKeptIdempotentlyWithTheSameSyntaxTree) {
  const std::vector<sfn::fuzz::CommentSites> programs = sfn::fuzz::example_programs(SFN_SOURCE_DIR);
  ASSERT_GE(programs.size(), 5u);
  for (const auto& p : programs) ASSERT_FALSE(p.places.empty()) << "an example does not parse:\n" << p.text;
  std::mt19937 random(23);
  int failures = 0;
  for (int round = 0; round < 600 && failures < 10; ++round) {
    const auto& program = programs[round % programs.size()];
    std::string choices(3 * (1 + random() % 40), '\0');
    for (char& c : choices) c = static_cast<char>(random());
    const std::string text = sfn::fuzz::with_comments(program, choices);
    if (sfn::fuzz::fmt_property_failure(text).empty()) continue;
    ++failures;
    const std::string smallest = sfn::fuzz::with_comments(program, sfn::fuzz::minimize(program, choices));
    ADD_FAILURE() << "round " << round << ": " << sfn::fuzz::fmt_property_failure(smallest) << "\n--- input:\n"
                  << smallest;
  }
}

}  // namespace
