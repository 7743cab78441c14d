// Internal to compiler/check: the Checker, one object per check_program call, whose passes are
// split by concern over several .cpp files (declarations, types, consts, expressions, calls,
// statements, routing, warnings). Nothing outside this folder includes this header; the public
// contract is checked_program.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/checked_program.h"
#include "compiler/check/suggest.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace sfn::check {

using diagnostics::Diagnostic;
using diagnostics::Kind;

// Where an expression is checked; decides which names and constructs are allowed.
struct BodyContext {
  enum class Kind { Fn, Handler, Ingress, Const };
  Kind kind = Kind::Const;
  std::uint32_t function = kNone;  // Handler: the function type
  std::uint32_t handler = kNone;   // Handler: the handler index
  std::uint32_t fn = kNone;        // Fn
  std::uint32_t ingress = kNone;   // Ingress
  TypeId return_type = nullptr;    // Fn
  int loop_depth = 0;
};

// Per-state usage, for W0504.
struct StateUse {
  bool read = false;
  bool written = false;
  Span first_write;
};

// What check_expr hands every expression handler: the expected type (a hint for literals, may be
// null) and whether the expression is an assignment target being written.
struct ExprHint {
  TypeId expected = nullptr;
  bool writing = false;
};

class Checker;

// How a built-in is called (builtins.def).
enum class BuiltinShape : std::uint8_t { Function, Conversion, Qualified };

// One line of builtins.def, as the checker sees it.
struct BuiltinInfo {
  Builtin builtin;
  std::string_view name;  // as called: "min", "time.from_unix_millis"
  BuiltinShape shape;
  // Checks the arguments of a call to it and gives the call's type.
  TypeId (Checker::*check)(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info, TypeId expected);
};

// The built-in called `name` ("min", "time.from_unix_millis"), or null.
const BuiltinInfo* find_builtin(std::string_view name);
// The names of the built-ins of `shape` (Qualified: without the module and dot) whose spelling
// starts with `prefix`, in builtins.def order: the "did you mean" candidates.
Candidates builtin_names(BuiltinShape shape, std::string_view prefix = {});

// The result type of an arithmetic operator (+ - * / %) on two operand types, or nullptr when
// the operator is not defined for them (§6).
TypeId arithmetic_result(TypeTable& types, ast::BinaryOp op, TypeId a, TypeId b);

// A Resolution with the given fields (the others defaulted).
inline Resolution make_res(Resolution::Kind kind, std::uint32_t index = kNone, std::uint32_t sub = kNone,
                           Builtin builtin = Builtin::Now) {
  Resolution r;
  r.kind = kind;
  r.index = index;
  r.sub = sub;
  r.builtin = builtin;
  return r;
}

class Checker {
 public:
  Checker(const ast::Program& program, const source::SourceManager& sources, diagnostics::DiagnosticSink& sink,
          CheckedProgram& out);
  void run();

  // ------------------------------------------------------------------ declarations.cpp
  void collect_declarations();
  // One collector per declaration kind (ast::Decl): registers the global, or reports E0102.
  // `module`: the std module the file declares ("" for user files).
  void collect(const ast::MessageDecl& d, const std::string& module);
  void collect(const ast::EnumDecl& d, const std::string& module);
  void collect(const ast::ConstDecl& d, const std::string& module);
  void collect(const ast::FnDecl& d, const std::string& module);
  void collect(const ast::FunctionDecl& d, const std::string& module);
  void collect(const ast::IngressDecl& d, const std::string& module);
  void collect(const ast::EgressDecl& d, const std::string& module);
  // Registers a global name; false (E0102 reported, or no name after a parse error) if taken.
  bool add_global(const ast::Ident& name, GlobalRef ref);
  void resolve_signatures();
  void resolve_enum_values(EnumInfo& e);
  void resolve_fields(MessageInfo& m);
  void resolve_fn_signature(FnInfo& fn);
  void resolve_key(FunctionInfo& f);
  void resolve_state(FunctionInfo& f, const ast::StateDecl& s);
  void resolve_handler(FunctionInfo& f, const ast::Handler& h);
  void check_bodies();
  void check_fn_body(std::uint32_t fn);
  void check_state_constants(StateInfo& s);
  void check_handler_body(std::uint32_t function, std::uint32_t handler);
  // Resolves a written type; reports unknown names. Null (a parse error) gives Error silently.
  TypeId resolve_type(const ast::TypeExpr* t, bool in_message_field = false);

  // ------------------------------------------------------------------ message_graph.cpp
  void check_message_recursion();  // E0207
  void check_value_depth();        // E0208
  struct FieldStep {
    std::uint32_t message;
    std::uint32_t field;
  };  // a field followed
  // Reports the cycle closed by the last field of `path` back to message `closed` (E0207).
  void report_recursion(const std::vector<FieldStep>& path, std::uint32_t closed);

