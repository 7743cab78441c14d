// A generator of random well-typed SFN programs for the differential test of the backends: one
// function type whose handlers have random bodies (int and float arithmetic with overflow and
// division by zero, strings and interpolation, lists, maps, optionals, loops, early returns,
// sends and emits, state updates), an input that drives them, all from one seed.
#pragma once

#include <cstdint>
#include <string>

namespace sfn::testing {

struct RandomProgram {
  std::string source;  // the .sfn text (package gen.p<seed>)
  std::string input;   // JSON lines for `--input`
};

RandomProgram random_program(std::uint64_t seed);

}  // namespace sfn::testing
