// AST builder, part 2: blocks and statements. A statement whose own rule failed (ANTLR recorded
// an exception in it) or that lost a required name becomes ast::ErrorStmt; the syntax error
// was already reported, so later phases skip it silently.
#include <string>

#include "compiler/parse/internal.h"

namespace sfn::parse {

using antlr4::ParserRuleContext;

namespace {

ast::StmtPtr make_stmt(const source::Span& span) {
  auto s = std::make_unique<ast::Stmt>();
  s->span = span;
  s->node = ast::ErrorStmt{};
  return s;
}

bool failed(ParserRuleContext* ctx) { return ctx == nullptr || ctx->exception != nullptr; }

}  // namespace

ast::Block Builder::build_block(SfnParser::BlockContext* ctx, ParserRuleContext* owner) {
  ast::Block block;
  if (ctx == nullptr) {
    source::Span s = span(owner);
    block.span = source::Span{id_, s.end, s.end};
    return block;
  }
  block.span = span(ctx);
  for (auto* stmt : ctx->statement()) block.stmts.push_back(build_statement(stmt));
  return block;
}

ast::StmtPtr Builder::build_statement(SfnParser::StatementContext* ctx) {
  const source::Span whole = span(ctx);
  ast::StmtPtr stmt = make_stmt(whole);
  if (ctx == nullptr || ctx->children.empty()) return stmt;
  // The statement's one alternative, found by rule index rather than by the generated getters
  // (each of which scans the children with dynamic_cast); one builder per alternative. A stray
  // block is reported whatever its state, the other alternatives only when they parsed.
  auto* inner = dynamic_cast<ParserRuleContext*>(ctx->children[0]);
  if (inner == nullptr) return stmt;
  const size_t rule = inner->getRuleIndex();
  if (rule == SfnParser::RuleBlock) {
    stray_block(static_cast<SfnParser::BlockContext*>(inner));
    return stmt;
  }
  if (failed(inner)) return stmt;
  switch (rule) {
#define SFN_STATEMENT_RULE(Name)                                                       \
  case SfnParser::Rule##Name##Stmt:                                                    \
    stmt->node = build_stmt(static_cast<SfnParser::Name##StmtContext*>(inner), whole); \
    break;
    SFN_STATEMENT_RULE(Let)
    SFN_STATEMENT_RULE(If)
    SFN_STATEMENT_RULE(While)
    SFN_STATEMENT_RULE(For)
    SFN_STATEMENT_RULE(Break)
    SFN_STATEMENT_RULE(Continue)
    SFN_STATEMENT_RULE(Return)
    SFN_STATEMENT_RULE(Emit)
    SFN_STATEMENT_RULE(Cancel)
    SFN_STATEMENT_RULE(Clear)
    SFN_STATEMENT_RULE(Fail)
    SFN_STATEMENT_RULE(Send)
    SFN_STATEMENT_RULE(Expr)
#undef SFN_STATEMENT_RULE
    default:
      break;
  }
  return stmt;
}

// Only reported when nothing else is wrong in the file: during error recovery the parser often
// lands on the `{` of a block whose header it could not parse.
void Builder::stray_block(SfnParser::BlockContext* blk) {
  for (const auto& d : sink_.diagnostics()) {
    if (d.kind == diagnostics::Kind::E0001 && d.span.file == id_) return;
  }
  error(span(blk->LBRACE()->getSymbol()), "expected a statement, found `{`: a block cannot stand alone as a statement");
}

ast::StmtNode Builder::build_stmt(SfnParser::LetStmtContext* l, const source::Span& whole) {
  ast::LetStmt let;
  let.is_var = l->VAR() != nullptr;
  let.name = ident(l->IDENT(), whole);
  if (let.name.name.empty()) return ast::ErrorStmt{};
  if (l->type() != nullptr) let.type = build_type(l->type());
  if (l->rhs() != nullptr)
    let.value = build_rhs(l->rhs(), l);
  else if (l->ASSIGN() != nullptr)
    let.value = error_expr(whole);
  if (!let.value && (!let.is_var || !let.type)) {
    error(let.name.span, let.is_var ? "`var " + let.name.name + "` needs a type or a value: `var " + let.name.name +
                                          ": T;` or `var " + let.name.name + " = ...;`"
                                    : "`let " + let.name.name + "` needs a value: `let " + let.name.name + " = ...;`");
    return ast::ErrorStmt{};
  }
  return let;
}

ast::StmtNode Builder::build_stmt(SfnParser::IfStmtContext* i, const source::Span& whole) {
  auto else_ifs = i->elseIf();
  if (else_ifs.size() > static_cast<std::size_t>(kMaxNesting)) {
    error(span(else_ifs[kMaxNesting]),
          "nesting too deep: more than " + std::to_string(kMaxNesting) + " `else if` branches");
    return ast::ErrorStmt{};
  }
  // Build the chain from its end: `else {}` is innermost, each `else if` wraps the rest.
  std::optional<ast::Block> tail;
  if (i->ELSE() != nullptr) tail = build_block(i->block(1), i);
  for (std::size_t k = else_ifs.size(); k-- > 0;) {
    auto* e = else_ifs[k];
    ast::IfStmt inner;
    inner.cond = e->expr() != nullptr ? build_expr(e->expr(), e) : error_expr(span(e));
    inner.then_block = build_block(e->block(), e);
    inner.else_block = std::move(tail);
    source::Span if_span = span(e);
    if (e->IF() != nullptr) if_span.begin = span(e->IF()->getSymbol()).begin;
    auto inner_stmt = std::make_unique<ast::Stmt>();
    inner_stmt->span = if_span;
    inner_stmt->node = std::move(inner);
    ast::Block wrapper;
    wrapper.span = if_span;
    wrapper.stmts.push_back(std::move(inner_stmt));
    tail = std::move(wrapper);
  }
  ast::IfStmt top;
  top.cond = i->expr() != nullptr ? build_expr(i->expr(), i) : error_expr(whole);
  top.then_block = build_block(i->block(0), i);
  top.else_block = std::move(tail);
  return top;
}

ast::StmtNode Builder::build_stmt(SfnParser::WhileStmtContext* w, const source::Span& whole) {
  ast::WhileStmt loop;
  loop.cond = w->expr() != nullptr ? build_expr(w->expr(), w) : error_expr(whole);
  loop.body = build_block(w->block(), w);
  return loop;
}

ast::StmtNode Builder::build_stmt(SfnParser::ForStmtContext* f, const source::Span& whole) {
  ast::ForStmt loop;
  loop.var = ident(f->IDENT(0), whole);
  if (loop.var.name.empty()) return ast::ErrorStmt{};
  if (f->COMMA() != nullptr) {
    ast::Ident value = ident(f->IDENT(1), whole);
    if (value.name.empty()) return ast::ErrorStmt{};
    loop.value_var = std::move(value);
  }
  loop.iterable = f->expr(0) != nullptr ? build_expr(f->expr(0), f) : error_expr(whole);
  if (f->DOTDOT() != nullptr) {
    auto range = std::make_unique<ast::Expr>();
    range->span = source::Span::cover(loop.iterable->span, span(f->DOTDOT()->getSymbol()));
    ast::ExprPtr end = f->expr(1) != nullptr ? build_expr(f->expr(1), f) : error_expr(range->span);
    range->span = source::Span::cover(range->span, end->span);
    range->node = ast::Range{std::move(loop.iterable), std::move(end)};
    loop.iterable = std::move(range);
  }
  loop.body = build_block(f->block(), f);
  return loop;
}

ast::StmtNode Builder::build_stmt(SfnParser::BreakStmtContext*, const source::Span&) { return ast::BreakStmt{}; }

ast::StmtNode Builder::build_stmt(SfnParser::ContinueStmtContext*, const source::Span&) { return ast::ContinueStmt{}; }

ast::StmtNode Builder::build_stmt(SfnParser::ReturnStmtContext* r, const source::Span&) {
  ast::ReturnStmt ret;
  if (r->expr() != nullptr) ret.value = build_expr(r->expr(), r);
  return ret;
}

ast::StmtNode Builder::build_stmt(SfnParser::EmitStmtContext* e, const source::Span& whole) {
  ast::EmitStmt emit;
  emit.egress = ident(e->IDENT(), whole);
  if (emit.egress.name.empty()) return ast::ErrorStmt{};
  emit.message = e->expr() != nullptr ? build_expr(e->expr(), e) : error_expr(whole);
  return emit;
}

ast::StmtNode Builder::build_stmt(SfnParser::CancelStmtContext* c, const source::Span& whole) {
  ast::CancelStmt cancel;
  cancel.timer = c->expr() != nullptr ? build_expr(c->expr(), c) : error_expr(whole);
  return cancel;
}

ast::StmtNode Builder::build_stmt(SfnParser::ClearStmtContext* c, const source::Span& whole) {
  ast::ClearStmt clear;
  if (c->SELF() == nullptr) {
    ast::Ident target = ident(c->IDENT(), whole);
    if (target.name.empty()) return ast::ErrorStmt{};
    clear.target = std::move(target);
  }
  return clear;
}

ast::StmtNode Builder::build_stmt(SfnParser::FailStmtContext* f, const source::Span& whole) {
  ast::FailStmt fail;
  fail.reason = f->expr() != nullptr ? build_expr(f->expr(), f) : error_expr(whole);
  return fail;
}

ast::StmtNode Builder::build_stmt(SfnParser::SendStmtContext* s, const source::Span&) {
  if (s->sendExpr() == nullptr) return ast::ErrorStmt{};
  return ast::ExprStmt{build_send(s->sendExpr())};
}

ast::StmtNode Builder::build_stmt(SfnParser::ExprStmtContext* x, const source::Span&) {
  if (x->expr() == nullptr) return ast::ErrorStmt{};
  ast::ExprPtr target = build_expr(x->expr(), x);
  auto* op = x->assignOp();
  if (op == nullptr) return ast::ExprStmt{std::move(target)};
  ast::AssignStmt assign;
  assign.target = std::move(target);
  assign.op_span = span(op);
  if (op->PLUS_ASSIGN() != nullptr)
    assign.op = ast::AssignOp::Add;
  else if (op->MINUS_ASSIGN() != nullptr)
    assign.op = ast::AssignOp::Sub;
  else if (op->STAR_ASSIGN() != nullptr)
    assign.op = ast::AssignOp::Mul;
  else if (op->SLASH_ASSIGN() != nullptr)
    assign.op = ast::AssignOp::Div;
  else if (op->PERCENT_ASSIGN() != nullptr)
    assign.op = ast::AssignOp::Rem;
  else
    assign.op = ast::AssignOp::Set;
  assign.value = x->rhs() != nullptr ? build_rhs(x->rhs(), x) : error_expr(assign.op_span);
  return assign;
}

}  // namespace sfn::parse
