// AST builder, part 4: `test "name" { ... }` blocks (docs/decisions/140-sfn-test.md). The
// grammar matches their words as plain identifiers (`test`, `advance`, `expect`, `emitted`,
// `failed`, `contains` stay usable as names elsewhere); this file checks them, one small
// function per statement form, and reports a wrong word as E0001 naming the forms.
#include <string>

#include "compiler/parse/internal.h"

namespace sfn::parse {
namespace {

bool failed(antlr4::ParserRuleContext* ctx) { return ctx == nullptr || ctx->exception != nullptr; }

ast::TestStmt error_stmt(const source::Span& span) { return ast::TestStmt{span, ast::ErrorStmt{}}; }

constexpr const char* kForms =
    "a test statement is `send M { ... } to INGRESS;`, `send M { ... } to F(key);`, `advance DURATION;`, "
    "`expect F(key).state == VALUE;`, `expect emitted EGRESS [contains] [RECORD, ...];` or "
    "`expect failed F(key) \"error text\";`";

}  // namespace

bool Builder::test_word(antlr4::tree::TerminalNode* node, std::string_view word, const source::Span& fallback) {
  ast::Ident id = ident(node, fallback);
  if (id.name == word) return true;
  if (!id.name.empty()) error(id.span, "expected `" + std::string(word) + "`, found `" + id.name + "`; " + kForms);
  return false;
}

ast::TestStmt Builder::build_test_send(SfnParser::TestSendContext* ctx) {
  const source::Span whole = span(ctx);
  ast::TestSend send;
  send.message = build_expr(ctx->expr(0), ctx);
  send.target = build_expr(ctx->expr(1), ctx);
  return ast::TestStmt{whole, std::move(send)};
}

ast::TestStmt Builder::build_test_records(SfnParser::TestExpectRecordsContext* ctx) {
  const source::Span whole = span(ctx);
  auto words = ctx->IDENT();
  if (!test_word(words[0], "expect", whole) || !test_word(words[1], "emitted", whole)) return error_stmt(whole);
  ast::TestExpectEmitted expect;
  expect.egress = ident(words[2], whole);
  if (words.size() > 3) {
    if (!test_word(words[3], "contains", whole)) return error_stmt(whole);
    expect.contains = true;
  }
  expect.records = build_expr(ctx->expr(), ctx);
  return ast::TestStmt{whole, std::move(expect)};
}

ast::TestStmt Builder::build_test_failed(SfnParser::TestExpectFailedContext* ctx) {
  const source::Span whole = span(ctx);
  if (!test_word(ctx->IDENT(0), "expect", whole) || !test_word(ctx->IDENT(1), "failed", whole))
    return error_stmt(whole);
  ast::TestExpectFailed expect;
  expect.address = build_expr(ctx->expr(), ctx);
  expect.error = build_string(ctx->stringLit());
  return ast::TestStmt{whole, std::move(expect)};
}

ast::TestStmt Builder::build_test_word(SfnParser::TestWordContext* ctx) {
  const source::Span whole = span(ctx);
  ast::Ident word = ident(ctx->IDENT(), whole);
  ast::ExprPtr value = build_expr(ctx->expr(), ctx);
  if (word.name == "advance") return ast::TestStmt{whole, ast::TestAdvance{std::move(value)}};
  if (word.name == "expect") return ast::TestStmt{whole, ast::TestExpectState{std::move(value)}};
  if (!word.name.empty() && !syntax_error_within(whole))
    error(word.span, "expected `advance` or `expect`, found `" + word.name + "`; " + kForms);
  return error_stmt(whole);
}

bool Builder::syntax_error_within(const source::Span& span) const {
  for (const diagnostics::Diagnostic& d : sink_.diagnostics())
    if (d.kind == diagnostics::Kind::E0001 && d.span.file == span.file && d.span.begin >= span.begin &&
        d.span.begin <= span.end)
      return true;
  return false;
}

ast::TestStmt Builder::build_test_stmt(SfnParser::TestStmtContext* ctx) {
  const source::Span whole = span(ctx);
  if (failed(ctx)) return error_stmt(whole);
  if (auto* s = dynamic_cast<SfnParser::TestSendContext*>(ctx)) return build_test_send(s);
  if (auto* r = dynamic_cast<SfnParser::TestExpectRecordsContext*>(ctx)) return build_test_records(r);
  if (auto* f = dynamic_cast<SfnParser::TestExpectFailedContext*>(ctx)) return build_test_failed(f);
  if (auto* w = dynamic_cast<SfnParser::TestWordContext*>(ctx)) return build_test_word(w);
  return error_stmt(whole);
}

void Builder::build_test(SfnParser::TestDeclContext* ctx, ast::Doc doc, std::vector<ast::TestDecl>& out) {
  if (ctx == nullptr) return;
  ast::TestDecl test;
  test.span = span(ctx);
  test.doc = std::move(doc);
  ast::Ident word = ident(ctx->IDENT(), test.span);
  if (word.name != "test") {
    // After an earlier syntax error in the file, a stray name here is most likely where the
    // parser's recovery landed: one report is enough.
    if (!syntax_error_within(source::Span{test.span.file, 0, test.span.end}))
      error(word.span, "expected a declaration, found `" + word.name + "` (a test is `test \"name\" { ... }`)");
    return;
  }
  test.name_span = span(ctx->stringLit());
  ast::ExprPtr name = build_string(ctx->stringLit());
  if (const auto* lit = std::get_if<ast::StringLit>(&name->node)) {
    for (const auto& part : lit->parts) {
      if (part.expr) {
        error(part.span, "a test's name is plain text, without `${...}`");
        return;
      }
      test.name += part.text;
    }
  }
  for (auto* stmt : ctx->testStmt()) test.stmts.push_back(build_test_stmt(stmt));
  out.push_back(std::move(test));
}

}  // namespace sfn::parse
