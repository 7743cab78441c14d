// Runs the front end (load + parse + check) for the driver's commands and renders its
// diagnostics according to the shared command-line options (--format, --color,
// --deny-warnings). Commands call this instead of composing the phases themselves.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/checked_program.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/ir/ir.h"
#include "compiler/source/source.h"

namespace sfn::driver {

// How diagnostics are shown; bound to command-line options by add_diagnostic_options.
struct DiagnosticOptions {
  std::string format = "text";  // text | json
  std::string color = "auto";   // auto | always | never
  bool deny_warnings = false;
};

// Adds --format, --color and --deny-warnings to a command.
void add_diagnostic_options(CLI::App* command, DiagnosticOptions& options);

// Everything the front end produced for one root file.
struct Frontend {
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  ast::Program program;
  std::optional<check::CheckedProgram> checked;  // absent when the root could not be read
  std::string read_error;                        // set when the root could not be read
};

// Loads `path` and its imports (std modules from the embedded stdlib), parses and checks them.
std::unique_ptr<Frontend> run_frontend(const std::string& path, const DiagnosticOptions& options);

// run_frontend on `text` as the content of the root file `path` (which need not exist).
std::unique_ptr<Frontend> run_frontend_text(const std::string& path, std::string text);

// "error: cannot read `PATH`: WHY" (no line break): how a root that cannot be read is reported.
std::string read_error_text(const std::string& path, const std::string& read_error);

// Prints the diagnostics (text on stderr, or JSON lines on stdout) and returns the exit status
// of a check: 0 without errors, 1 with errors, 2 when the root file could not be read.
int report_diagnostics(const Frontend& frontend, const std::string& path, const DiagnosticOptions& options);

// Runs the front end on `path` and lowers the program to IR (for the backends). On program
// errors prints the diagnostics and returns null with `exit_code` 1 (2 when the root cannot be
// read) and `error` empty; when lowering fails, null with `exit_code` 2 and `error` set (not
// yet printed). `files`, when given, receives the paths of the
// program's source files on disk (root and imports; for build-system depfiles).
// The IR refers into the checked program, so both travel together.
struct Lowered {
  std::unique_ptr<Frontend> frontend;
  std::unique_ptr<ir::Module> module;  // null on failure
  explicit operator bool() const { return module != nullptr; }
};
Lowered lower_file(const std::string& path, std::string& error, int& exit_code,
                   std::vector<std::string>* files = nullptr);
// The same for a front end already run on `path`.
Lowered lower_frontend(std::unique_ptr<Frontend> frontend, const std::string& path, std::string& error, int& exit_code,
                       std::vector<std::string>* files = nullptr);

}  // namespace sfn::driver
