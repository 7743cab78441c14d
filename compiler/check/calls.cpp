// Calls: user fns, std module functions (`strings.join(..)`), built-in functions and conversions
// (builtins.def; their signature checks are in builtins.cpp), addresses
// `F(key)` (E0302 for a key of the wrong type) and the methods of string, list, map, time and
// duration (§6 table; mutating methods only on places, E0204).
#include <array>
#include <cstdlib>

#include "compiler/check/checker.h"

namespace sfn::check {

namespace {

// The types in a method's signature, in terms of its receiver: `Elem` is a list's element type
// or a map's key type, `Value` a map's value type.
enum class Sig : std::uint8_t {
  None,  // no parameter
  Void,
  Int,
  Float,
  Bool,
  String,
  Elem,
  Value,
  ListOfString,
  ListOfElem,
  ListOfValue,
  OptionalElem,
  OptionalValue,
};

// The methods of the built-in types (§6), one line each: receiver, name, method, result type,
// parameter types.
struct MethodEntry {
  TypeKind receiver;
  const char* name;
  Method method;
  Sig result;
  std::array<Sig, 2> params;
};

const MethodEntry kMethods[] = {
    {TypeKind::String, "len", Method::StrLen, Sig::Int, {}},
    {TypeKind::String, "contains", Method::StrContains, Sig::Bool, {Sig::String}},
    {TypeKind::String, "starts_with", Method::StrStartsWith, Sig::Bool, {Sig::String}},
    {TypeKind::String, "ends_with", Method::StrEndsWith, Sig::Bool, {Sig::String}},
    {TypeKind::String, "split", Method::StrSplit, Sig::ListOfString, {Sig::String}},
    {TypeKind::String, "trim", Method::StrTrim, Sig::String, {}},
    {TypeKind::String, "upper", Method::StrUpper, Sig::String, {}},
    {TypeKind::String, "lower", Method::StrLower, Sig::String, {}},
    {TypeKind::String, "replace", Method::StrReplace, Sig::String, {Sig::String, Sig::String}},
    {TypeKind::String, "substring", Method::StrSubstring, Sig::String, {Sig::Int, Sig::Int}},
    {TypeKind::List, "len", Method::ListLen, Sig::Int, {}},
    {TypeKind::List, "push", Method::ListPush, Sig::Void, {Sig::Elem}},
    {TypeKind::List, "pop", Method::ListPop, Sig::OptionalElem, {}},
    {TypeKind::List, "contains", Method::ListContains, Sig::Bool, {Sig::Elem}},
    {TypeKind::List, "insert", Method::ListInsert, Sig::Void, {Sig::Int, Sig::Elem}},
    {TypeKind::List, "remove_at", Method::ListRemoveAt, Sig::Elem, {Sig::Int}},
    {TypeKind::List, "clear", Method::ListClear, Sig::Void, {}},
    {TypeKind::List, "is_empty", Method::ListIsEmpty, Sig::Bool, {}},
    {TypeKind::List, "first", Method::ListFirst, Sig::OptionalElem, {}},
    {TypeKind::List, "last", Method::ListLast, Sig::OptionalElem, {}},
    {TypeKind::Map, "len", Method::MapLen, Sig::Int, {}},
    {TypeKind::Map, "get", Method::MapGet, Sig::OptionalValue, {Sig::Elem}},
    {TypeKind::Map, "contains", Method::MapContains, Sig::Bool, {Sig::Elem}},
    {TypeKind::Map, "remove", Method::MapRemove, Sig::OptionalValue, {Sig::Elem}},
    {TypeKind::Map, "keys", Method::MapKeys, Sig::ListOfElem, {}},
    {TypeKind::Map, "values", Method::MapValues, Sig::ListOfValue, {}},
    {TypeKind::Map, "clear", Method::MapClear, Sig::Void, {}},
    {TypeKind::Map, "is_empty", Method::MapIsEmpty, Sig::Bool, {}},
    {TypeKind::Time, "unix_millis", Method::TimeUnixMillis, Sig::Int, {}},
    {TypeKind::Duration, "millis", Method::DurationMillis, Sig::Int, {}},
    {TypeKind::Duration, "seconds", Method::DurationSeconds, Sig::Float, {}},
};

const MethodEntry& method_entry(Method m) {
  for (const auto& e : kMethods)
    if (e.method == m) return e;
  std::abort();  // every Method has its line in kMethods
}

// The type `s` stands for in a method of `recv`.
TypeId sig_type(TypeTable& types, Sig s, TypeId recv) {
  switch (s) {
    case Sig::Int:
      return types.int_type();
    case Sig::Float:
      return types.float_type();
    case Sig::Bool:
      return types.bool_type();
    case Sig::String:
      return types.string_type();
    case Sig::Elem:
      return recv->elem;
    case Sig::Value:
      return recv->value;
    case Sig::ListOfString:
      return types.list(types.string_type());
    case Sig::ListOfElem:
      return types.list(recv->elem);
    case Sig::ListOfValue:
      return types.list(recv->value);
    case Sig::OptionalElem:
      return types.optional(recv->elem);
    case Sig::OptionalValue:
      return types.optional(recv->value);
    case Sig::None:
    case Sig::Void:
      break;
  }
  return types.void_type();
}

bool is_mutating_name(const std::string& name) {
  return name == "push" || name == "pop" || name == "insert" || name == "remove_at" || name == "clear" ||
         name == "remove";
}

}  // namespace

std::optional<Method> Checker::method_lookup(TypeId receiver, const std::string& name) const {
  for (const auto& m : kMethods) {
    if (m.receiver == receiver->kind && name == m.name) return m.method;
  }
  return std::nullopt;
}

Diagnostic* Checker::check_args(const ast::Expr& e, const ast::Call& call, const std::vector<TypeId>& params,
                                std::string_view what) {
  if (call.args.size() != params.size()) {
    for (const auto& a : call.args) check_ptr(a, nullptr);
    return &report(Kind::E0202, e.span,
                   std::string(what) + " takes " + std::to_string(params.size()) +
                       (params.size() == 1 ? " argument" : " arguments") + ", but " + std::to_string(call.args.size()) +
                       (call.args.size() == 1 ? " was" : " were") + " given");
  }
  for (std::size_t i = 0; i < params.size(); ++i) check_ptr_as(call.args[i], params[i]);
  return nullptr;
}

// A fn call: `f(..)` or `module.f(..)`.
static TypeId check_fn_call(Checker& c, const ast::Expr& e, const ast::Call& call, std::uint32_t fi,
                            const std::string& shown) {
  const FnInfo& fn = c.out_.fns[fi];
  std::vector<TypeId> params;
  for (const auto& p : fn.params) params.push_back(p.type);
  Resolution r = make_res(Resolution::Kind::Fn, fi);
  c.resolve(*call.callee, r);
  c.resolve(e, r);
  if (Diagnostic* d = c.check_args(e, call, params, "`" + shown + "`")) {
    d->notes.push_back({"`" + shown + "` is declared here", fn.decl->name.span});
  }
  return fn.return_type;
}

TypeId Checker::check_node(const ast::Expr& e, const ast::Call& call, ExprHint hint) {
  TypeId t = check_call_inner(e, call, hint.expected);
  // Callees are not values: give the ones not already typed (fn names, `F` of `F(key)`,
  // `module.f`, methods) the type Void so that every checked expression has a type.
  if (call.callee && !out_.type_of(call.callee.get())) {
    record(*call.callee, types_.void_type());
    if (const auto* fa = std::get_if<ast::FieldAccess>(&call.callee->node)) {
      if (fa->object && !out_.type_of(fa->object.get())) record(*fa->object, types_.void_type());
    }
  }
  return t;
}

TypeId Checker::check_args_after_error(const ast::Call& call) {
  for (const auto& a : call.args) check_ptr(a, nullptr);
  return types_.error();
}

TypeId Checker::check_call_inner(const ast::Expr& e, const ast::Call& call, TypeId expected) {
  if (!call.callee) return check_args_after_error(call);
  const ast::Expr& callee = *call.callee;
  if (const auto* n = std::get_if<ast::Name>(&callee.node)) {
    return check_named_call(e, call, *n, expected);
  }
  if (const auto* fa = std::get_if<ast::FieldAccess>(&callee.node)) {
    return check_member_call(e, call, *fa);
  }
  TypeId t = check_expr(callee, nullptr);
  check_args_after_error(call);
  if (!t->is_error()) report(Kind::E0201, callee.span, "a value of type `" + tn(t) + "` is not a function");
  return types_.error();
}

TypeId Checker::check_named_call(const ast::Expr& e, const ast::Call& call, const ast::Name& n, TypeId expected) {
  const ast::Expr& callee = *call.callee;
  const std::string& name = n.ident.name;
  if (name.empty()) return check_args_after_error(call);
  if (lookup_local(name) != kNone || (in_handler() && out_.functions[ctx_.function].state_index.count(name))) {
    TypeId t = check_expr(callee, nullptr);
    check_args_after_error(call);
    if (!t->is_error()) report(Kind::E0201, callee.span, "`" + name + "` of type `" + tn(t) + "` is not a function");
    return types_.error();
  }
  auto g = out_.globals.find(name);
  if (g != out_.globals.end() && g->second.kind == GlobalRef::Kind::Fn) {
    return check_fn_call(*this, e, call, g->second.index, name);
  }
  if (g != out_.globals.end() && g->second.kind == GlobalRef::Kind::Function) {
    return check_address(e, call, g->second.index);
  }
  if (g != out_.globals.end() && g->second.kind == GlobalRef::Kind::Message) {
    check_args_after_error(call);
    auto& d = report(Kind::E0201, callee.span, "`" + name + "` is a message type, not a function");
    d.fixes.push_back({"construct a message with `" + name + " { field: value, ... }`", {}});
    return types_.error();
  }
  const BuiltinInfo* builtin = g == out_.globals.end() ? find_builtin(name) : nullptr;
  if (builtin && builtin->shape != BuiltinShape::Qualified) {
    resolve_builtin(e, call, builtin->builtin);
    return (this->*builtin->check)(e, call, *builtin, expected);
  }
  return check_unknown_call(e, call, n);
}

// `F(key)`: the address of an instance of function type `fi`.
TypeId Checker::check_address(const ast::Expr& e, const ast::Call& call, std::uint32_t fi) {
  const auto& f = out_.functions[fi];
  const std::string& name = f.name;
  resolve(*call.callee, make_res(Resolution::Kind::FunctionType, fi));
  resolve(e, make_res(Resolution::Kind::Address, fi));
  if (call.args.size() != 1) {
    check_args_after_error(call);
    auto& d = report(
        Kind::E0202, e.span,
        "an address `" + name + "(key)` takes 1 argument, but " + std::to_string(call.args.size()) + " were given");
    d.notes.push_back({"`" + name + "` is keyed by `" + f.key_name + ": " + tn(f.key_type) + "`", f.decl->key.span});
    return types_.ref(fi);
  }
  TypeId kt = check_ptr(call.args[0], f.key_type);
  if (!contains_error(kt) && !contains_error(f.key_type) && kt != f.key_type) {
    auto& d = report(Kind::E0302, call.args[0]->span,
                     "`" + name + "` is keyed by `" + tn(f.key_type) + "`, found `" + tn(kt) + "`");
    d.notes.push_back({"the key of `" + name + "` is declared here", f.decl->key.span});
    if (kt->is(TypeKind::Int) && f.key_type->is(TypeKind::String)) {
      d.fixes.push_back({"convert the key with `string(...)`", {}});
    }
  }
  return types_.ref(fi);
}

TypeId Checker::check_unknown_call(const ast::Expr& e, const ast::Call& call, const ast::Name& n) {
  const std::string& name = n.ident.name;
  check_args_after_error(call);
  if (out_.globals.count(name)) {
    report(Kind::E0201, call.callee->span, "`" + name + "` is not a function");
    return types_.error();
  }
  auto& d = report(Kind::E0101, n.ident.span, "unknown function `" + name + "`");
  // A std module function called without its module: suggest the qualified name.
  for (const auto& [module, fns] : out_.modules) {
    if (fns.count(name) && module_visible(module)) {
      d.fixes.push_back({"std module functions are called qualified: did you mean `" + module + "." + name + "`?",
                         {{n.ident.span, module + "." + name}}});
      return types_.error();
    }
  }
  Candidates c = builtin_names(BuiltinShape::Function);
  for (const auto& fn : out_.fns) {
    if (fn.module.empty()) c.push_back(fn.name);
  }
  for (const auto& f : out_.functions) c.push_back(f.name);
  suggest(d, name, n.ident.span, c);
  return types_.error();
}

TypeId Checker::check_member_call(const ast::Expr& e, const ast::Call& call, const ast::FieldAccess& fa) {
  if (!fa.object) return check_args_after_error(call);
  if (const auto* obj = std::get_if<ast::Name>(&fa.object->node)) {
    if (std::optional<TypeId> t = check_module_call(e, call, fa, *obj)) return *t;
  }
  // A method call on a value.
  const std::string& member = fa.field.name;
  TypeId recv =
      is_mutating_name(member) ? (writing_place_ = true, check_ptr(fa.object, nullptr)) : check_ptr(fa.object, nullptr);
  return check_method_call(e, call, fa, recv);
}

std::optional<TypeId> Checker::check_module_call(const ast::Expr& e, const ast::Call& call, const ast::FieldAccess& fa,
                                                 const ast::Name& obj) {
  const std::string& member = fa.field.name;
  const std::string& oname = obj.ident.name;
  bool shadowed = lookup_local(oname) != kNone ||
                  (in_handler() && out_.functions[ctx_.function].state_index.count(oname)) || out_.globals.count(oname);
  if (shadowed) return std::nullopt;
  const BuiltinInfo* builtin = find_builtin(oname + "." + member);
  if (builtin && builtin->shape == BuiltinShape::Qualified) {
    resolve_builtin(e, call, builtin->builtin);
    return (this->*builtin->check)(e, call, *builtin, nullptr);
  }
  auto mod = out_.modules.find(oname);
  if (mod != out_.modules.end() && module_visible(oname)) {
    Resolution mr = make_res(Resolution::Kind::Module);
    mr.module = oname;
    resolve(*fa.object, mr);
    auto fn = mod->second.find(member);
    if (fn != mod->second.end()) return check_fn_call(*this, e, call, fn->second, oname + "." + member);
    check_args_after_error(call);
    if (member.empty()) return types_.error();
    auto& d = report(Kind::E0101, fa.field.span, "module `" + oname + "` has no function `" + member + "`");
    Candidates c;
    for (const auto& [fname, _] : mod->second) c.push_back(fname);
    for (auto& name : builtin_names(BuiltinShape::Qualified, oname + ".")) c.push_back(name);
    suggest(d, member, fa.field.span, c);
    return types_.error();
  }
  if (oname == "strings" || oname == "math" || oname == "time") {
    check_args_after_error(call);
    auto& d = report(Kind::E0101, obj.ident.span,
                     "unknown name `" + oname + "`: the module `std." + oname + "` is not imported");
    d.fixes.push_back({"add `import std." + oname + ";` after the package line", {}});
    return types_.error();
  }
  return std::nullopt;
}

TypeId Checker::check_method_call(const ast::Expr& e, const ast::Call& call, const ast::FieldAccess& fa, TypeId recv) {
  const std::string& name = fa.field.name;
  auto fail = [&]() {
    for (const auto& a : call.args) check_ptr(a, nullptr);
    return types_.error();
  };
  if (recv->is_error() || name.empty()) return fail();
  std::optional<Method> m = method_lookup(recv, name);
  if (!m) {
    fail();
    auto& d = report(Kind::E0101, fa.field.span, "type `" + tn(recv) + "` has no method `" + name + "`");
    if (recv->is(TypeKind::Optional) && method_lookup(recv->elem, name)) {
      d.fixes.push_back({"unwrap the optional first with `!`, or give a default with `??`", {}});
    } else {
      Candidates c;
      for (const auto& me : kMethods) {
        if (me.receiver == recv->kind) c.push_back(me.name);
      }
      suggest(d, name, fa.field.span, c);
    }
    return types_.error();
  }
  Resolution r = make_res(Resolution::Kind::Method);
  r.method = *m;
  resolve(*call.callee, r);
  resolve(e, r);
  if (is_mutating(*m)) {
    check_mutable_root(*fa.object, "call the mutating method `" + name + "` on");
  }
  const MethodEntry& entry = method_entry(*m);
  std::vector<TypeId> params;
  for (Sig p : entry.params)
    if (p != Sig::None) params.push_back(sig_type(types_, p, recv));
  TypeId result = sig_type(types_, entry.result, recv);
  check_args(e, call, params, "`" + name + "`");
  return result;
}

}  // namespace sfn::check
