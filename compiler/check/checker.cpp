// Entry point of the checker (temporary skeleton while the passes land).
#include "compiler/check/checked_program.h"

namespace sfn::check {

CheckedProgram check_program(const ast::Program& program, const source::SourceManager& sources,
                             diagnostics::DiagnosticSink& sink) {
  CheckedProgram out;
  out.ast = &program;
  if (!program.files.empty() && program.files[0].package) {
    out.package = program.files[0].package->joined();
  }
  return out;
}

}  // namespace sfn::check
