// Random well-typed programs (random_program.h) through both backends: for each seed the
// generated program must compile with both, load the same descriptor and print the same egress
// (dead letters of overflow, division by zero, bad conversions, missing keys... included). CI
// runs a fixed set of seeds; SFN_RANDOM_SEEDS=FIRST-LAST runs others by hand. A mismatch prints
// the seed, the program and its input.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "tests/e2e/differential/backends.h"
#include "tests/e2e/differential/random_program.h"

namespace {

namespace fs = std::filesystem;

std::vector<std::uint64_t> seeds() {
  std::uint64_t first = 1, last = 12;
  if (const char* env = std::getenv("SFN_RANDOM_SEEDS")) {
    std::string s(env);
    auto dash = s.find('-');
    first = std::stoull(s.substr(0, dash));
    last = dash == std::string::npos ? first : std::stoull(s.substr(dash + 1));
  }
  std::vector<std::uint64_t> out;
  for (std::uint64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

class RandomProgram : public ::testing::TestWithParam<std::uint64_t> {};

TEST_P(RandomProgram, BothBackendsAgree) {
  const std::uint64_t seed = GetParam();
  const auto program = sfn::testing::random_program(seed);
  const fs::path dir =
      fs::temp_directory_path() / ("sfn_random_" + std::to_string(seed) + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path source = dir / ("gen" + std::to_string(seed) + ".sfn");
  std::ofstream(source) << program.source;
  std::ofstream(dir / "input.jsonl") << program.input;
  const auto both = sfn::testing::run_both(source, dir / "input.jsonl");
  const std::string context =
      "seed " + std::to_string(seed) + "; program:\n" + program.source + "input:\n" + program.input;
  fs::remove_all(dir);
  ASSERT_EQ(both.error, "") << context;
  EXPECT_EQ(both.llvm_descriptor, both.cpp_descriptor) << context;
  EXPECT_FALSE(both.cpp.empty()) << context;
  EXPECT_TRUE(both.llvm == both.cpp) << "egress differs (- C++ backend, + LLVM JIT):\n"
                                     << sfn::testing::diff_lines(both.cpp, both.llvm) << context;
}

INSTANTIATE_TEST_SUITE_P(Seeds, RandomProgram, ::testing::ValuesIn(seeds()));

}  // namespace
