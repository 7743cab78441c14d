// analyze(): the front end with overlays, then the Indexer, which walks the AST once and records
// declarations and uses from the checker's side tables.
#include "compiler/lsp/analysis.h"

#include <algorithm>

#include "compiler/parse/parse.h"
#include "stdlib/std_modules.h"

namespace sfn::lsp {
namespace {

using check::Resolution;
using SK = Symbol::Kind;

class Indexer {
 public:
  Indexer(Analysis& a) : a_(a), c_(*a.checked) {}

  void run() {
    for (const ast::File& file : a_.program.files) {
      const std::string& path = a_.sources.file(file.file).path();
      std_ = is_std_path(path);
      module_ = std_ ? path.substr(6, path.size() - 6 - 4) : std::string();  // "<std>/strings.sfn"
      for (const ast::Decl& decl : file.decls) std::visit([this](const auto& d) { declaration(d); }, decl);
      for (const ast::TestDecl& t : file.tests)
        for (const ast::TestStmt& s : t.stmts) std::visit([this](const auto& x) { test_stmt(x); }, s.node);
    }
    for (auto& [file, list] : a_.occurrences) {
      std::sort(list.begin(), list.end(),
                [](const Occurrence& x, const Occurrence& y) { return x.span.begin < y.span.begin; });
    }
  }

 private:
  // ------------------------------------------------------------------ recording
  void define(const ast::Ident& id, std::string key, SK kind, std::string detail, const std::string& doc = {},
              const std::string& container = {}) {
    if (id.name.empty() || !id.span.valid()) return;
    Symbol& s = a_.symbols[key];
    s.kind = kind;
    s.name = id.name;
    s.detail = std::move(detail);
    s.doc = doc;
    s.container = container;
    s.definition = id.span;
    s.is_std = std_;
    use(id.span, key, true);
  }
  void use(const source::Span& span, const std::string& key, bool definition = false, std::string type = {}) {
    if (!span.valid() || span.begin == span.end) return;
    a_.occurrences[span.file].push_back({span, key, definition, std::move(type)});
  }
  std::string type_name(check::TypeId t) const { return t ? c_.type_name(t) : std::string("?"); }

  // ------------------------------------------------------------------ declarations
  void declaration(const ast::MessageDecl& d) {
    define(d.name, "message:" + d.name.name, SK::Message, "message " + d.name.name, d.doc);
    std::uint32_t m = c_.find_message(d.name.name);
    for (const ast::Field& f : d.fields) {
      std::string type = "?";
      if (m != check::kNone) {
        auto it = c_.messages[m].field_index.find(f.name.name);
        if (it != c_.messages[m].field_index.end()) type = type_name(c_.messages[m].fields[it->second].type);
      }
      define(f.name, "field:" + d.name.name + "." + f.name.name, SK::Field,
             "field " + d.name.name + "." + f.name.name + ": " + type, f.doc, d.name.name);
      type_expr(f.type.get());
      expr(f.default_value.get());
    }
  }
  void declaration(const ast::EnumDecl& d) {
    define(d.name, "enum:" + d.name.name, SK::Enum, "enum " + d.name.name, d.doc);
    for (const ast::EnumValue& v : d.values) {
      define(v.name, "enumvalue:" + d.name.name + "." + v.name.name, SK::EnumValue, d.name.name + "." + v.name.name,
             v.doc, d.name.name);
    }
  }
  void declaration(const ast::ConstDecl& d) {
    std::string type = "?";
    auto g = c_.globals.find(d.name.name);
    if (g != c_.globals.end() && g->second.kind == check::GlobalRef::Kind::Const) {
      type = type_name(c_.consts[g->second.index].type);
    }
    define(d.name, "const:" + d.name.name, SK::Const, "const " + d.name.name + ": " + type, d.doc);
    type_expr(d.type.get());
    expr(d.value.get());
  }
  void declaration(const ast::FnDecl& d) {
    std::string sig = (d.is_extern ? "extern fn " : "fn ") + d.name.name + "(";
    for (std::size_t i = 0; i < d.params.size(); ++i) {
      sig += (i ? ", " : "") + d.params[i].name.name + ": " + type_text(d.params[i].type.get());
    }
    sig += ")";
    if (d.return_type) sig += " -> " + type_text(d.return_type.get());
    define(d.name, fn_key(module_, d.name.name), SK::Fn, sig, d.doc);
    scope_ = d.name.name;
    for (const ast::Param& p : d.params) param(p);
    type_expr(d.return_type.get());
    if (d.body) block(*d.body);
    scope_.clear();
  }
  void declaration(const ast::FunctionDecl& d) {
    function_ = scope_ = d.name.name;
    define(d.name, "function:" + d.name.name, SK::Function,
           "function " + d.name.name + "(" + d.key.name.name + ": " + type_text(d.key.type.get()) + ")", d.doc);
    param(d.key);
    std::uint32_t f = c_.find_function(d.name.name);
    for (const ast::StateDecl& s : d.states) {
      std::string type = type_text(s.type.get());
      define(s.name, "state:" + d.name.name + "." + s.name.name, SK::State, "state " + s.name.name + ": " + type, s.doc,
             d.name.name);
      type_expr(s.type.get());
      expr(s.init.get());
      if (s.expires) expr(s.expires->duration.get());
    }
    (void)f;
    for (const ast::Handler& h : d.handlers) {
      use(h.message_type.span, "message:" + h.message_type.name);
      if (h.param) local(*h.param);
      block(h.body);
    }
    function_.clear();
    scope_.clear();
  }
  void declaration(const ast::IngressDecl& d) {
    define(d.name, "ingress:" + d.name.name, SK::Ingress,
           "ingress " + d.name.name + "(" + d.param.name.name + ": " + type_text(d.param.type.get()) + ")", d.doc);
    scope_ = d.name.name;
    param(d.param);
    expr(d.route.get());
    scope_.clear();
  }
  void declaration(const ast::EgressDecl& d) {
    define(d.name, "egress:" + d.name.name, SK::Egress, "egress " + d.name.name + ": " + type_text(d.type.get()),
           d.doc);
    type_expr(d.type.get());
  }

