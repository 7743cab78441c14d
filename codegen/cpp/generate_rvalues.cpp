// The C++ backend, part 3: rvalues, one handler per kind of compiler/ir/rvalue_kinds.def. A
// scalar result can be a C++ expression (rvalue_expr, so `int64_t x = expr;`); every other
// result is written into a declared, zeroed slot `d` (rvalue_into; `d` is empty when the value
// is unused). Checked operations call the helpers of stdlib/sfn_std.h with the source location.
#include "codegen/cpp/generator.h"
#include "compiler/ir/lower.h"

namespace sfn::codegen::cpp {

using check::Builtin;
using check::Method;
using check::TypeKind;
using ir::Operand;
using ir::Rvalue;

// ---------------------------------------------------------------------------------- expressions

bool Generator::rvalue_expr(const Rvalue& r, std::string& e) {
  if (!is_scalar(r.type)) return false;
  auto a = [&](std::size_t i) { return operand(r.args[i]); };
  switch (r.kind) {
    case Rvalue::Kind::Use:
      e = a(0);
      return true;
    case Rvalue::Kind::Zero:
      e = ctype(r.type) + "{}";
      return true;
    case Rvalue::Kind::Const:
      e = const_expr(r.value, r.type);
      return true;
    case Rvalue::Kind::Binary:
      e = binary_expr(r);
      return true;
    case Rvalue::Kind::Unary:
      if (r.un == ir::UnOp::Not)
        e = "!" + a(0);
      else if (is_int64(r.type))
        e = "sfn::gen::neg(ctx, " + a(0) + ", " + loc(r.loc) + ")";
      else
        e = "-" + a(0);
      return true;
    case Rvalue::Kind::IsPresent:
      e = "sfn::gen::present(" + a(0) + ")";
      return true;
    case Rvalue::Kind::GetUnchecked:
      e = r.args[0].type->elem->kind == TypeKind::Message ? "*" + a(0) : a(0) + ".value";
      return true;
    case Rvalue::Kind::Now:
      e = "ctx.now()";
      return true;
    case Rvalue::Kind::Builtin:
      return builtin_expr(r, e);
    case Rvalue::Kind::Method:
      return method_expr(r, e);
    default:
      return false;
  }
}

std::string Generator::binary_expr(const Rvalue& r) {
  auto a = [&](std::size_t i) { return operand(r.args[i]); };
  TypeId lt = r.args[0].type;
  static const char* cmp[] = {"", "", "", "", "", "==", "!=", "<", "<=", ">", ">="};
  int bi = static_cast<int>(r.bin);
  if (r.bin >= ir::BinOp::Eq && r.bin <= ir::BinOp::Ge) {
    if (is_scalar(lt)) return a(0) + " " + cmp[bi] + " " + a(1);
    if (r.bin == ir::BinOp::Eq || r.bin == ir::BinOp::Ne)
      return std::string(r.bin == ir::BinOp::Ne ? "!" : "") + "sfn::gen::equal(" + tdesc(lt) + ", " + a(0) + ", " +
             a(1) + ")";
    return "sfn::gen::compare(" + tdesc(lt) + ", " + a(0) + ", " + a(1) + ") " + cmp[bi] + " 0";
  }
  static const char* fn[] = {"add", "sub", "mul", "div", "rem"};
  if (is_int64(r.type) && is_int64(lt))
    return std::string("sfn::gen::") + fn[bi] + "(ctx, " + a(0) + ", " + a(1) + ", " + loc(r.loc) + ")";
  if (r.type->kind == TypeKind::Float) {
    if (r.bin == ir::BinOp::Rem) return "std::fmod(" + a(0) + ", " + a(1) + ")";
    static const char* ops[] = {"+", "-", "*", "/"};
    return a(0) + " " + ops[bi] + " " + a(1);
  }
  // duration * int and friends with mixed types are all int64.
  return std::string("sfn::gen::") + fn[bi] + "(ctx, " + a(0) + ", " + a(1) + ", " + loc(r.loc) + ")";
}

bool Generator::builtin_expr(const Rvalue& r, std::string& e) {
  auto a = [&](std::size_t i) { return operand(r.args[i]); };
  switch (r.builtin) {
    case Builtin::Min:
    case Builtin::Max: {
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
    case Builtin::ToFloat:
      e = "static_cast<double>(" + a(0) + ")";
      return true;
    case Builtin::TimeFromUnixMillis:
      e = "sfn::gen::mul(ctx, " + a(0) + ", 1000000, " + loc(r.loc) + ")";
      return true;
    default:
      return false;
  }
}

bool Generator::method_expr(const Rvalue& r, std::string& e) {
  auto a = [&](std::size_t i) { return operand(r.args[i]); };
  auto p = [&](std::size_t i) { return addr(r.args[i]); };
  switch (r.method) {
    case Method::StrLen:
    case Method::ListLen:
    case Method::MapLen:
      e = "static_cast<int64_t>(" + a(0) + ".len)";
      return true;
    case Method::ListIsEmpty:
    case Method::MapIsEmpty:
      e = "(" + a(0) + ".len == 0)";
      return true;
    case Method::StrContains:
      e = "sfn::abi::svc().str_contains(" + p(0) + ", " + p(1) + ")";
      return true;
    case Method::StrStartsWith:
      e = "sfn::abi::svc().str_starts_with(" + p(0) + ", " + p(1) + ")";
      return true;
    case Method::StrEndsWith:
      e = "sfn::abi::svc().str_ends_with(" + p(0) + ", " + p(1) + ")";
      return true;
    case Method::ListContains:
      e = "sfn::abi::svc().list_contains(&" + tdesc(r.args[0].type) + ", " + p(0) + ", " + p(1) + ")";
      return true;
    case Method::MapContains:
      e = "(sfn::abi::svc().map_find(&" + tdesc(r.args[0].type) + ", const_cast<sfn_map*>(&" + a(0) + "), " + p(1) +
          ") != nullptr)";
      return true;
    case Method::TimeUnixMillis:
      e = "sfn::gen::floor_div(" + a(0) + ", 1000000)";
      return true;
    case Method::DurationMillis:
      e = "(" + a(0) + " / 1000000)";
      return true;
    case Method::DurationSeconds:
      e = "(static_cast<double>(" + a(0) + ") / 1e9)";
      return true;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------- into a slot

void Generator::rvalue_into(const Rvalue& r, const std::string& d, const std::string& ind) {
  // One handler per kind of compiler/ir/rvalue_kinds.def.
  ir::visit_kind(r.kind, [&](auto kind) { rvalue_into(r, kind, d, ind); }, [&] { expr_into(r, d, ind); });
}

void Generator::expr_into(const Rvalue& r, const std::string& d, const std::string& ind) {
  std::string e;
  if (rvalue_expr(r, e)) {
    if (d.empty())
      *o_ << ind << "(void)(" << e << ");\n";
    else
      *o_ << ind << d << " = " << e << ";\n";
    return;
  }
  ice("unsupported operation (rvalue kind " + std::to_string(static_cast<int>(r.kind)) + ") of type " +
      ir::type_name(m_, r.type));
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Use, const std::string& d, const std::string& ind) {
  put(r.type, d, r.args[0], true, ind);
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Zero, const std::string& d, const std::string& ind) {
  if (r.type->kind == TypeKind::Message) *o_ << ind << "sfn::gen::init(" << tdesc(r.type) << ", " << d << ");\n";
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Const, const std::string& d, const std::string& ind) {
  if (r.type->kind == TypeKind::Message) *o_ << ind << "sfn::gen::init(" << tdesc(r.type) << ", " << d << ");\n";
  const_into(*o_, ind, r.value, r.type, d, counter_);
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Binary, const std::string& d, const std::string& ind) {
  if (r.bin != ir::BinOp::Concat) return expr_into(r, d, ind);
  const std::string p0 = addr(r.args[0]), p1 = addr(r.args[1]);
  if (r.type->kind == TypeKind::List)
    *o_ << ind << "sfn::abi::svc().list_concat(&" << tdesc(r.type) << ", &" << d << ", " << p0 << ", " << p1 << ");\n";
  else
    *o_ << ind << "sfn::abi::svc().str_concat(&" << d << ", " << p0 << ", " << p1 << ");\n";
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Unary, const std::string& d, const std::string& ind) {
  expr_into(r, d, ind);
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Wrap, const std::string& d, const std::string& ind) {
  *o_ << ind << "sfn::gen::wrap(" << tdesc(r.type->elem) << ", " << d << ", " << operand(r.args[0]) << ");\n";
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Unwrap, const std::string& d, const std::string& ind) {
  *o_ << ind << "sfn::gen::unwrap(ctx, " << tdesc(r.type) << ", " << d << ", " << operand(r.args[0]) << ", "
      << loc(r.loc) << ");\n";
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::IsPresent, const std::string& d, const std::string& ind) {
  expr_into(r, d, ind);
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::GetUnchecked, const std::string& d,
                            const std::string& ind) {
  *o_ << ind << "sfn::gen::get(" << tdesc(r.type) << ", " << d << ", " << operand(r.args[0]) << ");\n";
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Format, const std::string& d, const std::string& ind) {
  std::ostringstream& o = *o_;
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
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Builtin, const std::string& d, const std::string& ind) {
  std::ostringstream& o = *o_;
  switch (r.builtin) {
    case Builtin::Log:
      o << ind << "ctx.log(sfn::abi::view(" << operand(r.args[0]) << "));\n";
      return;
    case Builtin::ToString:
      if (r.args[0].type->kind == TypeKind::Bytes)
        o << ind << "sfn::gen::from_bytes(ctx, " << operand(r.args[0]) << ", " << d << ", " << loc(r.loc) << ");\n";
      else if (r.args[0].type->kind == TypeKind::String)
        put(r.type, d, r.args[0], true, ind);
      else
        o << ind << "sfn::gen::format(" << tdesc(r.args[0].type) << ", " << addr(r.args[0]) << ", " << d << ");\n";
      return;
    case Builtin::ToBytes:
      o << ind << "sfn::gen::copy(sfn::abi::kString, " << d << ", " << operand(r.args[0]) << ");\n";
      return;
    default:
      return expr_into(r, d, ind);
  }
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Method, const std::string& d, const std::string& ind) {
  if (!method_into(r, d, ind)) expr_into(r, d, ind);
}

// The methods whose result is written into `d` (or that only mutate their receiver); false for
// the others, which are expressions.
bool Generator::method_into(const Rvalue& r, const std::string& d, const std::string& ind) {
  std::ostringstream& o = *o_;
  auto a = [&](std::size_t i) { return operand(r.args[i]); };
  auto p = [&](std::size_t i) { return addr(r.args[i]); };
  const std::string svc = "sfn::abi::svc().";
  const std::string td = tdesc(r.args[0].type);
  switch (r.method) {
    case Method::StrSplit:
      o << ind << svc << "str_split(&" << a(0) << ", " << p(1) << ", &" << d << ");\n";
      return true;
    case Method::StrTrim:
      o << ind << svc << "str_trim(&" << a(0) << ", &" << d << ");\n";
      return true;
    case Method::StrUpper:
      o << ind << svc << "str_upper(&" << a(0) << ", &" << d << ");\n";
      return true;
    case Method::StrLower:
      o << ind << svc << "str_lower(&" << a(0) << ", &" << d << ");\n";
      return true;
    case Method::StrReplace:
      o << ind << svc << "str_replace(&" << a(0) << ", " << p(1) << ", " << p(2) << ", &" << d << ");\n";
      return true;
    case Method::StrSubstring:
      o << ind << "ctx.check(" << svc << "str_substring(&" << a(0) << ", " << a(1) << ", " << a(2) << ", &" << d
        << "), " << loc(r.loc) << ");\n";
      return true;
    case Method::ListPush:
      o << ind << "sfn::gen::push(" << td << ", " << a(0) << ", " << a(1) << ");\n";
      return true;
    case Method::ListPop:
      o << ind << svc << "list_pop(&" << td << ", " << p(0) << ", &" << d << ");\n";
      return true;
    case Method::ListInsert:
      o << ind << "sfn::gen::insert(ctx, " << td << ", " << a(0) << ", " << a(1) << ", " << a(2) << ", " << loc(r.loc)
        << ");\n";
      return true;
    case Method::ListRemoveAt:
      o << ind << "sfn::gen::remove_at(ctx, " << td << ", " << a(0) << ", " << a(1) << ", " << loc(r.loc) << ");\n";
      return true;
    case Method::ListClear:
      o << ind << svc << "list_clear(&" << td << ", " << p(0) << ");\n";
      return true;
    case Method::ListFirst:
      o << ind << "sfn::gen::first(" << td << ", " << a(0) << ", " << d << ", false);\n";
      return true;
    case Method::ListLast:
      o << ind << "sfn::gen::first(" << td << ", " << a(0) << ", " << d << ", true);\n";
      return true;
    case Method::MapGet:
      o << ind << "sfn::gen::map_get_opt(" << td << ", " << a(0) << ", " << a(1) << ", " << d << ");\n";
      return true;
    case Method::MapRemove:
      o << ind << svc << "map_remove(&" << td << ", " << p(0) << ", " << p(1) << ");\n";
      return true;
    case Method::MapKeys:
      o << ind << svc << "map_keys(&" << td << ", " << p(0) << ", &" << d << ");\n";
      return true;
    case Method::MapValues:
      o << ind << svc << "map_values(&" << td << ", " << p(0) << ", &" << d << ");\n";
      return true;
    case Method::MapClear:
      o << ind << svc << "map_clear(&" << td << ", " << p(0) << ");\n";
      return true;
    default:
      return false;
  }
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::CallFn, const std::string& d, const std::string& ind) {
  bool has_out = r.type && r.type->kind != TypeKind::Void;
  const auto& ex = m_.externs[r.index];
  std::string args;
  for (const auto& arg : r.args) args += ", " + operand(arg);
  if (m_.fn_body[r.index] != ir::kNone) {
    *o_ << ind << "fn_" << m_.bodies[m_.fn_body[r.index]].name << "(ctx" << (has_out ? ", " + d : "") << args << ");\n";
  } else {
    *o_ << ind << "sfn::gen::checked(sfn::stdlib::" << ex.module << "_" << ex.name << "(ctx, " << loc(r.loc)
        << (has_out ? ", " + d : "") << args << "));\n";
  }
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Address, const std::string& d, const std::string& ind) {
  const auto& fn = m_.functions[r.index];
  if (fn.int_key)
    *o_ << ind << "sfn::abi::svc().ref_int(" << str_literal(fn.type_name) << ", " << operand(r.args[0]) << ", &" << d
        << ");\n";
  else
    *o_ << ind << "sfn::abi::svc().ref_str(" << str_literal(fn.type_name) << ", " << addr(r.args[0]) << ", &" << d
        << ");\n";
}

void Generator::rvalue_into(const Rvalue&, ir::rvalue_kind::Self, const std::string& d, const std::string& ind) {
  *o_ << ind << "sfn::gen::copy(sfn::abi::kString, " << d << ", ctx.self());\n";
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::Now, const std::string& d, const std::string& ind) {
  expr_into(r, d, ind);
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::MakeMessage, const std::string& d,
                            const std::string& ind) {
  const auto& msg = m_.messages[r.index];
  // `d` is a freshly zeroed local (rvalue_into writes only into new definitions), so the
  // defaults are needed only for the fields the literal leaves out.
  if (r.args.size() < msg.fields.size()) *o_ << ind << "sfn::gen::init(" << tdesc(r.type) << ", " << d << ");\n";
  for (std::size_t i = 0; i < r.args.size(); ++i) {
    const auto& f = msg.fields[r.fields[i]];
    put(f.type, d + "." + field(f), r.args[i], true, ind);
  }
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::MakeList, const std::string& d, const std::string& ind) {
  for (const auto& arg : r.args)
    *o_ << ind << "sfn::gen::push(" << tdesc(r.type) << ", " << d << ", " << operand(arg) << ");\n";
}

void Generator::rvalue_into(const Rvalue& r, ir::rvalue_kind::MakeMap, const std::string& d, const std::string& ind) {
  for (std::size_t i = 0; i + 1 < r.args.size(); i += 2)
    *o_ << ind << "sfn::gen::put(" << tdesc(r.type) << ", " << d << ", " << operand(r.args[i]) << ", "
        << operand(r.args[i + 1]) << ");\n";
}

}  // namespace sfn::codegen::cpp
