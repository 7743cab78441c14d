// Calls: user fns, std module functions (`strings.join(..)`), built-in functions and conversions
// (builtins.def; their signature checks are in builtins.cpp), addresses
// `F(key)` (E0302 for a key of the wrong type) and the methods of string, list, map, time and
// duration (§6 table; mutating methods only on places, E0204).
#include "compiler/check/checker.h"

namespace sfn::check {

namespace {

struct MethodEntry {
  TypeKind receiver;
  const char* name;
  Method method;
};

const MethodEntry kMethods[] = {
    {TypeKind::String, "len", Method::StrLen},
    {TypeKind::String, "contains", Method::StrContains},
    {TypeKind::String, "starts_with", Method::StrStartsWith},
    {TypeKind::String, "ends_with", Method::StrEndsWith},
    {TypeKind::String, "split", Method::StrSplit},
    {TypeKind::String, "trim", Method::StrTrim},
    {TypeKind::String, "upper", Method::StrUpper},
    {TypeKind::String, "lower", Method::StrLower},
    {TypeKind::String, "replace", Method::StrReplace},
    {TypeKind::String, "substring", Method::StrSubstring},
    {TypeKind::List, "len", Method::ListLen},
    {TypeKind::List, "push", Method::ListPush},
    {TypeKind::List, "pop", Method::ListPop},
    {TypeKind::List, "contains", Method::ListContains},
    {TypeKind::List, "insert", Method::ListInsert},
    {TypeKind::List, "remove_at", Method::ListRemoveAt},
    {TypeKind::List, "clear", Method::ListClear},
    {TypeKind::List, "is_empty", Method::ListIsEmpty},
    {TypeKind::List, "first", Method::ListFirst},
    {TypeKind::List, "last", Method::ListLast},
    {TypeKind::Map, "len", Method::MapLen},
    {TypeKind::Map, "get", Method::MapGet},
    {TypeKind::Map, "contains", Method::MapContains},
    {TypeKind::Map, "remove", Method::MapRemove},
    {TypeKind::Map, "keys", Method::MapKeys},
    {TypeKind::Map, "values", Method::MapValues},
    {TypeKind::Map, "clear", Method::MapClear},
    {TypeKind::Map, "is_empty", Method::MapIsEmpty},
    {TypeKind::Time, "unix_millis", Method::TimeUnixMillis},
    {TypeKind::Duration, "millis", Method::DurationMillis},
    {TypeKind::Duration, "seconds", Method::DurationSeconds},
};

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
  TypeId I = types_.int_type(), S = types_.string_type(), B = types_.bool_type();
  TypeId V = types_.void_type();
  TypeId elem = recv->elem, value = recv->value;
  std::vector<TypeId> params;
  TypeId result = V;
  switch (*m) {
    case Method::StrLen:
      result = I;
      break;
    case Method::StrContains:
    case Method::StrStartsWith:
    case Method::StrEndsWith:
      params = {S};
      result = B;
      break;
    case Method::StrSplit:
      params = {S};
      result = types_.list(S);
      break;
    case Method::StrTrim:
    case Method::StrUpper:
    case Method::StrLower:
      result = S;
      break;
    case Method::StrReplace:
      params = {S, S};
      result = S;
      break;
    case Method::StrSubstring:
      params = {I, I};
      result = S;
      break;
    case Method::ListLen:
      result = I;
      break;
    case Method::ListPush:
      params = {elem};
      break;
    case Method::ListPop:
      result = types_.optional(elem);
      break;
    case Method::ListContains:
      params = {elem};
      result = B;
      break;
    case Method::ListInsert:
      params = {I, elem};
      break;
    case Method::ListRemoveAt:
      params = {I};
      result = elem;
      break;
    case Method::ListClear:
      break;
    case Method::ListIsEmpty:
      result = B;
      break;
    case Method::ListFirst:
    case Method::ListLast:
      result = types_.optional(elem);
      break;
    case Method::MapLen:
      result = I;
      break;
    case Method::MapGet:
      params = {elem};
      result = types_.optional(value);
      break;
    case Method::MapContains:
      params = {elem};
      result = B;
      break;
    case Method::MapRemove:
      params = {elem};
      result = types_.optional(value);
      break;
    case Method::MapKeys:
      result = types_.list(elem);
      break;
    case Method::MapValues:
      result = types_.list(value);
      break;
    case Method::MapClear:
      break;
    case Method::MapIsEmpty:
      result = B;
      break;
    case Method::TimeUnixMillis:
      result = I;
      break;
    case Method::DurationMillis:
      result = I;
      break;
    case Method::DurationSeconds:
      result = types_.float_type();
      break;
  }
  check_args(e, call, params, "`" + name + "`");
  return result;
}

}  // namespace sfn::check
