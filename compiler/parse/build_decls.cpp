// AST builder, part 1: the file, declarations, types, and the helpers every part shares (spans,
// identifiers, doc comments). The builder trusts nothing about the parse tree's completeness:
// after error recovery any child may be missing, and a missing name yields an empty Ident (see
// parse.h); a declaration without a name is dropped.
#include <string>

#include "compiler/parse/internal.h"

namespace sfn::parse {

using antlr4::ParserRuleContext;
using antlr4::Token;

// ------------------------------------------------------------------------------- helpers

source::Span Builder::span(const Token* t) const { return token_span(input_, id_, t); }

source::Span Builder::span(ParserRuleContext* ctx) const {
  if (ctx == nullptr || ctx->getStart() == nullptr) return source::Span{id_, 0, 0};
  Token* start = ctx->getStart();
  Token* stop = ctx->getStop();
  source::Span s = span(start);
  if (stop != nullptr && stop->getTokenIndex() != INVALID_INDEX && stop->getTokenIndex() >= start->getTokenIndex() &&
      stop->getType() != Token::EOF) {
    s.end = std::max(s.begin, span(stop).end);
  } else {
    s.end = s.begin;
  }
  return s;
}

ast::Ident Builder::ident(antlr4::tree::TerminalNode* node, const source::Span& fallback) const {
  if (node == nullptr || dynamic_cast<antlr4::tree::ErrorNode*>(node) != nullptr || node->getSymbol() == nullptr ||
      node->getSymbol()->getTokenIndex() == INVALID_INDEX || node->getSymbol()->getType() == Token::EOF) {
    return ast::Ident{"", source::Span{fallback.file, fallback.begin, fallback.begin}};
  }
  return ast::Ident{text(node->getSymbol()), span(node->getSymbol())};
}

std::string Builder::text(const Token* t) const {
  source::Span s = span(t);
  return file_.text().substr(s.begin, s.end - s.begin);
}

ast::Doc Builder::doc_before(ParserRuleContext* ctx) {
  if (ctx == nullptr || ctx->getStart() == nullptr) return {};
  size_t index = ctx->getStart()->getTokenIndex();
  if (index == INVALID_INDEX || index >= tokens_.size()) return {};
  std::vector<Token*> docs = tokens_.getHiddenTokensToLeft(index, SfnLexer::DOC_CHANNEL);
  ast::Doc doc;
  for (Token* t : docs) {
    std::string line = text(t);
    line = line.size() >= 3 ? line.substr(3) : std::string();
    if (!line.empty() && line[0] == ' ') line.erase(0, 1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!doc.empty()) doc += '\n';
    doc += line;
  }
  return doc;
}

ast::ExprPtr Builder::error_expr(const source::Span& span) const {
  auto e = std::make_unique<ast::Expr>();
  e->span = span;
  e->node = ast::ErrorExpr{};
  return e;
}

void Builder::error(const source::Span& span, std::string message) {
  sink_.report(diagnostics::Kind::E0001, span, std::move(message));
}

// ------------------------------------------------------------------------------- file

ast::QualifiedName Builder::build_qualified_name(SfnParser::QualifiedNameContext* ctx) {
  ast::QualifiedName name;
  name.span = span(ctx);
  if (ctx == nullptr) return name;
  ast::Ident first = ident(ctx->IDENT(), name.span);
  if (first.name.empty()) return name;
  name.parts.push_back(std::move(first));
  for (auto* part : ctx->anyName()) {
    antlr4::tree::TerminalNode* node = part->IDENT();
    if (node == nullptr && part->keyword() != nullptr) {
      // A keyword used as a name part (`std.time`): take the keyword's token.
      auto* kw = part->keyword();
      if (kw->getStart() != nullptr && kw->exception == nullptr) {
        name.parts.push_back(ast::Ident{text(kw->getStart()), span(kw->getStart())});
        continue;
      }
    }
    ast::Ident id = ident(node, span(part));
    if (!id.name.empty()) name.parts.push_back(std::move(id));
  }
  return name;
}

void Builder::build_package(SfnParser::PackageDeclContext* pkg, ast::File& file) {
  if (pkg == nullptr || pkg->qualifiedName() == nullptr) return;
  ast::QualifiedName name = build_qualified_name(pkg->qualifiedName());
  if (!name.parts.empty()) file.package = std::move(name);
}

void Builder::build_import(SfnParser::ImportDeclContext* imp, ast::File& file) {
  ast::Import import;
  import.span = span(imp);
  if (imp->stringLit() != nullptr) {
    ast::ExprPtr lit = build_string(imp->stringLit());
    auto* str = std::get_if<ast::StringLit>(&lit->node);
    if (str == nullptr) return;
    std::string path;
    for (auto& part : str->parts) {
      if (part.expr) {
        error(lit->span, "an import path cannot contain `${...}` interpolation");
        return;
      }
      path += part.text;
    }
    import.path = std::move(path);
  } else if (imp->qualifiedName() != nullptr) {
    ast::QualifiedName name = build_qualified_name(imp->qualifiedName());
    if (name.parts.empty()) return;
    import.module = std::move(name);
  } else {
    return;
  }
  file.imports.push_back(std::move(import));
}

ast::File Builder::build_file(SfnParser::FileContext* ctx) {
  ast::File file;
  file.file = id_;
  if (ctx == nullptr) return file;
  build_package(ctx->packageDecl(), file);
  for (auto* imp : ctx->importDecl()) build_import(imp, file);
  for (auto* decl : ctx->declaration()) build_top_level(decl, file);
  return file;
}

void Builder::build_top_level(SfnParser::DeclarationContext* ctx, ast::File& file) {
  if (ctx != nullptr && ctx->testDecl() != nullptr)
    build_test(ctx->testDecl(), doc_before(ctx), file.tests);
  else
    build_declaration(ctx, file.decls);
}

// ------------------------------------------------------------------------------- types

ast::TypePtr Builder::build_type(SfnParser::TypeContext* ctx) {
  auto type = std::make_unique<ast::TypeExpr>();
  type->span = span(ctx);
  type->name.span = source::Span{id_, type->span.begin, type->span.begin};
  if (ctx == nullptr || ctx->typeAtom() == nullptr) return type;
  auto* atom = ctx->typeAtom();
  if (auto* list = dynamic_cast<SfnParser::ListTypeContext*>(atom)) {
    type->kind = ast::TypeExpr::Kind::List;
    type->args.push_back(build_type(list->type()));
  } else if (auto* map = dynamic_cast<SfnParser::MapTypeContext*>(atom)) {
    type->kind = ast::TypeExpr::Kind::Map;
    type->args.push_back(build_type(map->type(0)));
    type->args.push_back(build_type(map->type(1)));
  } else if (auto* ref = dynamic_cast<SfnParser::RefTypeContext*>(atom)) {
    type->kind = ast::TypeExpr::Kind::Ref;
    type->name = ident(ref->IDENT(), span(ref));
  } else if (auto* named = dynamic_cast<SfnParser::NamedTypeContext*>(atom)) {
    type->kind = ast::TypeExpr::Kind::Named;
    if (named->typeKeyword() != nullptr && named->typeKeyword()->getStart() != nullptr) {
      Token* kw = named->typeKeyword()->getStart();
      type->name = ast::Ident{text(kw), span(kw)};
    } else {
      type->name = ident(named->IDENT(), span(named));
    }
  }
  if (ctx->QUESTION() != nullptr && dynamic_cast<antlr4::tree::ErrorNode*>(ctx->QUESTION()) == nullptr) {
    auto optional = std::make_unique<ast::TypeExpr>();
    optional->kind = ast::TypeExpr::Kind::Optional;
    optional->span = type->span;
    optional->name.span = type->name.span;
    // The inner type ends before the `?`.
    type->span.end = span(atom).end;
    optional->args.push_back(std::move(type));
    return optional;
  }
  return type;
}

std::optional<ast::Param> Builder::build_param(SfnParser::ParamContext* ctx) {
  if (ctx == nullptr) return std::nullopt;
  ast::Param param;
  param.span = span(ctx);
  param.name = ident(ctx->IDENT(), param.span);
  if (param.name.name.empty()) return std::nullopt;
  param.type = build_type(ctx->type());
  return param;
}

// ------------------------------------------------------------------------------- declarations

namespace {

template <typename T>
void params_into(Builder& b, SfnParser::ParamListContext* list, T& out) {
  if (list == nullptr) return;
  for (auto* p : list->param()) {
    if (auto param = b.build_param(p)) out.push_back(std::move(*param));
  }
}

}  // namespace

void Builder::build_declaration(SfnParser::DeclarationContext* ctx, std::vector<ast::Decl>& out) {
  if (ctx == nullptr) return;
  const source::Span whole = span(ctx);
  ast::Doc doc = doc_before(ctx);
  // One builder per alternative of the `declaration` rule.
  std::optional<ast::Decl> decl;
  if (auto* m = ctx->messageDecl())
    decl = build_decl(m, whole);
  else if (auto* e = ctx->enumDecl())
    decl = build_decl(e, whole);
  else if (auto* c = ctx->constDecl())
    decl = build_decl(c, whole);
  else if (auto* f = ctx->fnDecl())
    decl = build_decl(f, whole);
  else if (auto* x = ctx->externFnDecl())
    decl = build_decl(x, whole);
  else if (auto* fn = ctx->functionDecl())
    decl = build_decl(fn, whole);
  else if (auto* in = ctx->ingressDecl())
    decl = build_decl(in, whole);
  else if (auto* eg = ctx->egressDecl())
    decl = build_decl(eg, whole);
  if (!decl || ast::name_of(*decl).name.empty()) return;
  std::visit(
      [&](auto& d) {
        d.doc = std::move(doc);
        d.span = whole;
      },
      *decl);
  out.push_back(std::move(*decl));
}

ast::Decl Builder::build_decl(SfnParser::MessageDeclContext* m, const source::Span& whole) {
  ast::MessageDecl decl;
  decl.name = ident(m->IDENT(), whole);
  for (auto* f : m->fieldDecl()) {
    ast::Field field;
    field.span = span(f);
    field.name = ident(f->IDENT(), field.span);
    if (field.name.name.empty()) continue;
    field.doc = doc_before(f);
    field.type = build_type(f->type());
    if (f->expr() != nullptr)
      field.default_value = build_expr(f->expr(), f);
    else if (f->ASSIGN() != nullptr)
      field.default_value = error_expr(field.span);
    decl.fields.push_back(std::move(field));
  }
  return decl;
}

ast::Decl Builder::build_decl(SfnParser::EnumDeclContext* e, const source::Span& whole) {
  ast::EnumDecl decl;
  decl.name = ident(e->IDENT(), whole);
  for (auto* v : e->enumValue()) {
    ast::EnumValue value;
    value.name = ident(v->IDENT(), span(v));
    if (value.name.name.empty()) continue;
    value.doc = doc_before(v);
    decl.values.push_back(std::move(value));
  }
  return decl;
}

ast::Decl Builder::build_decl(SfnParser::ConstDeclContext* c, const source::Span& whole) {
  ast::ConstDecl decl;
  decl.name = ident(c->IDENT(), whole);
  if (c->type() != nullptr) decl.type = build_type(c->type());
  decl.value = c->expr() != nullptr ? build_expr(c->expr(), c) : error_expr(whole);
  return decl;
}

ast::Decl Builder::build_decl(SfnParser::FnDeclContext* f, const source::Span& whole) {
  ast::FnDecl decl;
  decl.name = ident(f->IDENT(), whole);
  params_into(*this, f->paramList(), decl.params);
  if (f->type() != nullptr) decl.return_type = build_type(f->type());
  decl.body = build_block(f->block(), f);
  return decl;
}

ast::Decl Builder::build_decl(SfnParser::ExternFnDeclContext* x, const source::Span& whole) {
  ast::FnDecl decl;
  decl.name = ident(x->IDENT(), whole);
  decl.is_extern = true;
  params_into(*this, x->paramList(), decl.params);
  if (x->type() != nullptr) decl.return_type = build_type(x->type());
  return decl;
}

// A key or ingress parameter: `ctx`'s, or an empty one at the start of `whole` after an error.
ast::Param Builder::required_param(SfnParser::ParamContext* ctx, const source::Span& whole) {
  if (auto p = build_param(ctx)) return std::move(*p);
  ast::Param param;
  param.span = source::Span{id_, whole.begin, whole.begin};
  param.name.span = param.span;
  param.type = build_type(nullptr);
  return param;
}

ast::Decl Builder::build_decl(SfnParser::FunctionDeclContext* fn, const source::Span& whole) {
  ast::FunctionDecl decl;
  decl.name = ident(fn->IDENT(), whole);
  decl.key = required_param(fn->param(), whole);
  for (auto* member : fn->member()) {
    if (auto* s = member->stateDecl()) {
      if (auto state = build_state(s, member)) decl.states.push_back(std::move(*state));
    } else if (auto* h = member->handler()) {
      if (auto handler = build_handler(h, member)) decl.handlers.push_back(std::move(*handler));
    }
  }
  return decl;
}

std::optional<ast::StateDecl> Builder::build_state(SfnParser::StateDeclContext* s, SfnParser::MemberContext* member) {
  ast::StateDecl state;
  state.span = span(s);
  state.name = ident(s->IDENT(), state.span);
  if (state.name.name.empty()) return std::nullopt;
  state.doc = doc_before(member);
  state.type = build_type(s->type());
  if (s->expr() != nullptr)
    state.init = build_expr(s->expr(), s);
  else if (s->ASSIGN() != nullptr)
    state.init = error_expr(state.span);
  if (auto* ex = s->expiry()) {
    ast::Expiry expiry;
    expiry.span = span(ex);
    expiry.duration = ex->expr() != nullptr ? build_expr(ex->expr(), ex) : error_expr(expiry.span);
    expiry.mode = ex->CALL() != nullptr ? ast::ExpiryMode::AfterCall : ast::ExpiryMode::AfterWrite;
    state.expires = std::move(expiry);
  }
  return state;
}

std::optional<ast::Handler> Builder::build_handler(SfnParser::HandlerContext* h, SfnParser::MemberContext* member) {
  ast::Handler handler;
  handler.span = span(h);
  auto idents = h->IDENT();
  handler.message_type = ident(idents.empty() ? nullptr : idents[0], handler.span);
  if (handler.message_type.name.empty()) return std::nullopt;
  if (idents.size() > 1) {
    ast::Ident p = ident(idents[1], handler.span);
    if (!p.name.empty()) handler.param = std::move(p);
  }
  handler.doc = doc_before(member);
  handler.body = build_block(h->block(), h);
  return handler;
}

ast::Decl Builder::build_decl(SfnParser::IngressDeclContext* in, const source::Span& whole) {
  ast::IngressDecl decl;
  decl.name = ident(in->IDENT(), whole);
  decl.param = required_param(in->param(), whole);
  decl.route = in->expr() != nullptr ? build_expr(in->expr(), in) : error_expr(whole);
  return decl;
}

ast::Decl Builder::build_decl(SfnParser::EgressDeclContext* eg, const source::Span& whole) {
  ast::EgressDecl decl;
  decl.name = ident(eg->IDENT(), whole);
  decl.type = build_type(eg->type());
  return decl;
}

}  // namespace sfn::parse
