// Fuzz target: comments put between the tokens of an example program where the input says (its
// first byte picks the program, every 3 further bytes one comment: fmt_fuzz_util.h). `sfn fmt`
// must format the result, keep every comment in order, be idempotent and keep the syntax tree;
// anything else is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/fuzz/fmt_fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::vector<sfn::fuzz::CommentSites> programs = sfn::fuzz::example_programs(SFN_SOURCE_DIR);
  if (size == 0 || programs.empty()) return 0;
  const sfn::fuzz::CommentSites& program = programs[data[0] % programs.size()];
  const std::string text =
      sfn::fuzz::with_comments(program, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  const std::string failure = sfn::fuzz::fmt_property_failure(text);
  if (failure.empty()) return 0;
  std::fprintf(stderr, "sfn fmt: %s\n--- input:\n%s", failure.c_str(), text.c_str());
  std::abort();
}
