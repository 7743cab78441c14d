// AST builder, part 3: expressions and literals. Literal values are decoded here (integers with
// `_` and `0x`, floats, durations in nanoseconds, string escapes and interpolations), and
// literal errors are reported with the literal's exact span. The recursion over the parse tree
// is bounded by kMaxAstDepth so a pathological operator chain cannot overflow the stack.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <typeinfo>

#include "compiler/parse/internal.h"

namespace sfn::parse {

using antlr4::ParserRuleContext;
using antlr4::Token;

namespace {

template <typename T>
ast::ExprPtr make(const source::Span& span, T node) {
  auto e = std::make_unique<ast::Expr>();
  e->span = span;
  e->node = std::move(node);
  return e;
}

std::string without_underscores(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != '_') out += c;
  }
  return out;
}

// Parses a decimal or `0x` literal's magnitude; false if it does not fit in 64 unsigned bits
// (or has no digits).
bool parse_magnitude(std::string_view text, std::uint64_t& value) {
  std::string digits = without_underscores(text);
  unsigned base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    base = 16;
    digits = digits.substr(2);
  } else if (digits.size() == 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    return false;
  }
  if (digits.empty()) return false;
  value = 0;
  for (char c : digits) {
    unsigned d = (c >= '0' && c <= '9')   ? c - '0'
                 : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                 : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                          : 99;
    if (d >= base) return false;
    if (__builtin_mul_overflow(value, base, &value) || __builtin_add_overflow(value, d, &value)) {
      return false;
    }
  }
  return true;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

ast::ExprPtr Builder::build_expr(SfnParser::ExprContext* ctx, ParserRuleContext* owner) {
  if (ctx == nullptr) {
    source::Span s = span(owner);
    return error_expr(source::Span{id_, s.end, s.end});
  }
  if (depth_ >= kMaxAstDepth) {
    if (!depth_reported_) {
      depth_reported_ = true;
      error(span(ctx), "expression too deep: more than " + std::to_string(kMaxAstDepth) +
                           " operators in one chain or nesting (split it with `let`)");
    }
    return error_expr(span(ctx));
  }
  ++depth_;
  ast::ExprPtr e = build_expr_inner(ctx);
  --depth_;
  return e;
}

// The labelled alternatives have no subclasses, so an exact typeid comparison replaces a chain
// of dynamic_casts (the builder's hottest path).
template <typename T, typename C>
T* exactly(C* ctx) {
  return typeid(*ctx) == typeid(T) ? static_cast<T*>(ctx) : nullptr;
}

namespace {
// The binary operators, by their token: a table, not a switch.
struct BinaryToken {
  std::size_t token;
  ast::BinaryOp op;
};
const BinaryToken kBinaryTokens[] = {
    {SfnLexer::QQ, ast::BinaryOp::Coalesce}, {SfnLexer::OROR, ast::BinaryOp::Or},
    {SfnLexer::ANDAND, ast::BinaryOp::And},  {SfnLexer::EQEQ, ast::BinaryOp::Eq},
    {SfnLexer::NEQ, ast::BinaryOp::Ne},      {SfnLexer::LT, ast::BinaryOp::Lt},
    {SfnLexer::LE, ast::BinaryOp::Le},       {SfnLexer::GT, ast::BinaryOp::Gt},
    {SfnLexer::GE, ast::BinaryOp::Ge},       {SfnLexer::PLUS, ast::BinaryOp::Add},
    {SfnLexer::MINUS, ast::BinaryOp::Sub},   {SfnLexer::STAR, ast::BinaryOp::Mul},
    {SfnLexer::SLASH, ast::BinaryOp::Div},   {SfnLexer::PERCENT, ast::BinaryOp::Rem},
};
}  // namespace

ast::ExprPtr Builder::build_field(SfnParser::FieldExprContext* f, const source::Span& whole) {
  ast::ExprPtr object = build_expr(f->expr(), f);
  auto* name = f->anyName();
  if (name == nullptr || name->getStart() == nullptr || name->exception != nullptr ||
      name->getStart()->getType() == Token::EOF || (name->IDENT() == nullptr && name->keyword() == nullptr)) {
    return error_expr(whole);
  }
  Token* tok = name->getStart();
  if (name->IDENT() != nullptr) {
    ast::Ident field = ident(name->IDENT(), whole);
    if (field.name.empty()) return error_expr(whole);
    return make(whole, ast::FieldAccess{std::move(object), std::move(field)});
  }
  return make(whole, ast::FieldAccess{std::move(object), ast::Ident{text(tok), span(tok)}});
}

