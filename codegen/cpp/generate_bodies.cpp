// The C++ backend, part 2: handler, fn and route bodies. Each IR statement becomes one or a
// few C++ statements; variables keep their SFN names (temporaries are `tmpN`); values that own
// memory are declared with SFN_LOCAL so they are freed at scope end, also when a runtime error
// unwinds the invocation. Checked operations call the helpers of stdlib/sfn_std.h with the
// source location of the SFN expression.
#include <set>

#include "codegen/cpp/generator.h"
#include "compiler/ir/lower.h"

namespace sfn::codegen::cpp {

using check::Builtin;
using check::Method;
using check::TypeKind;
using ir::Operand;
using ir::Place;
using ir::Rvalue;
using ir::Step;
using ir::Stmt;
using ir::Var;
using ir::kNone;

namespace {
bool is_int64(TypeId t) {
  return t->kind == TypeKind::Int || t->kind == TypeKind::Time || t->kind == TypeKind::Duration;
}
bool is_scalar(TypeId t) {
  return ir::is_trivial(t);
}
}  // namespace

std::string Generator::body_signature(const ir::Body& b, bool in_class) const {
  std::string s;
  auto param_name = [&](std::size_t i) { return names_.empty() ? user('l', b.vars[b.params[i]].name) : names_[b.params[i]]; };
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
  const char* kind = b.kind == ir::Body::Kind::Handler ? "handler" : b.kind == ir::Body::Kind::Fn ? "fn" : "ingress route";
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
  if (opts_.line_directives)
    *o_ << "#line " << line << " " << str_literal(b_->file) << "\n";
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

// Scalar results as a C++ expression (so `int64_t x = expr;`); false when the result must be
// written into a declared slot by rvalue_into.
bool Generator::rvalue_expr(const Rvalue& r, std::string& e) {
  if (!is_scalar(r.type)) return false;
  auto a = [&](std::size_t i) { return operand(r.args[i]); };
  auto p = [&](std::size_t i) { return addr(r.args[i]); };
  switch (r.kind) {
    case Rvalue::Kind::Use: e = a(0); return true;
    case Rvalue::Kind::Zero: e = ctype(r.type) + "{}"; return true;
    case Rvalue::Kind::Const: e = const_expr(r.value, r.type); return true;
    case Rvalue::Kind::Binary: {
      TypeId lt = r.args[0].type;
      static const char* cmp[] = {"", "", "", "", "", "==", "!=", "<", "<=", ">", ">="};
      int bi = static_cast<int>(r.bin);
      if (r.bin >= ir::BinOp::Eq && r.bin <= ir::BinOp::Ge) {
        if (is_scalar(lt)) {
          e = a(0) + " " + cmp[bi] + " " + a(1);
        } else if (r.bin == ir::BinOp::Eq || r.bin == ir::BinOp::Ne) {
          e = std::string(r.bin == ir::BinOp::Ne ? "!" : "") + "sfn::gen::equal(" + tdesc(lt) + ", " + a(0) + ", " + a(1) + ")";
        } else {
          e = "sfn::gen::compare(" + tdesc(lt) + ", " + a(0) + ", " + a(1) + ") " + cmp[bi] + " 0";
        }
        return true;
      }
      if (is_int64(r.type) && is_int64(lt)) {
        static const char* fn[] = {"add", "sub", "mul", "div", "rem"};
        e = std::string("sfn::gen::") + fn[bi] + "(ctx, " + a(0) + ", " + a(1) + ", " + loc(r.loc) + ")";
        return true;
      }
      if (r.type->kind == TypeKind::Float) {
        if (r.bin == ir::BinOp::Rem) { e = "std::fmod(" + a(0) + ", " + a(1) + ")"; return true; }
        static const char* ops[] = {"+", "-", "*", "/"};
        e = a(0) + " " + ops[bi] + " " + a(1);
        return true;
      }
      // duration * int and friends with mixed types are all int64.
      static const char* fn[] = {"add", "sub", "mul", "div", "rem"};
      e = std::string("sfn::gen::") + fn[bi] + "(ctx, " + a(0) + ", " + a(1) + ", " + loc(r.loc) + ")";
      return true;
    }
    case Rvalue::Kind::Unary:
      if (r.un == ir::UnOp::Not) e = "!" + a(0);
      else if (is_int64(r.type)) e = "sfn::gen::neg(ctx, " + a(0) + ", " + loc(r.loc) + ")";
      else e = "-" + a(0);
      return true;
    case Rvalue::Kind::IsPresent: e = "sfn::gen::present(" + a(0) + ")"; return true;
    case Rvalue::Kind::GetUnchecked:
      e = r.args[0].type->elem->kind == TypeKind::Message ? "*" + a(0) : a(0) + ".value";
      return true;
    case Rvalue::Kind::Unwrap: return false;
    case Rvalue::Kind::Now: e = "ctx.now()"; return true;
    case Rvalue::Kind::Builtin: {
      switch (r.builtin) {
        case Builtin::Min: case Builtin::Max: {
          const bool fl = r.type->kind == TypeKind::Float;  // NaN and signed zeros: sfn_rt's definition
          const bool min = r.builtin == Builtin::Min;
          e = std::string(fl ? (min ? "sfn_rt_min_float(" : "sfn_rt_max_float(") : (min ? "std::min(" : "std::max(")) +
              a(0) + ", " + a(1) + ")";
          return true;
        }
        case Builtin::Abs:
          e = is_int64(r.type) ? "sfn::gen::abs(ctx, " + a(0) + ", " + loc(r.loc) + ")" : "std::fabs(" + a(0) + ")";
          return true;
        case Builtin::ToInt:
          e = r.args[0].type->kind == TypeKind::Float ? "sfn::gen::to_int(ctx, " + a(0) + ", " + loc(r.loc) + ")"
                                                      : "int64_t(" + a(0) + ")";
          return true;
        case Builtin::ToFloat: e = "static_cast<double>(" + a(0) + ")"; return true;
        case Builtin::TimeFromUnixMillis:
          e = "sfn::gen::mul(ctx, " + a(0) + ", 1000000, " + loc(r.loc) + ")";
          return true;
        default: return false;
      }
    }
    case Rvalue::Kind::Method: {
      switch (r.method) {
        case Method::StrLen: case Method::ListLen: case Method::MapLen:
          e = "static_cast<int64_t>(" + a(0) + ".len)"; return true;
        case Method::ListIsEmpty: case Method::MapIsEmpty: e = "(" + a(0) + ".len == 0)"; return true;
        case Method::StrContains: e = "sfn::abi::svc().str_contains(" + p(0) + ", " + p(1) + ")"; return true;
        case Method::StrStartsWith: e = "sfn::abi::svc().str_starts_with(" + p(0) + ", " + p(1) + ")"; return true;
        case Method::StrEndsWith: e = "sfn::abi::svc().str_ends_with(" + p(0) + ", " + p(1) + ")"; return true;
        case Method::ListContains:
          e = "sfn::abi::svc().list_contains(&" + tdesc(r.args[0].type) + ", " + p(0) + ", " + p(1) + ")"; return true;
        case Method::MapContains:
          e = "(sfn::abi::svc().map_find(&" + tdesc(r.args[0].type) + ", const_cast<sfn_map*>(&" + a(0) + "), " + p(1) +
              ") != nullptr)";
          return true;
        case Method::TimeUnixMillis: e = "sfn::gen::floor_div(" + a(0) + ", 1000000)"; return true;
        case Method::DurationMillis: e = "(" + a(0) + " / 1000000)"; return true;
        case Method::DurationSeconds: e = "(static_cast<double>(" + a(0) + ") / 1e9)"; return true;
        default: return false;
      }
    }
    default: return false;
  }
}

void Generator::rvalue_into(const Rvalue& r, const std::string& d, const std::string& ind) {
  std::ostringstream& o = *o_;
  auto a = [&](std::size_t i) { return operand(r.args[i]); };
  auto p = [&](std::size_t i) { return addr(r.args[i]); };
  auto movable = [&](const Operand& op) {
    return op.kind == Operand::Kind::Place && op.place.root == Place::Root::Var && op.place.steps.empty() &&
           b_->vars[op.place.index].kind == Var::Kind::Temp;
  };
  auto put = [&](TypeId t, const std::string& dst, const Operand& src) {
    if (is_scalar(t)) o << ind << dst << " = " << operand(src) << ";\n";
    else if (movable(src)) o << ind << "sfn::gen::move_into(" << tdesc(t) << ", " << dst << ", " << operand(src) << ");\n";
    else o << ind << "sfn::gen::copy(" << tdesc(t) << ", " << dst << ", " << operand(src) << ");\n";
  };
  std::string svc = "sfn::abi::svc().";
  switch (r.kind) {
    case Rvalue::Kind::Use: put(r.type, d, r.args[0]); return;
    case Rvalue::Kind::Zero:
      if (r.type->kind == TypeKind::Message) o << ind << "sfn::gen::init(" << tdesc(r.type) << ", " << d << ");\n";
      return;
    case Rvalue::Kind::Const: {
      if (r.type->kind == TypeKind::Message) o << ind << "sfn::gen::init(" << tdesc(r.type) << ", " << d << ");\n";
      const_into(o, ind, r.value, r.type, d, counter_);
      return;
    }
    case Rvalue::Kind::Binary:
      if (r.bin == ir::BinOp::Concat) {
        if (r.type->kind == TypeKind::List)
          o << ind << svc << "list_concat(&" << tdesc(r.type) << ", &" << d << ", " << p(0) << ", " << p(1) << ");\n";
        else
          o << ind << svc << "str_concat(&" << d << ", " << p(0) << ", " << p(1) << ");\n";
        return;
      }
      break;
    case Rvalue::Kind::Wrap:
      o << ind << "sfn::gen::wrap(" << tdesc(r.type->elem) << ", " << d << ", " << a(0) << ");\n";
      return;
    case Rvalue::Kind::Unwrap:
      o << ind << "sfn::gen::unwrap(ctx, " << tdesc(r.type) << ", " << d << ", " << a(0) << ", " << loc(r.loc) << ");\n";
      return;
    case Rvalue::Kind::GetUnchecked:
      o << ind << "sfn::gen::get(" << tdesc(r.type) << ", " << d << ", " << a(0) << ");\n";
      return;
    case Rvalue::Kind::Format: {
      o << ind << "sfn::gen::interpolate(" << d << ", {";
      for (std::size_t i = 0; i < r.pieces.size(); ++i) {
        o << (i ? ", " : "");
        if (r.piece_arg[i] < 0) {
          if (r.pieces[i].find('\0') != std::string::npos)
            o << "std::string_view(" << str_literal(r.pieces[i]) << ", " << r.pieces[i].size() << ")";
          else
            o << str_literal(r.pieces[i]);
        } else {
          const Operand& op = r.args[r.piece_arg[i]];
          o << "{" << tdesc(op.type) << ", " << operand(op) << "}";
        }
      }
      o << "});\n";
      return;
    }
    case Rvalue::Kind::Builtin:
      switch (r.builtin) {
        case Builtin::Log: o << ind << "ctx.log(sfn::abi::view(" << a(0) << "));\n"; return;
        case Builtin::ToString:
          if (r.args[0].type->kind == TypeKind::Bytes)
            o << ind << "sfn::gen::from_bytes(ctx, " << a(0) << ", " << d << ", " << loc(r.loc) << ");\n";
          else if (r.args[0].type->kind == TypeKind::String)
            put(r.type, d, r.args[0]);
          else
            o << ind << "sfn::gen::format(" << tdesc(r.args[0].type) << ", " << p(0) << ", " << d << ");\n";
          return;
        case Builtin::ToBytes: o << ind << "sfn::gen::copy(sfn::abi::kString, " << d << ", " << a(0) << ");\n"; return;
        default: break;
      }
      break;
    case Rvalue::Kind::Method: {
      TypeId rt = r.args[0].type;
      std::string td = tdesc(rt);
      switch (r.method) {
        case Method::StrSplit: o << ind << svc << "str_split(&" << a(0) << ", " << p(1) << ", &" << d << ");\n"; return;
        case Method::StrTrim: o << ind << svc << "str_trim(&" << a(0) << ", &" << d << ");\n"; return;
        case Method::StrUpper: o << ind << svc << "str_upper(&" << a(0) << ", &" << d << ");\n"; return;
        case Method::StrLower: o << ind << svc << "str_lower(&" << a(0) << ", &" << d << ");\n"; return;
        case Method::StrReplace:
          o << ind << svc << "str_replace(&" << a(0) << ", " << p(1) << ", " << p(2) << ", &" << d << ");\n";
          return;
        case Method::StrSubstring:
          o << ind << "ctx.check(" << svc << "str_substring(&" << a(0) << ", " << a(1) << ", " << a(2) << ", &" << d
            << "), " << loc(r.loc) << ");\n";
          return;
        case Method::ListPush: o << ind << "sfn::gen::push(" << td << ", " << a(0) << ", " << a(1) << ");\n"; return;
        case Method::ListPop: o << ind << svc << "list_pop(&" << td << ", " << p(0) << ", &" << d << ");\n"; return;
        case Method::ListInsert:
          o << ind << "sfn::gen::insert(ctx, " << td << ", " << a(0) << ", " << a(1) << ", " << a(2) << ", " << loc(r.loc)
            << ");\n";
          return;
        case Method::ListRemoveAt:
          o << ind << "sfn::gen::remove_at(ctx, " << td << ", " << a(0) << ", " << a(1) << ", " << loc(r.loc) << ");\n";
          return;
        case Method::ListClear: o << ind << svc << "list_clear(&" << td << ", " << p(0) << ");\n"; return;
        case Method::ListFirst: o << ind << "sfn::gen::first(" << td << ", " << a(0) << ", " << d << ", false);\n"; return;
        case Method::ListLast: o << ind << "sfn::gen::first(" << td << ", " << a(0) << ", " << d << ", true);\n"; return;
        case Method::MapGet:
          o << ind << "sfn::gen::map_get_opt(" << td << ", " << a(0) << ", " << a(1) << ", " << d << ");\n";
          return;
        case Method::MapRemove: o << ind << svc << "map_remove(&" << td << ", " << p(0) << ", " << p(1) << ");\n"; return;
        case Method::MapKeys: o << ind << svc << "map_keys(&" << td << ", " << p(0) << ", &" << d << ");\n"; return;
        case Method::MapValues: o << ind << svc << "map_values(&" << td << ", " << p(0) << ", &" << d << ");\n"; return;
        case Method::MapClear: o << ind << svc << "map_clear(&" << td << ", " << p(0) << ");\n"; return;
        default: break;
      }
      break;
    }
    case Rvalue::Kind::CallFn: {
      bool has_out = r.type && r.type->kind != TypeKind::Void;
      const auto& ex = m_.externs[r.index];
      std::string args;
      for (std::size_t i = 0; i < r.args.size(); ++i) args += ", " + a(i);
      if (m_.fn_body[r.index] != kNone) {
        o << ind << "fn_" << m_.bodies[m_.fn_body[r.index]].name << "(ctx" << (has_out ? ", " + d : "") << args << ");\n";
      } else {
        o << ind << "sfn::gen::checked(sfn::stdlib::" << ex.module << "_" << ex.name << "(ctx, " << loc(r.loc)
          << (has_out ? ", " + d : "") << args << "));\n";
      }
      return;
    }
    case Rvalue::Kind::Address: {
      const auto& fn = m_.functions[r.index];
      if (fn.int_key)
        o << ind << svc << "ref_int(" << str_literal(fn.type_name) << ", " << a(0) << ", &" << d << ");\n";
      else
        o << ind << svc << "ref_str(" << str_literal(fn.type_name) << ", " << p(0) << ", &" << d << ");\n";
      return;
    }
    case Rvalue::Kind::Self: o << ind << "sfn::gen::copy(sfn::abi::kString, " << d << ", ctx.self());\n"; return;
    case Rvalue::Kind::MakeMessage: {
      const auto& msg = m_.messages[r.index];
      // `d` is a freshly zeroed local (rvalue_into writes only into new definitions), so the
      // defaults are needed only for the fields the literal leaves out.
      if (r.args.size() < msg.fields.size()) o << ind << "sfn::gen::init(" << tdesc(r.type) << ", " << d << ");\n";
      for (std::size_t i = 0; i < r.args.size(); ++i) {
        const auto& f = msg.fields[r.fields[i]];
        put(f.type, d + "." + field(f), r.args[i]);
      }
      return;
    }
    case Rvalue::Kind::MakeList:
      for (const auto& arg : r.args) o << ind << "sfn::gen::push(" << tdesc(r.type) << ", " << d << ", " << operand(arg) << ");\n";
      return;
    case Rvalue::Kind::MakeMap:
      for (std::size_t i = 0; i + 1 < r.args.size(); i += 2)
        o << ind << "sfn::gen::put(" << tdesc(r.type) << ", " << d << ", " << a(i) << ", " << a(i + 1) << ");\n";
      return;
    default: break;
  }
  std::string e;
  if (rvalue_expr(r, e)) {
    if (d.empty()) o << ind << "(void)(" << e << ");\n";
    else o << ind << d << " = " << e << ";\n";
    return;
  }
  ice("unsupported operation (rvalue kind " + std::to_string(static_cast<int>(r.kind)) + ") of type " + ir::type_name(m_, r.type));
}

void Generator::stmt(const Stmt& s, int depth) {
  std::ostringstream& o = *o_;
  std::string ind(depth * 2, ' ');
  where_ = m_.source_file + ":" + std::to_string(s.line) + ", `" + b_->name + "`";
  if (s.kind != Stmt::Kind::Def || b_->vars[s.var].kind != Var::Kind::Temp) line_mark(s.line, ind);
  auto movable = [&](const Operand& op) {
    return op.kind == Operand::Kind::Place && op.place.root == Place::Root::Var && op.place.steps.empty() &&
           b_->vars[op.place.index].kind == Var::Kind::Temp;
  };
  switch (s.kind) {
    case Stmt::Kind::Def: {
      const Var& v = b_->vars[s.var];
      std::string e;
      if (is_scalar(v.type) && rvalue_expr(s.value, e)) {
        o << ind << (v.is_mutable || v.kind == Var::Kind::Temp ? "" : "const ") << ctype(v.type) << " " << var(s.var) << " = " << e << ";\n";
        return;
      }
      if (ir::is_plain_data(m_, v.type))
        o << ind << ctype(v.type) << " " << var(s.var) << "{};\n";
      else
        o << ind << "SFN_LOCAL(" << ctype(v.type) << ", " << var(s.var) << ", " << tdesc(v.type) << ");\n";
      rvalue_into(s.value, var(s.var), ind);
      return;
    }
    case Stmt::Kind::Assign: {
      std::string dst = place(s.place);
      TypeId t = s.place.type;
      if (is_scalar(t)) o << ind << dst << " = " << operand(s.src) << ";\n";
      else if (s.move && movable(s.src))
        o << ind << "sfn::gen::move_into(" << tdesc(t) << ", " << dst << ", " << operand(s.src) << ");\n";
      else o << ind << "sfn::gen::copy(" << tdesc(t) << ", " << dst << ", " << operand(s.src) << ");\n";
      return;
    }
    case Stmt::Kind::Eval: rvalue_into(s.value, "", ind); return;
    case Stmt::Kind::If:
      o << ind << "if (" << operand(s.src) << ") {\n";
      block(s.then_block, depth + 1);
      if (!s.else_block.empty()) {
        o << ind << "} else {\n";
        block(s.else_block, depth + 1);
      }
      o << ind << "}\n";
      return;
    case Stmt::Kind::Loop:
      o << ind << "while (true) {\n";
      o << ind << "  sfn::gen::tick(ctx, " << budget_loc(s.loc) << ");\n";
      block(s.then_block, depth + 1);
      o << ind << "}\n";
      return;
    case Stmt::Kind::ForRange:
      o << ind << "for (int64_t " << var(s.var) << " = " << operand(s.args[0]) << "; " << var(s.var) << " < "
        << operand(s.args[1]) << "; ++" << var(s.var) << ") {\n";
      o << ind << "  sfn::gen::tick(ctx, " << budget_loc(s.loc) << ");\n";
      block(s.then_block, depth + 1);
      o << ind << "}\n";
      return;
    case Stmt::Kind::ForList: {
      std::string coll = operand(s.args[0]), i = "it" + std::to_string(counter_++);
      TypeId et = s.args[0].type->elem;
      o << ind << "for (uint64_t " << i << " = 0; " << i << " < " << coll << ".len; ++" << i << ") {\n";
      o << ind << "  const " << ctype(et) << "& " << var(s.var) << " = static_cast<const " << ctype(et) << "*>(" << coll
        << ".data)[" << i << "];\n";
      o << ind << "  sfn::gen::tick(ctx, " << budget_loc(s.loc) << ");\n";
      block(s.then_block, depth + 1);
      o << ind << "}\n";
      return;
    }
    case Stmt::Kind::ForMap: {
      std::string coll = operand(s.args[0]), i = "it" + std::to_string(counter_++);
      TypeId mt = s.args[0].type;
      std::string entry = "sfn::gen::MapEntry<" + ctype(mt->elem) + ", " + ctype(mt->value) + ">";
      o << ind << "for (uint64_t " << i << " = 0; " << i << " < " << coll << ".len; ++" << i << ") {\n";
      o << ind << "  const auto& " << i << "e = static_cast<const " << entry << "*>(" << coll << ".data)[" << i << "];\n";
      o << ind << "  const " << ctype(mt->elem) << "& " << var(s.var) << " = " << i << "e.key;\n";
      o << ind << "  const " << ctype(mt->value) << "& " << var(s.var2) << " = " << i << "e.value;\n";
      o << ind << "  sfn::gen::tick(ctx, " << budget_loc(s.loc) << ");\n";
      block(s.then_block, depth + 1);
      o << ind << "}\n";
      return;
    }
    case Stmt::Kind::Break: o << ind << "break;\n"; return;
    case Stmt::Kind::Continue: o << ind << "continue;\n"; return;
    case Stmt::Kind::Return:
      if (!s.args.empty() && b_->kind != ir::Body::Kind::Handler) {
        TypeId t = b_->return_type;
        if (is_scalar(t)) o << ind << "out = " << operand(s.args[0]) << ";\n";
        else if (movable(s.args[0])) o << ind << "sfn::gen::move_into(" << tdesc(t) << ", out, " << operand(s.args[0]) << ");\n";
        else o << ind << "sfn::gen::copy(" << tdesc(t) << ", out, " << operand(s.args[0]) << ");\n";
      }
      o << ind << "return;\n";
      return;
    case Stmt::Kind::Send: {
      const std::string at = s.loc == kNone ? std::string() : ", &" + loc(s.loc);
      if (s.args.size() > 1)
        o << ind << "ctx.send_after(" << operand(s.args[0]) << ", kId_" << msg(s.index) << ", " << var(s.var) << ", "
          << operand(s.args[1]) << ", " << (s.has_place ? place(s.place) : std::string("tmp_timer")) << at << ");\n";
      else
        o << ind << "ctx.send(" << operand(s.args[0]) << ", kId_" << msg(s.index) << ", " << var(s.var) << at << ");\n";
      return;
    }
    case Stmt::Kind::Emit:
      o << ind << "ctx.emit(" << s.index << " /* " << m_.egresses[s.index].name << " */, " << var(s.var) << ");\n";
      return;
    case Stmt::Kind::Cancel: o << ind << "ctx.cancel(" << operand(s.args[0]) << ");\n"; return;
    case Stmt::Kind::Clear:
      if (s.index == kNone) o << ind << "ctx.clear_all();\n";
      else {
        o << ind << "ctx.clear(" << fty(b_->function) << "::" << state(b_->function, s.index) << ");\n";
      }
      return;
    case Stmt::Kind::Fail:
      o << ind << "ctx.raise(sfn::abi::view(" << operand(s.args[0]) << "), " << loc(s.loc) << ");\n";
      return;
  }
}

}  // namespace sfn::codegen::cpp
