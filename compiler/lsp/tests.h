// `test` blocks in the editor (decision 140): a "Run test" code lens above each test of the
// document, and the command it runs, `sfn.runTest`, which runs `sfn test FILE --format json`
// (this executable, as a child process: the server never links the runtime) and turns each
// failed expectation into a diagnostic on its line.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/result.h"
#include "compiler/lsp/analysis.h"

namespace sfn::lsp {

using Json = nlohmann::json;

inline constexpr const char* kRunTestCommand = "sfn.runTest";

// The code lenses of `file`'s tests: one "Run test" per test, and one "Run all tests" above the
// first, with the command sfn.runTest and the arguments [uri, name] ([uri] for all).
Json test_code_lenses(const Analysis& a, source::FileId file, const std::string& uri);

// The outcome of running tests of one file.
struct TestRun {
  Json results = Json::array();      // the objects `sfn test --format json` printed, one per test
  Json diagnostics = Json::array();  // LSP diagnostics of the failed expectations
};

// Runs the tests of the file at `path` (as saved) whose name is `name` (all when empty); an
// error when the run itself failed (the file has errors, ...).
[[nodiscard]] Result<TestRun> run_tests(const std::string& path, const std::string& name);

}  // namespace sfn::lsp