ast::ExprPtr Builder::build_unary(SfnParser::UnaryExprContext* u, const source::Span& whole) {
  const bool neg = u->op != nullptr && u->op->getType() == SfnLexer::MINUS;
  // `-9223372036854775808` is the one literal whose magnitude exceeds INT64_MAX.
  if (neg) {
    if (auto* pe = exactly<SfnParser::PrimaryExprContext>(u->expr())) {
      if (auto* lit = exactly<SfnParser::IntLitContext>(pe->primary())) {
        std::uint64_t magnitude = 0;
        if (lit->getStart() != nullptr && parse_magnitude(text(lit->getStart()), magnitude) &&
            magnitude == (std::uint64_t{1} << 63)) {
          return make(whole, ast::IntLit{std::numeric_limits<std::int64_t>::min(), false});
        }
      }
    }
  }
  ast::Unary unary{neg ? ast::UnaryOp::Neg : ast::UnaryOp::Not, build_expr(u->expr(), u)};
  return make(whole, std::move(unary));
}

ast::ExprPtr Builder::build_binary(SfnParser::BinaryExprContext* b, const source::Span& whole) {
  if (b->op == nullptr) return error_expr(whole);
  const BinaryToken* found = nullptr;
  for (const BinaryToken& t : kBinaryTokens)
    if (t.token == b->op->getType()) found = &t;
  if (found == nullptr) return error_expr(whole);
  ast::ExprPtr lhs = build_expr(b->expr(0), b);
  ast::ExprPtr rhs = build_expr(b->expr(1), b);
  return make(whole, ast::Binary{found->op, std::move(lhs), std::move(rhs), span(b->op)});
}

ast::ExprPtr Builder::build_expr_inner(SfnParser::ExprContext* ctx) {
  const source::Span whole = span(ctx);
  if (auto* p = exactly<SfnParser::PrimaryExprContext>(ctx)) {
    return build_primary(p->primary());
  }
  if (auto* f = exactly<SfnParser::FieldExprContext>(ctx)) return build_field(f, whole);
  if (auto* i = exactly<SfnParser::IndexExprContext>(ctx)) {
    ast::ExprPtr object = build_expr(i->expr(0), i);
    ast::ExprPtr index = build_expr(i->expr(1), i);
    return make(whole, ast::Index{std::move(object), std::move(index)});
  }
  if (auto* c = exactly<SfnParser::CallExprContext>(ctx)) {
    ast::Call call;
    call.callee = build_expr(c->expr(), c);
    if (auto* args = c->argList()) {
      for (auto* a : args->expr()) call.args.push_back(build_expr(a, args));
    }
    return make(whole, std::move(call));
  }
  if (auto* u = exactly<SfnParser::UnwrapExprContext>(ctx)) {
    return make(whole, ast::Unwrap{build_expr(u->expr(), u)});
  }
  if (auto* u = exactly<SfnParser::UnaryExprContext>(ctx)) return build_unary(u, whole);
  if (auto* b = exactly<SfnParser::BinaryExprContext>(ctx)) return build_binary(b, whole);
  return error_expr(whole);
}

ast::ExprPtr Builder::build_int(Token* tok, bool negated, const source::Span& where) {
  std::uint64_t magnitude = 0;
  const std::string literal = text(tok);
  const bool fits = parse_magnitude(literal, magnitude);
  const std::uint64_t limit = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + (negated ? 1 : 0);
  if (!fits || magnitude > limit) {
    error(where, "integer literal `" + literal + "` is too large for `int` (the maximum is 9223372036854775807)");
    return make(where, ast::IntLit{0, true});
  }
  return make(where, ast::IntLit{static_cast<std::int64_t>(magnitude), false});
}

