// Composition of the front-end phases for the driver, and diagnostic output.
#include "compiler/driver/frontend.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "compiler/diagnostics/render.h"
#include "compiler/ir/lower.h"
#include "compiler/parse/parse.h"
#include "stdlib/std_modules.h"

namespace sfn::driver {

void add_diagnostic_options(CLI::App* command, DiagnosticOptions& options) {
  command
      ->add_option("--format", options.format, "Diagnostic format: text (stderr) or json (one object per line, stdout)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  command->add_option("--color", options.color, "Colour text diagnostics: auto, always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  command->add_flag("--deny-warnings", options.deny_warnings, "Treat warnings as errors");
}

namespace {

void load_and_check(Frontend& fe, const std::string& path) {
  parse::StdModuleProvider provider = [](std::string_view name) { return stdlib::std_module_source(name); };
  Result<ast::Program> program = parse::load_program(fe.sources, path, provider, fe.sink, stdlib::std_module_names());
  if (!program) {
    fe.read_error = program.error().message;
    return;
  }
  fe.program = std::move(program.value());
  if (fe.program.files.empty()) {
    fe.read_error = "cannot be read";
    return;
  }
  fe.checked.emplace(check::check_program(fe.program, fe.sources, fe.sink));
  fe.sink.sort_by_location();
}

}  // namespace

std::unique_ptr<Frontend> run_frontend(const std::string& path, const DiagnosticOptions& options) {
  auto fe = std::make_unique<Frontend>();
  if (options.deny_warnings) fe->sink.deny_warnings();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    fe->read_error = "is a directory";
    return fe;
  }
  load_and_check(*fe, path);
  return fe;
}

std::unique_ptr<Frontend> run_frontend_text(const std::string& path, std::string text) {
  auto fe = std::make_unique<Frontend>();
  fe->sources.add(path, std::move(text));
  load_and_check(*fe, path);
  return fe;
}

std::string read_error_text(const std::string& path, const std::string& read_error) {
  return "error: cannot read `" + path + "`: " + read_error;
}

int report_diagnostics(const Frontend& fe, const std::string& path, const DiagnosticOptions& options) {
  if (!fe.read_error.empty()) {
    std::cerr << read_error_text(path, fe.read_error) << "\n";
    return 2;
  }
  if (options.format == "json") {
    for (const auto& d : fe.sink.diagnostics()) std::cout << diagnostics::render_json(d, fe.sources) << "\n";
  } else {
    bool color = options.color == "always" || (options.color == "auto" && isatty(STDERR_FILENO));
    for (const auto& d : fe.sink.diagnostics()) std::cerr << diagnostics::render_text(d, fe.sources, color) << "\n";
    std::cerr << diagnostics::render_summary(fe.sink, path, color);
  }
  return fe.sink.has_errors() ? 1 : 0;
}

Lowered lower_file(const std::string& path, std::string& error, int& exit_code, std::vector<std::string>* files) {
  return lower_frontend(run_frontend(path, {}), path, error, exit_code, files);
}

Lowered lower_frontend(std::unique_ptr<Frontend> frontend, const std::string& path, std::string& error, int& exit_code,
                       std::vector<std::string>* files) {
  Lowered out;
  out.frontend = std::move(frontend);
  Frontend* fe = out.frontend.get();
  if (!fe->read_error.empty() || fe->sink.has_errors() || !fe->checked || fe->checked->has_errors) {
    exit_code = report_diagnostics(*fe, path, {});
    if (exit_code == 0) exit_code = 1;
    error.clear();  // already reported with the diagnostics
    return out;
  }
  auto lowered = ir::lower_program(*fe->checked, fe->sources);
  if (!lowered) {
    exit_code = 2;
    error = "internal error: cannot lower " + path + ": " + lowered.error().message;
    return out;
  }
  out.module = std::move(lowered.value());
  if (files) {
    for (std::size_t i = 1; i <= fe->sources.size(); ++i) {
      const std::string& p = fe->sources.file(static_cast<source::FileId>(i)).path();
      std::error_code ec;
      if (std::filesystem::is_regular_file(p, ec)) files->push_back(p);
    }
  }
  return out;
}

}  // namespace sfn::driver
