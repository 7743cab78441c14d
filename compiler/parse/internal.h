// Internal interfaces of the parser front end, shared by its .cpp files only (this header pulls
// in ANTLR and the generated parser, so it must never be included outside compiler/parse/).
// The pipeline is: lex_file (ANTLR lexer + a pass that reports lexical problems, drops invalid
// characters, closes unterminated strings and bounds nesting depth) -> SfnParser with
// ErrorStrategy (our E0001 wording and cascade suppression) -> Builder (parse tree -> AST).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "SfnLexer.h"
#include "SfnParser.h"
#include "antlr4-runtime.h"
#include "compiler/ast/ast.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace sfn::parse {

using sfn_antlr::SfnLexer;
using sfn_antlr::SfnParser;

// Brackets, type arguments (`list<`), interpolations and prefix operators nested deeper than
// this are rejected before parsing, so that neither ANTLR's recursive descent nor the AST
// builder can exhaust the stack.
inline constexpr int kMaxNesting = 200;
// Depth bound for the AST builder itself (left-nested operator chains are loops in ANTLR but
// nested nodes in the AST).
inline constexpr int kMaxAstDepth = 1500;
// Per file: lexical errors beyond this many (e.g. a binary file) are summarised in one line, and
// the parser stops reporting after kMaxSyntaxErrors.
inline constexpr std::size_t kMaxLexicalErrors = 100;
inline constexpr std::size_t kMaxSyntaxErrors = 100;
// An error region (see ErrorStrategy) never extends further than this many tokens.
inline constexpr std::size_t kMaxRegionTokens = 5000;

// A character stream over UTF-8 bytes that remembers the byte offset of every code point, so
// ANTLR's code-point indices convert back to our byte spans. Invalid UTF-8 bytes become one
// U+FFFD code point each (and are reported by the lexing pass).
class CodePointStream : public antlr4::ANTLRInputStream {
 public:
  explicit CodePointStream(std::string_view bytes);
  // Byte offset of code point `index`; index == size() gives the byte length.
  std::uint32_t byte_offset(std::size_t index) const {
    return index < offsets_.size() ? offsets_[index] : offsets_.back();
  }
  // Byte ranges of invalid UTF-8 sequences.
  const std::vector<std::pair<std::uint32_t, std::uint32_t>>& invalid_utf8() const { return invalid_; }

 private:
  std::vector<std::uint32_t> offsets_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> invalid_;
};

// The generated lexer, made total: a `}` with an empty mode stack is an ordinary token.
class TotalLexer : public SfnLexer {
 public:
  using SfnLexer::SfnLexer;
  size_t popMode() override {
    if (modeStack.empty()) return mode;
    return SfnLexer::popMode();
  }
};

// The tokens of one file, ready for the parser.
struct LexedFile {
  std::unique_ptr<CodePointStream> input;
  std::unique_ptr<TotalLexer> lexer;
  std::vector<std::unique_ptr<antlr4::Token>> tokens;  // ends with EOF
  // Byte offsets where a lexical error was reported (the parser does not report again there).
  std::set<std::uint32_t> error_offsets;
  bool eof_error = false;  // an unterminated string/comment was reported at end of file
  bool too_deep = false;   // nesting limit exceeded: the file must not be parsed
};

// Lexes a file and reports lexical errors (E0001) to `sink`.
LexedFile lex_file(const source::SourceFile& file, source::FileId id, diagnostics::DiagnosticSink& sink);

// Byte span of a token; conjured (missing) tokens get an empty span at `fallback`.
source::Span token_span(const CodePointStream& input, source::FileId file, const antlr4::Token* t);

