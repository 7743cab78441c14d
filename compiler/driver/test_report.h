// What `sfn test` prints and writes: each test's result with its failed expectations, the
// summary line, one JSON object per test for editors, and JUnit XML for CI systems
// (tests/e2e/sfn_test/junit.xsd is the schema it is validated against).
#pragma once

#include <string>
#include <vector>

#include "compiler/driver/test_runner.h"

namespace sfn::driver {

struct TestSummary {
  std::vector<TestOutcome> outcomes;     // in file order
  std::vector<std::string> file_errors;  // files that could not be checked or compiled
  double seconds = 0;                    // wall time of running the tests
  std::size_t failed() const;
};

// Text on stdout: `ok   FILE:LINE: test "NAME"` or `FAIL ...` followed by its failures, then
// `N passed, N failed`; with `json`, one object per test and no summary.
void print_results(const TestSummary& summary, bool json);

// Writes JUnit XML (one <testsuite> per file); false after reporting a write error.
bool write_junit(const TestSummary& summary, const std::string& path);

}  // namespace sfn::driver
