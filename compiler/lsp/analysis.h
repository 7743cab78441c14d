// One analysis of a program for the language server: the front end (the same load + parse +
// check as `sfn check`, with the editor's open buffers in place of the files on disk) and an
// index of every named thing — where it is declared, where it is used, its type and doc — built
// from the CheckedProgram's resolutions, never by re-resolving names.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/checked_program.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/lsp/text.h"
#include "compiler/source/source.h"

namespace sfn::lsp {

// Whether `path` names a std module's source (`<std>/strings.sfn`).
inline bool is_std_path(std::string_view path) { return path.rfind("<std>/", 0) == 0; }

// What a name refers to. Symbols are identified by a key that is the same in every file of a
// program ("message:Order", "field:Order.id", "state:Cart.basket", "local:12").
struct Symbol {
  enum class Kind { Message, Field, Enum, EnumValue, Const, Fn, Function, State, Local, Ingress, Egress, Handler };
  Kind kind = Kind::Local;
  std::string name;
  std::string detail;     // the hover's code line: "field id: string"
  std::string doc;        // `///` documentation
  std::string container;  // the message / enum / function type it belongs to; a local's fn, function type or ingress
  source::Span definition;
  bool is_std = false;  // declared in a std module: never renamed
};

struct Occurrence {
  source::Span span;
  std::string symbol;  // key into Analysis::symbols
  bool is_definition = false;
  std::string type;  // the type of the expression at this name, when it has one
};

struct Analysis {
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  ast::Program program;
  std::optional<check::CheckedProgram> checked;
  source::FileId root = source::kNoFile;

  std::unordered_map<std::string, Symbol> symbols;
  // Per file, sorted by position.
  std::map<source::FileId, std::vector<Occurrence>> occurrences;

  // The occurrence covering `offset` of `file` (the end of a name counts), if any.
  const Occurrence* occurrence_at(source::FileId file, std::uint32_t offset) const;
  // Every occurrence of `symbol`, definition included.
  std::vector<const Occurrence*> references(const std::string& symbol) const;
  // Whether `file` is a std module (`<std>/strings.sfn`).
  bool is_std(source::FileId file) const { return is_std_path(sources.file(file).path()); }
  // LSP positions of `file`, built on first use.
  const LineIndex& line_index(source::FileId file) const;

 private:
  mutable std::map<source::FileId, std::unique_ptr<LineIndex>> line_indexes_;
};

// Open editor buffers by path; they replace the files on disk while analysing.
using Overlays = std::map<std::string, std::string>;

// Analyses the program rooted at `root_path`. Never throws for any input.
std::unique_ptr<Analysis> analyze(const std::string& root_path, const Overlays& overlays);

}  // namespace sfn::lsp
