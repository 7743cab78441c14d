// `sfn emit cpp FILE`: prints the C++ the backend generates for a program that checks without
// errors (diagnostics go to stderr, exit 1), and `sfn emit ir FILE`, the lowered IR.
#include <iostream>

#include "codegen/cpp/cpp_backend.h"
#include "compiler/driver/command.h"
#include "compiler/driver/frontend.h"
#include "compiler/ir/lower.h"

namespace sfn::driver {
namespace {

void setup_emit_cpp(CLI::App& app, int& exit_code) {
  static std::string cpp_file, ir_file;
  static bool line_directives = false;
  CLI::App* emit = emit_command(app);
  auto lower = [&exit_code](const std::string& file, auto&& use) {
    auto fe = run_frontend(file, {});
    if (!fe->read_error.empty() || fe->sink.has_errors() || !fe->checked) {
      exit_code = report_diagnostics(*fe, file, {});
      if (exit_code == 0) exit_code = 1;
      return;
    }
    std::string error;
    auto module = ir::lower_program(*fe->checked, fe->sources, &error);
    if (!module) {
      std::cerr << "error: internal error: cannot lower " << file << ": " << error << "\n";
      exit_code = 2;
      return;
    }
    use(*module);
  };

  auto* cpp = emit->add_subcommand("cpp", "Print the C++ generated for the program (the C++ backend)");
  cpp->add_option("file", cpp_file, "The program's root .sfn file")->required();
  cpp->add_flag("--line-directives", line_directives, "Emit #line directives pointing at the .sfn source");
  cpp->callback([lower] {
    lower(cpp_file, [](const ir::Module& m) {
      codegen::cpp::Options options;
      options.line_directives = line_directives;
      std::cout << codegen::cpp::generate(m, options);
    });
  });

  auto* irc = emit->add_subcommand("ir", "Print the program's backend-neutral IR (for debugging)");
  irc->add_option("file", ir_file, "The program's root .sfn file")->required();
  irc->callback([lower] { lower(ir_file, [](const ir::Module& m) { std::cout << ir::print_module(m); }); });
}

CommandRegistrar registrar(22, setup_emit_cpp);

}  // namespace
}  // namespace sfn::driver