ast::ExprPtr Builder::build_primary(SfnParser::PrimaryContext* ctx) {
  if (ctx == nullptr) return error_expr(source::Span{id_, 0, 0});
  const source::Span whole = span(ctx);
  if (ctx->exception != nullptr && exactly<SfnParser::ParenExprContext>(ctx) == nullptr &&
      exactly<SfnParser::ListLitContext>(ctx) == nullptr && exactly<SfnParser::MapLitContext>(ctx) == nullptr &&
      exactly<SfnParser::MessageLitContext>(ctx) == nullptr) {
    return error_expr(whole);
  }
  Token* start = ctx->getStart();
  if (exactly<SfnParser::IntLitContext>(ctx) != nullptr) {
    return build_int(start, false, whole);
  }
  if (exactly<SfnParser::FloatLitContext>(ctx) != nullptr) return build_float(start, whole);
  if (exactly<SfnParser::DurationLitContext>(ctx) != nullptr) return build_duration(start, whole);
  if (exactly<SfnParser::BadNumberContext>(ctx) != nullptr) {
    return error_expr(whole);  // reported by the lexing pass
  }
  if (auto* b = exactly<SfnParser::BoolLitContext>(ctx)) {
    return make(whole, ast::BoolLit{b->TRUE() != nullptr});
  }
  if (exactly<SfnParser::NoneLitContext>(ctx) != nullptr) return make(whole, ast::NoneLit{});
  if (exactly<SfnParser::SelfLitContext>(ctx) != nullptr) return make(whole, ast::SelfExpr{});
  if (auto* s = exactly<SfnParser::StringExprContext>(ctx)) return build_string(s->stringLit());
  if (auto* l = exactly<SfnParser::ListLitContext>(ctx)) {
    ast::ListLit list;
    for (auto* e : l->expr()) list.elements.push_back(build_expr(e, l));
    return make(whole, std::move(list));
  }
  if (auto* m = exactly<SfnParser::MapLitContext>(ctx)) {
    ast::MapLit map;
    for (auto* entry : m->mapEntry()) {
      ast::MapEntry out;
      out.span = span(entry);
      out.key = build_expr(entry->expr(0), entry);
      out.value = build_expr(entry->expr(1), entry);
      map.entries.push_back(std::move(out));
    }
    return make(whole, std::move(map));
  }
  if (auto* m = exactly<SfnParser::MessageLitContext>(ctx)) return build_message_lit(m, whole);
  if (auto* n = exactly<SfnParser::NameExprContext>(ctx)) {
    if (n->typeKeyword() != nullptr) {
      return make(whole, ast::Name{ast::Ident{text(start), span(start)}});
    }
    ast::Ident id = ident(n->IDENT(), whole);
    if (id.name.empty()) return error_expr(whole);
    return make(whole, ast::Name{std::move(id)});
  }
  if (auto* p = exactly<SfnParser::ParenExprContext>(ctx)) {
    if (p->expr() == nullptr) return error_expr(whole);
    return build_expr(p->expr(), p);
  }
  return error_expr(whole);
}

ast::ExprPtr Builder::build_float(Token* start, const source::Span& whole) {
  std::string digits = without_underscores(text(start));
  errno = 0;
  double value = std::strtod(digits.c_str(), nullptr);
  if (errno == ERANGE && std::isinf(value)) {
    error(whole, "float literal `" + text(start) + "` is out of range for `float`");
    return error_expr(whole);
  }
  return make(whole, ast::FloatLit{value});
}

ast::ExprPtr Builder::build_duration(Token* start, const source::Span& whole) {
  const std::string literal = text(start);
  std::size_t unit_at = 0;
  while (unit_at < literal.size() &&
         (std::isdigit(static_cast<unsigned char>(literal[unit_at])) || literal[unit_at] == '_')) {
    ++unit_at;
  }
  const std::string unit = literal.substr(unit_at);
  ast::DurationLit d;
  std::int64_t scale = 1;
  if (unit == "ns") {
    d.unit = ast::DurationUnit::Ns;
    scale = 1;
  } else if (unit == "us") {
    d.unit = ast::DurationUnit::Us;
    scale = 1'000;
  } else if (unit == "ms") {
    d.unit = ast::DurationUnit::Ms;
    scale = 1'000'000;
  } else if (unit == "s") {
    d.unit = ast::DurationUnit::S;
    scale = 1'000'000'000;
  } else if (unit == "m") {
    d.unit = ast::DurationUnit::M;
    scale = 60'000'000'000;
  } else if (unit == "h") {
    d.unit = ast::DurationUnit::H;
    scale = 3'600'000'000'000;
  } else {
    d.unit = ast::DurationUnit::D;
    scale = 86'400'000'000'000;
  }
  std::uint64_t magnitude = 0;
  if (!parse_magnitude(literal.substr(0, unit_at), magnitude) ||
      magnitude > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ||
      __builtin_mul_overflow(static_cast<std::int64_t>(magnitude), scale, &d.nanos)) {
    error(whole, "duration literal `" + literal + "` is out of range (a duration holds at most about 292 years)");
    d.overflow = true;
    d.nanos = 0;
    d.amount = 0;
    return make(whole, d);
  }
  d.amount = static_cast<std::int64_t>(magnitude);
  return make(whole, d);
}

