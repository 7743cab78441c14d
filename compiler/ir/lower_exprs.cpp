// Lowering of a checked program to the IR, part 2: expressions. Every compound expression
// becomes a `Def` of a temporary; names become places; implicit `T -> T?` wraps and the types
// of `none`, `[]` and `{}` are made explicit; `&&`, `||` and `??` become `If` statements.
#include "compiler/ir/lower_internal.h"

namespace sfn::ir {

using check::Resolution;
using check::TypeKind;

TypeId BodyLowerer::resolve(TypeId t, TypeId expected) {
  if (!contains_bottom(t) || !expected || contains_bottom(expected)) return t;
  if (expected->kind == TypeKind::Optional && t->kind != TypeKind::Optional &&
      t->kind != TypeKind::Bottom)
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
    case TypeKind::Bottom: return p_.types->int_type();
    case TypeKind::List: return p_.types->list(concrete(t->elem));
    case TypeKind::Map: return p_.types->map(concrete(t->elem), concrete(t->value));
    case TypeKind::Optional: return p_.types->optional(concrete(t->elem));
    default: return t;
  }
}

Operand BodyLowerer::lower_expr(const ast::Expr* e, Block& out, TypeId expected) {
  if (!expected && e && contains_bottom(type_of(e))) expected = concrete(type_of(e));
  Operand op = lower_expr_raw(e, out, expected);
  return expected ? coerce(op, expected, out) : op;
}

namespace {
bool scalar_const(TypeId t) {
  switch (t->kind) {
    case TypeKind::Int: case TypeKind::Float: case TypeKind::Bool: case TypeKind::Time:
    case TypeKind::Duration: case TypeKind::Enum: case TypeKind::String: case TypeKind::Bytes:
      return true;
    default:
      return false;
  }
}
}  // namespace

