// Fuzz target: source text through the front end as `sfn check` runs it (parse, check), and a
// program without errors further through the IR and the C++ backend. A crash, a hang, a
// diagnostic outside the text or an internal compiler error is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "codegen/cpp/cpp_backend.h"
#include "compiler/ir/lower.h"
#include "compiler/parse/parse.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sfn;
  std::string text(reinterpret_cast<const char*>(data), size);
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  ast::Program program;
  source::FileId id = sources.add("fuzz.sfn", text);
  program.files.push_back(parse::parse_file(sources, id, sink));
  check::CheckedProgram checked = check::check_program(program, sources, sink);
  for (const auto& d : sink.diagnostics())
    if (d.span.file == id && (d.span.begin > d.span.end || d.span.end > text.size())) std::abort();
  if (sink.has_errors() || checked.has_errors) return 0;
  auto module = ir::lower_program(checked, sources);
  if (!module) return 0;  // e.g. an import it cannot see: lowering reports, it does not crash
  Result<std::string> cpp = codegen::cpp::generate(*module.value(), {});
  if (!cpp) {
    std::fprintf(stderr, "%s\n", cpp.error().message.c_str());
    std::abort();
  }
  return 0;
}
