// `sfn check FILE`: parse and check a program and its imports, print every diagnostic. With
// `--compatible-with OLD`, also check that FILE may replace OLD — an .sfn program or the state
// directory of `sfn run` — without losing stored state or in-flight messages (versions.h).
#include <fmt/format.h>

#include <iostream>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/driver/command.h"
#include "compiler/driver/frontend.h"
#include "compiler/driver/versions.h"

namespace sfn::driver {
namespace {

struct Args {
  std::string file;
  std::string compatible_with;
  DiagnosticOptions diag;
};

int check(const Args& args) {
  auto frontend = run_frontend(args.file, args.diag);
  const bool usable = frontend->read_error.empty() && frontend->checked && !frontend->sink.has_errors();
  if (!args.compatible_with.empty() && usable) {
    Result<OldSchema> old = load_old_schema(args.compatible_with);
    if (!old) {
      std::cerr << "error: --compatible-with " << args.compatible_with << ": " << old.error().message << "\n";
      return old.error().code == ErrorCode::invalid_argument ? 1 : 2;
    }
    (void)check_against(*frontend, old->schema);  // the diagnostics are in the sink, reported below
  }
  return report_diagnostics(*frontend, args.file, args.diag);
}

void setup_check(CLI::App& app, int& exit_code) {
  static Args args;
  std::string footer =
      "With --compatible-with OLD, FILE is also compared with the version it would replace: OLD is an .sfn "
      "program or a state directory of `sfn run` (its newest committed snapshot records the program's "
      "schema). Incompatible changes (a state's or key's type, a message field removed, retyped, "
      "inserted or reordered, a field added without a default, enum values removed or reordered, an "
      "ingress's record type) are E0601; dropped data (a removed state, function type or ingress) is W0602.\n\n"
      "Exit status: 0 no errors, 1 errors (also when OLD has errors), 2 usage error, unreadable file, or a "
      "state directory without a committed snapshot.\n\nDiagnostics:\n";
  for (const auto& kind : diagnostics::all_kinds()) footer += fmt::format("  {}  {}\n", kind.code, kind.summary);
  auto* cmd = app.add_subcommand("check", "Parse and check a program; report diagnostics")->footer(footer);
  cmd->add_option("file", args.file, "The program's root .sfn file")->required();
  cmd->add_option("--compatible-with", args.compatible_with,
                  "Also check that FILE can replace OLD (an .sfn program or a state directory) without losing "
                  "state or in-flight messages")
      ->type_name("OLD");
  add_diagnostic_options(cmd, args.diag);
  cmd->callback([&exit_code] { exit_code = check(args); });
}

CommandRegistrar registrar(10, setup_check);

}  // namespace
}  // namespace sfn::driver