Operand BodyLowerer::lower_expr_raw(const ast::Expr* e, Block& out, TypeId expected) {
  if (!e) throw LowerError{"missing expression"};
  TypeId type = resolve(type_of(e), expected);
  using K = ConstValue::Kind;
  auto cv = [](K kind) {
    ConstValue v;
    v.kind = kind;
    return v;
  };
  const auto& n = e->node;
  if (const auto* i = std::get_if<ast::IntLit>(&n)) {
    ConstValue v = cv(K::Int);
    v.i = i->value;
    return const_operand(p_.types->int_type(), v);
  }
  if (const auto* f = std::get_if<ast::FloatLit>(&n)) {
    ConstValue v = cv(K::Float);
    v.f = f->value;
    return const_operand(p_.types->float_type(), v);
  }
  if (const auto* d = std::get_if<ast::DurationLit>(&n)) {
    ConstValue v = cv(K::Duration);
    v.i = d->nanos;
    return const_operand(p_.types->duration_type(), v);
  }
  if (const auto* b = std::get_if<ast::BoolLit>(&n)) {
    ConstValue v = cv(K::Bool);
    v.b = b->value;
    return const_operand(p_.types->bool_type(), v);
  }
  if (std::holds_alternative<ast::NoneLit>(n)) {
    if (!contains_bottom(type)) {
      Rvalue rv;
      rv.kind = Rvalue::Kind::Zero;
      rv.type = type;
      return def(out, std::move(rv));
    }
    return const_operand(type, cv(K::None));
  }
  if (const auto* s = std::get_if<ast::StringLit>(&n)) {
    bool plain = true;
    for (const auto& part : s->parts)
      if (part.expr) plain = false;
    if (plain) {
      ConstValue v = cv(K::String);
      for (const auto& part : s->parts) v.s += part.text;
      return const_operand(p_.types->string_type(), v);
    }
    Rvalue rv;
    rv.kind = Rvalue::Kind::Format;
    rv.type = p_.types->string_type();
    for (const auto& part : s->parts) {
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
  if (const auto* l = std::get_if<ast::ListLit>(&n)) {
    Rvalue rv;
    rv.kind = Rvalue::Kind::MakeList;
    rv.type = type;
    for (const auto& el : l->elements) rv.args.push_back(lower_expr(el.get(), out, type->elem));
    return def(out, std::move(rv));
  }
  if (const auto* mp = std::get_if<ast::MapLit>(&n)) {
    if (type->kind != TypeKind::Map) throw LowerError{"map literal of unknown type"};
    Rvalue rv;
    rv.kind = Rvalue::Kind::MakeMap;
    rv.type = type;
    for (const auto& en : mp->entries) {
      rv.args.push_back(lower_expr(en.key.get(), out, type->elem));
      rv.args.push_back(lower_expr(en.value.get(), out, type->value));
    }
    return def(out, std::move(rv));
  }
  const Resolution* res = p_.resolution_of(e);
  if (const auto* ml = std::get_if<ast::MessageLit>(&n)) {
    if (!res) throw LowerError{"unresolved message literal"};
    const auto& info = p_.messages[res->index];
    Rvalue rv;
    rv.kind = Rvalue::Kind::MakeMessage;
    rv.type = p_.types->message(res->index);
    rv.index = res->index;
    for (const auto& fi : ml->fields) {
      auto it = info.field_index.find(fi.name.name);
      if (it == info.field_index.end()) throw LowerError{"unknown field `" + fi.name.name + "`"};
      rv.fields.push_back(it->second);
      rv.args.push_back(lower_expr(fi.value.get(), out, info.fields[it->second].type));
    }
    return def(out, std::move(rv));
  }
  if (std::holds_alternative<ast::Name>(n)) {
    if (!res) throw LowerError{"unresolved name"};
    switch (res->kind) {
      case Resolution::Kind::Local: {
        auto it = var_of_local_.find(res->index);
        if (it == var_of_local_.end()) throw LowerError{"local used outside its body"};
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
        if (!c.value) throw LowerError{"constant without a value"};
        if (scalar_const(c.type)) return const_operand(c.type, *c.value);
        Rvalue rv;
        rv.kind = Rvalue::Kind::Const;
        rv.type = c.type;
        rv.value = *c.value;
        return def(out, std::move(rv));
      }
      default:
        throw LowerError{"name is not a value"};
    }
  }
  if (std::holds_alternative<ast::SelfExpr>(n)) {
    Rvalue rv;
    rv.kind = Rvalue::Kind::Self;
    rv.type = type;
    return def(out, std::move(rv));
  }
  if (std::holds_alternative<ast::FieldAccess>(n)) {
    if (res && res->kind == Resolution::Kind::EnumValue) {
      ConstValue v = cv(K::Enum);
      v.i = res->sub;
      v.decl = res->index;
      return const_operand(p_.types->enumeration(res->index), v);
    }
    Operand op;
    op.kind = Operand::Kind::Place;
    op.place = lower_place(e, out, false);
    op.type = op.place.type;
    return op;
  }
  if (std::holds_alternative<ast::Index>(n)) {
    Operand op;
    op.kind = Operand::Kind::Place;
    op.place = lower_place(e, out, false);
    op.type = op.place.type;
    return op;
  }
  if (const auto* c = std::get_if<ast::Call>(&n)) return lower_call(e, *c, out, type);
  if (const auto* u = std::get_if<ast::Unwrap>(&n)) {
    Rvalue rv;
    rv.kind = Rvalue::Kind::Unwrap;
    rv.type = type;
    rv.args.push_back(lower_expr(u->operand.get(), out));
    rv.loc = loc(e->span);
    return def(out, std::move(rv));
  }
  if (const auto* u = std::get_if<ast::Unary>(&n)) {
    Rvalue rv;
    rv.kind = Rvalue::Kind::Unary;
    rv.type = type;
    rv.un = u->op == ast::UnaryOp::Neg ? UnOp::Neg : UnOp::Not;
    rv.args.push_back(lower_expr(u->operand.get(), out));
    rv.loc = loc(e->span);
    return def(out, std::move(rv));
  }
  if (const auto* b = std::get_if<ast::Binary>(&n)) return lower_binary(e, *b, out, type);
  if (const auto* s = std::get_if<ast::Send>(&n)) {
    Operand target = lower_expr(s->target.get(), out);
    TypeId mt = type_of(s->message.get());
    Operand msg = lower_expr(s->message.get(), out, mt);
    if (!(msg.kind == Operand::Kind::Place && msg.place.root == Place::Root::Var &&
          msg.place.steps.empty() && body_.vars[msg.place.index].kind == Var::Kind::Temp)) {
      Rvalue rv;
      rv.kind = Rvalue::Kind::Use;
      rv.type = mt;
      rv.args.push_back(msg);
      msg = def(out, std::move(rv));
    }
    Stmt st = stmt(Stmt::Kind::Send, line(e->span));
    st.var = msg.place.index;
    st.index = mt->decl;
    st.args.push_back(materialize(target, out));
    Operand result = const_operand(p_.types->void_type(), cv(K::None));
    if (s->delay) {
      st.args.push_back(lower_expr(s->delay.get(), out, p_.types->duration_type()));
      Rvalue z;
      z.kind = Rvalue::Kind::Zero;
      z.type = p_.types->timer_type();
      result = def(out, std::move(z));
      st.place = result.place;
      st.place.write = true;
      st.has_place = true;
    }
    st.loc = loc(e->span);
    out.push_back(std::move(st));
    return result;
  }
  throw LowerError{"unsupported expression"};
}

Place BodyLowerer::lower_place(const ast::Expr* e, Block& out, bool write) {
  const Resolution* res = p_.resolution_of(e);
  if (std::holds_alternative<ast::Name>(e->node) && res &&
      (res->kind == Resolution::Kind::Local || res->kind == Resolution::Kind::State)) {
    Operand op = lower_expr_raw(e, out, nullptr);
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
      throw LowerError{"index of a value that is neither a list nor a map"};
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

Operand BodyLowerer::lower_call(const ast::Expr* e, const ast::Call& call, Block& out, TypeId type) {
  const Resolution* res = p_.resolution_of(e);
  if (!res) throw LowerError{"unresolved call"};
  Rvalue rv;
  rv.type = type_of(e);
  rv.loc = loc(e->span);
  switch (res->kind) {
    case Resolution::Kind::Fn: {
      const auto& fn = p_.fns[res->index];
      rv.kind = Rvalue::Kind::CallFn;
      rv.index = res->index;
      rv.type = fn.return_type;
      for (std::size_t i = 0; i < call.args.size(); ++i)
        rv.args.push_back(materialize(
            lower_expr(call.args[i].get(), out, i < fn.params.size() ? fn.params[i].type : nullptr), out));
      break;
    }
    case Resolution::Kind::Address: {
      rv.kind = Rvalue::Kind::Address;
      rv.index = res->index;
      rv.type = p_.types->ref(res->index);
      if (call.args.size() != 1) throw LowerError{"address needs one key"};
      rv.args.push_back(materialize(lower_expr(call.args[0].get(), out, p_.functions[res->index].key_type), out));
      break;
    }
    case Resolution::Kind::Builtin: {
      rv.builtin = res->builtin;
      if (res->builtin == check::Builtin::Now) {
        rv.kind = Rvalue::Kind::Now;
        rv.type = p_.types->time_type();
        break;
      }
      rv.kind = Rvalue::Kind::Builtin;
      TypeId argt = (res->builtin == check::Builtin::Min || res->builtin == check::Builtin::Max) ? rv.type : nullptr;
      for (const auto& a : call.args) rv.args.push_back(materialize(lower_expr(a.get(), out, argt), out));
      if (res->builtin == check::Builtin::Log) rv.type = p_.types->void_type();
      break;
    }
    case Resolution::Kind::Method: {
      const auto* fa = std::get_if<ast::FieldAccess>(&call.callee->node);
      if (!fa) throw LowerError{"method call without a receiver"};
      rv.kind = Rvalue::Kind::Method;
      rv.method = res->method;
      bool mut = check::is_mutating(res->method);
      Operand recv;
      recv.kind = Operand::Kind::Place;
      if (mut) {
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
        switch (res->method) {
          case M::ListPush: case M::ListContains: want = rt->elem; break;
          case M::ListInsert: want = i == 0 ? p_.types->int_type() : rt->elem; break;
          case M::MapGet: case M::MapContains: case M::MapRemove: want = rt->elem; break;
          default: break;
        }
        rv.args.push_back(materialize(lower_expr(call.args[i].get(), out, want), out));
      }
      break;
    }
    default:
      throw LowerError{"call of something that is not callable"};
  }
  for (const auto& a : rv.args) note_type(m_, a.type);
  if (!rv.type || rv.type->kind == TypeKind::Void || rv.type->kind == TypeKind::Error) {
    rv.type = p_.types->void_type();
    Stmt st = stmt(Stmt::Kind::Eval, line(e->span));
    st.value = std::move(rv);
    out.push_back(std::move(st));
    return const_operand(p_.types->void_type(), ConstValue{});
  }
  (void)type;
  return def(out, std::move(rv));
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

Operand BodyLowerer::lower_binary(const ast::Expr* e, const ast::Binary& b, Block& out, TypeId type) {
  TypeId boolean = p_.types->bool_type();
  auto assign = [&](Block& blk, std::uint32_t var, Operand src) {
    Stmt st = stmt(Stmt::Kind::Assign, line(e->span));
    st.place = var_operand(var).place;
    st.place.write = true;
    st.has_place = true;
    st.move = src.kind == Operand::Kind::Place && src.place.steps.empty() &&
              src.place.root == Place::Root::Var && body_.vars[src.place.index].kind == Var::Kind::Temp;
    st.src = src;
    blk.push_back(std::move(st));
  };
  if (b.op == ast::BinaryOp::And || b.op == ast::BinaryOp::Or) {
    Operand lhs = lower_expr(b.lhs.get(), out, boolean);
    Rvalue rv;
    rv.kind = Rvalue::Kind::Use;
    rv.type = boolean;
    rv.args.push_back(lhs);
    Operand result = def(out, std::move(rv));
    Stmt st = stmt(Stmt::Kind::If, line(e->span));
    st.src = result;
    Block& rhs_block = b.op == ast::BinaryOp::And ? st.then_block : st.else_block;
    Operand rhs = lower_expr(b.rhs.get(), rhs_block, boolean);
    assign(rhs_block, result.place.index, rhs);
    out.push_back(std::move(st));
    return result;
  }
  if (b.op == ast::BinaryOp::Coalesce) {
    TypeId want = contains_bottom(type_of(b.lhs.get())) ? p_.types->optional(type) : nullptr;  // `none ?? x`
    Operand lhs = materialize(lower_expr(b.lhs.get(), out, want), out);
    Rvalue z;
    z.kind = Rvalue::Kind::Zero;
    z.type = type;
    Operand result = def(out, std::move(z));
    Rvalue has;
    has.kind = Rvalue::Kind::IsPresent;
    has.type = boolean;
    has.args.push_back(lhs);
    Stmt st = stmt(Stmt::Kind::If, line(e->span));
    st.src = def(out, std::move(has));
    if (type->kind == TypeKind::Optional) {
      assign(st.then_block, result.place.index, lhs);
    } else {
      Rvalue get;
      get.kind = Rvalue::Kind::GetUnchecked;
      get.type = type;
      get.args.push_back(lhs);
      Block& tb = st.then_block;
      std::uint32_t t = new_temp(type);
      Stmt d = stmt(Stmt::Kind::Def, line(e->span));
      d.var = t;
      d.value = std::move(get);
      tb.push_back(std::move(d));
      assign(tb, result.place.index, var_operand(t));
    }
    Operand rhs = lower_expr(b.rhs.get(), st.else_block, type);
    assign(st.else_block, result.place.index, rhs);
    out.push_back(std::move(st));
    return result;
  }
  Rvalue rv;
  rv.kind = Rvalue::Kind::Binary;
  rv.type = type;
  rv.loc = loc(e->span);  // runtime errors point at the start of the whole expression
  TypeId lt = type_of(b.lhs.get()), rt = type_of(b.rhs.get());
  switch (b.op) {
    case ast::BinaryOp::Eq: case ast::BinaryOp::Ne: {
      TypeId jt = check::join(*p_.types, lt, rt);
      if (!jt) jt = lt;
      rv.bin = b.op == ast::BinaryOp::Eq ? BinOp::Eq : BinOp::Ne;
      jt = concrete(jt);  // `[] == []`, `[none] == []`: both sides untyped
      if (std::holds_alternative<ast::NoneLit>(b.lhs->node) || std::holds_alternative<ast::NoneLit>(b.rhs->node))
        return compare_with_none(b, jt, out, e->span);
      rv.args.push_back(materialize(lower_expr(b.lhs.get(), out, jt), out));
      rv.args.push_back(materialize(lower_expr(b.rhs.get(), out, jt), out));
      if (contains_bottom(rv.args[0].type)) throw LowerError{"comparison of untyped values"};
      return def(out, std::move(rv));
    }
    case ast::BinaryOp::Lt: rv.bin = BinOp::Lt; break;
    case ast::BinaryOp::Le: rv.bin = BinOp::Le; break;
    case ast::BinaryOp::Gt: rv.bin = BinOp::Gt; break;
    case ast::BinaryOp::Ge: rv.bin = BinOp::Ge; break;
    case ast::BinaryOp::Add:
      rv.bin = (type->kind == TypeKind::String || type->kind == TypeKind::List) ? BinOp::Concat : BinOp::Add;
      break;
    case ast::BinaryOp::Sub: rv.bin = BinOp::Sub; break;
    case ast::BinaryOp::Mul: rv.bin = BinOp::Mul; break;
    case ast::BinaryOp::Div: rv.bin = BinOp::Div; break;
    case ast::BinaryOp::Rem: rv.bin = BinOp::Rem; break;
    default: throw LowerError{"unsupported operator"};
  }
  TypeId want_l = rv.bin == BinOp::Concat ? type : nullptr;
  rv.args.push_back(lower_expr(b.lhs.get(), out, want_l));
  rv.args.push_back(lower_expr(b.rhs.get(), out, want_l));
  (void)rt;
  return def(out, std::move(rv));
}

}  // namespace sfn::ir
