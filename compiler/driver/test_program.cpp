// Compiling a program file for `sfn test`: the file is checked as written (its diagnostics and
// its tests' spans), then compiled with one test-only ingress per instance that a test sends to
// directly, `ingress sfn_test_send_N(m: M) -> F(key);` appended to the root file's text. So a
// direct send travels the same path as any record (the ingress log, the virtual clock's release
// order), and the runtime needs no test-only entry point (decision 140).
#include <chrono>

#include "compiler/driver/test_runner.h"

namespace sfn::driver {
namespace {

using check::TestStep;

// The declarations of the test ingresses, filling `program.direct_ingress`.
std::string direct_ingresses(TestProgram& program) {
  const check::CheckedProgram& p = *program.checked->checked;
  const std::string& text = program.checked->sources.file(program.checked->program.files[0].file).text();
  std::string decls;
  for (const check::TestInfo& test : p.tests) {
    for (const TestStep& step : test.steps) {
      if (step.kind != TestStep::Kind::SendInstance) continue;
      auto [it, added] = program.direct_ingress.try_emplace({step.function, step.key, step.message});
      if (!added) continue;
      it->second = "sfn_test_send_" + std::to_string(program.direct_ingress.size());
      const source::Span k = step.key_expr->span;
      decls += "\ningress " + it->second + "(m: " + p.messages[step.message].name + ") -> " +
               p.functions[step.function].name + "(" + text.substr(k.begin, k.end - k.begin) + ");";
    }
  }
  return decls;
}

}  // namespace

TestProgram compile_for_tests(const std::string& path, Backend backend) {
  TestProgram program;
  program.path = path;
  program.checked = run_frontend(path, {});
  const Frontend& fe = *program.checked;
  if (!fe.read_error.empty()) {
    program.error = read_error_text(path, fe.read_error);
    return program;
  }
  if (fe.sink.has_errors() || !fe.checked || fe.checked->has_errors) {
    program.error = path + ": the program has errors";
    return program;
  }
  if (fe.checked->tests.empty()) return program;
  const std::string extra = direct_ingresses(program);
  std::unique_ptr<Frontend> variant =
      extra.empty() ? run_frontend(path, {})
                    : run_frontend_text(path, fe.sources.file(fe.program.files[0].file).text() + "\n" + extra + "\n");
  const auto t0 = std::chrono::steady_clock::now();
  LoadOptions options;
  options.backend = backend;
  LoadResult loaded = load_checked(std::move(variant), path, options);
  program.compile_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!loaded.module) {
    program.error = loaded.error.empty() ? path + ": the program could not be compiled for testing" : loaded.error;
    return program;
  }
  program.module = std::move(loaded.module);
  program.compiled = std::move(loaded.frontend);
  return program;
}

}  // namespace sfn::driver