// DefaultErrorStrategy with our messages ("expected `;`, found `}`") and cascade suppression:
// every reported error (lexical ones included) opens a "region" of tokens up to the end of the
// statement it is in (the next `;` or closing `}` at its bracket depth, or the next declaration
// keyword); further errors inside a region are not reported. A declaration keyword inside a body
// closes the body instead of being skipped.
class ErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  // `stream` must already be filled.
  ErrorStrategy(std::string_view text, source::FileId file, const LexedFile& lexed, antlr4::BufferedTokenStream& stream,
                diagnostics::DiagnosticSink& sink);

  void sync(antlr4::Parser* recognizer) override;

 protected:
  void reportNoViableAlternative(antlr4::Parser* recognizer, const antlr4::NoViableAltException& e) override;
  void reportInputMismatch(antlr4::Parser* recognizer, const antlr4::InputMismatchException& e) override;
  void reportFailedPredicate(antlr4::Parser* recognizer, const antlr4::FailedPredicateException& e) override;
  void reportUnwantedToken(antlr4::Parser* recognizer) override;
  void reportMissingToken(antlr4::Parser* recognizer) override;

 private:
  // `exact`: the parser repaired the input by inserting or deleting exactly this token, so the
  // error region is the token alone; otherwise it runs to the end of the statement.
  void report(antlr4::Parser* recognizer, antlr4::Token* at, const std::string& message, bool exact = false);
  bool in_poisoned_unit(antlr4::ParserRuleContext* ctx) const;
  // Index of the last token of the statement containing token `index` (see class comment).
  std::size_t region_end(std::size_t index) const;

  std::string_view text_;
  const CodePointStream& input_;
  source::FileId file_;
  const LexedFile& lexed_;
  antlr4::BufferedTokenStream& stream_;
  diagnostics::DiagnosticSink& sink_;
  std::vector<std::pair<std::size_t, std::size_t>> regions_;  // token index ranges, inclusive
  // Statements/declarations that already have an error: no second report inside them, nor
  // right after them at the same level (the junk their recovery left behind).
  std::set<const antlr4::ParserRuleContext*> poisoned_;
  std::size_t reported_ = 0;
  bool in_sync_ = false;  // inside DefaultErrorStrategy::sync, which skips tokens after a report
};

// How a token is named in messages: "`;`", "keyword `let`", "end of file", "`foo`".
std::string describe_token(const antlr4::Token* token, std::string_view source_text, const CodePointStream& input);
// The names of an expected-token set: "`;`", "an expression", "`)` or `,`".
std::string describe_expected(const antlr4::misc::IntervalSet& expected, size_t rule_index,
                              const antlr4::dfa::Vocabulary& vocabulary);

// Converts a parse tree to the AST. Reports literal errors and nesting overflow; never throws.
class Builder {
 public:
  Builder(const source::SourceFile& file, source::FileId id, const CodePointStream& input,
          antlr4::BufferedTokenStream& tokens, diagnostics::DiagnosticSink& sink)
      : file_(file), id_(id), input_(input), tokens_(tokens), sink_(sink) {}

  ast::File build_file(SfnParser::FileContext* ctx);
  void build_package(SfnParser::PackageDeclContext* ctx, ast::File& file);
  void build_import(SfnParser::ImportDeclContext* ctx, ast::File& file);

  // ---- declarations (build_decls.cpp)
  void build_declaration(SfnParser::DeclarationContext* ctx, std::vector<ast::Decl>& out);
  // One builder per alternative of the `declaration` rule (`whole`: the declaration's span);
  // build_declaration sets the doc comment and span and drops a declaration without a name.
  ast::Decl build_decl(SfnParser::MessageDeclContext* ctx, const source::Span& whole);
  ast::Decl build_decl(SfnParser::EnumDeclContext* ctx, const source::Span& whole);
  ast::Decl build_decl(SfnParser::ConstDeclContext* ctx, const source::Span& whole);
  ast::Decl build_decl(SfnParser::FnDeclContext* ctx, const source::Span& whole);
  ast::Decl build_decl(SfnParser::ExternFnDeclContext* ctx, const source::Span& whole);
  ast::Decl build_decl(SfnParser::FunctionDeclContext* ctx, const source::Span& whole);
  ast::Decl build_decl(SfnParser::IngressDeclContext* ctx, const source::Span& whole);
  ast::Decl build_decl(SfnParser::EgressDeclContext* ctx, const source::Span& whole);
  ast::Param required_param(SfnParser::ParamContext* ctx, const source::Span& whole);
  // A member of a function type; null when it lost its name (a syntax error was reported).
  std::optional<ast::StateDecl> build_state(SfnParser::StateDeclContext* ctx, SfnParser::MemberContext* member);
  std::optional<ast::Handler> build_handler(SfnParser::HandlerContext* ctx, SfnParser::MemberContext* member);
  // A top-level item: a declaration into `file.decls`, or a test block into `file.tests`.
  void build_top_level(SfnParser::DeclarationContext* ctx, ast::File& file);
  ast::TypePtr build_type(SfnParser::TypeContext* ctx);
  std::optional<ast::Param> build_param(SfnParser::ParamContext* ctx);
  ast::QualifiedName build_qualified_name(SfnParser::QualifiedNameContext* ctx);

