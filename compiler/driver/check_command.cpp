// `sfn check FILE`: parse and check a program and its imports, print every diagnostic.
#include <fmt/format.h>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/driver/command.h"
#include "compiler/driver/frontend.h"

namespace sfn::driver {
namespace {

void setup_check(CLI::App& app, int& exit_code) {
  struct Args {
    std::string file;
    DiagnosticOptions diag;
  };
  static Args args;
  std::string footer = "Exit status: 0 no errors, 1 errors, 2 usage error or unreadable file.\n\nDiagnostics:\n";
  for (const auto& kind : diagnostics::all_kinds()) footer += fmt::format("  {}  {}\n", kind.code, kind.summary);
  auto* cmd = app.add_subcommand("check", "Parse and check a program; report diagnostics")->footer(footer);
  cmd->add_option("file", args.file, "The program's root .sfn file")->required();
  add_diagnostic_options(cmd, args.diag);
  cmd->callback([&exit_code] {
    auto frontend = run_frontend(args.file, args.diag);
    exit_code = report_diagnostics(*frontend, args.file, args.diag);
  });
}

CommandRegistrar registrar(10, setup_check);

}  // namespace
}  // namespace sfn::driver
