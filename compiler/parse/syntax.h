// The concrete syntax tree of a file, for layout tools (the formatter): ANTLR's parse tree
// translated into our own types, so that no ANTLR header leaves compiler/parse/. Every token of
// the default channel appears exactly once, in source order; comments and whitespace do not
// appear (they are the text between tokens).
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace sfn::parse {

struct SyntaxNode {
  // A rule node: the grammar rule, or the alternative's label where the grammar has one
  // ("block", "argList", "messageLit", "binaryExpr", "strInterp"); empty for a token.
  std::string_view rule;
  // A token: its symbolic name from grammar/SfnLexer.g4 ("LBRACE", "IDENT"); empty for a rule.
  std::string_view token;
  source::Span span;  // a token's text; a rule's first to last token
  std::vector<SyntaxNode> children;

  bool is_token() const { return rule.empty(); }
};

// Parses `file` and returns its syntax tree, or nullopt when the file has any syntax or lexical
// error (all of them reported to `sink`, exactly as parse_file reports them).
std::optional<SyntaxNode> parse_syntax_tree(const source::SourceManager& sources, source::FileId file,
                                            diagnostics::DiagnosticSink& sink);

}  // namespace sfn::parse

namespace sfn::parse {

// The language's keywords (the lexer's alphabetic literals: `package`, ..., `int`, `ref`), from
// the grammar; for completion.
std::vector<std::string_view> keywords();

}  // namespace sfn::parse
