// `sfn emit proto FILE` and `sfn emit graph FILE --format dot|mermaid|json`: print an
// intermediate form of a program that checks without errors (diagnostics go to stderr).
#include <iostream>

#include "codegen/graph/graph.h"
#include "codegen/proto/proto.h"
#include "compiler/driver/command.h"
#include "compiler/driver/frontend.h"

namespace sfn::driver {
namespace {

// Checks the program; on errors prints them (text, stderr) and returns the exit status.
int check_for_emit(const Frontend& fe, const std::string& file) {
  DiagnosticOptions text;
  if (!fe.read_error.empty() || fe.sink.has_errors()) return report_diagnostics(fe, file, text);
  return 0;
}

void setup_emit(CLI::App& app, int& exit_code) {
  static std::string proto_file, graph_file, graph_format = "dot";
  CLI::App* emit = emit_command(app);

  auto* proto = emit->add_subcommand("proto", "Print a proto3 file for the program's messages and enums");
  proto->add_option("file", proto_file, "The program's root .sfn file")->required();
  proto->callback([&exit_code] {
    auto fe = run_frontend(proto_file, {});
    if ((exit_code = check_for_emit(*fe, proto_file)) != 0) return;
    std::cout << codegen::proto::emit_proto(*fe->checked);
  });

  auto* graph = emit->add_subcommand("graph", "Print the routing graph (who sends which message to whom)");
  graph->add_option("file", graph_file, "The program's root .sfn file")->required();
  graph->add_option("--format", graph_format, "dot, mermaid or json")
      ->check(CLI::IsMember({"dot", "mermaid", "json"}))
      ->capture_default_str();
  graph->callback([&exit_code] {
    auto fe = run_frontend(graph_file, {});
    if ((exit_code = check_for_emit(*fe, graph_file)) != 0) return;
    auto format = graph_format == "mermaid" ? codegen::graph::Format::Mermaid
                  : graph_format == "json"  ? codegen::graph::Format::Json
                                            : codegen::graph::Format::Dot;
    std::cout << codegen::graph::render_graph(*fe->checked, fe->sources, format);
  });
}

CommandRegistrar registrar(21, setup_emit);

}  // namespace
}  // namespace sfn::driver
