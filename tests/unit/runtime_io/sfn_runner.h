// Runs the real `sfn` binary (SFN_BINARY, defined by the test target) for the end-to-end client
// tests: its exit status and its output.
#pragma once

#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace sfn::runtime::testing {

struct SfnRun {
  int status;
  std::string output;  // stdout, then stderr
};

// Runs `sfn ARGS` under a 20 s timeout, after `prefix` (e.g. {"/usr/bin/env", "-u", "VAR"}).
inline SfnRun run_sfn(const std::vector<std::string>& args, const std::vector<std::string>& prefix = {}) {
  std::vector<std::string> argv = {"/usr/bin/timeout", "20"};
  argv.insert(argv.end(), prefix.begin(), prefix.end());
  argv.push_back(SFN_BINARY);
  argv.insert(argv.end(), args.begin(), args.end());
  sfn::testing::CommandResult r = sfn::testing::run_command(argv);
  return SfnRun{r.status, r.out + r.err};
}

}  // namespace sfn::runtime::testing
