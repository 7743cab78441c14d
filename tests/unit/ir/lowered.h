// A program text parsed, checked and lowered to IR as file "t.sfn" (IR and backend unit tests).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "compiler/ir/lower.h"
#include "compiler/parse/parse.h"

namespace sfn::ir::test {

struct Lowered {
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  ast::Program program;
  std::optional<check::CheckedProgram> checked;
  std::unique_ptr<Module> module;
  std::string error;

  explicit Lowered(const std::string& text) {
    auto id = sources.add("t.sfn", text);
    program.files.push_back(parse::parse_file(sources, id, sink));
    checked.emplace(check::check_program(program, sources, sink));
    auto lowered = lower_program(*checked, sources);
    if (lowered)
      module = std::move(lowered.value());
    else
      error = lowered.error().message;
  }
  std::string printed() const { return module ? print_module(*module) : "error: " + error; }
};

}  // namespace sfn::ir::test