  // ------------------------------------------------------------------ consts.cpp
  // Types and evaluates const `index` (once; detects cycles).
  void ensure_const(std::uint32_t index);
  // Checks `e` against `expected` in a constant context and evaluates it. Reports E0206 for
  // non-constant parts (with `what` naming the context, e.g. "a field default").
  std::optional<ConstValue> check_const_expr(const ast::Expr& e, TypeId expected, Kind mismatch,
                                             std::string_view prefix = {});
  std::optional<ConstValue> eval(const ast::Expr& e);
  // One evaluator per kind of compiler/ast/expr_kinds.def, dispatched by eval (`t`: e's type).
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::IntLit& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::FloatLit& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::DurationLit& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::BoolLit& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::NoneLit& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::StringLit& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::ListLit& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::MapLit& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::MessageLit& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::Name& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::SelfExpr& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::FieldAccess& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::Index& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::Call& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::Unwrap& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::Unary& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::Binary& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::Range& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::Send& n, TypeId t);
  std::optional<ConstValue> eval_node(const ast::Expr& e, const ast::ErrorExpr& n, TypeId t);
  // + - * / % on two evaluated constants of e's type `t` (not `??`, `&&`, `||`, comparisons).
  std::optional<ConstValue> eval_arithmetic(const ast::Expr& e, ast::BinaryOp op, const ConstValue& a,
                                            const ConstValue& b, TypeId t);
  // E0206 "`what` is not allowed in a constant expression" at e.
  std::optional<ConstValue> not_const(const ast::Expr& e, const std::string& what);
  // E0206 "constant evaluation failed: `what`" at e.
  std::optional<ConstValue> const_failed(const ast::Expr& e, const std::string& what);
  // Computes the default of field `field` of message `message` (once; explicit or implicit).
  void ensure_field_default(std::uint32_t message, std::uint32_t field);
  ConstValue default_value(TypeId t, int depth = 0);

  // ------------------------------------------------------------------ expressions.cpp
  // Checks `e`, with `expected` as a hint for literals (may be null); records its type.
  TypeId check_expr(const ast::Expr& e, TypeId expected);
  // check_expr on an optional child: a missing one (only after a syntax error) is Error.
  TypeId check_ptr(const ast::ExprPtr& e, TypeId expected) { return e ? check_expr(*e, expected) : types_.error(); }
  TypeId check_ptr_as(const ast::ExprPtr& e, TypeId expected, Kind kind = Kind::E0201) {
    return e ? check_expr_as(*e, expected, kind) : types_.error();
  }
  std::optional<ConstValue> eval_ptr(const ast::ExprPtr& e) { return e ? eval(*e) : std::nullopt; }
  TypeId check_place_inner_ptr(const ast::ExprPtr& e) { return e ? check_place_inner(*e) : types_.error(); }
  // check_expr, then E0201 if the type is not assignable to `expected`. Returns the found type.
  TypeId check_expr_as(const ast::Expr& e, TypeId expected, Kind kind = Kind::E0201);
  // Reports E0201-like mismatch at `span` unless either side is poisoned.
  bool require(TypeId found, TypeId expected, Span span, Kind kind = Kind::E0201, std::string_view prefix = {});
  // Like require, returning the reported diagnostic (null when the types fit).
  Diagnostic* require_diag(TypeId found, TypeId expected, Span span, Kind kind = Kind::E0201,
                           std::string_view prefix = {});
  // One handler per kind of compiler/ast/expr_kinds.def, dispatched by check_expr (literals in
  // literals.cpp, Call in calls.cpp, the others in expressions.cpp).
  TypeId check_node(const ast::Expr& e, const ast::IntLit& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::FloatLit& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::DurationLit& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::BoolLit& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::NoneLit& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::StringLit& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::ListLit& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::MapLit& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::MessageLit& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::Name& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::SelfExpr& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::FieldAccess& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::Index& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::Call& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::Unwrap& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::Unary& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::Binary& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::Range& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::Send& n, ExprHint hint);
  TypeId check_node(const ast::Expr& e, const ast::ErrorExpr& n, ExprHint hint);
  // Checks the object of a field access / index that is itself being written.
  TypeId check_place_inner(const ast::Expr& e) {
    writing_place_ = true;
    return check_expr(e, nullptr);
  }
  // Names visible as values here (locals, states, consts), for suggestions.
  Candidates value_candidates() const;
  TypeId record(const ast::Expr& e, TypeId t);
  void resolve(const ast::Expr& e, Resolution r);

  // ------------------------------------------------------------------ calls.cpp
  TypeId check_call_inner(const ast::Expr& e, const ast::Call& call, TypeId expected);
  // `name(...)`: a fn, an address `F(key)`, a built-in or an error.
  TypeId check_named_call(const ast::Expr& e, const ast::Call& call, const ast::Name& callee, TypeId expected);
  TypeId check_address(const ast::Expr& e, const ast::Call& call, std::uint32_t function);
  TypeId check_unknown_call(const ast::Expr& e, const ast::Call& call, const ast::Name& callee);
  // `x.m(...)`: a std module function, `time.from_unix_millis` or a method call.
  TypeId check_member_call(const ast::Expr& e, const ast::Call& call, const ast::FieldAccess& fa);
  // `module.f(...)` when `module` names no local, state or global; null when it is no module.
  std::optional<TypeId> check_module_call(const ast::Expr& e, const ast::Call& call, const ast::FieldAccess& fa,
                                          const ast::Name& module);
  // Checks every argument with no expected type (after an error) and gives Error.
  TypeId check_args_after_error(const ast::Call& call);
  // Resolves e and its callee to the built-in.
  void resolve_builtin(const ast::Expr& e, const ast::Call& call, Builtin b);
  // E0202 unless `call` has `n` arguments (then the arguments are checked without a type).
  bool require_arity(const ast::Expr& e, const ast::Call& call, std::string_view name, std::size_t n);
  // The signature checks of builtins.def, one per line's `check` column.
  TypeId check_now_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info, TypeId expected);
  TypeId check_log_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info, TypeId expected);
  TypeId check_min_max_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info, TypeId expected);
  TypeId check_abs_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info, TypeId expected);
  TypeId check_conversion_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info, TypeId expected);
  TypeId check_from_unix_millis_call(const ast::Expr& e, const ast::Call& call, const BuiltinInfo& info,
                                     TypeId expected);
  TypeId check_method_call(const ast::Expr& e, const ast::Call& call, const ast::FieldAccess& fa, TypeId receiver);
  // The built-in method `name` of `receiver`'s type, if any.
  std::optional<Method> method_lookup(TypeId receiver, const std::string& name) const;
  // Checks a call's arguments against `params`; returns the E0202 arity diagnostic, if any.
  Diagnostic* check_args(const ast::Expr& e, const ast::Call& call, const std::vector<TypeId>& params,
                         std::string_view what);

  // ------------------------------------------------------------------ statements.cpp
  // Checks a block in a new scope; returns true if it always diverges (return/fail/...).
  bool check_block(const ast::Block& b);
  bool check_stmt(const ast::Stmt& s);
  // One handler per kind of compiler/ast/stmt_kinds.def, dispatched by check_stmt; true when the
  // statement always diverges (return/fail/break/continue, or an if whose branches all do).
  bool check_node(const ast::Stmt& s, const ast::LetStmt& n);
  bool check_node(const ast::Stmt& s, const ast::AssignStmt& n);
  bool check_node(const ast::Stmt& s, const ast::IfStmt& n);
  bool check_node(const ast::Stmt& s, const ast::WhileStmt& n);
  bool check_node(const ast::Stmt& s, const ast::ForStmt& n);
  bool check_node(const ast::Stmt& s, const ast::BreakStmt& n);
  bool check_node(const ast::Stmt& s, const ast::ContinueStmt& n);
  bool check_node(const ast::Stmt& s, const ast::ReturnStmt& n);
  bool check_node(const ast::Stmt& s, const ast::EmitStmt& n);
  bool check_node(const ast::Stmt& s, const ast::CancelStmt& n);
  bool check_node(const ast::Stmt& s, const ast::ClearStmt& n);
  bool check_node(const ast::Stmt& s, const ast::FailStmt& n);
  bool check_node(const ast::Stmt& s, const ast::ExprStmt& n);
  bool check_node(const ast::Stmt& s, const ast::ErrorStmt& n);
  // The type of a `for` loop's variable(s) over `n.iterable`: {element or key, value}.
  std::pair<TypeId, TypeId> check_for_iterable(const ast::ForStmt& n);
  // `return` in a fn: against its declared return type (E0205).
  void check_fn_return(const ast::Stmt& s, const ast::ReturnStmt& n);
  // E0001 for `break`/`continue` (`what`) outside of a loop.
  void check_in_loop(const ast::Stmt& s, std::string_view what);
  // Checks an assignment target or mutated receiver: E0204 if not a mutable place.
  // Returns the place's type.
  TypeId check_place(const ast::Expr& e, std::string_view verb);
  // E0204 unless the root of the place `e` (already checked) is a `var` or a state.
  void check_mutable_root(const ast::Expr& e, const std::string& verb);
  // Marks the root local/state of `e` as read (e.g. the receiver of `pop()`).
  void mark_read_root(const ast::Expr& e);
  std::uint32_t declare_local(LocalInfo::Kind kind, const ast::Ident& id, TypeId t);
  void push_scope() { scopes_.emplace_back(); }
  void pop_scope() { scopes_.pop_back(); }
  std::uint32_t lookup_local(const std::string& name) const;
  bool in_handler() const { return ctx_.kind == BodyContext::Kind::Handler; }
  // E0307 unless in a handler; `what` e.g. "`send`". Returns true when allowed.
  bool require_handler(Span span, std::string_view what);

  // ------------------------------------------------------------------ routing.cpp
  // A send of `message_type` to `target` (already typed): E0303/E0301 and the routing edge.
  void check_send(const ast::Expr& e, const ast::Send& send, TypeId message_type, TypeId target_type, bool delayed);
  void check_ingress(std::uint32_t index);
  // Adds "`F` is declared here; it handles ..." and the "add a handler" help.
  void explain_missing_handler(Diagnostic& d, std::uint32_t function, std::uint32_t message);
  Span function_head_span(std::uint32_t function) const;
  void check_unreached_handlers();

  // ------------------------------------------------------------------ tests.cpp
  // Checks the root file's `test` blocks into out_.tests (after the program, so that tests,
  // which are not deployed, change none of its warnings).
  void check_tests();
  void check_test_stmt(const ast::TestStmt& s, TestInfo& test);
  void check_test_send(const ast::TestSend& s, TestStep& step);
  void check_test_advance(const ast::TestAdvance& s, TestStep& step);
  void check_test_state(const ast::TestExpectState& s, TestStep& step);
  void check_test_emitted(const ast::TestExpectEmitted& s, TestStep& step);
  void check_test_failed(const ast::TestExpectFailed& s, TestStep& step);
  // `F(key)` with a constant key: sets step.function/key/key_expr, or reports and returns false.
  bool check_test_address(const ast::Expr& e, TestStep& step, std::string_view what);
  // A constant of `type` (null: a message literal's own type) into step.values.
  bool check_test_value(const ast::Expr& e, TypeId type, TestStep& step);

  // ------------------------------------------------------------------ warnings.cpp
  void check_unconstructed_messages();
  // W0503 for the locals declared since `first_local`, unless errors were reported since
  // `errors_before` (then a misspelt use is the likely cause).
  void check_unused_locals(std::uint32_t first_local, std::size_t errors_before);
  void check_state_usage();

  // Reports a diagnostic (marks the program as having errors when it is one).
  Diagnostic& report(Kind kind, Span span, std::string message);
  std::string tn(TypeId t) const { return out_.type_name(t); }
  // Adds the best "did you mean" of `candidates` for `name` at `span` as a fix.
  void suggest(Diagnostic& d, const std::string& name, Span span, const Candidates& candidates);

  const ast::Program& program_;
  const source::SourceManager& sources_;
  diagnostics::DiagnosticSink& sink_;
  CheckedProgram& out_;
  TypeTable& types_;

  BodyContext ctx_;
  std::vector<std::unordered_map<std::string, std::uint32_t>> scopes_;
  std::vector<bool> local_read_;                  // parallel to out_.locals
  std::vector<std::vector<StateUse>> state_use_;  // [function][state]
  enum class ConstState : std::uint8_t { Unvisited, InProgress, Done };
  std::vector<ConstState> const_state_;
  std::vector<std::vector<ConstState>> field_state_;  // [message][field]
  std::vector<Span> message_literal_seen_;            // unused; reserved
  std::size_t errors_ = 0;                            // errors reported by this checker
  // Errors reported before checking (syntax, imports), sorted by file and offset: a body that
  // contains one gets no W0503/W0504, a program with any gets no W0501/W0502.
  std::vector<Span> prior_errors_;
  bool prior_error_within(Span s) const;
  Span current_body_;                      // the body whose locals are being checked
  bool routing_incomplete_ = false;        // a send/route was skipped after an error
  std::vector<bool> function_had_errors_;  // per function type, for W0504
  // Std modules imported by each file (`import std.strings;` -> "strings"); a module name is
  // usable only in the files that import it.
  std::unordered_map<source::FileId, std::vector<std::string>> file_modules_;
  source::FileId current_file_ = source::kNoFile;
  std::unordered_map<std::string, Span> first_declared_;  // global name -> its declaration
  bool module_visible(const std::string& module) const;
  // Assignment targets being checked: a Name here is written, not read.
  bool writing_place_ = false;
};

}  // namespace sfn::check
