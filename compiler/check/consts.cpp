// Constant expressions: consts, message field defaults, state initializers and expiry durations.
// They are first type-checked like any expression (in a context with no locals, state or
// handler constructs), then evaluated here over the checker's side tables. Anything that is not
// a literal, an operator on constants, another const, an enum value or a list/map/message
// literal of constants is E0206, as is an overflow or division by zero during evaluation.
// Consts and field defaults are evaluated on demand, so their order in the source is free;
// a const that depends on itself is E0206.
#include <algorithm>
#include <cmath>
#include <limits>

#include "common/limits.h"
#include "compiler/check/checker.h"

namespace sfn::check {

void Checker::ensure_const(std::uint32_t index) {
  if (const_state_[index] != ConstState::Unvisited) return;
  const_state_[index] = ConstState::InProgress;
  auto& c = out_.consts[index];
  if (c.decl->value) c.value = check_const_expr(*c.decl->value, c.type, Kind::E0201);
  const_state_[index] = ConstState::Done;
}

void Checker::ensure_field_default(std::uint32_t message, std::uint32_t field) {
  if (message >= field_state_.size() || field >= field_state_[message].size()) return;
  if (field_state_[message][field] != ConstState::Unvisited) return;
  field_state_[message][field] = ConstState::InProgress;
  auto& f = out_.messages[message].fields[field];
  if (f.decl->default_value) {
    f.has_explicit_default = true;
    f.default_value = check_const_expr(*f.decl->default_value, f.type, Kind::E0201);
    if (!f.default_value) f.default_value = default_value(f.type);  // after an error
  } else if (f.type->is(TypeKind::Optional) || f.type->is(TypeKind::List) || f.type->is(TypeKind::Map)) {
    f.default_value = default_value(f.type);
  }
  field_state_[message][field] = ConstState::Done;
}

std::optional<ConstValue> Checker::check_const_expr(const ast::Expr& e, TypeId expected, Kind mismatch,
                                                    std::string_view prefix) {
  BodyContext saved = ctx_;
  auto saved_scopes = std::move(scopes_);
  scopes_.clear();
  ctx_ = BodyContext{BodyContext::Kind::Const};
  TypeId t = check_expr(e, expected);
  bool ok = require(t, expected, e.span, mismatch, prefix);
  std::optional<ConstValue> v;
  if (ok && !contains_error(t)) v = eval(e);
  ctx_ = saved;
  scopes_ = std::move(saved_scopes);
  return v;
}

ConstValue Checker::default_value(TypeId t, int depth) {
  ConstValue v;
  switch (t->kind) {
    case TypeKind::Int:
      v.kind = ConstValue::Kind::Int;
      break;
    case TypeKind::Float:
      v.kind = ConstValue::Kind::Float;
      break;
    case TypeKind::Bool:
      v.kind = ConstValue::Kind::Bool;
      break;
    case TypeKind::String:
      v.kind = ConstValue::Kind::String;
      break;
    case TypeKind::Bytes:
      v.kind = ConstValue::Kind::Bytes;
      break;
    case TypeKind::Time:
      v.kind = ConstValue::Kind::Time;
      break;
    case TypeKind::Duration:
      v.kind = ConstValue::Kind::Duration;
      break;
    case TypeKind::List:
      v.kind = ConstValue::Kind::List;
      break;
    case TypeKind::Map:
      v.kind = ConstValue::Kind::Map;
      break;
    case TypeKind::Enum:
      v.kind = ConstValue::Kind::Enum;
      v.decl = t->decl;
      v.i = 0;
      break;
    case TypeKind::Message: {
      v.kind = ConstValue::Kind::Message;
      v.decl = t->decl;
      if (depth > common::kMaxValueDepth) break;  // only after E0207 or E0208
      auto& m = out_.messages[t->decl];
      for (std::uint32_t fi = 0; fi < m.fields.size(); ++fi) {
        ensure_field_default(t->decl, fi);
        const auto& f = m.fields[fi];
        v.items.push_back(f.default_value ? *f.default_value : default_value(f.type, depth + 1));
      }
      break;
    }
    default:  // optional, ref, timer, error: none
      break;
  }
  return v;
}

namespace {

ConstValue make_int(ConstValue::Kind kind, std::int64_t i) {
  ConstValue v;
  v.kind = kind;
  v.i = i;
  return v;
}

ConstValue make_float(double f) {
  ConstValue v;
  v.kind = ConstValue::Kind::Float;
  v.f = f;
  return v;
}

ConstValue make_bool(bool b) {
  ConstValue v;
  v.kind = ConstValue::Kind::Bool;
  v.b = b;
  return v;
}

// Orders two constants of one ordered (or map key) type.
int compare(const ConstValue& a, const ConstValue& b) {
  switch (a.kind) {
    case ConstValue::Kind::Float:
      return a.f < b.f ? -1 : a.f > b.f ? 1 : 0;
    case ConstValue::Kind::String:
    case ConstValue::Kind::Bytes:
      return a.s.compare(b.s) < 0 ? -1 : a.s == b.s ? 0 : 1;
    case ConstValue::Kind::Bool:
      return int(a.b) - int(b.b);
    default:
      return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
  }
}

}  // namespace

std::optional<ConstValue> Checker::not_const(const ast::Expr& e, const std::string& what) {
  report(Kind::E0206, e.span, what + " is not allowed in a constant expression");
  return std::nullopt;
}

std::optional<ConstValue> Checker::const_failed(const ast::Expr& e, const std::string& what) {
  report(Kind::E0206, e.span, "constant evaluation failed: " + what);
  return std::nullopt;
}

std::optional<ConstValue> Checker::eval(const ast::Expr& e) {
  TypeId t = out_.type_of(&e);
  if (t == nullptr || contains_error(t)) return std::nullopt;
  // One evaluator per kind of compiler/ast/expr_kinds.def.
  return std::visit([&](const auto& n) { return eval_node(e, n, t); }, e.node);
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr&, const ast::IntLit& n, TypeId) {
  return make_int(ConstValue::Kind::Int, n.value);
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr&, const ast::FloatLit& n, TypeId) {
  return make_float(n.value);
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr&, const ast::DurationLit& n, TypeId) {
  return make_int(ConstValue::Kind::Duration, n.nanos);
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr&, const ast::BoolLit& n, TypeId) {
  return make_bool(n.value);
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr&, const ast::NoneLit&, TypeId) { return ConstValue{}; }

std::optional<ConstValue> Checker::eval_node(const ast::Expr& e, const ast::StringLit& n, TypeId) {
  ConstValue v;
  v.kind = ConstValue::Kind::String;
  for (const auto& p : n.parts) {
    if (p.expr) return not_const(e, "string interpolation");
    v.s += p.text;
  }
  return v;
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr&, const ast::ListLit& n, TypeId) {
  ConstValue v;
  v.kind = ConstValue::Kind::List;
  for (const auto& el : n.elements) {
    auto x = eval_ptr(el);
    if (!x) return std::nullopt;
    v.items.push_back(std::move(*x));
  }
  return v;
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr&, const ast::MapLit& n, TypeId) {
  std::vector<std::pair<ConstValue, ConstValue>> entries;
  for (const auto& en : n.entries) {
    auto k = eval_ptr(en.key);
    auto val = eval_ptr(en.value);
    if (!k || !val) return std::nullopt;
    entries.emplace_back(std::move(*k), std::move(*val));
  }
  // Key order; a later entry with an equal key replaces the earlier one.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const auto& a, const auto& b) { return compare(a.first, b.first) < 0; });
  ConstValue v;
  v.kind = ConstValue::Kind::Map;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    if (i + 1 < entries.size() && compare(entries[i].first, entries[i + 1].first) == 0) continue;
    v.items.push_back(entries[i].first);
    v.items.push_back(entries[i].second);
  }
  return v;
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr&, const ast::MessageLit& n, TypeId t) {
  if (!t->is(TypeKind::Message)) return std::nullopt;
  auto& m = out_.messages[t->decl];
  ConstValue v;
  v.kind = ConstValue::Kind::Message;
  v.decl = t->decl;
  std::vector<std::optional<ConstValue>> given(m.fields.size());
  for (const auto& fi : n.fields) {
    auto it = m.field_index.find(fi.name.name);
    if (it == m.field_index.end() || !fi.value) continue;
    auto x = eval_ptr(fi.value);
    if (!x) return std::nullopt;
    given[it->second] = std::move(*x);
  }
  for (std::uint32_t i = 0; i < m.fields.size(); ++i) {
    if (given[i]) {
      v.items.push_back(std::move(*given[i]));
      continue;
    }
    ensure_field_default(t->decl, i);
    const auto& f = m.fields[i];
    v.items.push_back(f.default_value ? *f.default_value : default_value(f.type));
  }
  return v;
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr& e, const ast::Name& n, TypeId) {
  const Resolution* r = out_.resolution_of(&e);
  if (r && r->kind == Resolution::Kind::Const) {
    if (const_state_[r->index] == ConstState::InProgress) {
      auto& d = report(Kind::E0206, e.span, "constant `" + n.ident.name + "` depends on itself");
      d.notes.push_back({"`" + n.ident.name + "` is declared here", out_.consts[r->index].decl->name.span});
      return std::nullopt;
    }
    ensure_const(r->index);
    return out_.consts[r->index].value;
  }
  return not_const(e, "`" + n.ident.name + "`");
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr& e, const ast::SelfExpr&, TypeId) {
  return not_const(e, "`self`");
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr& e, const ast::FieldAccess&, TypeId) {
  const Resolution* r = out_.resolution_of(&e);
  if (r && r->kind == Resolution::Kind::EnumValue) {
    ConstValue v = make_int(ConstValue::Kind::Enum, r->sub);
    v.decl = r->index;
    return v;
  }
  return not_const(e, "a field access");
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr& e, const ast::Index&, TypeId) {
  return not_const(e, "indexing");
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr& e, const ast::Call&, TypeId) {
  return not_const(e, "a call");
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr& e, const ast::Unwrap& n, TypeId) {
  auto x = eval_ptr(n.operand);
  if (!x) return std::nullopt;
  if (x->kind == ConstValue::Kind::None) return const_failed(e, "unwrapping `none`");
  return x;
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr& e, const ast::Unary& n, TypeId) {
  auto x = eval_ptr(n.operand);
  if (!x) return std::nullopt;
  if (n.op == ast::UnaryOp::Not) return make_bool(!x->b);
  if (x->kind == ConstValue::Kind::Float) return make_float(-x->f);
  if (x->i == std::numeric_limits<std::int64_t>::min()) return const_failed(e, "integer overflow");
  return make_int(x->kind, -x->i);
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr& e, const ast::Binary& n, TypeId t) {
  using Op = ast::BinaryOp;
  auto a = eval_ptr(n.lhs);
  if (!a) return std::nullopt;
  if (n.op == Op::Coalesce) {
    if (a->kind != ConstValue::Kind::None) return a;
    return eval_ptr(n.rhs);
  }
  if (n.op == Op::And && !a->b) return make_bool(false);
  if (n.op == Op::Or && a->b) return make_bool(true);
  auto b = eval_ptr(n.rhs);
  if (!b) return std::nullopt;
  switch (n.op) {
    case Op::And:
    case Op::Or:
      return make_bool(b->b);
    case Op::Eq:
      return make_bool(*a == *b);
    case Op::Ne:
      return make_bool(!(*a == *b));
    case Op::Lt:
      return make_bool(compare(*a, *b) < 0);
    case Op::Le:
      return make_bool(compare(*a, *b) <= 0);
    case Op::Gt:
      return make_bool(compare(*a, *b) > 0);
    case Op::Ge:
      return make_bool(compare(*a, *b) >= 0);
    default:
      return eval_arithmetic(e, n.op, *a, *b, t);
  }
}