  // ---- statements (build_stmts.cpp)
  ast::Block build_block(SfnParser::BlockContext* ctx, antlr4::ParserRuleContext* owner);
  ast::StmtPtr build_statement(SfnParser::StatementContext* ctx);
  // One builder per alternative of the `statement` rule (`whole`: the statement's span); a
  // statement that lost a required name gives ErrorStmt.
  ast::StmtNode build_stmt(SfnParser::LetStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::IfStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::WhileStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::ForStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::BreakStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::ContinueStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::ReturnStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::EmitStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::CancelStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::ClearStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::FailStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::SendStmtContext* ctx, const source::Span& whole);
  ast::StmtNode build_stmt(SfnParser::ExprStmtContext* ctx, const source::Span& whole);
  // A block standing alone as a statement: E0001 unless the file already has a syntax error.
  void stray_block(SfnParser::BlockContext* ctx);

  // ---- tests (build_tests.cpp)
  void build_test(SfnParser::TestDeclContext* ctx, ast::Doc doc, std::vector<ast::TestDecl>& out);
  ast::TestStmt build_test_stmt(SfnParser::TestStmtContext* ctx);
  ast::TestStmt build_test_send(SfnParser::TestSendContext* ctx);
  ast::TestStmt build_test_records(SfnParser::TestExpectRecordsContext* ctx);
  ast::TestStmt build_test_failed(SfnParser::TestExpectFailedContext* ctx);
  ast::TestStmt build_test_word(SfnParser::TestWordContext* ctx);
  // Whether `node` is the contextual word `word`; reports E0001 when it is another name.
  bool test_word(antlr4::tree::TerminalNode* node, std::string_view word, const source::Span& fallback);
  // Whether a syntax error was already reported inside `span` (one report per statement).
  bool syntax_error_within(const source::Span& span) const;

  // ---- expressions (build_exprs.cpp)
  ast::ExprPtr build_expr(SfnParser::ExprContext* ctx, antlr4::ParserRuleContext* owner);
  ast::ExprPtr build_rhs(SfnParser::RhsContext* ctx, antlr4::ParserRuleContext* owner);
  ast::ExprPtr build_send(SfnParser::SendExprContext* ctx);
  // A string literal's decoded text when it has no interpolation (for `import "x";`).
  ast::ExprPtr build_string(SfnParser::StringLitContext* ctx);

  // ---- helpers (build_decls.cpp)
  source::Span span(const antlr4::Token* t) const;
  source::Span span(antlr4::ParserRuleContext* ctx) const;
  // An identifier from a terminal; empty name (and `fallback` span) if missing or conjured.
  ast::Ident ident(antlr4::tree::TerminalNode* node, const source::Span& fallback) const;
  std::string text(const antlr4::Token* t) const;
  ast::Doc doc_before(antlr4::ParserRuleContext* ctx);
  ast::ExprPtr error_expr(const source::Span& span) const;
  void error(const source::Span& span, std::string message);

 private:
  ast::ExprPtr build_expr_inner(SfnParser::ExprContext* ctx);
  // The operator expressions build_expr_inner dispatches to, one per labelled alternative.
  ast::ExprPtr build_field(SfnParser::FieldExprContext* f, const source::Span& whole);
  ast::ExprPtr build_unary(SfnParser::UnaryExprContext* u, const source::Span& whole);
  ast::ExprPtr build_binary(SfnParser::BinaryExprContext* b, const source::Span& whole);
  ast::ExprPtr build_primary(SfnParser::PrimaryContext* ctx);
  ast::ExprPtr build_int(antlr4::Token* tok, bool negated, const source::Span& span);
  ast::ExprPtr build_float(antlr4::Token* tok, const source::Span& span);
  ast::ExprPtr build_duration(antlr4::Token* tok, const source::Span& span);
  ast::ExprPtr build_message_lit(SfnParser::MessageLitContext* ctx, const source::Span& span);

  const source::SourceFile& file_;
  source::FileId id_;
  const CodePointStream& input_;
  antlr4::BufferedTokenStream& tokens_;
  diagnostics::DiagnosticSink& sink_;
  int depth_ = 0;
  bool depth_reported_ = false;
};

}  // namespace sfn::parse