  // Std module functions are called qualified and may share a name with a program's fn.
  static std::string fn_key(const std::string& module, const std::string& name) {
    return module.empty() ? "fn:" + name : "fn:" + module + "." + name;
  }

  void param(const ast::Param& p) {
    local(p.name);
    type_expr(p.type.get());
  }
  void local(const ast::Ident& id) {
    auto it = c_.local_of.find(&id);
    if (it == c_.local_of.end()) return;
    const check::LocalInfo& info = c_.locals[it->second];
    const char* what = info.kind == check::LocalInfo::Kind::Var   ? "var "
                       : info.kind == check::LocalInfo::Kind::Let ? "let "
                                                                  : "param ";
    define(id, "local:" + std::to_string(it->second), SK::Local, what + info.name + ": " + type_name(info.type), {},
           scope_);
  }

  std::string type_text(const ast::TypeExpr* t) const {
    if (!t) return "?";
    switch (t->kind) {
      case ast::TypeExpr::Kind::Named:
        return t->name.name;
      case ast::TypeExpr::Kind::List:
        return "list<" + type_text(t->args[0].get()) + ">";
      case ast::TypeExpr::Kind::Map:
        return "map<" + type_text(t->args[0].get()) + ", " + type_text(t->args[1].get()) + ">";
      case ast::TypeExpr::Kind::Ref:
        return "ref<" + t->name.name + ">";
      case ast::TypeExpr::Kind::Optional:
        return type_text(t->args[0].get()) + "?";
    }
    return "?";
  }

  void type_expr(const ast::TypeExpr* t) {
    if (!t) return;
    if (t->kind == ast::TypeExpr::Kind::Named) {
      auto g = c_.globals.find(t->name.name);
      if (g != c_.globals.end() && g->second.kind == check::GlobalRef::Kind::Message)
        use(t->name.span, "message:" + t->name.name);
      if (g != c_.globals.end() && g->second.kind == check::GlobalRef::Kind::Enum)
        use(t->name.span, "enum:" + t->name.name);
    } else if (t->kind == ast::TypeExpr::Kind::Ref) {
      use(t->name.span, "function:" + t->name.name);
    }
    for (const auto& arg : t->args) type_expr(arg.get());
  }

