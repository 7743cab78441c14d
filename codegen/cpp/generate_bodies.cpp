// The C++ backend, part 2: handler, fn and route bodies. Each IR statement becomes one or a
// few C++ statements (one handler per kind of compiler/ir/stmt_kinds.def; rvalues are in
// generate_rvalues.cpp); variables keep their SFN names (temporaries are `tmpN`); values that own
// memory are declared with SFN_LOCAL so they are freed at scope end, also when a runtime error
// unwinds the invocation. Checked operations call the helpers of stdlib/sfn_std.h with the
// source location of the SFN expression.
#include <set>

#include "codegen/cpp/generator.h"
#include "compiler/ir/lower.h"

namespace sfn::codegen::cpp {

using check::TypeKind;
using ir::kNone;
using ir::Operand;
using ir::Place;
using ir::Rvalue;
using ir::Step;
using ir::Stmt;
using ir::Var;

std::string Generator::body_signature(const ir::Body& b, bool in_class) const {
  std::string s;
  auto param_name = [&](std::size_t i) {
    return names_.empty() ? user('l', b.vars[b.params[i]].name) : names_[b.params[i]];
  };
  switch (b.kind) {
    case ir::Body::Kind::Handler: {
      s = (in_class ? "on_" + msg(b.message) : b.name) + "(sfn::abi::Ctx& ctx, const " + msg(b.message) + "& " +
          (b.params.empty() ? std::string("") : param_name(0)) + ")";
      break;
    }
    case ir::Body::Kind::Route: {
      s = b.name + "(sfn::abi::Ctx& ctx, const " + msg(b.message) + "& " +
          (b.params.empty() ? std::string("") : param_name(0)) + ", sfn_str& out)";
      break;
    }
    case ir::Body::Kind::Fn: {
      s = "fn_" + b.name + "(sfn::abi::Ctx& ctx";
      if (b.return_type && b.return_type->kind != TypeKind::Void) s += ", " + ctype(b.return_type) + "& out";
      for (std::size_t i = 0; i < b.params.size(); ++i) {
        TypeId t = b.vars[b.params[i]].type;
        // `T const&`, not `const T&`: for an optional message `M*` that is `M* const&`.
        s += ", " + (is_scalar(t) ? ctype(t) + " " : ctype(t) + " const& ") + param_name(i);
      }
      s += ")";
      break;
    }
  }
  return s;
}

void Generator::body(std::ostringstream& o, const ir::Body& b, bool in_class) {
  b_ = &b;
  o_ = &o;
  last_line_ = 0;
  where_ = m_.source_file + ":" + std::to_string(b.line) + ", `" + b.name + "`";
  // Unique C++ names per body.
  names_.assign(b.vars.size(), "");
  std::set<std::string> used;
  for (std::size_t i = 0; i < b.vars.size(); ++i) {
    const Var& v = b.vars[i];
    std::string n = v.kind == Var::Kind::Temp ? "tmp" + std::to_string(i) : user('l', v.name);
    if (used.count(n)) n = "l" + std::to_string(i) + "_" + v.name;  // a shadowed name
    used.insert(n);
    names_[i] = n;
  }
  std::string ind = in_class ? "  " : "";
  const char* kind = b.kind == ir::Body::Kind::Handler ? "handler"
                     : b.kind == ir::Body::Kind::Fn    ? "fn"
                                                       : "ingress route";
  // Paths are written as escaped string literals, here and in line_mark: a file name is user
  // text and must not end the comment or splice the next line into it.
  o << ind << "// " << kind << " at " << str_literal(b.file) << ":" << b.line << "\n";
  o << ind << (in_class ? "static void " : "void ") << body_signature(b, in_class) << " {\n";
  for (std::size_t i = 0; i < b.vars.size(); ++i) {
    if (b.vars[i].kind != Var::Kind::Key) continue;
    const auto& fn = m_.functions[b.function];
    if (fn.int_key)
      o << ind << "  const int64_t " << names_[i] << " = ctx.key_int();\n";
    else
      o << ind << "  const sfn_str& " << names_[i] << " = *ctx.raw()->svc->key_str(ctx.raw());\n";
    o << ind << "  (void)" << names_[i] << ";\n";
  }
  if (b.kind == ir::Body::Kind::Fn) o << ind << "  sfn::gen::FnCall depth_guard(ctx, " << budget_loc(b.loc) << ");\n";
  block(b.body, in_class ? 2 : 1);
  o << ind << "}\n";
  names_.clear();
}

void Generator::line_mark(std::uint32_t line, const std::string& ind) {
  if (line == 0 || line == last_line_) return;
  last_line_ = line;
  if (opts_.line_directives) *o_ << "#line " << line << " " << str_literal(b_->file) << "\n";
  *o_ << ind << "// " << str_literal(b_->file.substr(b_->file.find_last_of('/') + 1)) << ":" << line << "\n";
}

void Generator::block(const ir::Block& blk, int depth) {
  for (const auto& s : blk) stmt(s, depth);
}

std::string Generator::place(const Place& p) {
  std::string s;
  if (p.root == Place::Root::State) {
    const auto& fn = m_.functions[b_->function];
    s = std::string(p.write ? "ctx.mut<" : "ctx.get<") + ctype(fn.states[p.index].type) + ">(" + fty(b_->function) +
        "::" + state(b_->function, p.index) + ")";
  } else {
    s = var(p.index);
  }
  TypeId cur = p.root == Place::Root::State ? m_.functions[b_->function].states[p.index].type : b_->vars[p.index].type;
  for (const auto& st : p.steps) {
    switch (st.kind) {
      case Step::Kind::Field:
        s = s + "." + field(m_.messages[cur->decl].fields[st.field]);
        break;
      case Step::Kind::ListIndex:
        s = "sfn::gen::at<" + ctype(st.type) + ">(ctx, " + tdesc(cur) + ", " + s + ", " + operand(*st.index) + ", " +
            loc(st.loc) + ")";
        break;
      case Step::Kind::MapKey:
        if (p.write)
          s = "sfn::gen::map_slot<" + ctype(st.type) + ">(" + tdesc(cur) + ", " + s + ", " + operand(*st.index) + ")";
        else
          s = "sfn::gen::map_get<" + ctype(st.type) + ">(ctx, " + tdesc(cur) + ", " + s + ", " + operand(*st.index) +
              ", " + loc(st.loc) + ")";
        break;
    }
    cur = st.type;
  }
  return s;
}

std::string Generator::addr(const Operand& op) {
  if (op.kind == Operand::Kind::Const) return "sfn::gen::ptr(" + const_expr(op.value, op.type) + ")";
  return "&" + place(op.place);
}

std::string Generator::operand(const Operand& op) {
  if (op.kind == Operand::Kind::Const) return const_expr(op.value, op.type);
  return place(op.place);
}

void Generator::stmt(const Stmt& s, int depth) {
  std::string ind(depth * 2, ' ');
  where_ = m_.source_file + ":" + std::to_string(s.line) + ", `" + b_->name + "`";
  if (s.kind != Stmt::Kind::Def || b_->vars[s.var].kind != Var::Kind::Temp) line_mark(s.line, ind);
  // One handler per kind of compiler/ir/stmt_kinds.def.
  ir::visit_kind(s.kind, [&](auto kind) { stmt(s, kind, ind, depth); }, [] {});
}

bool Generator::movable(const Operand& op) const {
  return op.kind == Operand::Kind::Place && op.place.root == Place::Root::Var && op.place.steps.empty() &&
         b_->vars[op.place.index].kind == Var::Kind::Temp;
}

void Generator::put(TypeId t, const std::string& dst, const Operand& src, bool may_move, const std::string& ind) {
  std::ostringstream& o = *o_;
  if (is_scalar(t))
    o << ind << dst << " = " << operand(src) << ";\n";
  else if (may_move && movable(src))
    o << ind << "sfn::gen::move_into(" << tdesc(t) << ", " << dst << ", " << operand(src) << ");\n";
  else
    o << ind << "sfn::gen::copy(" << tdesc(t) << ", " << dst << ", " << operand(src) << ");\n";
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::Def, const std::string& ind, int) {
  std::ostringstream& o = *o_;
  const Var& v = b_->vars[s.var];
  std::string e;
  if (is_scalar(v.type) && rvalue_expr(s.value, e)) {
    o << ind << (v.is_mutable || v.kind == Var::Kind::Temp ? "" : "const ") << ctype(v.type) << " " << var(s.var)
      << " = " << e << ";\n";
    return;
  }
  if (ir::is_plain_data(m_, v.type))
    o << ind << ctype(v.type) << " " << var(s.var) << "{};\n";
  else
    o << ind << "SFN_LOCAL(" << ctype(v.type) << ", " << var(s.var) << ", " << tdesc(v.type) << ");\n";
  rvalue_into(s.value, var(s.var), ind);
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::Assign, const std::string& ind, int) {
  put(s.place.type, place(s.place), s.src, s.move, ind);
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::Eval, const std::string& ind, int) { rvalue_into(s.value, "", ind); }

void Generator::stmt(const Stmt& s, ir::stmt_kind::If, const std::string& ind, int depth) {
  std::ostringstream& o = *o_;
  o << ind << "if (" << operand(s.src) << ") {\n";
  block(s.then_block, depth + 1);
  if (!s.else_block.empty()) {
    o << ind << "} else {\n";
    block(s.else_block, depth + 1);
  }
  o << ind << "}\n";
}

void Generator::loop_body(const Stmt& s, const std::string& ind, int depth) {
  std::ostringstream& o = *o_;
  o << ind << "  sfn::gen::tick(ctx, " << budget_loc(s.loc) << ");\n";
  block(s.then_block, depth + 1);
  o << ind << "}\n";
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::Loop, const std::string& ind, int depth) {
  *o_ << ind << "while (true) {\n";
  loop_body(s, ind, depth);
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::ForRange, const std::string& ind, int depth) {
  *o_ << ind << "for (int64_t " << var(s.var) << " = " << operand(s.args[0]) << "; " << var(s.var) << " < "
      << operand(s.args[1]) << "; ++" << var(s.var) << ") {\n";
  loop_body(s, ind, depth);
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::ForList, const std::string& ind, int depth) {
  std::ostringstream& o = *o_;
  std::string coll = operand(s.args[0]), i = "it" + std::to_string(counter_++);
  TypeId et = s.args[0].type->elem;
  o << ind << "for (uint64_t " << i << " = 0; " << i << " < " << coll << ".len; ++" << i << ") {\n";
  o << ind << "  const " << ctype(et) << "& " << var(s.var) << " = static_cast<const " << ctype(et) << "*>(" << coll
    << ".data)[" << i << "];\n";
  loop_body(s, ind, depth);
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::ForMap, const std::string& ind, int depth) {
  std::ostringstream& o = *o_;
  std::string coll = operand(s.args[0]), i = "it" + std::to_string(counter_++);
  TypeId mt = s.args[0].type;
  std::string entry = "sfn::gen::MapEntry<" + ctype(mt->elem) + ", " + ctype(mt->value) + ">";
  o << ind << "for (uint64_t " << i << " = 0; " << i << " < " << coll << ".len; ++" << i << ") {\n";
  o << ind << "  const auto& " << i << "e = static_cast<const " << entry << "*>(" << coll << ".data)[" << i << "];\n";
  o << ind << "  const " << ctype(mt->elem) << "& " << var(s.var) << " = " << i << "e.key;\n";
  o << ind << "  const " << ctype(mt->value) << "& " << var(s.var2) << " = " << i << "e.value;\n";
  loop_body(s, ind, depth);
}

void Generator::stmt(const Stmt&, ir::stmt_kind::Break, const std::string& ind, int) { *o_ << ind << "break;\n"; }

void Generator::stmt(const Stmt&, ir::stmt_kind::Continue, const std::string& ind, int) { *o_ << ind << "continue;\n"; }

void Generator::stmt(const Stmt& s, ir::stmt_kind::Return, const std::string& ind, int) {
  if (!s.args.empty() && b_->kind != ir::Body::Kind::Handler) put(b_->return_type, "out", s.args[0], true, ind);
  *o_ << ind << "return;\n";
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::Send, const std::string& ind, int) {
  std::ostringstream& o = *o_;
  const std::string at = s.loc == kNone ? std::string() : ", &" + loc(s.loc);
  if (s.args.size() > 1)
    o << ind << "ctx.send_after(" << operand(s.args[0]) << ", kId_" << msg(s.index) << ", " << var(s.var) << ", "
      << operand(s.args[1]) << ", " << (s.has_place ? place(s.place) : std::string("tmp_timer")) << at << ");\n";
  else
    o << ind << "ctx.send(" << operand(s.args[0]) << ", kId_" << msg(s.index) << ", " << var(s.var) << at << ");\n";
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::Emit, const std::string& ind, int) {
  *o_ << ind << "ctx.emit(" << s.index << " /* " << m_.egresses[s.index].name << " */, " << var(s.var) << ");\n";
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::Cancel, const std::string& ind, int) {
  *o_ << ind << "ctx.cancel(" << operand(s.args[0]) << ");\n";
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::Clear, const std::string& ind, int) {
  if (s.index == kNone)
    *o_ << ind << "ctx.clear_all();\n";
  else
    *o_ << ind << "ctx.clear(" << fty(b_->function) << "::" << state(b_->function, s.index) << ");\n";
}

void Generator::stmt(const Stmt& s, ir::stmt_kind::Fail, const std::string& ind, int) {
  *o_ << ind << "ctx.raise(sfn::abi::view(" << operand(s.args[0]) << "), " << loc(s.loc) << ");\n";
}

}  // namespace sfn::codegen::cpp
