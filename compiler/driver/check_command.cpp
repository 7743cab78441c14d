// `sfn check FILE`: parse and check a program and its imports, print every diagnostic.
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
  auto* cmd = app.add_subcommand("check", "Parse and check a program; report diagnostics")
                  ->footer("Exit status: 0 no errors, 1 errors, 2 usage error or unreadable file.\n"
                           "Diagnostic codes: see docs/language.md (E0001-E0401, W0501-W0505).");
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
