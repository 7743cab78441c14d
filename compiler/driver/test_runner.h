// `sfn test` (docs/decisions/140-sfn-test.md): the tests of a program file, compiled once with a
// test-only ingress for every instance a test sends to directly, and each test run on fresh
// state in a temporary directory by the embedded runtime with one worker and the virtual clock
// (through the public sfn/runtime.h only). Statements between two expectations make up one run
// of the runtime on the test's state directory, until quiet and up to the test's virtual time.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "compiler/check/checked_program.h"
#include "compiler/driver/frontend.h"
#include "compiler/driver/pipeline.h"
#include "sfn/runtime.h"

namespace sfn::driver {

// One program file with tests, compiled for testing.
struct TestProgram {
  std::string path;
  std::unique_ptr<Frontend> checked;         // the file as written (its tests, their spans)
  std::shared_ptr<const Frontend> compiled;  // the program compiled (with the test ingresses)
  runtime::ModulePtr module;
  // The test-only ingress of each (function, key, message) a test sends to directly.
  std::map<std::tuple<std::uint32_t, std::string, std::uint32_t>, std::string> direct_ingress;
  std::string error;  // set when the file could not be checked or compiled (then no module)
  double compile_ms = 0;
};

// Checks `path` (its diagnostics are printed by the caller from `checked`) and, without errors,
// compiles it for testing with `backend`.
TestProgram compile_for_tests(const std::string& path, Backend backend);

// What one failed expectation reports: where, what, and the expected and actual values.
struct TestFailure {
  std::uint32_t line = 0, column = 0;  // of the statement
  std::string statement;               // its source text
  std::string message;                 // the report below it, several lines (a diff)
};

struct TestOutcome {
  std::string file;
  std::string name;
  std::uint32_t line = 0;  // of the test block
  bool ran = false;        // false: not started (the run was interrupted first)
  bool passed = false;
  std::vector<TestFailure> failures;  // empty when passed
  double ms = 0;                      // wall time of the test
  std::uint32_t runs = 0;             // runs of the embedded runtime
};

// Runs test `index` of `program` on fresh state under `scratch` (a directory it may create files
// in and removes what it made). Once `cancel` is set (Ctrl-C), no further run of the runtime
// starts and the test ends as failed ("interrupted").
TestOutcome run_test(const TestProgram& program, std::size_t index, const std::string& scratch,
                     const std::atomic<bool>& cancel);

}  // namespace sfn::driver