ast::ExprPtr Builder::build_message_lit(SfnParser::MessageLitContext* m, const source::Span& whole) {
  ast::MessageLit msg;
  msg.type = ident(m->IDENT(), whole);
  if (msg.type.name.empty()) return error_expr(whole);
  for (auto* f : m->fieldInit()) {
    ast::FieldInit init;
    init.span = span(f);
    init.name = ident(f->IDENT(), init.span);
    if (init.name.name.empty()) continue;
    init.value = build_expr(f->expr(), f);
    msg.fields.push_back(std::move(init));
  }
  return make(whole, std::move(msg));
}

ast::ExprPtr Builder::build_string(SfnParser::StringLitContext* ctx) {
  source::Span whole = span(ctx);
  if (ctx == nullptr) return error_expr(whole);
  if (ctx->STR_NEWLINE() != nullptr) {
    // The line break closing an unterminated literal is not part of it.
    whole.end = std::max(whole.begin, span(ctx->STR_NEWLINE()->getSymbol()).begin);
  }
  ast::StringLit lit;
  bool in_text = false;
  auto text_part = [&]() -> ast::StringPart& {
    if (!in_text) {
      lit.parts.emplace_back();
      in_text = true;
    }
    return lit.parts.back();
  };
  for (auto* part : ctx->stringPart()) {
    const source::Span ps = span(part);
    Token* tok = part->getStart();
    if (auto* interp = dynamic_cast<SfnParser::StrInterpContext*>(part)) {
      in_text = false;
      ast::StringPart p;
      p.span = ps;
      p.expr = interp->expr() != nullptr ? build_expr(interp->expr(), interp) : error_expr(ps);
      lit.parts.push_back(std::move(p));
      continue;
    }
    if (tok == nullptr) continue;
    const std::string raw = text(tok);
    ast::StringPart& p = text_part();
    if (p.text.empty() && !p.span.valid())
      p.span = ps;
    else
      p.span = source::Span::cover(p.span, ps);
    if (dynamic_cast<SfnParser::StrTextContext*>(part) != nullptr ||
        dynamic_cast<SfnParser::StrDollarContext*>(part) != nullptr) {
      p.text += raw;
    } else if (dynamic_cast<SfnParser::StrEscapeContext*>(part) != nullptr) {
      if (raw.size() == 2) {
        switch (raw[1]) {
          case 'n':
            p.text += '\n';
            break;
          case 't':
            p.text += '\t';
            break;
          case 'r':
            p.text += '\r';
            break;
          case '\\':
            p.text += '\\';
            break;
          case '"':
            p.text += '"';
            break;
          case '$':
            p.text += '$';
            break;
          default:
            break;  // reported by the lexing pass
        }
      }
    } else if (dynamic_cast<SfnParser::StrUnicodeContext*>(part) != nullptr) {
      std::string digits = raw.size() >= 4 ? raw.substr(3, raw.size() - 4) : std::string();
      std::uint32_t cp = 0;
      bool ok = !digits.empty() && digits.size() <= 6;
      for (char c : digits) {
        if (!std::isxdigit(static_cast<unsigned char>(c)))
          ok = false;
        else
          cp = cp * 16 + static_cast<std::uint32_t>(
                             std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10));
      }
      if (ok && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF)) append_utf8(p.text, cp);
    }
  }
  return make(whole, std::move(lit));
}

ast::ExprPtr Builder::build_rhs(SfnParser::RhsContext* ctx, ParserRuleContext* owner) {
  if (ctx == nullptr) return build_expr(nullptr, owner);
  if (ctx->sendExpr() != nullptr) return build_send(ctx->sendExpr());
  return build_expr(ctx->expr(), ctx);
}

ast::ExprPtr Builder::build_send(SfnParser::SendExprContext* ctx) {
  const source::Span whole = span(ctx);
  ast::Send send;
  send.message = build_expr(ctx->expr(0), ctx);
  send.target = build_expr(ctx->expr(1), ctx);
  if (ctx->AFTER() != nullptr) send.delay = build_expr(ctx->expr(2), ctx);
  return make(whole, std::move(send));
}

}  // namespace sfn::parse
