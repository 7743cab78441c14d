// Declaration passes of the checker: collects every top-level declaration of every file into the
// one program namespace (E0102 for duplicates, std module functions into their module), resolves
// written types and signatures (messages, enums, fns, function types with states and handlers,
// ingresses, egresses), and drives the checks of the message graph (message_graph.cpp) and of
// the bodies. Also the check_program entry point.
#include <algorithm>

#include "compiler/check/checker.h"

namespace sfn::check {

Checker::Checker(const ast::Program& program, const source::SourceManager& sources, diagnostics::DiagnosticSink& sink,
                 CheckedProgram& out)
    : program_(program), sources_(sources), sink_(sink), out_(out), types_(*out.types) {}

Diagnostic& Checker::report(Kind kind, Span span, std::string message) {
  Diagnostic& d = sink_.report(kind, span, std::move(message));
  if (diagnostics::info(kind).severity == diagnostics::Severity::Error) {
    out_.has_errors = true;
    ++errors_;
  }
  return d;
}

void Checker::suggest(Diagnostic& d, const std::string& name, Span span, const Candidates& candidates) {
  if (auto best = best_suggestion(name, candidates)) {
    d.fixes.push_back({"did you mean `" + *best + "`?", {{span, *best}}});
  }
}

bool Checker::prior_error_within(Span s) const {
  auto it = std::lower_bound(prior_errors_.begin(), prior_errors_.end(), s, [](const Span& a, const Span& b) {
    return a.file != b.file ? a.file < b.file : a.begin < b.begin;
  });
  return it != prior_errors_.end() && it->file == s.file && it->begin < s.end;
}

void Checker::run() {
  for (const auto& d : sink_.diagnostics()) {
    if (d.severity == diagnostics::Severity::Error) prior_errors_.push_back(d.span);
  }
  std::sort(prior_errors_.begin(), prior_errors_.end(),
            [](const Span& a, const Span& b) { return a.file != b.file ? a.file < b.file : a.begin < b.begin; });
  out_.ast = &program_;
  if (!program_.files.empty() && program_.files[0].package) {
    out_.package = program_.files[0].package->joined();
  }
  collect_declarations();
  resolve_signatures();
  check_message_recursion();
  check_value_depth();
  check_bodies();
  check_unreached_handlers();
  check_unconstructed_messages();
  check_state_usage();
  check_tests();
}

// ---------------------------------------------------------------------------------- collection

static std::string std_module_of(const ast::File& file) {
  if (!file.package) return {};
  const auto& parts = file.package->parts;
  if (parts.size() == 2 && parts[0].name == "std") return parts[1].name;
  return {};
}

void Checker::collect_declarations() {
  // The built-in egress comes first so that a user declaration of it is the duplicate.
  out_.egresses.push_back(EgressInfo{"dead_letters", kNone, true, nullptr});
  out_.globals.emplace("dead_letters", GlobalRef{GlobalRef::Kind::Egress, 0});
  for (const auto& file : program_.files) {
    for (const auto& imp : file.imports) {
      if (!imp.module) continue;
      const auto& parts = imp.module->parts;
      if (parts.size() == 2 && parts[0].name == "std") {
        file_modules_[file.file].push_back(parts[1].name);
      }
    }
    const std::string module = std_module_of(file);
    // One collector per declaration kind.
    for (const auto& decl : file.decls) std::visit([&](const auto& d) { collect(d, module); }, decl);
  }
  const_state_.assign(out_.consts.size(), ConstState::Unvisited);
  state_use_.resize(out_.functions.size());
}

bool Checker::add_global(const ast::Ident& name, GlobalRef ref) {
  if (name.name.empty()) return false;  // a parse error left no name
  auto [it, inserted] = out_.globals.emplace(name.name, ref);
  if (!inserted) {
    auto& d = report(Kind::E0102, name.span, "`" + name.name + "` is declared more than once");
    auto fs = first_declared_.find(name.name);
    if (fs != first_declared_.end()) {
      d.notes.push_back({"first declared here", fs->second});
    } else {
      d.notes.push_back({"`" + name.name + "` is a built-in egress", Span{}});
    }
    return false;
  }
  first_declared_.emplace(name.name, name.span);
  return true;
}

namespace {

// Registers declaration `d` as a global of `kind` and appends its entry (name and declaration
// set) to `table`; null when the name is taken or missing.
template <class Info, class Decl>
Info* add_info(Checker& c, std::vector<Info>& table, const Decl& d, GlobalRef::Kind kind) {
  auto idx = static_cast<std::uint32_t>(table.size());
  if (!c.add_global(d.name, {kind, idx})) return nullptr;
  Info& info = table.emplace_back();
  info.name = d.name.name;
  info.decl = &d;
  return &info;
}

}  // namespace

void Checker::collect(const ast::MessageDecl& m, const std::string& module) {
  if (auto* info = add_info(*this, out_.messages, m, GlobalRef::Kind::Message)) info->is_std = !module.empty();
}

void Checker::collect(const ast::EnumDecl& e, const std::string&) {
  add_info(*this, out_.enums, e, GlobalRef::Kind::Enum);
}

void Checker::collect(const ast::ConstDecl& c, const std::string&) {
  add_info(*this, out_.consts, c, GlobalRef::Kind::Const);
}

// A fn of a std module file is `module.name`, not a global.
void Checker::collect(const ast::FnDecl& f, const std::string& module) {
  auto idx = static_cast<std::uint32_t>(out_.fns.size());
  if (!module.empty()) {
    auto& mod = out_.modules[module];
    if (!mod.emplace(f.name.name, idx).second) {
      report(Kind::E0102, f.name.span, "`" + module + "." + f.name.name + "` is declared more than once");
      return;
    }
  } else if (!add_global(f.name, {GlobalRef::Kind::Fn, idx})) {
    return;
  }
  FnInfo info;
  info.name = f.name.name;
  info.is_extern = f.is_extern;
  info.module = module;
  info.decl = &f;
  out_.fns.push_back(std::move(info));
}

void Checker::collect(const ast::FunctionDecl& fn, const std::string&) {
  if (auto* info = add_info(*this, out_.functions, fn, GlobalRef::Kind::Function)) {
    info->type_name = out_.package + "/" + fn.name.name;
    info->key_name = fn.key.name.name;
  }
}

void Checker::collect(const ast::IngressDecl& in, const std::string&) {
  add_info(*this, out_.ingresses, in, GlobalRef::Kind::Ingress);
}

void Checker::collect(const ast::EgressDecl& eg, const std::string&) {
  add_info(*this, out_.egresses, eg, GlobalRef::Kind::Egress);
}

bool Checker::module_visible(const std::string& module) const {
  if (!out_.modules.count(module)) return false;
  auto it = file_modules_.find(current_file_);
  if (it == file_modules_.end()) return false;
  for (const auto& m : it->second) {
    if (m == module) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------- types

static Candidates type_candidates(const CheckedProgram& p) {
  Candidates c = {"int", "float", "bool", "string", "bytes", "time", "duration", "timer"};
  for (const auto& m : p.messages) c.push_back(m.name);
  for (const auto& e : p.enums) c.push_back(e.name);
  return c;
}

TypeId Checker::resolve_type(const ast::TypeExpr* t, bool in_message_field) {
  if (t == nullptr) return types_.error();
  auto arg = [&](std::size_t i) -> TypeId {
    return i < t->args.size() ? resolve_type(t->args[i].get(), in_message_field) : types_.error();
  };
  switch (t->kind) {
    case ast::TypeExpr::Kind::Named: {
      const std::string& name = t->name.name;
      if (name.empty()) return types_.error();
      if (TypeId s = types_.scalar_by_name(name)) {
        if (s->is(TypeKind::Timer) && in_message_field) {
          report(Kind::E0201, t->span, "a message field cannot have type `timer`");
          return types_.error();
        }
        return s;
      }
      auto it = out_.globals.find(name);
      if (it != out_.globals.end()) {
        if (it->second.kind == GlobalRef::Kind::Message) return types_.message(it->second.index);
        if (it->second.kind == GlobalRef::Kind::Enum) return types_.enumeration(it->second.index);
        if (it->second.kind == GlobalRef::Kind::Function) {
          auto& d = report(Kind::E0101, t->name.span, "`" + name + "` is a function type, not a value type");
          d.fixes.push_back(
              {"use `ref<" + name + ">` for an address of a `" + name + "`", {{t->span, "ref<" + name + ">"}}});
          return types_.error();
        }
      }
      auto& d = report(Kind::E0101, t->name.span, "unknown type `" + name + "`");
      suggest(d, name, t->name.span, type_candidates(out_));
      return types_.error();
    }
    case ast::TypeExpr::Kind::List:
      return types_.list(arg(0));
    case ast::TypeExpr::Kind::Map: {
      TypeId k = arg(0);
      TypeId v = arg(1);
      if (!k->is_error() && !is_map_key(k)) {
        report(Kind::E0201, t->args[0]->span, "map keys must be `int`, `string` or `bool`, found `" + tn(k) + "`");
        return types_.error();
      }
      return types_.map(k, v);
    }
    case ast::TypeExpr::Kind::Optional: {
      TypeId inner = arg(0);
      if (inner->is(TypeKind::Optional)) {
        report(Kind::E0201, t->span, "an optional cannot be optional: `" + tn(inner) + "?`");
        return types_.error();
      }
      return types_.optional(inner);
    }
    case ast::TypeExpr::Kind::Ref: {
      const std::string& name = t->name.name;
      if (name.empty()) return types_.error();
      std::uint32_t f = out_.find_function(name);
      if (f != kNone) return types_.ref(f);
      auto& d = report(Kind::E0101, t->name.span, "unknown function type `" + name + "`");
      suggest(d, name, t->name.span, names_of(out_.functions));
      return types_.error();
    }
  }
  return types_.error();
}

// ---------------------------------------------------------------------------------- signatures

void Checker::resolve_signatures() {
  for (auto& e : out_.enums) resolve_enum_values(e);
  for (auto& m : out_.messages) resolve_fields(m);
  for (auto& c : out_.consts) c.type = resolve_type(c.decl->type.get());
  for (auto& fn : out_.fns) resolve_fn_signature(fn);
  for (std::uint32_t fi = 0; fi < out_.functions.size(); ++fi) {
    auto& f = out_.functions[fi];
    resolve_key(f);
    for (const auto& s : f.decl->states) resolve_state(f, s);
    state_use_[fi].resize(f.states.size());
    for (const auto& h : f.decl->handlers) resolve_handler(f, h);
  }
  for (auto& in : out_.ingresses) {
    TypeId t = resolve_type(in.decl->param.type.get());
    if (t->is(TypeKind::Message)) {
      in.message = t->decl;
    } else if (!t->is_error()) {
      report(Kind::E0201, in.decl->param.type->span, "an ingress record must be a message type, found `" + tn(t) + "`");
    }
  }
  for (auto& eg : out_.egresses) {
    if (eg.builtin) continue;
    TypeId t = resolve_type(eg.decl->type.get());
    if (t->is(TypeKind::Message)) {
      eg.message = t->decl;
    } else if (!t->is_error()) {
      report(Kind::E0201, eg.decl->type->span, "an egress carries a message type, found `" + tn(t) + "`");
    }
  }
}

void Checker::resolve_enum_values(EnumInfo& e) {
  for (const auto& v : e.decl->values) {
    auto idx = static_cast<std::uint32_t>(e.values.size());
    auto [it, inserted] = e.value_index.emplace(v.name.name, idx);
    if (!inserted) {
      auto& d = report(Kind::E0102, v.name.span,
                       "enum value `" + e.name + "." + v.name.name + "` is declared more than once");
      d.notes.push_back({"first declared here", e.decl->values[it->second].name.span});
      continue;
    }
    e.values.push_back({v.name.name, v.doc, v.name.span});
  }
}

namespace {

// Indexes member `name` of `owner` as the next entry of `members` (fields, states); false after
// reporting E0102 ("`what` `name` is declared more than once in `owner`") for a duplicate.
template <class Members>
bool index_member(Checker& c, std::unordered_map<std::string, std::uint32_t>& index, const Members& members,
                  const ast::Ident& name, const std::string& what, const std::string& owner) {
  auto [it, inserted] = index.emplace(name.name, static_cast<std::uint32_t>(members.size()));
  if (inserted) return true;
  auto& d =
      c.report(Kind::E0102, name.span, what + " `" + name.name + "` is declared more than once in `" + owner + "`");
  d.notes.push_back({"first declared here", members[it->second].decl->name.span});
  return false;
}

}  // namespace

void Checker::resolve_fields(MessageInfo& m) {
  for (const auto& f : m.decl->fields) {
    auto idx = static_cast<std::uint32_t>(m.fields.size());
    if (!index_member(*this, m.field_index, m.fields, f.name, "field", m.name)) continue;
    FieldInfo info;
    info.name = f.name.name;
    info.type = resolve_type(f.type.get(), /*in_message_field=*/true);
    info.number = idx + 1;
    info.decl = &f;
    info.doc = f.doc;
    info.span = f.span;
    m.fields.push_back(std::move(info));
  }
}

void Checker::resolve_fn_signature(FnInfo& fn) {
  std::unordered_map<std::string, Span> seen;
  for (const auto& p : fn.decl->params) {
    // Parameters of a fn with a body are locals; declare_local reports their duplicates.
    if (!p.name.name.empty() && !fn.decl->body) {
      auto [it, inserted] = seen.emplace(p.name.name, p.name.span);
      if (!inserted) {
        auto& d = report(Kind::E0102, p.name.span, "parameter `" + p.name.name + "` is declared more than once");
        d.notes.push_back({"first declared here", it->second});
      }
    }
    fn.params.push_back({p.name.name, resolve_type(p.type.get()), kNone, p.span});
  }
  fn.return_type = fn.decl->return_type ? resolve_type(fn.decl->return_type.get()) : types_.void_type();
}

void Checker::resolve_key(FunctionInfo& f) {
  const ast::FunctionDecl& decl = *f.decl;
  f.key_type = resolve_type(decl.key.type.get());
  if (!f.key_type->is_error() && !f.key_type->is(TypeKind::Int) && !f.key_type->is(TypeKind::String)) {
    report(Kind::E0201, decl.key.type->span,
           "a function key must be `string` or `int`, found `" + tn(f.key_type) + "`");
    f.key_type = types_.error();
  }
}

void Checker::resolve_state(FunctionInfo& f, const ast::StateDecl& s) {
  if (s.name.name.empty()) return;
  if (s.name.name == f.key_name) {
    auto& d =
        report(Kind::E0102, s.name.span, "state `" + s.name.name + "` has the name of the key of `" + f.name + "`");
    d.notes.push_back({"key declared here", f.decl->key.name.span});
    return;
  }
  if (!index_member(*this, f.state_index, f.states, s.name, "state", f.name)) return;
  StateInfo info;
  info.name = s.name.name;
  info.type = resolve_type(s.type.get());
  info.decl = &s;
  if ((info.type->is(TypeKind::Ref) || info.type->is(TypeKind::Timer)) && s.type) {
    auto& d = report(Kind::E0401, s.type->span,
                     "state `" + s.name.name + "` of type `" + tn(info.type) + "` must be optional");
    d.fixes.push_back({"make it optional: `" + tn(info.type) + "?`",
                       {{Span{s.type->span.file, s.type->span.end, s.type->span.end}, "?"}}});
    info.type = types_.error();
  }
  f.states.push_back(std::move(info));
}

void Checker::resolve_handler(FunctionInfo& f, const ast::Handler& h) {
  HandlerInfo info;
  info.decl = &h;
  const std::string& mname = h.message_type.name;
  std::uint32_t m = mname.empty() ? kNone : out_.find_message(mname);
  if (m == kNone && !mname.empty()) {
    auto& d = report(Kind::E0101, h.message_type.span, "unknown message type `" + mname + "`");
    suggest(d, mname, h.message_type.span, names_of(out_.messages));
  }
  if (m != kNone) {
    auto hidx = static_cast<std::uint32_t>(f.handlers.size());
    auto [it, inserted] = f.handler_for_message.emplace(m, hidx);
    if (!inserted) {
      auto& d = report(Kind::E0306, h.message_type.span,
                       "function `" + f.name + "` has two handlers for message `" + mname + "`");
      d.notes.push_back({"first handler for `" + mname + "` is here", f.handlers[it->second].decl->message_type.span});
      m = kNone;  // the duplicate is checked but routes to nothing
    }
  }
  info.message = m;
  f.handlers.push_back(info);
}

// ---------------------------------------------------------------------------------- bodies

void Checker::check_bodies() {
  // Constants first (they are evaluated on demand, so order does not matter).
  field_state_.resize(out_.messages.size());
  for (std::uint32_t m = 0; m < out_.messages.size(); ++m) {
    field_state_[m].assign(out_.messages[m].fields.size(), ConstState::Unvisited);
  }
  for (std::uint32_t i = 0; i < out_.consts.size(); ++i) ensure_const(i);

  // Field defaults: constant expressions of the field's type; implicit defaults otherwise.
  for (std::uint32_t m = 0; m < out_.messages.size(); ++m) {
    for (std::uint32_t f = 0; f < out_.messages[m].fields.size(); ++f) ensure_field_default(m, f);
  }

  // Externs have no body (a missing one of a plain fn was reported by the parser).
  for (std::uint32_t fi = 0; fi < out_.fns.size(); ++fi) {
    if (out_.fns[fi].decl->body) check_fn_body(fi);
  }

  function_had_errors_.assign(out_.functions.size(), false);
  for (std::uint32_t fi = 0; fi < out_.functions.size(); ++fi) {
    auto& f = out_.functions[fi];
    std::size_t function_errors_before = errors_;
    current_file_ = f.decl->span.file;
    for (auto& s : f.states) check_state_constants(s);
    for (std::uint32_t hi = 0; hi < f.handlers.size(); ++hi) check_handler_body(fi, hi);
    function_had_errors_[fi] = errors_ != function_errors_before || prior_error_within(f.decl->span);
  }

  for (std::uint32_t ii = 0; ii < out_.ingresses.size(); ++ii) check_ingress(ii);
}

void Checker::check_fn_body(std::uint32_t fi) {
  auto& fn = out_.fns[fi];
  std::uint32_t first_local = static_cast<std::uint32_t>(out_.locals.size());
  std::size_t errors_before = errors_;
  ctx_ = BodyContext{BodyContext::Kind::Fn};
  current_file_ = fn.decl->span.file;
  current_body_ = fn.decl->span;
  ctx_.fn = fi;
  ctx_.return_type = fn.return_type;
  push_scope();
  for (std::size_t pi = 0; pi < fn.params.size(); ++pi) {
    fn.params[pi].local = declare_local(LocalInfo::Kind::Param, fn.decl->params[pi].name, fn.params[pi].type);
  }
  bool diverges = check_block(*fn.decl->body);
  pop_scope();
  if (!diverges && !fn.return_type->is(TypeKind::Void) && !fn.return_type->is_error()) {
    const Span& body = fn.decl->body->span;
    auto& d = report(Kind::E0205, fn.decl->name.span, "fn `" + fn.name + "` does not return a value on every path");
    d.notes.push_back({"it declares the return type `" + tn(fn.return_type) + "`", fn.decl->return_type->span});
    d.notes.push_back(
        {"execution can reach the end of the body here", Span{body.file, body.end > 0 ? body.end - 1 : 0, body.end}});
  }
  check_unused_locals(first_local, errors_before);
}

// A state's initializer and expiry, both constants.
void Checker::check_state_constants(StateInfo& s) {
  const ast::StateDecl& sd = *s.decl;
  s.init = default_value(s.type);
  if (sd.init) {
    s.has_explicit_init = true;
    if (auto v = check_const_expr(*sd.init, s.type, Kind::E0401, "bad initializer: ")) s.init = *v;
  }
  if (!sd.expires || !sd.expires->duration) return;
  const ast::Expiry& ex = *sd.expires;
  TypeId t = check_ptr(ex.duration, types_.duration_type());
  if (!t->is_error() && !t->is(TypeKind::Duration)) {
    report(Kind::E0401, ex.duration->span, "`expires` needs a `duration`, found `" + tn(t) + "`");
  } else if (!t->is_error()) {
    if (auto v = eval_ptr(ex.duration)) s.expires = ExpiryInfo{v->i, ex.mode, ex.span};
  }
}

void Checker::check_handler_body(std::uint32_t fi, std::uint32_t hi) {
  auto& f = out_.functions[fi];
  auto& h = f.handlers[hi];
  std::uint32_t first_local = static_cast<std::uint32_t>(out_.locals.size());
  std::size_t errors_before = errors_;
  ctx_ = BodyContext{BodyContext::Kind::Handler};
  current_body_ = h.decl->span;
  ctx_.function = fi;
  ctx_.handler = hi;
  push_scope();
  if (f.key_local == kNone) {
    f.key_local = declare_local(LocalInfo::Kind::Key, f.decl->key.name, f.key_type);
    local_read_[f.key_local] = true;  // an unused key is normal
  } else {
    scopes_.back().emplace(f.key_name, f.key_local);
  }
  push_scope();
  if (h.decl->param) {
    TypeId pt = h.message != kNone ? types_.message(h.message) : types_.error();
    h.param_local = declare_local(LocalInfo::Kind::HandlerParam, *h.decl->param, pt);
    if (h.message == kNone) local_read_[h.param_local] = true;  // unknown type: reported
  }
  check_block(h.decl->body);
  pop_scope();
  pop_scope();
  check_unused_locals(first_local, errors_before);
}

// ---------------------------------------------------------------------------------- entry

CheckedProgram check_program(const ast::Program& program, const source::SourceManager& sources,
                             diagnostics::DiagnosticSink& sink) {
  CheckedProgram out;
  Checker checker(program, sources, sink, out);
  checker.run();
  return out;
}

}  // namespace sfn::check