  // ------------------------------------------------------------------ statements
  void block(const ast::Block& b) {
    for (const auto& s : b.stmts) statement(*s);
  }
  void statement(const ast::Stmt& s) {
    std::visit([this](const auto& n) { stmt(n); }, s.node);
  }
  void stmt(const ast::LetStmt& s) {
    type_expr(s.type.get());
    expr(s.value.get());
    local(s.name);
  }
  void stmt(const ast::AssignStmt& s) {
    expr(s.target.get());
    expr(s.value.get());
  }
  void stmt(const ast::IfStmt& s) {
    expr(s.cond.get());
    block(s.then_block);
    if (s.else_block) block(*s.else_block);
  }
  void stmt(const ast::WhileStmt& s) {
    expr(s.cond.get());
    block(s.body);
  }
  void stmt(const ast::ForStmt& s) {
    expr(s.iterable.get());
    local(s.var);
    if (s.value_var) local(*s.value_var);
    block(s.body);
  }
  void stmt(const ast::ReturnStmt& s) { expr(s.value.get()); }
  void stmt(const ast::EmitStmt& s) {
    expr(s.message.get());
    use(s.egress.span, "egress:" + s.egress.name);
  }
  void stmt(const ast::CancelStmt& s) { expr(s.timer.get()); }
  void stmt(const ast::ClearStmt& s) {
    if (s.target && !function_.empty()) use(s.target->span, "state:" + function_ + "." + s.target->name);
  }
  void stmt(const ast::FailStmt& s) { expr(s.reason.get()); }
  void stmt(const ast::ExprStmt& s) { expr(s.expr.get()); }
  template <typename T>
  void stmt(const T&) {}

  // ------------------------------------------------------------------ tests (decision 140)
  // The checker looks up a test's ingress, instance `F(key)` and state by name (they are not
  // expressions of the program), so their occurrences are recorded here by name.
  void test_stmt(const ast::TestSend& s) {
    expr(s.message.get());
    const auto* name = s.target ? std::get_if<ast::Name>(&s.target->node) : nullptr;
    auto global = name ? c_.globals.find(name->ident.name) : c_.globals.end();
    if (global != c_.globals.end() && global->second.kind == check::GlobalRef::Kind::Ingress)
      use(name->ident.span, "ingress:" + name->ident.name);
    else
      instance(s.target.get());
  }
  void test_stmt(const ast::TestAdvance& s) { expr(s.duration.get()); }
  void test_stmt(const ast::TestExpectState& s) {
    const auto* eq = s.condition ? std::get_if<ast::Binary>(&s.condition->node) : nullptr;
    const auto* fa = eq ? std::get_if<ast::FieldAccess>(&eq->lhs->node) : nullptr;
    if (!fa) return;
    const std::string f = instance(fa->object.get());
    if (!f.empty()) use(fa->field.span, "state:" + f + "." + fa->field.name);
    expr(eq->rhs.get());
  }
  void test_stmt(const ast::TestExpectEmitted& s) {
    use(s.egress.span, "egress:" + s.egress.name);
    expr(s.records.get());
  }
  void test_stmt(const ast::TestExpectFailed& s) {
    instance(s.address.get());
    expr(s.error.get());
  }
  void test_stmt(const ast::ErrorStmt&) {}
  // `F(key)`: the function type's occurrence and the key's; returns F's name ("" when not one).
  std::string instance(const ast::Expr* e) {
    const auto* call = e ? std::get_if<ast::Call>(&e->node) : nullptr;
    const auto* callee = call ? std::get_if<ast::Name>(&call->callee->node) : nullptr;
    if (!callee || c_.find_function(callee->ident.name) == check::kNone) return {};
    use(callee->ident.span, "function:" + callee->ident.name);
    for (const auto& x : call->args) expr(x.get());
    return callee->ident.name;
  }

