// Lowering of a checked program to the IR, part 1: the schema (message layout per the ABI,
// enums, function types and states, ingresses, egresses), the bodies' skeletons and every
// statement (one handler per kind of compiler/ast/stmt_kinds.def). Expressions are in
// lower_exprs.cpp.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "common/bits.h"
#include "compiler/ir/lower_internal.h"

namespace sfn::ir {

using check::TypeKind;

namespace {

std::string basename(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool is_trivial(TypeId t) {
  switch (t->kind) {
    case TypeKind::Int:
    case TypeKind::Float:
    case TypeKind::Bool:
    case TypeKind::Time:
    case TypeKind::Duration:
    case TypeKind::Enum:
    case TypeKind::Void:
      return true;
    default:
      return false;
  }
}

bool is_plain_data(const Module& module, TypeId t) {
  if (is_trivial(t)) return true;
  if (t->kind != TypeKind::Message) return false;
  for (const auto& f : module.messages[t->decl].fields)
    if (!is_plain_data(module, f.type)) return false;
  return true;
}

Slot slot_of(const Module& module, TypeId t) {
  switch (t->kind) {
    case TypeKind::Int:
    case TypeKind::Float:
    case TypeKind::Time:
    case TypeKind::Duration:
      return abi_layout::kWord;
    case TypeKind::Bool:
      return abi_layout::kBool;
    case TypeKind::Enum:
      return abi_layout::kEnum;
    case TypeKind::String:
    case TypeKind::Bytes:
    case TypeKind::Ref:
    case TypeKind::Timer:
      return abi_layout::kString;
    case TypeKind::List:
    case TypeKind::Map:
      return abi_layout::kCollection;
    case TypeKind::Optional:
      if (t->elem->kind == TypeKind::Message) return abi_layout::kMessagePointer;
      return abi_layout::optional_slot(slot_of(module, t->elem));
    case TypeKind::Message: {
      const Message& m = module.messages[t->decl];
      return {m.size, m.align};
    }
    default:
      return {0, 1};
  }
}

bool contains_bottom(TypeId t) {
  if (!t) return false;
  if (t->kind == TypeKind::Bottom || t->kind == TypeKind::Error) return true;
  return contains_bottom(t->elem) || contains_bottom(t->value);
}

void note_type(Module& module, TypeId t) {
  if (!t || t->kind == TypeKind::Void || contains_bottom(t)) return;
  if (std::find(module.types.begin(), module.types.end(), t) != module.types.end()) return;
  if (t->elem) note_type(module, t->elem);
  if (t->value) note_type(module, t->value);
  module.types.push_back(t);
}

Operand const_operand(TypeId type, ConstValue value) {
  Operand op;
  op.kind = Operand::Kind::Const;
  op.type = type;
  op.value = std::move(value);
  return op;
}

// ---------------------------------------------------------------------------------- helpers

std::uint32_t BodyLowerer::new_temp(TypeId type) {
  Var v;
  v.kind = Var::Kind::Temp;
  v.type = type;
  body_.vars.push_back(v);
  note_type(m_, type);
  return static_cast<std::uint32_t>(body_.vars.size() - 1);
}

Operand BodyLowerer::var_operand(std::uint32_t var) {
  Operand op;
  op.kind = Operand::Kind::Place;
  op.type = body_.vars[var].type;
  op.place.root = Place::Root::Var;
  op.place.index = var;
  op.place.type = op.type;
  return op;
}

Operand BodyLowerer::def(Block& out, Rvalue rv) {
  std::uint32_t t = new_temp(rv.type);
  for (const auto& a : rv.args) note_type(m_, a.type);
  Stmt s = stmt(Stmt::Kind::Def, out.empty() ? body_.line : out.back().line);
  s.var = t;
  s.value = std::move(rv);
  out.push_back(std::move(s));
  return var_operand(t);
}

Stmt BodyLowerer::stmt(Stmt::Kind kind, std::uint32_t line) {
  Stmt s;
  s.kind = kind;
  s.line = line;
  return s;
}

Operand BodyLowerer::fail(std::string why, TypeId type) {
  failure_.record(std::move(why));
  return placeholder(type);
}

Operand BodyLowerer::placeholder(TypeId type) { return const_operand(type ? type : p_.types->error(), ConstValue{}); }

Place BodyLowerer::failed_place() {
  Place place;
  place.type = p_.types->error();
  return place;
}

std::uint32_t BodyLowerer::loc(const source::Span& span) {
  Loc l;
  if (span.valid()) {
    const auto& file = sources_.file(span.file);
    auto lc = file.line_col(span.begin);
    // Paths relative to the root file's directory (`lib/keys.sfn`), else the file name.
    std::string path = file.path();
    if (!root_dir_.empty() && path.rfind(root_dir_, 0) == 0)
      path = path.substr(root_dir_.size());
    else if (!root_dir_.empty() || path.empty() || path[0] == '/' || path.rfind("..", 0) == 0)
      path = basename(path);
    l = Loc{path, lc.line, lc.column};
  }
  m_.locs.push_back(l);
  return static_cast<std::uint32_t>(m_.locs.size() - 1);
}

std::uint32_t BodyLowerer::line(const source::Span& span) {
  if (!span.valid()) return 0;
  return sources_.file(span.file).line_col(span.begin).line;
}

void BodyLowerer::declared_at(const source::Span& span) {
  body_.line = line(span);
  if (span.valid()) body_.file = sources_.file(span.file).path();
  if (body_.kind == Body::Kind::Fn) body_.loc = loc(span);
}

TypeId BodyLowerer::type_of(const ast::Expr* e) const {
  TypeId t = p_.type_of(e);
  return t ? t : p_.types->error();
}

std::uint32_t BodyLowerer::bind_local(std::uint32_t local, Var::Kind kind) {
  const check::LocalInfo& info = p_.locals.at(local);
  Var v;
  v.kind = kind;
  v.name = info.name;
  v.type = info.type;
  v.is_mutable = info.is_mutable;
  body_.vars.push_back(v);
  note_type(m_, info.type);
  std::uint32_t id = static_cast<std::uint32_t>(body_.vars.size() - 1);
  var_of_local_[local] = id;
  return id;
}

// ---------------------------------------------------------------------------------- statements

void BodyLowerer::lower_block(const ast::Block& block, Block& out) {
  for (const auto& s : block.stmts)
    if (s) lower_stmt(*s, out);
}

namespace {
bool is_temp_def(const Block& out, const Operand& op, const Body& body) {
  return op.kind == Operand::Kind::Place && op.place.root == Place::Root::Var && op.place.steps.empty() &&
         body.vars[op.place.index].kind == Var::Kind::Temp && !out.empty() && out.back().kind == Stmt::Kind::Def &&
         out.back().var == op.place.index;
}
bool is_temp(const Operand& op, const Body& body) {
  return op.kind == Operand::Kind::Place && op.place.root == Place::Root::Var && op.place.steps.empty() &&
         body.vars[op.place.index].kind == Var::Kind::Temp;
}
}  // namespace

void BodyLowerer::lower_stmt(const ast::Stmt& s, Block& out) {
  if (failure_.failed()) return;  // lowering stops at its first failure
  // One handler per kind of compiler/ast/stmt_kinds.def.
  std::visit([&](const auto& n) { lower_node(s, n, out); }, s.node);
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::LetStmt& let, Block& out) {
  std::uint32_t ln = line(s.span);
  auto it = p_.local_of.find(&let.name);
  if (it == p_.local_of.end()) {
    fail("unresolved local `" + let.name.name + "`");
    return;
  }
  TypeId type = p_.locals[it->second].type;
  if (!let.value) {
    std::uint32_t v = bind_local(it->second, Var::Kind::Local);
    Stmt d = stmt(Stmt::Kind::Def, ln);
    d.var = v;
    d.value.kind = Rvalue::Kind::Zero;
    d.value.type = type;
    out.push_back(std::move(d));
    return;
  }
  Operand op = lower_expr(let.value.get(), out, type);
  std::uint32_t v = bind_local(it->second, Var::Kind::Local);
  if (is_temp_def(out, op, body_)) {
    out.back().var = v;  // the temporary becomes the local
    out.back().line = ln;
    return;
  }
  Stmt d = stmt(Stmt::Kind::Def, ln);
  d.var = v;
  d.value.kind = Rvalue::Kind::Use;
  d.value.type = type;
  d.value.args.push_back(op);
  out.push_back(std::move(d));
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::IfStmt& i, Block& out) {
  Operand c = lower_expr(i.cond.get(), out, p_.types->bool_type());
  Stmt st = stmt(Stmt::Kind::If, line(s.span));
  st.src = c;
  lower_block(i.then_block, st.then_block);
  if (i.else_block) lower_block(*i.else_block, st.else_block);
  out.push_back(std::move(st));
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::WhileStmt& w, Block& out) {
  std::uint32_t ln = line(s.span);
  Stmt loop = stmt(Stmt::Kind::Loop, ln);
  loop.loc = loc(s.span);  // where an iteration is counted (invocation budget)
  Operand c = lower_expr(w.cond.get(), loop.then_block, p_.types->bool_type());
  Stmt test = stmt(Stmt::Kind::If, ln);
  test.src = c;
  test.else_block.push_back(stmt(Stmt::Kind::Break, ln));
  loop.then_block.push_back(std::move(test));
  lower_block(w.body, loop.then_block);
  out.push_back(std::move(loop));
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::BreakStmt&, Block& out) {
  out.push_back(stmt(Stmt::Kind::Break, line(s.span)));
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::ContinueStmt&, Block& out) {
  out.push_back(stmt(Stmt::Kind::Continue, line(s.span)));
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::ReturnStmt& r, Block& out) {
  Stmt st = stmt(Stmt::Kind::Return, line(s.span));
  if (r.value) {
    TypeId rt = body_.return_type;
    st.args.push_back(lower_expr(r.value.get(), out, rt));
  }
  out.push_back(std::move(st));
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::EmitStmt& e, Block& out) {
  std::uint32_t egress = p_.find_egress(e.egress.name);
  if (egress == kNone) {
    fail("unknown egress `" + e.egress.name + "`");
    return;
  }
  TypeId mt = p_.types->message(p_.egresses[egress].message);
  Operand msg = own_temp(lower_expr(e.message.get(), out, mt), mt, out);
  Stmt st = stmt(Stmt::Kind::Emit, line(s.span));
  st.var = msg.place.index;
  st.index = m_.egress_index[egress];
  out.push_back(std::move(st));
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::ClearStmt& cl, Block& out) {
  Stmt st = stmt(Stmt::Kind::Clear, line(s.span));
  if (cl.target) {
    const auto& fn = p_.functions[function_];
    auto it = fn.state_index.find(cl.target->name);
    if (it == fn.state_index.end()) {
      fail("unknown state `" + cl.target->name + "`");
      return;
    }
    st.index = it->second;
  }
  out.push_back(std::move(st));
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::FailStmt& fl, Block& out) {
  Stmt st = stmt(Stmt::Kind::Fail, line(s.span));
  st.args.push_back(materialize(lower_expr(fl.reason.get(), out, p_.types->string_type()), out));
  st.loc = loc(s.span);
  out.push_back(std::move(st));
}

void BodyLowerer::lower_node(const ast::Stmt&, const ast::ExprStmt& es, Block& out) {
  if (es.expr) lower_expr(es.expr.get(), out);
}

void BodyLowerer::lower_node(const ast::Stmt&, const ast::ErrorStmt&, Block&) { fail("statement with a syntax error"); }

// `cancel t`; on a `timer?` it cancels only a timer that is there (cancelling none does nothing).
void BodyLowerer::lower_node(const ast::Stmt& s, const ast::CancelStmt& c, Block& out) {
  const std::uint32_t ln = line(s.span);
  TypeId timer = p_.types->timer_type();
  Stmt st = stmt(Stmt::Kind::Cancel, ln);
  if (type_of(c.timer.get())->kind != TypeKind::Optional) {
    st.args.push_back(lower_expr(c.timer.get(), out, timer));
    out.push_back(std::move(st));
    return;
  }
  Operand opt = materialize(lower_expr(c.timer.get(), out), out);
  Stmt test = stmt(Stmt::Kind::If, ln);
  test.src = is_present(opt, out);
  Rvalue get;
  get.kind = Rvalue::Kind::GetUnchecked;
  get.type = timer;
  get.args.push_back(opt);
  st.args.push_back(def(test.then_block, std::move(get)));
  test.then_block.push_back(std::move(st));
  out.push_back(std::move(test));
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::AssignStmt& a, Block& out) {
  Place target = lower_place(a.target.get(), out, true);
  Operand value = lower_expr(a.value.get(), out, a.op == ast::AssignOp::Set ? target.type : nullptr);
  if (a.op != ast::AssignOp::Set) {
    Rvalue rv;
    rv.kind = Rvalue::Kind::Binary;
    rv.type = target.type;
    bool concat = target.type->kind == TypeKind::String || target.type->kind == TypeKind::List;
    switch (a.op) {
      case ast::AssignOp::Add:
        rv.bin = concat ? BinOp::Concat : BinOp::Add;
        break;
      case ast::AssignOp::Sub:
        rv.bin = BinOp::Sub;
        break;
      case ast::AssignOp::Mul:
        rv.bin = BinOp::Mul;
        break;
      case ast::AssignOp::Div:
        rv.bin = BinOp::Div;
        break;
      case ast::AssignOp::Rem:
        rv.bin = BinOp::Rem;
        break;
      default:
        break;
    }
    Operand cur;
    cur.kind = Operand::Kind::Place;
    cur.type = target.type;
    cur.place = target;
    rv.args.push_back(cur);
    rv.args.push_back(value);
    rv.loc = loc(a.target->span);
    value = def(out, std::move(rv));
  }
  Stmt st = stmt(Stmt::Kind::Assign, line(s.span));
  st.place = target;
  st.has_place = true;
  st.move = is_temp(value, body_);
  st.src = value;
  out.push_back(std::move(st));
}

void BodyLowerer::lower_node(const ast::Stmt& s, const ast::ForStmt& f, Block& out) {
  const std::uint32_t ln = line(s.span);
  const std::uint32_t at = loc(s.span);     // where an iteration is counted (invocation budget)
  auto local = [&](const ast::Ident& id) {  // kNone (after fail) when unresolved
    auto it = p_.local_of.find(&id);
    if (it != p_.local_of.end()) return it->second;
    fail("unresolved loop variable `" + id.name + "`");
    return kNone;
  };
  auto snapshot = [&](Operand op) {
    if (is_temp(op, body_)) return op;
    Rvalue rv;
    rv.kind = Rvalue::Kind::Use;
    rv.type = op.type;
    rv.args.push_back(op);
    return def(out, std::move(rv));
  };
  if (const auto* range = f.iterable ? std::get_if<ast::Range>(&f.iterable->node) : nullptr) {
    TypeId it = p_.types->int_type();
    Operand lo = lower_expr(range->begin.get(), out, it);
    if (lo.kind == Operand::Kind::Place) lo = snapshot(lo);
    Operand hi = lower_expr(range->end.get(), out, it);
    if (hi.kind == Operand::Kind::Place) hi = snapshot(hi);
    Stmt st = stmt(Stmt::Kind::ForRange, ln);
    st.loc = at;
    st.args = {lo, hi};
    const std::uint32_t var = local(f.var);
    if (var == kNone) return;
    st.var = bind_local(var, Var::Kind::ForVar);
    lower_block(f.body, st.then_block);
    out.push_back(std::move(st));
    return;
  }
  Operand coll = snapshot(lower_expr(f.iterable.get(), out));
  Stmt st = stmt(coll.type->kind == TypeKind::Map ? Stmt::Kind::ForMap : Stmt::Kind::ForList, ln);
  st.loc = at;
  st.args = {coll};
  const std::uint32_t var = local(f.var);
  if (var == kNone) return;
  st.var = bind_local(var, Var::Kind::ForVar);
  if (f.value_var) {
    const std::uint32_t value_var = local(*f.value_var);
    if (value_var == kNone) return;
    st.var2 = bind_local(value_var, Var::Kind::ForVar);
  }
  if (st.kind == Stmt::Kind::ForMap && st.var2 == kNone) {
    fail("`for` over a map needs a key and a value variable");
    return;
  }
  lower_block(f.body, st.then_block);
  out.push_back(std::move(st));
}

// ---------------------------------------------------------------------------------- program

namespace {

void lower_schema(Module& m, const check::CheckedProgram& p) {
  for (const auto& info : p.messages) {
    Message msg;
    msg.name = info.name;
    msg.full_name = p.package + "." + info.name;
    m.messages.push_back(std::move(msg));
  }
  // Layout needs nested message sizes first: iterate until every message is laid out (the
  // checker rejects recursion without indirection, so this terminates).
  std::vector<bool> done(p.messages.size(), false);
  for (std::size_t round = 0; round <= p.messages.size(); ++round) {
    for (std::size_t i = 0; i < p.messages.size(); ++i) {
      if (done[i]) continue;
      bool ready = true;
      for (const auto& f : p.messages[i].fields)
        if (f.type->kind == TypeKind::Message && !done[f.type->decl]) ready = false;
      if (!ready) continue;
      Message& msg = m.messages[i];
      std::uint32_t off = 0, align = 1;
      for (const auto& f : p.messages[i].fields) {
        Field field;
        field.name = f.name;
        field.type = f.type;
        field.number = f.number;
        field.required = !f.default_value.has_value();
        if (p.has_explicit_presence(f)) {
          field.default_value = f.default_value;
          msg.has_nonzero_defaults = true;
        }
        Slot s = slot_of(m, f.type);
        off = bits::align_up(off, s.align);
        field.offset = off;
        off += s.size;
        align = std::max(align, s.align);
        msg.fields.push_back(std::move(field));
      }
      if (msg.fields.empty()) off = 1;  // C++ structs are never empty
      msg.size = bits::align_up(off, align);
      msg.align = align;
      done[i] = true;
    }
  }
  for (const auto& e : p.enums) {
    Enum en;
    en.name = e.name;
    for (const auto& v : e.values) en.values.push_back(v.name);
    m.enums.push_back(std::move(en));
  }
  std::uint32_t egress_count = 0;
  for (const auto& e : p.egresses) {
    if (e.builtin) {
      m.egress_index.push_back(kNone);
      continue;
    }
    m.egress_index.push_back(egress_count++);
    m.egresses.push_back(Egress{e.name, e.message});
  }
}

// A file's text without its `test` blocks and the blank space before each, so that adding,
// changing or removing a test leaves the program's version hash as it was (decision 140).
std::string program_text(const ast::File& file, const std::string& text) {
  std::string out;
  std::size_t from = 0;
  for (const ast::TestDecl& t : file.tests) {
    std::size_t begin = std::min<std::size_t>(t.span.begin, text.size());
    while (begin > from && std::isspace(static_cast<unsigned char>(text[begin - 1]))) --begin;
    out.append(text, from, begin - from);
    from = std::max<std::size_t>(from, std::min<std::size_t>(t.span.end, text.size()));
  }
  out.append(text, from, std::string::npos);
  return out;
}

}  // namespace

namespace {

// The package, version hash (FNV-1a over every file's text without its tests, decision 140),
// root file and its directory.
void lower_identity(Module& m, const check::CheckedProgram& p, const source::SourceManager& sources) {
  std::uint64_t h = bits::kFnvOffset;
  for (const auto& f : p.ast->files) {
    h = bits::fnv1a(program_text(f, sources.file(f.file).text()), h);
    h = bits::fnv1a_byte(h, 0xff);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  m.version_hash = hex;
  if (!p.ast->files.empty()) m.source_file = sources.file(p.ast->files[0].file).path();
  auto slash = m.source_file.find_last_of('/');
  m.root_dir = slash == std::string::npos ? std::string() : m.source_file.substr(0, slash + 1);
}

// fns: user fns get bodies; externs are recorded for the backend's runtime library.
void lower_fns(Module& m, const check::CheckedProgram& p, const source::SourceManager& sources, LowerFailure& failure) {
  m.fn_body.assign(p.fns.size(), kNone);
  m.externs.resize(p.fns.size());
  for (std::size_t i = 0; i < p.fns.size(); ++i) {
    const auto& fn = p.fns[i];
    if (fn.is_extern || !fn.decl || !fn.decl->body) {
      ExternFn ex;
      ex.module = fn.module;
      ex.name = fn.name;
      for (const auto& prm : fn.params) ex.params.push_back(prm.type);
      ex.return_type = fn.return_type;
      m.externs[i] = std::move(ex);
      continue;
    }
    m.fn_body[i] = static_cast<std::uint32_t>(m.bodies.size());
    m.bodies.emplace_back();
  }
  for (std::size_t i = 0; i < p.fns.size(); ++i) {
    if (m.fn_body[i] == kNone) continue;
    const auto& fn = p.fns[i];
    Body& body = m.bodies[m.fn_body[i]];
    body.kind = Body::Kind::Fn;
    body.name = fn.name;
    body.return_type = fn.return_type;
    note_type(m, fn.return_type);
    BodyLowerer bl(m, p, sources, body, kNone, failure);
    bl.declared_at(fn.decl->span);
    for (const auto& prm : fn.params) body.params.push_back(bl.bind_local(prm.local, Var::Kind::Param));
    bl.lower_block(*fn.decl->body, body.body);
  }
}

State lower_state(Module& m, const check::CheckedProgram& p, const check::StateInfo& s) {
  State st;
  st.name = s.name;
  st.type = s.type;
  st.init = s.init;
  st.nonzero_init = !p.is_natural(s.init);
  if (s.expires) {
    st.expiry = s.expires->mode == ast::ExpiryMode::AfterWrite ? State::Expiry::AfterWrite : State::Expiry::AfterCall;
    st.expiry_ns = s.expires->nanos;
  }
  note_type(m, s.type);
  return st;
}

// The body of handler `h` of function type `fi`; its index in Module::bodies.
std::uint32_t lower_handler(Module& m, const check::CheckedProgram& p, const source::SourceManager& sources,
                            std::uint32_t fi, const check::HandlerInfo& h, LowerFailure& failure) {
  const auto& info = p.functions[fi];
  const auto index = static_cast<std::uint32_t>(m.bodies.size());
  m.bodies.emplace_back();
  Body& body = m.bodies.back();
  body.kind = Body::Kind::Handler;
  body.name = info.name + "_on_" + p.messages[h.message].name;
  body.function = fi;
  body.message = h.message;
  body.return_type = p.types->void_type();
  BodyLowerer bl(m, p, sources, body, fi, failure);
  bl.declared_at(h.decl->span);
  if (info.key_local != kNone) bl.bind_local(info.key_local, Var::Kind::Key);
  if (h.param_local != kNone) body.params.push_back(bl.bind_local(h.param_local, Var::Kind::MessageParam));
  bl.lower_block(h.decl->body, body.body);
  return index;
}

// Function types, their states and handlers.
void lower_functions(Module& m, const check::CheckedProgram& p, const source::SourceManager& sources,
                     LowerFailure& failure) {
  for (std::size_t fi = 0; fi < p.functions.size(); ++fi) {
    const auto& info = p.functions[fi];
    Function fn;
    fn.name = info.name;
    fn.type_name = info.type_name;
    fn.int_key = info.key_type && info.key_type->kind == TypeKind::Int;
    fn.key_name = info.key_name;
    for (const auto& s : info.states) fn.states.push_back(lower_state(m, p, s));
    for (const auto& h : info.handlers) {
      if (h.message == kNone || !h.decl) continue;
      fn.handlers.push_back(lower_handler(m, p, sources, static_cast<std::uint32_t>(fi), h, failure));
    }
    m.functions.push_back(std::move(fn));
  }
}

// Each ingress with its route body.
void lower_ingresses(Module& m, const check::CheckedProgram& p, const source::SourceManager& sources,
                     LowerFailure& failure) {
  for (const auto& in : p.ingresses) {
    Ingress ing;
    ing.name = in.name;
    ing.message = in.message;
    ing.route = static_cast<std::uint32_t>(m.bodies.size());
    m.bodies.emplace_back();
    Body& body = m.bodies.back();
    body.kind = Body::Kind::Route;
    body.name = "route_" + in.name;
    body.message = in.message;
    body.return_type = in.target == kNone ? p.types->error() : p.types->ref(in.target);
    BodyLowerer bl(m, p, sources, body, kNone, failure);
    bl.declared_at(in.decl->span);
    if (in.param_local != kNone) body.params.push_back(bl.bind_local(in.param_local, Var::Kind::MessageParam));
    Stmt ret = bl.stmt(Stmt::Kind::Return, body.line);
    ret.args.push_back(bl.lower_expr(in.decl->route.get(), body.body, body.return_type));
    body.body.push_back(std::move(ret));
    m.ingresses.push_back(std::move(ing));
  }
}

}  // namespace

Result<std::unique_ptr<Module>> lower_program(const check::CheckedProgram& p, const source::SourceManager& sources) {
  if (p.has_errors) return Error(ErrorCode::invalid_argument, "the program has errors");
  auto m = std::make_unique<Module>();
  m->package = p.package;
  m->checked = &p;
  lower_identity(*m, p, sources);
  lower_schema(*m, p);
  for (const auto& msg : p.messages)
    for (const auto& f : msg.fields) note_type(*m, f.type);
  for (std::size_t i = 0; i < p.messages.size(); ++i) note_type(*m, p.types->message(static_cast<std::uint32_t>(i)));
  LowerFailure failure;
  lower_fns(*m, p, sources, failure);
  if (!failure.failed()) lower_functions(*m, p, sources, failure);
  if (!failure.failed()) lower_ingresses(*m, p, sources, failure);
  if (failure.failed()) return Error(ErrorCode::failed, failure.message);
  return m;
}

}  // namespace sfn::ir