std::optional<ConstValue> Checker::eval_arithmetic(const ast::Expr& e, ast::BinaryOp op, const ConstValue& a,
                                                   const ConstValue& b, TypeId t) {
  using Op = ast::BinaryOp;
  if (a.kind == ConstValue::Kind::Float) {
    switch (op) {
      case Op::Add:
        return make_float(a.f + b.f);
      case Op::Sub:
        return make_float(a.f - b.f);
      case Op::Mul:
        return make_float(a.f * b.f);
      case Op::Div:
        return make_float(a.f / b.f);
      case Op::Rem:
        return make_float(std::fmod(a.f, b.f));
      default:
        return std::nullopt;
    }
  }
  if (a.kind == ConstValue::Kind::String && op == Op::Add) {
    ConstValue v = a;
    v.s += b.s;
    return v;
  }
  if (a.kind == ConstValue::Kind::List && op == Op::Add) {
    ConstValue v = a;
    v.items.insert(v.items.end(), b.items.begin(), b.items.end());
    return v;
  }
  // Integer-like: int, duration, time (result kind from the expression's type).
  ConstValue::Kind kind = t->is(TypeKind::Duration) ? ConstValue::Kind::Duration
                          : t->is(TypeKind::Time)   ? ConstValue::Kind::Time
                                                    : ConstValue::Kind::Int;
  std::int64_t r = 0;
  bool overflow = false;
  switch (op) {
    case Op::Add:
      overflow = __builtin_add_overflow(a.i, b.i, &r);
      break;
    case Op::Sub:
      overflow = __builtin_sub_overflow(a.i, b.i, &r);
      break;
    case Op::Mul:
      overflow = __builtin_mul_overflow(a.i, b.i, &r);
      break;
    case Op::Div:
    case Op::Rem:
      if (b.i == 0) return const_failed(e, op == Op::Div ? "division by zero" : "remainder by zero");
      if (a.i == std::numeric_limits<std::int64_t>::min() && b.i == -1) {
        overflow = op == Op::Div;
        r = 0;
      } else {
        r = op == Op::Div ? a.i / b.i : a.i % b.i;
      }
      break;
    default:
      return std::nullopt;
  }
  if (overflow) return const_failed(e, "integer overflow");
  return make_int(kind, r);
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr&, const ast::Range&, TypeId) {
  return std::nullopt;  // already reported
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr& e, const ast::Send&, TypeId) {
  return not_const(e, "`send`");
}

std::optional<ConstValue> Checker::eval_node(const ast::Expr&, const ast::ErrorExpr&, TypeId) {
  return std::nullopt;  // the parser reported it
}

}  // namespace sfn::check
