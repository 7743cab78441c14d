// `sfn emit ast FILE`: parses a program (the root file and its imports) and prints its AST
// (compiler/ast/printer.h) on stdout. Only syntax and import errors are reported (stderr, text);
// the AST is printed even then, with the failed parts shown as ErrorExpr/ErrorStmt.
#include <unistd.h>

#include <iostream>
#include <string>

#include "compiler/ast/printer.h"
#include "compiler/diagnostics/render.h"
#include "compiler/driver/command.h"
#include "compiler/parse/parse.h"
#include "stdlib/std_modules.h"

namespace sfn::driver {
namespace {

void setup_emit_ast(CLI::App& app, int& exit_code) {
  static std::string file;
  CLI::App* emit = emit_command(app);
  auto* ast_cmd = emit->add_subcommand("ast", "Print the syntax tree of a program and its imports");
  ast_cmd->add_option("file", file, "The program's root .sfn file")->required();
  ast_cmd->callback([&exit_code] {
    source::SourceManager sources;
    diagnostics::DiagnosticSink sink;
    parse::StdModuleProvider provider = [](std::string_view name) { return stdlib::std_module_source(name); };
    Result<ast::Program> program = parse::load_program(sources, file, provider, sink, stdlib::std_module_names());
    if (!program || program->files.empty()) {
      std::cerr << "error: cannot read `" << file << "`: " << (program ? "" : program.error().message) << "\n";
      exit_code = 2;
      return;
    }
    std::cout << ast::print_ast(program.value(), sources);
    sink.sort_by_location();
    const bool color = isatty(STDERR_FILENO);
    for (const auto& d : sink.diagnostics()) {
      std::cerr << diagnostics::render_text(d, sources, color) << "\n";
    }
    if (!sink.diagnostics().empty()) std::cerr << diagnostics::render_summary(sink, file, color);
    exit_code = sink.has_errors() ? 1 : 0;
  });
}

CommandRegistrar registrar(20, setup_emit_ast);

}  // namespace
}  // namespace sfn::driver
