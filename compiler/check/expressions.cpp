// Expression typing, one handler per kind of compiler/ast/expr_kinds.def: names (locals, state,
// consts), field access (message fields, enum values), indexing, operators per LANGUAGE.md
// §5–§6, message literals (E0202), `!`, `??` and `send` expressions. Literals (with the expected
// type as a hint for `none`, `[]`, `{}`) live in literals.cpp, calls in calls.cpp. Every checked
// expression gets a type in CheckedProgram::expr_types; an expression whose type is Error already
// has its diagnostic, and nothing involving it is reported again.
#include "compiler/check/checker.h"

namespace sfn::check {

TypeId Checker::record(const ast::Expr& e, TypeId t) {
  if (t == nullptr) t = types_.error();
  out_.expr_types[&e] = t;
  return t;
}

void Checker::resolve(const ast::Expr& e, Resolution r) { out_.resolutions[&e] = std::move(r); }

Diagnostic* Checker::require_diag(TypeId found, TypeId expected, Span span, Kind kind, std::string_view prefix) {
  if (expected == nullptr || found == nullptr) return nullptr;
  if (contains_error(found) || contains_error(expected)) return nullptr;
  if (is_assignable(found, expected)) return nullptr;
  std::string msg(prefix);
  if (found->is(TypeKind::Void)) {
    msg += "expected a value of type `" + tn(expected) + "`, but this expression has no value";
  } else {
    msg += "expected `" + tn(expected) + "`, found `" + tn(found) + "`";
  }
  return &report(kind, span, msg);
}

bool Checker::require(TypeId found, TypeId expected, Span span, Kind kind, std::string_view prefix) {
  return require_diag(found, expected, span, kind, prefix) == nullptr;
}

TypeId Checker::check_expr_as(const ast::Expr& e, TypeId expected, Kind kind) {
  TypeId t = check_expr(e, expected);
  if (Diagnostic* d = require_diag(t, expected, e.span, kind)) {
    // An integer literal where a float is expected has an obvious fix.
    const auto* lit = std::get_if<ast::IntLit>(&e.node);
    TypeId want = expected->is(TypeKind::Optional) ? expected->elem : expected;
    if (lit && want->is(TypeKind::Float)) {
      d->fixes.push_back({"use a float literal", {{e.span, std::to_string(lit->value) + ".0"}}});
    }
  }
  return t;
}

bool Checker::require_handler(Span span, std::string_view what) {
  if (in_handler()) return true;
  std::string where = ctx_.kind == BodyContext::Kind::Fn        ? "a `fn`"
                      : ctx_.kind == BodyContext::Kind::Ingress ? "an ingress route"
                                                                : "a constant expression";
  auto& d = report(Kind::E0307, span, std::string(what) + " is only allowed in a handler, not in " + where);
  if (ctx_.kind == BodyContext::Kind::Fn) {
    d.notes.push_back({"`fn`s are pure: pass the values they need as parameters", out_.fns[ctx_.fn].decl->name.span});
  }
  return false;
}

static const char* op_text(ast::BinaryOp op) {
  switch (op) {
    case ast::BinaryOp::Coalesce:
      return "??";
    case ast::BinaryOp::Or:
      return "||";
    case ast::BinaryOp::And:
      return "&&";
    case ast::BinaryOp::Eq:
      return "==";
    case ast::BinaryOp::Ne:
      return "!=";
    case ast::BinaryOp::Lt:
      return "<";
    case ast::BinaryOp::Le:
      return "<=";
    case ast::BinaryOp::Gt:
      return ">";
    case ast::BinaryOp::Ge:
      return ">=";
    case ast::BinaryOp::Add:
      return "+";
    case ast::BinaryOp::Sub:
      return "-";
    case ast::BinaryOp::Mul:
      return "*";
    case ast::BinaryOp::Div:
      return "/";
    case ast::BinaryOp::Rem:
      return "%";
  }
  return "?";
}

// The result of an arithmetic operator (+ - * / %) on two operand types, or nullptr.
TypeId arithmetic_result(TypeTable& types, ast::BinaryOp op, TypeId a, TypeId b) {
  using K = TypeKind;
  using Op = ast::BinaryOp;
  if (a == b && (a->is(K::Int) || a->is(K::Float))) return a;
  switch (op) {
    case Op::Add:
      if (a == b && a->is(K::String)) return a;
      if (a->is(K::List) && b->is(K::List)) return join(types, a, b);
      if (a->is(K::Time) && b->is(K::Duration)) return a;
      if (a->is(K::Duration) && b->is(K::Duration)) return a;
      return nullptr;
    case Op::Sub:
      if (a->is(K::Time) && b->is(K::Time)) return types.duration_type();
      if (a->is(K::Time) && b->is(K::Duration)) return a;
      if (a->is(K::Duration) && b->is(K::Duration)) return a;
      return nullptr;
    case Op::Mul:
      if (a->is(K::Duration) && b->is(K::Int)) return a;
      if (a->is(K::Int) && b->is(K::Duration)) return b;
      return nullptr;
    case Op::Div:
      if (a->is(K::Duration) && b->is(K::Int)) return a;
      return nullptr;
    default:
      return nullptr;
  }
}

Candidates Checker::value_candidates() const {
  Candidates c;
  for (const auto& scope : scopes_) {
    for (const auto& [name, _] : scope) c.push_back(name);
  }
  if (in_handler()) {
    for (const auto& s : out_.functions[ctx_.function].states) c.push_back(s.name);
  }
  for (const auto& k : out_.consts) c.push_back(k.name);
  return c;
}

TypeId Checker::check_node(const ast::Expr& e, const ast::Name& n, ExprHint hint) {
  const bool writing = hint.writing;
  const std::string& name = n.ident.name;
  if (name.empty()) return types_.error();
  std::uint32_t local = lookup_local(name);
  if (local != kNone) {
    resolve(e, make_res(Resolution::Kind::Local, local));
    if (!writing) local_read_[local] = true;
    return out_.locals[local].type;
  }
  if (in_handler()) {
    const auto& f = out_.functions[ctx_.function];
    auto it = f.state_index.find(name);
    if (it != f.state_index.end()) {
      resolve(e, make_res(Resolution::Kind::State, it->second, ctx_.function));
      auto& use = state_use_[ctx_.function][it->second];
      if (writing) {
        if (!use.written) use.first_write = e.span;
        use.written = true;
      } else {
        use.read = true;
      }
      return f.states[it->second].type;
    }
  }
  auto it = out_.globals.find(name);
  if (it != out_.globals.end()) {
    switch (it->second.kind) {
      case GlobalRef::Kind::Const:
        resolve(e, make_res(Resolution::Kind::Const, it->second.index));
        return out_.consts[it->second.index].type;
      case GlobalRef::Kind::Fn:
        report(Kind::E0201, e.span, "`" + name + "` is a fn; call it: `" + name + "(...)`");
        return types_.error();
      case GlobalRef::Kind::Function: {
        auto& d = report(Kind::E0201, e.span, "`" + name + "` is a function type, not a value");
        d.fixes.push_back({"address an instance with `" + name + "(key)`", {}});
        return types_.error();
      }
      case GlobalRef::Kind::Message: {
        auto& d = report(Kind::E0201, e.span, "`" + name + "` is a message type, not a value");
        d.fixes.push_back({"construct one with `" + name + " { ... }`", {}});
        return types_.error();
      }
      case GlobalRef::Kind::Enum:
        report(Kind::E0201, e.span, "`" + name + "` is an enum type; name one of its values: `" + name + ".VALUE`");
        return types_.error();
      case GlobalRef::Kind::Ingress:
      case GlobalRef::Kind::Egress:
        report(Kind::E0201, e.span,
               "`" + name + "` is an " + (it->second.kind == GlobalRef::Kind::Egress ? "egress" : "ingress") +
                   ", not a value");
        return types_.error();
    }
  }
  const BuiltinInfo* builtin = find_builtin(name);
  if (builtin && builtin->shape == BuiltinShape::Function) {
    report(Kind::E0201, e.span, "`" + name + "` is a built-in function; call it: `" + name + "(...)`");
    return types_.error();
  }
  if (!in_handler()) {
    // A state named outside any handler (only on this error path, so the scan is fine).
    for (const auto& f : out_.functions) {
      if (!f.state_index.count(name)) continue;
      auto& d = report(Kind::E0307, e.span, "state `" + name + "` of `" + f.name + "` is only visible in its handlers");
      d.notes.push_back({"`" + name + "` is declared here", f.states[f.state_index.at(name)].decl->name.span});
      return types_.error();
    }
  }
  auto& d = report(Kind::E0101, n.ident.span, "unknown name `" + name + "`");
  suggest(d, name, n.ident.span, value_candidates());
  return types_.error();
}

TypeId Checker::check_node(const ast::Expr& e, const ast::FieldAccess& fa, ExprHint hint) {
  const std::string& field = fa.field.name;
  if (!fa.object) return types_.error();
  // `E.V`: an enum value (unless a local or state shadows the enum's name).
  if (const auto* obj = std::get_if<ast::Name>(&fa.object->node)) {
    const std::string& oname = obj->ident.name;
    bool shadowed =
        lookup_local(oname) != kNone || (in_handler() && out_.functions[ctx_.function].state_index.count(oname));
    if (!shadowed) {
      auto g = out_.globals.find(oname);
      if (g != out_.globals.end() && g->second.kind == GlobalRef::Kind::Enum) {
        const auto& en = out_.enums[g->second.index];
        record(*fa.object, types_.enumeration(g->second.index));
        resolve(*fa.object, make_res(Resolution::Kind::Enum, g->second.index));
        auto v = en.value_index.find(field);
        if (v == en.value_index.end()) {
          if (field.empty()) return types_.error();
          auto& d = report(Kind::E0101, fa.field.span, "enum `" + en.name + "` has no value `" + field + "`");
          suggest(d, field, fa.field.span, names_of(en.values));
          d.notes.push_back({"`" + en.name + "` is declared here", en.decl->name.span});
          return types_.error();
        }
        resolve(e, make_res(Resolution::Kind::EnumValue, g->second.index, v->second));
        return types_.enumeration(g->second.index);
      }
      if (g == out_.globals.end() && (module_visible(oname) || oname == "time")) {
        report(Kind::E0201, e.span,
               "`" + oname + "." + field + "` is a function; call it: `" + oname + "." + field + "(...)`");
        return types_.error();
      }
    }
  }
  TypeId obj = hint.writing ? check_place_inner_ptr(fa.object) : check_ptr(fa.object, nullptr);
  if (obj->is_error() || field.empty()) return types_.error();
  if (obj->is(TypeKind::Message)) {
    const auto& m = out_.messages[obj->decl];
    auto it = m.field_index.find(field);
    if (it == m.field_index.end()) {
      auto& d = report(Kind::E0101, fa.field.span, "message `" + m.name + "` has no field `" + field + "`");
      suggest(d, field, fa.field.span, names_of(m.fields));
      d.notes.push_back({"`" + m.name + "` is declared here", m.decl->name.span});
      return types_.error();
    }
    resolve(e, make_res(Resolution::Kind::Field, obj->decl, it->second));
    return m.fields[it->second].type;
  }
  if (obj->is(TypeKind::Optional) && obj->elem->is(TypeKind::Message)) {
    auto& d = report(Kind::E0101, fa.field.span, "no field `" + field + "` on the optional type `" + tn(obj) + "`");
    d.fixes.push_back({"unwrap the optional first with `!`, or give a default with `??`", {}});
    return types_.error();
  }
  if (method_lookup(obj, field)) {
    report(Kind::E0201, fa.field.span, "`" + field + "` is a method of `" + tn(obj) + "`; call it: `" + field + "()`");
    return types_.error();
  }
  report(Kind::E0101, fa.field.span, "type `" + tn(obj) + "` has no field `" + field + "`");
  return types_.error();
}

TypeId Checker::check_node(const ast::Expr& e, const ast::Index& ix, ExprHint hint) {
  TypeId obj = hint.writing ? check_place_inner_ptr(ix.object) : check_ptr(ix.object, nullptr);
  if (obj->is(TypeKind::List)) {
    check_ptr_as(ix.index, types_.int_type());
    return obj->elem;
  }
  if (obj->is(TypeKind::Map)) {
    check_ptr_as(ix.index, obj->elem);
    return obj->value;
  }
  TypeId it = check_ptr(ix.index, nullptr);
  (void)it;
  if (obj->is_error()) return types_.error();
  auto& d = report(Kind::E0203, e.span, "cannot index a value of type `" + tn(obj) + "`");
  if (obj->is(TypeKind::Optional)) {
    d.fixes.push_back({"unwrap the optional first with `!`", {}});
  }
  return types_.error();
}

TypeId Checker::check_node(const ast::Expr& e, const ast::MessageLit& lit, ExprHint) {
  const std::string& name = lit.type.name;
  std::uint32_t mi = name.empty() ? kNone : out_.find_message(name);
  if (mi == kNone) {
    for (const auto& f : lit.fields) {
      if (f.value) check_ptr(f.value, nullptr);
    }
    if (name.empty()) return types_.error();
    auto& d = report(Kind::E0101, lit.type.span, "unknown message type `" + name + "`");
    suggest(d, name, lit.type.span, names_of(out_.messages));
    return types_.error();
  }
  auto& m = out_.messages[mi];
  m.constructed = true;
  resolve(e, make_res(Resolution::Kind::Message, mi));
  std::vector<const ast::FieldInit*> given(m.fields.size(), nullptr);
  for (const auto& f : lit.fields) {
    auto it = m.field_index.find(f.name.name);
    if (it == m.field_index.end()) {
      if (f.value) check_ptr(f.value, nullptr);
      if (f.name.name.empty()) continue;
      auto& d = report(Kind::E0202, f.name.span, "message `" + m.name + "` has no field `" + f.name.name + "`");
      suggest(d, f.name.name, f.name.span, names_of(m.fields));
      d.notes.push_back({"`" + m.name + "` is declared here", m.decl->name.span});
      continue;
    }
    if (given[it->second]) {
      if (f.value) check_ptr(f.value, nullptr);
      auto& d = report(Kind::E0202, f.name.span, "field `" + f.name.name + "` is given twice");
      d.notes.push_back({"first given here", given[it->second]->name.span});
      continue;
    }
    given[it->second] = &f;
    if (f.value) check_ptr_as(f.value, m.fields[it->second].type);
  }
  std::vector<std::string> missing;
  for (std::uint32_t i = 0; i < m.fields.size(); ++i) {
    if (given[i]) continue;
    const auto& f = m.fields[i];
    bool implicit = f.decl->default_value || f.type->is(TypeKind::Optional) || f.type->is(TypeKind::List) ||
                    f.type->is(TypeKind::Map) || f.type->is_error();
    if (!implicit) missing.push_back(f.name);
  }
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size(); ++i) {
      if (i) list += ", ";
      list += "`" + missing[i] + "`";
    }
    auto& d = report(Kind::E0202, lit.type.span,
                     std::string(missing.size() == 1 ? "missing field " : "missing fields ") + list +
                         " in a literal of message `" + m.name + "`");
    d.notes.push_back({"`" + m.name + "` is declared here", m.decl->name.span});
  }
  return types_.message(mi);
}

