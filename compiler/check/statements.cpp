// Statement checking, one handler per kind of compiler/ast/stmt_kinds.def: blocks and scopes (E0102 for a local
// declared twice in one scope), let/var with inferred or declared types, assignments to places (E0204 for immutable
// ones), control flow (conditions, loops, `for` over ranges, lists and maps), `return` (E0205), `cancel` (E0308),
// `clear`, `fail`, and unreachable code after a diverging statement (W0505).
#include "compiler/check/checker.h"

namespace sfn::check {

static bool contains_bottom(TypeId t) {
  if (t == nullptr) return false;
  if (t->is(TypeKind::Bottom)) return true;
  return contains_bottom(t->elem) || contains_bottom(t->value);
}

std::uint32_t Checker::lookup_local(const std::string& name) const {
  for (auto it = scopes_.rbegin(); it != scopes_.rend(); ++it) {
    auto f = it->find(name);
    if (f != it->end()) return f->second;
  }
  return kNone;
}

std::uint32_t Checker::declare_local(LocalInfo::Kind kind, const ast::Ident& id, TypeId t) {
  auto idx = static_cast<std::uint32_t>(out_.locals.size());
  out_.locals.push_back(LocalInfo{kind, id.name, t, kind == LocalInfo::Kind::Var, &id});
  local_read_.push_back(false);
  out_.local_of[&id] = idx;
  if (id.name.empty()) {
    local_read_[idx] = true;
    return idx;
  }
  auto [it, inserted] = scopes_.back().emplace(id.name, idx);
  if (!inserted && id.name != "_") {
    auto& d = report(Kind::E0102, id.span, "`" + id.name + "` is declared more than once in this scope");
    d.notes.push_back({"first declared here", out_.locals[it->second].ident->span});
    local_read_[idx] = true;
  }
  return idx;
}

// The local or state at the root of a place expression (`x`, `x.f`, `x[i].g`).
static const ast::Expr* place_root(const ast::Expr& e) {
  const ast::Expr* cur = &e;
  for (;;) {
    const ast::Expr* next = nullptr;
    if (const auto* fa = std::get_if<ast::FieldAccess>(&cur->node)) {
      next = fa->object.get();
    } else if (const auto* ix = std::get_if<ast::Index>(&cur->node)) {
      next = ix->object.get();
    }
    if (next == nullptr) return cur;
    cur = next;
  }
}

void Checker::mark_read_root(const ast::Expr& e) {
  const ast::Expr* root = place_root(e);
  const Resolution* r = out_.resolution_of(root);
  if (r == nullptr) return;
  if (r->kind == Resolution::Kind::Local) local_read_[r->index] = true;
  if (r->kind == Resolution::Kind::State) state_use_[r->sub][r->index].read = true;
}

void Checker::check_mutable_root(const ast::Expr& e, const std::string& verb) {
  const ast::Expr* root = place_root(e);
  TypeId rt = out_.type_of(root);
  if (rt == nullptr || rt->is_error()) return;
  const Resolution* r = out_.resolution_of(root);
  if (r != nullptr && r->kind == Resolution::Kind::State) return;
  if (r != nullptr && r->kind == Resolution::Kind::Local) {
    const LocalInfo& l = out_.locals[r->index];
    if (l.is_mutable) return;
    const char* what = "";
    switch (l.kind) {
      case LocalInfo::Kind::Let:
        what = "a `let` binding";
        break;
      case LocalInfo::Kind::Param:
        what = "a fn parameter";
        break;
      case LocalInfo::Kind::HandlerParam:
        what = "a handler parameter (the received message)";
        break;
      case LocalInfo::Kind::IngressParam:
        what = "an ingress parameter";
        break;
      case LocalInfo::Kind::Key:
        what = "the key of this function";
        break;
      case LocalInfo::Kind::ForVar:
        what = "a loop variable";
        break;
      case LocalInfo::Kind::Var:
        break;
    }
    auto& d = report(Kind::E0204, e.span, "cannot " + verb + " `" + l.name + "`: it is " + what);
    d.notes.push_back({"`" + l.name + "` is declared here", l.ident->span});
    if (l.kind == LocalInfo::Kind::Let) {
      d.fixes.push_back({"declare `" + l.name + "` with `var` to make it mutable", {}});
    } else if (l.kind != LocalInfo::Kind::Key) {
      d.fixes.push_back({"copy it into a `var` first: `var " + l.name + "2 = " + l.name + ";`", {}});
    }
    return;
  }
  if (r != nullptr && r->kind == Resolution::Kind::Const) {
    report(Kind::E0204, e.span, "cannot " + verb + " a constant");
    return;
  }
  report(Kind::E0204, e.span,
         "cannot " + verb +
             " this expression: only a `var`, a `state`, or a field or element of "
             "one can be modified");
}

TypeId Checker::check_place(const ast::Expr& e, std::string_view verb) {
  writing_place_ = true;
  TypeId t = check_expr(e, nullptr);
  check_mutable_root(e, std::string(verb));
  return t;
}

static ast::BinaryOp binary_of(ast::AssignOp op) {
  switch (op) {
    case ast::AssignOp::Add:
      return ast::BinaryOp::Add;
    case ast::AssignOp::Sub:
      return ast::BinaryOp::Sub;
    case ast::AssignOp::Mul:
      return ast::BinaryOp::Mul;
    case ast::AssignOp::Div:
      return ast::BinaryOp::Div;
    default:
      return ast::BinaryOp::Rem;
  }
}

static const char* assign_text(ast::AssignOp op) {
  switch (op) {
    case ast::AssignOp::Set:
      return "=";
    case ast::AssignOp::Add:
      return "+=";
    case ast::AssignOp::Sub:
      return "-=";
    case ast::AssignOp::Mul:
      return "*=";
    case ast::AssignOp::Div:
      return "/=";
    case ast::AssignOp::Rem:
      return "%=";
  }
  return "=";
}

bool Checker::check_node(const ast::Stmt& s, const ast::AssignStmt& a) {
  if (!a.target) {
    if (a.value) check_ptr(a.value, nullptr);
    return false;
  }
  TypeId tt = check_place(*a.target, "assign to");
  if (!a.value) return false;
  if (a.op == ast::AssignOp::Set) {
    check_ptr_as(a.value, tt);
    return false;
  }
  TypeId vt = check_ptr(a.value, tt);
  if (contains_error(tt) || contains_error(vt)) return false;
  TypeId r = arithmetic_result(types_, binary_of(a.op), tt, vt);
  if (r == nullptr || !is_assignable(r, tt)) {
    report(
        Kind::E0203, a.op_span.valid() ? a.op_span : s.span,
        std::string("operator `") + assign_text(a.op) + "` is not defined for `" + tn(tt) + "` and `" + tn(vt) + "`");
  }
  return false;
}

bool Checker::check_block(const ast::Block& b) {
  push_scope();
  bool diverged = false;
  bool warned = false;
  const ast::Stmt* diverging = nullptr;
  for (const auto& s : b.stmts) {
    if (!s) continue;
    if (diverged && !warned && !std::holds_alternative<ast::ErrorStmt>(s->node)) {
      warned = true;
      auto& d = report(Kind::W0505, s->span, "unreachable code");
      d.notes.push_back({"any code after this statement is unreachable", diverging->span});
    }
    bool d = check_stmt(*s);
    if (d && !diverged) {
      diverged = true;
      diverging = s.get();
    }
  }
  pop_scope();
  return diverged;
}

bool Checker::check_stmt(const ast::Stmt& s) {
  // One handler per kind of compiler/ast/stmt_kinds.def.
  return std::visit([&](const auto& n) { return check_node(s, n); }, s.node);
}

bool Checker::check_node(const ast::Stmt&, const ast::LetStmt& n) {
  TypeId declared = n.type ? resolve_type(n.type.get()) : nullptr;
  TypeId t = declared ? declared : types_.error();
  if (n.value) {
    TypeId v = check_ptr(n.value, declared);
    if (declared) {
      if (Diagnostic* d = require_diag(v, declared, n.value->span)) {
        d->notes.push_back({"`" + n.name.name + "` is declared with type `" + tn(declared) + "`", n.type->span});
      }
    } else if (v->is(TypeKind::Void)) {
      report(Kind::E0201, n.value->span, "`" + n.name.name + "` cannot be bound to an expression with no value");
    } else if (contains_bottom(v)) {
      auto& d =
          report(Kind::E0201, n.value->span, "cannot infer the type of `" + n.name.name + "` from `" + tn(v) + "`");
      d.fixes.push_back(
          {"add a type annotation: `" + std::string(n.is_var ? "var " : "let ") + n.name.name + ": T = ...`", {}});
    } else {
      t = v;
    }
  } else if (declared && (declared->is(TypeKind::Ref) || declared->is(TypeKind::Timer))) {
    report(Kind::E0201, n.type->span,
           "`" + tn(declared) + "` has no default value; give `" + n.name.name + "` an initial value");
  }
  declare_local(n.is_var ? LocalInfo::Kind::Var : LocalInfo::Kind::Let, n.name, t);
  return false;
}

bool Checker::check_node(const ast::Stmt&, const ast::IfStmt& n) {
  if (n.cond) check_ptr_as(n.cond, types_.bool_type());
  bool a = check_block(n.then_block);
  bool b = n.else_block ? check_block(*n.else_block) : false;
  return a && b;
}

bool Checker::check_node(const ast::Stmt&, const ast::WhileStmt& n) {
  if (n.cond) check_ptr_as(n.cond, types_.bool_type());
  ++ctx_.loop_depth;
  check_block(n.body);
  --ctx_.loop_depth;
  return false;
}

std::pair<TypeId, TypeId> Checker::check_for_iterable(const ast::ForStmt& n) {
  TypeId var_t = types_.error();
  TypeId val_t = types_.error();
  if (!n.iterable) return {var_t, val_t};
  if (const auto* r = std::get_if<ast::Range>(&n.iterable->node)) {
    if (r->begin) check_ptr_as(r->begin, types_.int_type());
    if (r->end) check_ptr_as(r->end, types_.int_type());
    record(*n.iterable, types_.list(types_.int_type()));
    return {types_.int_type(), val_t};
  }
  bool two_ok = false;
  TypeId it = check_ptr(n.iterable, nullptr);
  if (it->is(TypeKind::List)) {
    var_t = it->elem;
  } else if (it->is(TypeKind::Map)) {
    var_t = it->elem;
    val_t = it->value;
    two_ok = true;
  } else if (!it->is_error()) {
    report(Kind::E0201, n.iterable->span,
           "cannot iterate over `" + tn(it) + "`: expected a list, a map or a range `a..b`");
  }
  if (n.value_var && !two_ok && !it->is_error()) {
    report(Kind::E0201, n.value_var->span, "two loop variables need a map, found `" + tn(it) + "`");
  }
  return {var_t, val_t};
}

bool Checker::check_node(const ast::Stmt&, const ast::ForStmt& n) {
  auto [var_t, val_t] = check_for_iterable(n);
  push_scope();
  declare_local(LocalInfo::Kind::ForVar, n.var, var_t);
  if (n.value_var) declare_local(LocalInfo::Kind::ForVar, *n.value_var, val_t);
  ++ctx_.loop_depth;
  check_block(n.body);
  --ctx_.loop_depth;
  pop_scope();
  return false;
}

void Checker::check_in_loop(const ast::Stmt& s, std::string_view what) {
  if (ctx_.loop_depth == 0) {
    report(Kind::E0001, s.span, "`" + std::string(what) + "` outside of a loop");
  }
}

bool Checker::check_node(const ast::Stmt& s, const ast::BreakStmt&) {
  check_in_loop(s, "break");
  return true;
}

bool Checker::check_node(const ast::Stmt& s, const ast::ContinueStmt&) {
  check_in_loop(s, "continue");
  return true;
}

void Checker::check_fn_return(const ast::Stmt& s, const ast::ReturnStmt& n) {
  TypeId rt = ctx_.return_type;
  const FnInfo& fn = out_.fns[ctx_.fn];
  if (n.value) {
    TypeId vt = check_ptr(n.value, rt->is(TypeKind::Void) ? nullptr : rt);
    if (rt->is(TypeKind::Void)) {
      if (!vt->is_error()) {
        auto& d = report(Kind::E0205, n.value->span, "fn `" + fn.name + "` has no return type, but returns a value");
        d.fixes.push_back({"declare the return type: `-> " + tn(vt) + "`", {}});
      }
    } else if (Diagnostic* d = require_diag(vt, rt, n.value->span, Kind::E0205)) {
      d->notes.push_back({"the return type of `" + fn.name + "` is declared here", fn.decl->return_type->span});
    }
  } else if (!rt->is(TypeKind::Void) && !rt->is_error()) {
    auto& d = report(Kind::E0205, s.span, "`return` needs a value of type `" + tn(rt) + "`");
    d.notes.push_back({"the return type of `" + fn.name + "` is declared here", fn.decl->return_type->span});
  }
}

bool Checker::check_node(const ast::Stmt& s, const ast::ReturnStmt& n) {
  if (ctx_.kind == BodyContext::Kind::Fn) {
    check_fn_return(s, n);
  } else if (n.value) {
    TypeId vt = check_ptr(n.value, nullptr);
    if (!vt->is_error()) report(Kind::E0205, n.value->span, "a handler cannot return a value");
  }
  return true;
}

bool Checker::check_node(const ast::Stmt& s, const ast::CancelStmt& n) {
  bool allowed = require_handler(s.span, "`cancel`");
  if (!n.timer) return false;
  TypeId t = check_ptr(n.timer, nullptr);
  if (allowed && !t->is_error() && !t->is(TypeKind::Timer) &&
      !(t->is(TypeKind::Optional) && t->elem->is(TypeKind::Timer))) {
    report(Kind::E0308, n.timer->span, "`cancel` needs a `timer`, found `" + tn(t) + "`");
  }
  return false;
}

bool Checker::check_node(const ast::Stmt& s, const ast::ClearStmt& n) {
  if (!require_handler(s.span, "`clear`")) return false;
  if (!n.target) return false;  // clear self
  const auto& f = out_.functions[ctx_.function];
  const std::string& name = n.target->name;
  auto it = f.state_index.find(name);
  if (it == f.state_index.end()) {
    if (name.empty()) return false;
    auto& d = report(Kind::E0101, n.target->span, "function `" + f.name + "` has no state `" + name + "`");
    suggest(d, name, n.target->span, names_of(f.states));
    return false;
  }
  auto& use = state_use_[ctx_.function][it->second];
  if (!use.written) use.first_write = n.target->span;
  use.written = true;
  return false;
}

bool Checker::check_node(const ast::Stmt&, const ast::FailStmt& n) {
  if (n.reason) check_ptr_as(n.reason, types_.string_type());
  return true;
}

bool Checker::check_node(const ast::Stmt&, const ast::ExprStmt& n) {
  if (n.expr) check_ptr(n.expr, nullptr);
  return false;
}

bool Checker::check_node(const ast::Stmt&, const ast::ErrorStmt&) {
  return false;  // the parser reported it
}

}  // namespace sfn::check