  // ------------------------------------------------------------------ expressions
  void expr(const ast::Expr* e) {
    if (!e) return;
    std::visit([this, e](const auto& n) { node(*e, n); }, e->node);
  }
  std::string key_of(const Resolution& r) const {
    switch (r.kind) {
      case Resolution::Kind::Local:
        return "local:" + std::to_string(r.index);
      case Resolution::Kind::State:
        return "state:" + c_.functions[r.sub].name + "." + c_.functions[r.sub].states[r.index].name;
      case Resolution::Kind::Const:
        return "const:" + c_.consts[r.index].name;
      case Resolution::Kind::Fn:
        return fn_key(c_.fns[r.index].module, c_.fns[r.index].name);
      case Resolution::Kind::FunctionType:
      case Resolution::Kind::Address:
        return "function:" + c_.functions[r.index].name;
      case Resolution::Kind::Enum:
        return "enum:" + c_.enums[r.index].name;
      case Resolution::Kind::EnumValue:
        return "enumvalue:" + c_.enums[r.index].name + "." + c_.enums[r.index].values[r.sub].name;
      case Resolution::Kind::Field:
        return "field:" + c_.messages[r.index].name + "." + c_.messages[r.index].fields[r.sub].name;
      case Resolution::Kind::Message:
        return "message:" + c_.messages[r.index].name;
      default:
        return {};
    }
  }
  std::string expr_type(const ast::Expr& e) const {
    check::TypeId t = c_.type_of(&e);
    if (!t || t->is(check::TypeKind::Void) || t->is_error()) return {};
    return c_.type_name(t);
  }
  void resolved(const ast::Expr& e, const source::Span& span) {
    const Resolution* r = c_.resolution_of(&e);
    if (!r) return;
    std::string key = key_of(*r);
    if (!key.empty()) use(span, key, false, expr_type(e));
  }
  void node(const ast::Expr& e, const ast::Name& n) { resolved(e, n.ident.span); }
  void node(const ast::Expr& e, const ast::FieldAccess& n) {
    expr(n.object.get());
    resolved(e, n.field.span);
  }
  void node(const ast::Expr& e, const ast::MessageLit& n) {
    use(n.type.span, "message:" + n.type.name);
    for (const ast::FieldInit& f : n.fields) {
      use(f.name.span, "field:" + n.type.name + "." + f.name.name);
      expr(f.value.get());
    }
  }
  void node(const ast::Expr&, const ast::StringLit& n) {
    for (const auto& p : n.parts) expr(p.expr.get());
  }
  void node(const ast::Expr&, const ast::ListLit& n) {
    for (const auto& x : n.elements) expr(x.get());
  }
  void node(const ast::Expr&, const ast::MapLit& n) {
    for (const auto& x : n.entries) {
      expr(x.key.get());
      expr(x.value.get());
    }
  }
  void node(const ast::Expr&, const ast::Index& n) {
    expr(n.object.get());
    expr(n.index.get());
  }
  void node(const ast::Expr&, const ast::Call& n) {
    expr(n.callee.get());
    for (const auto& x : n.args) expr(x.get());
  }
  void node(const ast::Expr&, const ast::Unwrap& n) { expr(n.operand.get()); }
  void node(const ast::Expr&, const ast::Unary& n) { expr(n.operand.get()); }
  void node(const ast::Expr&, const ast::Binary& n) {
    expr(n.lhs.get());
    expr(n.rhs.get());
  }
  void node(const ast::Expr&, const ast::Range& n) {
    expr(n.begin.get());
    expr(n.end.get());
  }
  void node(const ast::Expr&, const ast::Send& n) {
    expr(n.message.get());
    expr(n.target.get());
    expr(n.delay.get());
  }
  template <typename T>
  void node(const ast::Expr&, const T&) {}

  Analysis& a_;
  const check::CheckedProgram& c_;
  std::string function_;  // the function type whose body is being indexed
  std::string scope_;     // the declaration whose locals are being indexed (a function type, fn or ingress)
  bool std_ = false;
  std::string module_;  // the std module being indexed
};

}  // namespace

const Occurrence* Analysis::occurrence_at(source::FileId file, std::uint32_t offset) const {
  auto it = occurrences.find(file);
  if (it == occurrences.end()) return nullptr;
  for (const Occurrence& o : it->second) {
    if (o.span.begin > offset) break;
    if (offset <= o.span.end) return &o;
  }
  return nullptr;
}

std::vector<const Occurrence*> Analysis::references(const std::string& symbol) const {
  std::vector<const Occurrence*> out;
  for (const auto& [file, list] : occurrences) {
    for (const Occurrence& o : list) {
      if (o.symbol == symbol) out.push_back(&o);
    }
  }
  return out;
}

const LineIndex& Analysis::line_index(source::FileId file) const {
  auto& index = line_indexes_[file];
  if (!index) index = std::make_unique<LineIndex>(sources.file(file).text());
  return *index;
}

std::unique_ptr<Analysis> analyze(const std::string& root_path, const Overlays& overlays) {
  auto a = std::make_unique<Analysis>();
  for (const auto& [path, text] : overlays) a->sources.add(path, text);
  parse::StdModuleProvider provider = [](std::string_view name) { return stdlib::std_module_source(name); };
  Result<ast::Program> program =
      parse::load_program(a->sources, root_path, provider, a->sink, stdlib::std_module_names());
  if (!program) return a;  // the root cannot be read: an analysis without files
  a->program = std::move(program.value());
  if (a->program.files.empty()) return a;
  a->root = a->program.files.front().file;
  a->checked.emplace(check::check_program(a->program, a->sources, a->sink));
  a->sink.sort_by_location();
  Indexer(*a).run();
  return a;
}

}  // namespace sfn::lsp