TypeId Checker::check_node(const ast::Expr& e, const ast::Binary& b, ExprHint hint) {
  const TypeId expected = hint.expected;
  using Op = ast::BinaryOp;
  auto undefined = [&](TypeId l, TypeId r) {
    if (contains_error(l) || contains_error(r)) return types_.error();
    auto& d =
        report(Kind::E0203, b.op_span,
               std::string("operator `") + op_text(b.op) + "` is not defined for `" + tn(l) + "` and `" + tn(r) + "`");
    if ((l->is(TypeKind::Int) && r->is(TypeKind::Float)) || (l->is(TypeKind::Float) && r->is(TypeKind::Int))) {
      d.fixes.push_back({"convert one side with `float(...)` or `int(...)`", {}});
    }
    return types_.error();
  };
  switch (b.op) {
    case Op::Or:
    case Op::And: {
      check_ptr_as(b.lhs, types_.bool_type());
      check_ptr_as(b.rhs, types_.bool_type());
      return types_.bool_type();
    }
    case Op::Coalesce: {
      TypeId l = check_ptr(b.lhs, expected ? types_.optional(expected) : nullptr);
      if (l->is_error()) {
        check_ptr(b.rhs, expected);
        return types_.error();
      }
      if (!l->is(TypeKind::Optional)) {
        check_ptr(b.rhs, l);
        report(Kind::E0203, b.op_span, "`??` needs an optional on its left, found `" + tn(l) + "`");
        return types_.error();
      }
      TypeId inner = l->elem;
      TypeId r = check_ptr(b.rhs, inner->is(TypeKind::Bottom) ? expected : inner);
      if (r->is_error()) return types_.error();
      if (inner->is(TypeKind::Bottom)) return r;
      if (is_assignable(r, inner)) return inner;
      if (is_assignable(r, l)) return l;
      report(Kind::E0201, b.rhs->span, "expected `" + tn(inner) + "`, found `" + tn(r) + "`");
      return types_.error();
    }
    case Op::Eq:
    case Op::Ne: {
      TypeId l = check_ptr(b.lhs, nullptr);
      TypeId r = check_ptr(b.rhs, l);
      if (contains_error(l) || contains_error(r)) return types_.bool_type();
      TypeId j = join(types_, l, r);
      // Every optional compares with the literal `none`, whatever its `T` (`pending != none`
      // on a `timer?`): that asks whether it holds a value.
      const bool with_none =
          std::holds_alternative<ast::NoneLit>(b.lhs->node) || std::holds_alternative<ast::NoneLit>(b.rhs->node);
      if (j != nullptr && with_none && j->is(TypeKind::Optional)) return types_.bool_type();
      if (j == nullptr || !is_equatable(j)) return undefined(l, r), types_.bool_type();
      return types_.bool_type();
    }
    case Op::Lt:
    case Op::Le:
    case Op::Gt:
    case Op::Ge: {
      TypeId l = check_ptr(b.lhs, nullptr);
      TypeId r = check_ptr(b.rhs, l);
      if (contains_error(l) || contains_error(r)) return types_.bool_type();
      if (l != r || !is_ordered(l)) return undefined(l, r), types_.bool_type();
      return types_.bool_type();
    }
    default: {
      TypeId l = check_ptr(b.lhs, expected);
      TypeId r = check_ptr(b.rhs, l->is(TypeKind::List) ? l : nullptr);
      if (contains_error(l) || contains_error(r)) return types_.error();
      TypeId t = arithmetic_result(types_, b.op, l, r);
      if (t == nullptr) return undefined(l, r);
      return t;
    }
  }
  (void)e;
}

