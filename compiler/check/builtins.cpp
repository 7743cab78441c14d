// The built-in functions and conversions: the table made from builtins.def (lookup by name and
// the "did you mean" candidates) and one signature check per line's `check` column.
#include "compiler/check/checker.h"

namespace sfn::check {

namespace {

constexpr BuiltinInfo kBuiltins[] = {
#define SFN_BUILTIN(Name, Spelling, Shape, Check, Lowering) \
  {Builtin::Name, Spelling, BuiltinShape::Shape, &Checker::Check},
#include "compiler/check/builtins.def"
};

}  // namespace

const BuiltinInfo* find_builtin(std::string_view name) {
  for (const auto& b : kBuiltins) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

Candidates builtin_names(BuiltinShape shape, std::string_view prefix) {
  Candidates c;
  for (const auto& b : kBuiltins) {
    if (b.shape == shape && b.name.starts_with(prefix)) c.emplace_back(b.name.substr(prefix.size()));
  }
  return c;
}

void Checker::resolve_builtin(const ast::Expr& e, const ast::Call& call, Builtin b) {
  resolve(*call.callee, make_res(Resolution::Kind::Builtin, kNone, kNone, b));
  resolve(e, make_res(Resolution::Kind::Builtin, kNone, kNone, b));
}

bool Checker::require_arity(const ast::Expr& e, const ast::Call& call, std::string_view name, std::size_t n) {
  if (call.args.size() == n) return true;
  check_args_after_error(call);
  report(Kind::E0202, e.span,
         "`" + std::string(name) + "` takes " + std::to_string(n) + (n == 1 ? " argument" : " arguments") + ", but " +
             std::to_string(call.args.size()) + (call.args.size() == 1 ? " was" : " were") + " given");
  return false;
}

TypeId Checker::check_now_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info, TypeId) {
  bool ok = require_handler(e.span, "`now()`");
  require_arity(e, call, info.name, 0);
  return ok ? types_.time_type() : types_.error();
}

TypeId Checker::check_log_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info, TypeId) {
  if (require_arity(e, call, info.name, 1)) check_ptr_as(call.args[0], types_.string_type());
  return types_.void_type();
}

TypeId Checker::check_min_max_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info,
                                   TypeId expected) {
  if (!require_arity(e, call, info.name, 2)) return types_.error();
  TypeId a = check_ptr(call.args[0], expected);
  TypeId b = check_ptr(call.args[1], a);
  if (contains_error(a) || contains_error(b)) return types_.error();
  if (a != b) {
    report(Kind::E0201, call.args[1]->span, "expected `" + tn(a) + "`, found `" + tn(b) + "`");
    return types_.error();
  }
  if (!is_ordered(a)) {
    report(Kind::E0203, e.span, "`" + std::string(info.name) + "` is not defined for `" + tn(a) + "`");
    return types_.error();
  }
  return a;
}

TypeId Checker::check_abs_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info, TypeId expected) {
  if (!require_arity(e, call, info.name, 1)) return types_.error();
  TypeId a = check_ptr(call.args[0], expected);
  if (a->is_error()) return a;
  if (!a->is(TypeKind::Int) && !a->is(TypeKind::Float) && !a->is(TypeKind::Duration)) {
    report(Kind::E0203, call.args[0]->span, "`abs` is not defined for `" + tn(a) + "`");
    return types_.error();
  }
  return a;
}

// `int(x)`, `float(x)`, `string(x)`, `bytes(x)`: the built-in is named like its result type.
TypeId Checker::check_conversion_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info, TypeId) {
  const std::string name(info.name);
  const Builtin b = info.builtin;
  TypeId target = types_.scalar_by_name(name);
  if (!require_arity(e, call, name, 1)) return target;
  TypeId a = check_ptr(call.args[0], nullptr);
  if (a->is_error()) return target;
  bool ok = false;
  switch (b) {
    case Builtin::ToInt:
    case Builtin::ToFloat:
      ok = a->is_numeric();
      break;
    case Builtin::ToString:
      ok = !a->is(TypeKind::Void);
      break;
    default:
      ok = a->is(TypeKind::String) || a->is(TypeKind::Bytes);
      break;
  }
  if (!ok) {
    auto& d = report(Kind::E0201, call.args[0]->span, "cannot convert `" + tn(a) + "` to `" + name + "`");
    if (a->is(TypeKind::String) && (b == Builtin::ToInt || b == Builtin::ToFloat)) {
      d.fixes.push_back({"parse text with `strings.to_" + name +
                             "(...)` (import std.strings), "
                             "which gives `" +
                             name + "?`",
                         {}});
    }
  }
  return target;
}

TypeId Checker::check_from_unix_millis_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info,
                                            TypeId) {
  check_args(e, call, {types_.int_type()}, "`" + std::string(info.name) + "`");
  return types_.time_type();
}

}  // namespace sfn::check
