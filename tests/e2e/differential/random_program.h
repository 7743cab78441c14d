// A generator of random well-typed SFN programs for the differential test of the backends: one
// function type whose handlers have random bodies (int and float arithmetic with overflow and
// division by zero, strings and interpolation, lists, maps, loops, early returns, sends and
// emits, state updates, NaN and float min/max) and optionals in many positions (optional fields
// of the input, an optional message parameter called with a field, list<int?> and
// map<string, int?> with first/last/pop/get, a timer? state cancelled whether or not it is set,
// none and optionals in interpolation and string()), an input that drives them, all from one seed.
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
