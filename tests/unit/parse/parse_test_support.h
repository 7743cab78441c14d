// Helpers for the parser tests: parse a source text held in memory and look at the result as
// AST, printed tree, or diagnostics rendered as "line:col: message" lines.
#pragma once

#include <string>

#include "compiler/ast/ast.h"
#include "compiler/ast/printer.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/parse/parse.h"
#include "compiler/source/source.h"

namespace sfn::parse {

struct Parsed {
  explicit Parsed(std::string text, std::string path = "test.sfn") {
    id = sources.add(std::move(path), std::move(text));
    file = parse_file(sources, id, sink);
  }

  // "line:col: message" per diagnostic, one per line, in report order.
  std::string diagnostics() const {
    std::string out;
    for (const auto& d : sink.diagnostics()) {
      source::LineCol lc = sources.file(d.span.file).line_col(d.span.begin);
      out += std::to_string(lc.line) + ":" + std::to_string(lc.column) + ": " + d.message + "\n";
    }
    return out;
  }

  std::string printed() const {
    ast::Program program;
    program.files.push_back(ast::File{});
    // print_ast needs a Program; reparse into one so `file` stays usable by the test.
    diagnostics::DiagnosticSink ignored;
    program.files[0] = parse_file(sources, id, ignored);
    return ast::print_ast(program, sources);
  }

  // "line:col" of a span's start.
  std::string at(const source::Span& span) const {
    source::LineCol lc = sources.file(span.file).line_col(span.begin);
    return std::to_string(lc.line) + ":" + std::to_string(lc.column);
  }
  // The source text a span covers.
  std::string text(const source::Span& span) const {
    return sources.file(span.file).text().substr(span.begin, span.end - span.begin);
  }

  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  source::FileId id = 0;
  ast::File file;
};

}  // namespace sfn::parse