TypeId Checker::check_expr(const ast::Expr& e, TypeId expected) {
  ExprHint hint{expected, writing_place_};
  writing_place_ = false;
  // One handler per kind of compiler/ast/expr_kinds.def (literals in literals.cpp).
  TypeId t = std::visit([&](const auto& n) { return check_node(e, n, hint); }, e.node);
  return record(e, t);
}

TypeId Checker::check_node(const ast::Expr& e, const ast::SelfExpr&, ExprHint) {
  if (!require_handler(e.span, "`self`")) return types_.error();
  return types_.ref(ctx_.function);
}

TypeId Checker::check_node(const ast::Expr& e, const ast::Unwrap& n, ExprHint hint) {
  TypeId o = check_ptr(n.operand, hint.expected ? types_.optional(hint.expected) : nullptr);
  if (o->is_error()) return o;
  if (!o->is(TypeKind::Optional)) {
    report(Kind::E0203, e.span, "`!` unwraps an optional, but this is `" + tn(o) + "`");
    return types_.error();
  }
  return o->elem;
}

TypeId Checker::check_node(const ast::Expr& e, const ast::Unary& n, ExprHint hint) {
  if (n.op == ast::UnaryOp::Not) {
    TypeId o = check_ptr(n.operand, types_.bool_type());
    if (o->is_error()) return o;
    if (!o->is(TypeKind::Bool)) {
      report(Kind::E0203, e.span, "operator `!` is not defined for `" + tn(o) + "`");
      return types_.error();
    }
    return o;
  }
  TypeId o = check_ptr(n.operand, hint.expected);
  if (o->is_error()) return o;
  if (!o->is(TypeKind::Int) && !o->is(TypeKind::Float) && !o->is(TypeKind::Duration)) {
    report(Kind::E0203, e.span, "operator `-` is not defined for `" + tn(o) + "`");
    return types_.error();
  }
  return o;
}

