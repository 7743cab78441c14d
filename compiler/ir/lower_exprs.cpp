// Lowering of a checked program to the IR, part 2: expressions, one handler per kind of
// compiler/ast/expr_kinds.def. Every compound expression
// becomes a `Def` of a temporary; names become places; implicit `T -> T?` wraps and the types
// of `none`, `[]` and `{}` are made explicit; `&&`, `||` and `??` become `If` statements.
#include "compiler/ir/lower_internal.h"

namespace sfn::ir {

using check::Resolution;
using check::TypeKind;

TypeId BodyLowerer::resolve(TypeId t, TypeId expected) {
  if (!contains_bottom(t) || !expected || contains_bottom(expected)) return t;
  if (expected->kind == TypeKind::Optional && t->kind != TypeKind::Optional && t->kind != TypeKind::Bottom)
    return resolve(t, expected->elem);
  return expected;
}

Operand BodyLowerer::coerce(Operand op, TypeId to, Block& out) {
  if (!to || op.type == to || to->kind == TypeKind::Error || to->kind == TypeKind::Void) return op;
  if (contains_bottom(op.type)) {
    if (op.kind == Operand::Kind::Const) {
      Rvalue rv;
      rv.kind = Rvalue::Kind::Zero;
      rv.type = to;
      return def(out, std::move(rv));
    }
    op.type = to;
    return op;
  }
  if (to->kind == TypeKind::Optional && op.type->kind != TypeKind::Optional) {
    op = coerce(op, to->elem, out);
    Rvalue rv;
    rv.kind = Rvalue::Kind::Wrap;
    rv.type = to;
    rv.args.push_back(op);
    return def(out, std::move(rv));
  }
  return op;
}

Operand BodyLowerer::materialize(Operand op, Block& out) {
  if (op.kind == Operand::Kind::Place) return op;
  Rvalue rv;
  rv.kind = Rvalue::Kind::Use;
  rv.type = op.type;
  rv.args.push_back(op);
  return def(out, std::move(rv));
}

TypeId BodyLowerer::concrete(TypeId t) {
  switch (t->kind) {
    case TypeKind::Bottom:
      return p_.types->int_type();
    case TypeKind::List:
      return p_.types->list(concrete(t->elem));
    case TypeKind::Map:
      return p_.types->map(concrete(t->elem), concrete(t->value));
    case TypeKind::Optional:
      return p_.types->optional(concrete(t->elem));
    default:
      return t;
  }
}

Operand BodyLowerer::lower_expr(const ast::Expr* e, Block& out, TypeId expected) {
  if (failure_.failed()) return placeholder(expected);  // lowering stops at its first failure
  if (!expected && e && contains_bottom(type_of(e))) expected = concrete(type_of(e));
  Operand op = lower_expr_raw(e, out, expected);
  if (failure_.failed()) return placeholder(expected);
  return expected ? coerce(op, expected, out) : op;
}

namespace {
bool scalar_const(TypeId t) {
  switch (t->kind) {
    case TypeKind::Int:
    case TypeKind::Float:
    case TypeKind::Bool:
    case TypeKind::Time:
    case TypeKind::Duration:
    case TypeKind::Enum:
    case TypeKind::String:
    case TypeKind::Bytes:
      return true;
    default:
      return false;
  }
}

ConstValue const_of_kind(ConstValue::Kind kind) {
  ConstValue v;
  v.kind = kind;
  return v;
}
}  // namespace

Operand BodyLowerer::lower_expr_raw(const ast::Expr* e, Block& out, TypeId expected) {
  if (!e) return fail("missing expression", expected);
  TypeId type = resolve(type_of(e), expected);
  // One handler per kind of compiler/ast/expr_kinds.def.
  return std::visit([&](const auto& n) { return lower_node(*e, n, out, type); }, e->node);
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::IntLit& n, Block&, TypeId) {
  ConstValue v = const_of_kind(ConstValue::Kind::Int);
  v.i = n.value;
  return const_operand(p_.types->int_type(), v);
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::FloatLit& n, Block&, TypeId) {
  ConstValue v = const_of_kind(ConstValue::Kind::Float);
  v.f = n.value;
  return const_operand(p_.types->float_type(), v);
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::DurationLit& n, Block&, TypeId) {
  ConstValue v = const_of_kind(ConstValue::Kind::Duration);
  v.i = n.nanos;
  return const_operand(p_.types->duration_type(), v);
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::BoolLit& n, Block&, TypeId) {
  ConstValue v = const_of_kind(ConstValue::Kind::Bool);
  v.b = n.value;
  return const_operand(p_.types->bool_type(), v);
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::NoneLit&, Block& out, TypeId type) {
  if (!contains_bottom(type)) return def(out, zero_of(type));
  return const_operand(type, const_of_kind(ConstValue::Kind::None));
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::StringLit& n, Block& out, TypeId) {
  bool plain = true;
  for (const auto& part : n.parts)
    if (part.expr) plain = false;
  if (plain) {
    ConstValue v = const_of_kind(ConstValue::Kind::String);
    for (const auto& part : n.parts) v.s += part.text;
    return const_operand(p_.types->string_type(), v);
  }
  Rvalue rv;
  rv.kind = Rvalue::Kind::Format;
  rv.type = p_.types->string_type();
  for (const auto& part : n.parts) {
    if (part.expr) {
      rv.piece_arg.push_back(static_cast<std::int32_t>(rv.args.size()));
      rv.pieces.emplace_back();
      Operand op = materialize(lower_expr(part.expr.get(), out), out);
      rv.args.push_back(op);
    } else {
      rv.piece_arg.push_back(-1);
      rv.pieces.push_back(part.text);
    }
  }
  return def(out, std::move(rv));
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::ListLit& n, Block& out, TypeId type) {
  Rvalue rv;
  rv.kind = Rvalue::Kind::MakeList;
  rv.type = type;
  for (const auto& el : n.elements) rv.args.push_back(lower_expr(el.get(), out, type->elem));
  return def(out, std::move(rv));
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::MapLit& n, Block& out, TypeId type) {
  if (type->kind != TypeKind::Map) return fail("map literal of unknown type", type);
  Rvalue rv;
  rv.kind = Rvalue::Kind::MakeMap;
  rv.type = type;
  for (const auto& en : n.entries) {
    rv.args.push_back(lower_expr(en.key.get(), out, type->elem));
    rv.args.push_back(lower_expr(en.value.get(), out, type->value));
  }
  return def(out, std::move(rv));
}

Operand BodyLowerer::lower_node(const ast::Expr& e, const ast::MessageLit& n, Block& out, TypeId) {
  const Resolution* res = p_.resolution_of(&e);
  if (!res) return fail("unresolved message literal");
  const auto& info = p_.messages[res->index];
  Rvalue rv;
  rv.kind = Rvalue::Kind::MakeMessage;
  rv.type = p_.types->message(res->index);
  rv.index = res->index;
  for (const auto& fi : n.fields) {
    auto it = info.field_index.find(fi.name.name);
    if (it == info.field_index.end()) return fail("unknown field `" + fi.name.name + "`", rv.type);
    rv.fields.push_back(it->second);
    rv.args.push_back(lower_expr(fi.value.get(), out, info.fields[it->second].type));
  }
  return def(out, std::move(rv));
}

Operand BodyLowerer::lower_node(const ast::Expr& e, const ast::Name&, Block& out, TypeId) {
  const Resolution* res = p_.resolution_of(&e);
  if (!res) return fail("unresolved name");
  switch (res->kind) {
    case Resolution::Kind::Local: {
      auto it = var_of_local_.find(res->index);
      if (it == var_of_local_.end()) return fail("local used outside its body");
      return var_operand(it->second);
    }
    case Resolution::Kind::State: {
      Operand op;
      op.kind = Operand::Kind::Place;
      op.type = p_.functions[res->sub].states[res->index].type;
      op.place.root = Place::Root::State;
      op.place.index = res->index;
      op.place.type = op.type;
      return op;
    }
    case Resolution::Kind::Const: {
      const auto& c = p_.consts[res->index];
      if (!c.value) return fail("constant without a value", c.type);
      if (scalar_const(c.type)) return const_operand(c.type, *c.value);
      Rvalue rv;
      rv.kind = Rvalue::Kind::Const;
      rv.type = c.type;
      rv.value = *c.value;
      return def(out, std::move(rv));
    }
    default:
      return fail("name is not a value");
  }
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::SelfExpr&, Block& out, TypeId type) {
  Rvalue rv;
  rv.kind = Rvalue::Kind::Self;
  rv.type = type;
  return def(out, std::move(rv));
}

Operand BodyLowerer::lower_node(const ast::Expr& e, const ast::FieldAccess&, Block& out, TypeId) {
  const Resolution* res = p_.resolution_of(&e);
  if (res && res->kind == Resolution::Kind::EnumValue) {
    ConstValue v = const_of_kind(ConstValue::Kind::Enum);
    v.i = res->sub;
    v.decl = res->index;
    return const_operand(p_.types->enumeration(res->index), v);
  }
  return place_operand(lower_place(&e, out, false));
}

Operand BodyLowerer::lower_node(const ast::Expr& e, const ast::Index&, Block& out, TypeId) {
  return place_operand(lower_place(&e, out, false));
}

Operand BodyLowerer::lower_node(const ast::Expr& e, const ast::Unwrap& n, Block& out, TypeId type) {
  Rvalue rv;
  rv.kind = Rvalue::Kind::Unwrap;
  rv.type = type;
  rv.args.push_back(lower_expr(n.operand.get(), out));
  rv.loc = loc(e.span);
  return def(out, std::move(rv));
}

Operand BodyLowerer::lower_node(const ast::Expr& e, const ast::Unary& n, Block& out, TypeId type) {
  Rvalue rv;
  rv.kind = Rvalue::Kind::Unary;
  rv.type = type;
  rv.un = n.op == ast::UnaryOp::Neg ? UnOp::Neg : UnOp::Not;
  rv.args.push_back(lower_expr(n.operand.get(), out));
  rv.loc = loc(e.span);
  return def(out, std::move(rv));
}

Operand BodyLowerer::lower_node(const ast::Expr& e, const ast::Send& n, Block& out, TypeId) {
  Operand target = lower_expr(n.target.get(), out);
  TypeId mt = type_of(n.message.get());
  Operand msg = own_temp(lower_expr(n.message.get(), out, mt), mt, out);
  Stmt st = stmt(Stmt::Kind::Send, line(e.span));
  st.var = msg.place.index;
  st.index = mt->decl;
  st.args.push_back(materialize(target, out));
  Operand result = const_operand(p_.types->void_type(), const_of_kind(ConstValue::Kind::None));
  if (n.delay) {
    st.args.push_back(lower_expr(n.delay.get(), out, p_.types->duration_type()));
    result = def(out, zero_of(p_.types->timer_type()));
    st.place = result.place;
    st.place.write = true;
    st.has_place = true;
  }
  st.loc = loc(e.span);
  out.push_back(std::move(st));
  return result;
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::Range&, Block&, TypeId type) {
  return fail("unsupported expression", type);  // only a `for` iterable, lowered there
}

Operand BodyLowerer::lower_node(const ast::Expr&, const ast::ErrorExpr&, Block&, TypeId type) {
  return fail("unsupported expression", type);  // checked programs have none
}

Operand BodyLowerer::own_temp(Operand op, TypeId type, Block& out) {
  if (op.kind == Operand::Kind::Place && op.place.root == Place::Root::Var && op.place.steps.empty() &&
      body_.vars[op.place.index].kind == Var::Kind::Temp)
    return op;
  Rvalue rv;
  rv.kind = Rvalue::Kind::Use;
  rv.type = type;
  rv.args.push_back(op);
  return def(out, std::move(rv));
}

Operand BodyLowerer::is_present(Operand opt, Block& out) {
  Rvalue has;
  has.kind = Rvalue::Kind::IsPresent;
  has.type = p_.types->bool_type();
  has.args.push_back(opt);
  return def(out, std::move(has));
}

Rvalue BodyLowerer::zero_of(TypeId type) {
  Rvalue rv;
  rv.kind = Rvalue::Kind::Zero;
  rv.type = type;
  return rv;
}

Operand BodyLowerer::place_operand(Place place) {
  Operand op;
  op.kind = Operand::Kind::Place;
  op.place = std::move(place);
  op.type = op.place.type;
  return op;
}

Place BodyLowerer::lower_place(const ast::Expr* e, Block& out, bool write) {
  if (failure_.failed()) return failed_place();
  const Resolution* res = p_.resolution_of(e);
  if (std::holds_alternative<ast::Name>(e->node) && res &&
      (res->kind == Resolution::Kind::Local || res->kind == Resolution::Kind::State)) {
    Operand op = lower_expr_raw(e, out, nullptr);
    if (failure_.failed()) return failed_place();
    op.place.write = write;
    return op.place;
  }
  if (const auto* fa = std::get_if<ast::FieldAccess>(&e->node)) {
    if (res && res->kind == Resolution::Kind::Field) {
      Place base = lower_place(fa->object.get(), out, write);
      Step st;
      st.kind = Step::Kind::Field;
      st.field = res->sub;
      st.type = p_.messages[res->index].fields[res->sub].type;
      base.steps.push_back(std::move(st));
      base.type = base.steps.back().type;
      return base;
    }
  }
  if (const auto* ix = std::get_if<ast::Index>(&e->node)) {
    Place base = lower_place(ix->object.get(), out, write);
    Step st;
    if (base.type->kind == TypeKind::Map) {
      st.kind = Step::Kind::MapKey;
      st.index = std::make_shared<Operand>(materialize(lower_expr(ix->index.get(), out, base.type->elem), out));
      st.type = base.type->value;
    } else if (base.type->kind == TypeKind::List) {
      st.kind = Step::Kind::ListIndex;
      st.index = std::make_shared<Operand>(lower_expr(ix->index.get(), out, p_.types->int_type()));
      st.type = base.type->elem;
    } else {
      fail("index of a value that is neither a list nor a map");
      return failed_place();
    }
    st.loc = loc(e->span);
    base.steps.push_back(std::move(st));
    base.type = base.steps.back().type;
    return base;
  }
  // Any other expression: evaluate into a temporary.
  Operand op = materialize(lower_expr(e, out), out);
  op.place.write = write;
  return op.place;
}

Operand BodyLowerer::lower_node(const ast::Expr& e, const ast::Call& call, Block& out, TypeId) {
  const Resolution* res = p_.resolution_of(&e);
  if (!res) return fail("unresolved call", type_of(&e));
  Rvalue rv;
  rv.type = type_of(&e);
  rv.loc = loc(e.span);
  switch (res->kind) {
    case Resolution::Kind::Fn: {
      const auto& fn = p_.fns[res->index];
      rv.kind = Rvalue::Kind::CallFn;
      rv.index = res->index;
      rv.type = fn.return_type;
      for (std::size_t i = 0; i < call.args.size(); ++i)
        rv.args.push_back(
            materialize(lower_expr(call.args[i].get(), out, i < fn.params.size() ? fn.params[i].type : nullptr), out));
      break;
    }
    case Resolution::Kind::Address: {
      rv.kind = Rvalue::Kind::Address;
      rv.index = res->index;
      rv.type = p_.types->ref(res->index);
      if (call.args.size() != 1) return fail("address needs one key", rv.type);
      rv.args.push_back(materialize(lower_expr(call.args[0].get(), out, p_.functions[res->index].key_type), out));
      break;
    }
    case Resolution::Kind::Builtin:
      lower_builtin_call(call, res->builtin, rv, out);
      break;
    case Resolution::Kind::Method:
      lower_method_call(call, res->method, rv, out);
      break;
    default:
      return fail("call of something that is not callable", rv.type);
  }
  for (const auto& a : rv.args) note_type(m_, a.type);
  if (!rv.type || rv.type->kind == TypeKind::Void || rv.type->kind == TypeKind::Error) {
    rv.type = p_.types->void_type();
    Stmt st = stmt(Stmt::Kind::Eval, line(e.span));
    st.value = std::move(rv);
    out.push_back(std::move(st));
    return const_operand(p_.types->void_type(), ConstValue{});
  }
  return def(out, std::move(rv));
}

namespace {
// How builtins.def lowers a call to a built-in.
enum class BuiltinLowering : std::uint8_t { Now, Call, CallAtResultType };

BuiltinLowering lowering_of(check::Builtin builtin) {
  switch (builtin) {
#define SFN_BUILTIN(Name, Spelling, Shape, Check, Lowering) \
  case check::Builtin::Name:                                \
    return BuiltinLowering::Lowering;
#include "compiler/check/builtins.def"
  }
  return BuiltinLowering::Call;
}
}  // namespace

void BodyLowerer::lower_builtin_call(const ast::Call& call, check::Builtin builtin, Rvalue& rv, Block& out) {
  rv.builtin = builtin;
  const BuiltinLowering lowering = lowering_of(builtin);
  if (lowering == BuiltinLowering::Now) {
    rv.kind = Rvalue::Kind::Now;
    rv.type = p_.types->time_type();
    return;
  }
  rv.kind = Rvalue::Kind::Builtin;
  TypeId argt = lowering == BuiltinLowering::CallAtResultType ? rv.type : nullptr;
  for (const auto& a : call.args) rv.args.push_back(materialize(lower_expr(a.get(), out, argt), out));
}

void BodyLowerer::lower_method_call(const ast::Call& call, check::Method method, Rvalue& rv, Block& out) {
  const auto* fa = std::get_if<ast::FieldAccess>(&call.callee->node);
  if (!fa) {
    fail("method call without a receiver");
    return;
  }
  rv.kind = Rvalue::Kind::Method;
  rv.method = method;
  Operand recv;
  recv.kind = Operand::Kind::Place;
  if (check::is_mutating(method)) {
    recv.place = lower_place(fa->object.get(), out, true);
    recv.type = recv.place.type;
  } else {
    recv = materialize(lower_expr(fa->object.get(), out), out);
  }
  rv.args.push_back(recv);
  TypeId rt = recv.type;
  using M = check::Method;
  for (std::size_t i = 0; i < call.args.size(); ++i) {
    TypeId want = nullptr;
    switch (method) {
      case M::ListPush:
      case M::ListContains:
        want = rt->elem;
        break;
      case M::ListInsert:
        want = i == 0 ? p_.types->int_type() : rt->elem;
        break;
      case M::MapGet:
      case M::MapContains:
      case M::MapRemove:
        want = rt->elem;
        break;
      default:
        break;
    }
    rv.args.push_back(materialize(lower_expr(call.args[i].get(), out, want), out));
  }
}

Operand BodyLowerer::compare_with_none(const ast::Binary& b, TypeId opt, Block& out, const source::Span& span) {
  const bool none_left = std::holds_alternative<ast::NoneLit>(b.lhs->node);
  TypeId boolean = p_.types->bool_type();
  Rvalue has;
  has.kind = Rvalue::Kind::IsPresent;
  has.type = boolean;
  has.args.push_back(materialize(lower_expr((none_left ? b.rhs : b.lhs).get(), out, opt), out));
  Operand present = def(out, std::move(has));
  if (b.op == ast::BinaryOp::Ne) return present;
  Rvalue absent;
  absent.kind = Rvalue::Kind::Unary;
  absent.type = boolean;
  absent.un = UnOp::Not;
  absent.args.push_back(present);
  absent.loc = loc(span);
  return def(out, std::move(absent));
}

void BodyLowerer::assign_var(Block& blk, std::uint32_t var, Operand src, std::uint32_t at) {
  Stmt st = stmt(Stmt::Kind::Assign, at);
  st.place = var_operand(var).place;
  st.place.write = true;
  st.has_place = true;
  st.move = src.kind == Operand::Kind::Place && src.place.steps.empty() && src.place.root == Place::Root::Var &&
            body_.vars[src.place.index].kind == Var::Kind::Temp;
  st.src = src;
  blk.push_back(std::move(st));
}

// `a && b`, `a || b`: b is evaluated only when a does not decide.
Operand BodyLowerer::lower_short_circuit(const ast::Expr& e, const ast::Binary& b, Block& out) {
  TypeId boolean = p_.types->bool_type();
  Operand lhs = lower_expr(b.lhs.get(), out, boolean);
  Rvalue rv;
  rv.kind = Rvalue::Kind::Use;
  rv.type = boolean;
  rv.args.push_back(lhs);
  Operand result = def(out, std::move(rv));
  Stmt st = stmt(Stmt::Kind::If, line(e.span));
  st.src = result;
  Block& rhs_block = b.op == ast::BinaryOp::And ? st.then_block : st.else_block;
  Operand rhs = lower_expr(b.rhs.get(), rhs_block, boolean);
  assign_var(rhs_block, result.place.index, rhs, line(e.span));
  out.push_back(std::move(st));
  return result;
}

// `a ?? b`: b is evaluated only when a is none.
Operand BodyLowerer::lower_coalesce(const ast::Expr& e, const ast::Binary& b, Block& out, TypeId type) {
  const std::uint32_t at = line(e.span);
  TypeId want = contains_bottom(type_of(b.lhs.get())) ? p_.types->optional(type) : nullptr;  // `none ?? x`
  Operand lhs = materialize(lower_expr(b.lhs.get(), out, want), out);
  Operand result = def(out, zero_of(type));
  Stmt st = stmt(Stmt::Kind::If, at);
  st.src = is_present(lhs, out);
  if (type->kind == TypeKind::Optional) {
    assign_var(st.then_block, result.place.index, lhs, at);
  } else {
    Rvalue get;
    get.kind = Rvalue::Kind::GetUnchecked;
    get.type = type;
    get.args.push_back(lhs);
    Block& tb = st.then_block;
    std::uint32_t t = new_temp(type);
    Stmt d = stmt(Stmt::Kind::Def, at);
    d.var = t;
    d.value = std::move(get);
    tb.push_back(std::move(d));
    assign_var(tb, result.place.index, var_operand(t), at);
  }
  Operand rhs = lower_expr(b.rhs.get(), st.else_block, type);
  assign_var(st.else_block, result.place.index, rhs, at);
  out.push_back(std::move(st));
  return result;
}

// `a == b`, `a != b`, on the join of both sides' types.
Operand BodyLowerer::lower_equality(const ast::Expr& e, const ast::Binary& b, Block& out, Rvalue rv) {
  TypeId lt = type_of(b.lhs.get()), rt = type_of(b.rhs.get());
  TypeId jt = check::join(*p_.types, lt, rt);
  if (!jt) jt = lt;
  rv.bin = b.op == ast::BinaryOp::Eq ? BinOp::Eq : BinOp::Ne;
  jt = concrete(jt);  // `[] == []`, `[none] == []`: both sides untyped
  if (std::holds_alternative<ast::NoneLit>(b.lhs->node) || std::holds_alternative<ast::NoneLit>(b.rhs->node))
    return compare_with_none(b, jt, out, e.span);
  rv.args.push_back(materialize(lower_expr(b.lhs.get(), out, jt), out));
  rv.args.push_back(materialize(lower_expr(b.rhs.get(), out, jt), out));
  if (contains_bottom(rv.args[0].type)) return fail("comparison of untyped values", rv.type);
  return def(out, std::move(rv));
}

Operand BodyLowerer::lower_node(const ast::Expr& e, const ast::Binary& b, Block& out, TypeId type) {
  if (b.op == ast::BinaryOp::And || b.op == ast::BinaryOp::Or) return lower_short_circuit(e, b, out);
  if (b.op == ast::BinaryOp::Coalesce) return lower_coalesce(e, b, out, type);
  Rvalue rv;
  rv.kind = Rvalue::Kind::Binary;
  rv.type = type;
  rv.loc = loc(e.span);  // runtime errors point at the start of the whole expression
  switch (b.op) {
    case ast::BinaryOp::Eq:
    case ast::BinaryOp::Ne:
      return lower_equality(e, b, out, std::move(rv));
    case ast::BinaryOp::Lt:
      rv.bin = BinOp::Lt;
      break;
    case ast::BinaryOp::Le:
      rv.bin = BinOp::Le;
      break;
    case ast::BinaryOp::Gt:
      rv.bin = BinOp::Gt;
      break;
    case ast::BinaryOp::Ge:
      rv.bin = BinOp::Ge;
      break;
    case ast::BinaryOp::Add:
      rv.bin = (type->kind == TypeKind::String || type->kind == TypeKind::List) ? BinOp::Concat : BinOp::Add;
      break;
    case ast::BinaryOp::Sub:
      rv.bin = BinOp::Sub;
      break;
    case ast::BinaryOp::Mul:
      rv.bin = BinOp::Mul;
      break;
    case ast::BinaryOp::Div:
      rv.bin = BinOp::Div;
      break;
    case ast::BinaryOp::Rem:
      rv.bin = BinOp::Rem;
      break;
    default:
      return fail("unsupported operator", type);
  }
  TypeId want_l = rv.bin == BinOp::Concat ? type : nullptr;
  rv.args.push_back(lower_expr(b.lhs.get(), out, want_l));
  rv.args.push_back(lower_expr(b.rhs.get(), out, want_l));
  return def(out, std::move(rv));
}

}  // namespace sfn::ir
