// `test "name" { ... }` blocks of the root file (docs/decisions/140-sfn-test.md): each
// statement is checked by its own small function into a check::TestStep, its values evaluated as
// constant expressions. Tests are checked last, so that they change none of the program's
// warnings (they are not part of the deployed program).
#include <unordered_set>

#include "compiler/check/checker.h"

namespace sfn::check {
namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

std::string key_text(const ConstValue& v) { return v.kind == ConstValue::Kind::Int ? std::to_string(v.i) : v.s; }

}  // namespace

void Checker::check_tests() {
  if (program_.files.empty()) return;
  const ast::File& root = program_.files[0];
  current_file_ = root.file;
  std::unordered_set<std::string> names;
  for (const ast::TestDecl& t : root.tests) {
    if (!names.insert(t.name).second)
      report(Kind::E0102, t.name_span, "there is already a test named \"" + t.name + "\" in this file");
    TestInfo info{t.name, t.span, {}};
    for (const ast::TestStmt& s : t.stmts) check_test_stmt(s, info);
    out_.tests.push_back(std::move(info));
  }
}

void Checker::check_test_stmt(const ast::TestStmt& s, TestInfo& test) {
  TestStep step;
  step.span = s.span;
  const std::size_t errors = errors_;
  bool parsed = true;
  std::visit(Overloaded{[&](const ast::TestSend& x) { check_test_send(x, step); },
                        [&](const ast::TestAdvance& x) { check_test_advance(x, step); },
                        [&](const ast::TestExpectState& x) { check_test_state(x, step); },
                        [&](const ast::TestExpectEmitted& x) { check_test_emitted(x, step); },
                        [&](const ast::TestExpectFailed& x) { check_test_failed(x, step); },
                        [&](const ast::ErrorStmt&) { parsed = false; }},
             s.node);
  if (parsed && errors_ == errors) test.steps.push_back(std::move(step));
}

bool Checker::check_test_value(const ast::Expr& e, TypeId type, TestStep& step) {
  if (!type) {
    const auto* lit = std::get_if<ast::MessageLit>(&e.node);
    const std::uint32_t m = lit ? out_.find_message(lit->type.name) : kNone;
    if (m == kNone) {
      report(Kind::E0701, e.span,
             "a record sent to an instance must be a message literal `M { ... }` of a declared message type");
      return false;
    }
    type = types_.message(m);
  }
  std::optional<ConstValue> v = check_const_expr(e, type, Kind::E0201);
  if (!v) return false;
  step.values.push_back(std::move(*v));
  if (type->is(TypeKind::Message)) step.message = type->decl;
  return true;
}

bool Checker::check_test_address(const ast::Expr& e, TestStep& step, std::string_view what) {
  const auto* call = std::get_if<ast::Call>(&e.node);
  const auto* callee = call ? std::get_if<ast::Name>(&call->callee->node) : nullptr;
  const std::uint32_t f = callee ? out_.find_function(callee->ident.name) : kNone;
  if (f == kNone || call->args.size() != 1) {
    report(Kind::E0701, e.span, std::string(what) + " must be an instance `F(key)` of a declared function type");
    return false;
  }
  std::optional<ConstValue> key = check_const_expr(*call->args[0], out_.functions[f].key_type, Kind::E0302);
  if (!key) return false;
  step.function = f;
  step.key = key_text(*key);
  step.key_expr = call->args[0].get();
  return true;
}

void Checker::check_test_send(const ast::TestSend& s, TestStep& step) {
  if (!s.message || !s.target) return;
  const auto* name = std::get_if<ast::Name>(&s.target->node);
  auto global = name ? out_.globals.find(name->ident.name) : out_.globals.end();
  if (global != out_.globals.end() && global->second.kind == GlobalRef::Kind::Ingress) {
    step.kind = TestStep::Kind::SendIngress;
    step.ingress = global->second.index;
    const std::uint32_t m = out_.ingresses[step.ingress].message;
    if (m != kNone) check_test_value(*s.message, types_.message(m), step);
    return;
  }
  step.kind = TestStep::Kind::SendInstance;
  if (!check_test_address(*s.target, step, "the target of a test's `send` (or an ingress name)")) return;
  if (!check_test_value(*s.message, nullptr, step)) return;
  if (!out_.functions[step.function].handler_for_message.count(step.message)) {
    auto& d = report(Kind::E0301, s.target->span,
                     "function `" + out_.functions[step.function].name + "` has no handler for message `" +
                         out_.messages[step.message].name + "`");
    explain_missing_handler(d, step.function, step.message);
  }
}

void Checker::check_test_advance(const ast::TestAdvance& s, TestStep& step) {
  step.kind = TestStep::Kind::Advance;
  if (!s.duration || !check_test_value(*s.duration, types_.duration_type(), step)) return;
  if (step.values.back().i <= 0) report(Kind::E0701, s.duration->span, "`advance` needs a positive duration");
}

void Checker::check_test_state(const ast::TestExpectState& s, TestStep& step) {
  step.kind = TestStep::Kind::ExpectState;
  if (!s.condition) return;
  const auto* eq = std::get_if<ast::Binary>(&s.condition->node);
  const auto* fa = eq && eq->op == ast::BinaryOp::Eq ? std::get_if<ast::FieldAccess>(&eq->lhs->node) : nullptr;
  if (!fa) {
    report(Kind::E0701, s.condition->span, "`expect` compares an instance's state: `expect F(key).state == value;`");
    return;
  }
  if (!check_test_address(*fa->object, step, "the instance of `expect F(key).state`")) return;
  const FunctionInfo& f = out_.functions[step.function];
  auto state = f.state_index.find(fa->field.name);
  if (state == f.state_index.end()) {
    auto& d = report(Kind::E0101, fa->field.span, "function `" + f.name + "` has no state `" + fa->field.name + "`");
    Candidates names;
    for (const StateInfo& st : f.states) names.push_back(st.name);
    suggest(d, fa->field.name, fa->field.span, names);
    return;
  }
  step.state = state->second;
  check_test_value(*eq->rhs, f.states[step.state].type, step);
}

void Checker::check_test_emitted(const ast::TestExpectEmitted& s, TestStep& step) {
  step.kind = TestStep::Kind::ExpectEmitted;
  step.contains = s.contains;
  step.egress = out_.find_egress(s.egress.name);
  if (step.egress == kNone || out_.egresses[step.egress].builtin) {
    report(Kind::E0304, s.egress.span,
           "unknown egress `" + s.egress.name + "`" +
               (step.egress == kNone ? "" : " (expect dead letters with `expect failed F(key) \"error\";`)"));
    return;
  }
  const std::uint32_t carried = out_.egresses[step.egress].message;
  if (!s.records || carried == kNone) return;  // the egress's own type did not resolve (reported)
  const TypeId type = types_.message(carried);
  if (const auto* list = std::get_if<ast::ListLit>(&s.records->node)) {
    for (const ast::ExprPtr& r : list->elements)
      if (r) check_test_value(*r, type, step);
  } else {
    check_test_value(*s.records, type, step);
  }
}

void Checker::check_test_failed(const ast::TestExpectFailed& s, TestStep& step) {
  step.kind = TestStep::Kind::ExpectFailed;
  if (!s.address || !check_test_address(*s.address, step, "the instance of `expect failed`")) return;
  if (s.error) check_test_value(*s.error, types_.string_type(), step);
}

}  // namespace sfn::check