TypeId Checker::check_node(const ast::Expr& e, const ast::Range& n, ExprHint) {
  if (n.begin) check_ptr(n.begin, types_.int_type());
  if (n.end) check_ptr(n.end, types_.int_type());
  report(Kind::E0203, e.span, "a range `a..b` is only allowed as the iterable of a `for` loop");
  return types_.error();
}

TypeId Checker::check_node(const ast::Expr&, const ast::ErrorExpr&, ExprHint) {
  return types_.error();  // the parser reported it
}

TypeId Checker::check_node(const ast::Expr& e, const ast::Send& s, ExprHint) {
  bool allowed = require_handler(e.span, "`send`");
  TypeId mt = s.message ? check_ptr(s.message, nullptr) : types_.error();
  TypeId tt = s.target ? check_ptr(s.target, nullptr) : types_.error();
  bool delayed = s.delay != nullptr;
  if (delayed) {
    TypeId dt = check_ptr(s.delay, types_.duration_type());
    if (!dt->is_error() && !dt->is(TypeKind::Duration)) {
      report(Kind::E0308, s.delay->span, "`after` needs a `duration`, found `" + tn(dt) + "`");
    }
  }
  if (!allowed) return types_.error();
  if (!mt->is_error() && !mt->is(TypeKind::Message)) {
    report(Kind::E0201, s.message->span, "`send` needs a message, found `" + tn(mt) + "`");
    mt = types_.error();
  }
  check_send(e, s, mt, tt, delayed);
  return delayed ? types_.timer_type() : types_.void_type();
}

}  // namespace sfn::check
