// Renders a checked program's routing graph (who can deliver which message to whom) as DOT,
// Mermaid or JSON. Nodes are ingresses, function types and egresses; there is one edge per
// possible delivery, labelled with the message type and the handler or ingress it comes from.
// Pure functions of the CheckedProgram: no I/O, deterministic output (golden-tested).
#pragma once

#include <string>

#include "compiler/check/checked_program.h"
#include "compiler/source/source.h"

namespace sfn::codegen::graph {

enum class Format { Dot, Mermaid, Json };

// Renders the graph of a program that checked without errors. The JSON form carries source
// locations of edges (file, line, column), so it needs the SourceManager.
std::string render_graph(const check::CheckedProgram& program, const source::SourceManager& sources, Format format);

}  // namespace sfn::codegen::graph
