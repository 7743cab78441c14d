// Private to compiler/ir: the state of lowering one body (shared by lower.cpp, which lowers
// the schema and statements, and lower_exprs.cpp, which lowers expressions).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ir/lower.h"

namespace sfn::ir {

// The first construct the lowering could not handle (never one of a valid program, by
// contract). BodyLowerer::fail records it and hands back a placeholder so that the recursion
// unwinds normally (lowering stops at the next statement or expression); lower_program then
// returns it as the error.
struct LowerFailure {
  std::string message;  // empty while nothing failed
  bool failed() const { return !message.empty(); }
  void record(std::string why) {
    if (message.empty()) message = std::move(why);
  }
};

class BodyLowerer {
 public:
  BodyLowerer(Module& module, const check::CheckedProgram& program, const source::SourceManager& sources, Body& body,
              std::uint32_t function, LowerFailure& failure)
      : m_(module),
        p_(program),
        sources_(sources),
        body_(body),
        function_(function),
        failure_(failure),
        root_dir_(module.root_dir) {}

  // Declares the variable of checked local `local` (parameters, key, let/var, for vars).
  std::uint32_t bind_local(std::uint32_t local, Var::Kind kind);
  void lower_block(const ast::Block& block, Block& out);
  // Lowers `e` into `out`, returning its operand, coerced to `expected` when given.
  Operand lower_expr(const ast::Expr* e, Block& out, TypeId expected = nullptr);

 private:
  friend class ExprLowerer;
  void lower_stmt(const ast::Stmt& s, Block& out);
  // One handler per kind of compiler/ast/stmt_kinds.def, dispatched by lower_stmt (lower.cpp).
  void lower_node(const ast::Stmt& s, const ast::LetStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::AssignStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::IfStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::WhileStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::ForStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::BreakStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::ContinueStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::ReturnStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::EmitStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::CancelStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::ClearStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::FailStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::ExprStmt& n, Block& out);
  void lower_node(const ast::Stmt& s, const ast::ErrorStmt& n, Block& out);
  Operand lower_expr_raw(const ast::Expr* e, Block& out, TypeId expected);
  // One handler per kind of compiler/ast/expr_kinds.def, dispatched by lower_expr_raw
  // (lower_exprs.cpp); `type` is e's type with Bottom parts filled from the expected type.
  Operand lower_node(const ast::Expr& e, const ast::IntLit& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::FloatLit& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::DurationLit& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::BoolLit& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::NoneLit& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::StringLit& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::ListLit& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::MapLit& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::MessageLit& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::Name& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::SelfExpr& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::FieldAccess& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::Index& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::Call& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::Unwrap& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::Unary& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::Binary& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::Range& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::Send& n, Block& out, TypeId type);
  Operand lower_node(const ast::Expr& e, const ast::ErrorExpr& n, Block& out, TypeId type);
  // Parts of the Call and Binary handlers: fill `rv` (its type and loc already set).
  void lower_builtin_call(const ast::Call& call, check::Builtin builtin, Rvalue& rv, Block& out);
  void lower_method_call(const ast::Call& call, check::Method method, Rvalue& rv, Block& out);
  Operand lower_short_circuit(const ast::Expr& e, const ast::Binary& b, Block& out);
  Operand lower_coalesce(const ast::Expr& e, const ast::Binary& b, Block& out, TypeId type);
  Operand lower_equality(const ast::Expr& e, const ast::Binary& b, Block& out, Rvalue rv);
  // var = src in `blk` (a move when src is a temporary), at source line `at`.
  void assign_var(Block& blk, std::uint32_t var, Operand src, std::uint32_t at);
  // `x == none` / `x != none` (either order) on an optional `x` of type `opt`: whether it holds
  // a value, for every `T` (a `timer?` too), in both backends.
  Operand compare_with_none(const ast::Binary& b, TypeId opt, Block& out, const source::Span& span);
  Place lower_place(const ast::Expr* e, Block& out, bool write);

 public:
  // Helpers shared by both files.
  std::uint32_t new_temp(TypeId type);
  Operand def(Block& out, Rvalue rv);  // defines a temp holding rv
  Operand var_operand(std::uint32_t var);
  Operand coerce(Operand op, TypeId to, Block& out);
  Operand materialize(Operand op, Block& out);  // ensure a place (for non-scalar consts)
  Rvalue zero_of(TypeId type);                  // the default value of `type`
  Operand place_operand(Place place);           // a read of `place`
  // `op` when it is a temporary, else a new temporary of `type` holding a copy (what Send and
  // Emit move).
  Operand own_temp(Operand op, TypeId type, Block& out);
  Operand is_present(Operand opt, Block& out);  // a bool temp: whether `opt` holds a value
  std::uint32_t loc(const source::Span& span);
  std::uint32_t line(const source::Span& span);
  // Sets the body's line, file and (for a fn) the location of its entry checks.
  void declared_at(const source::Span& span);
  TypeId type_of(const ast::Expr* e) const;
  TypeId resolve(TypeId t, TypeId expected);  // fill Bottom from expected
  // `t` with every Bottom part made `int`: the type an untyped `none`, `[]` or `{}` takes where
  // nothing is expected (`"${none}"`, `string([])`, `[].len()`, `[none] == []`). Such a value
  // holds no value of the stand-in type, so which type stands in is never seen.
  TypeId concrete(TypeId t);
  Stmt stmt(Stmt::Kind kind, std::uint32_t line);
  // Records `why` as the lowering's failure (the first one is kept) and returns a constant of
  // `type` (the error type when null) for the caller to return instead of a lowered operand.
  Operand fail(std::string why, TypeId type = nullptr);
  // The constant fail returns; what lower_expr returns once lowering failed.
  Operand placeholder(TypeId type);
  // What lower_place returns once lowering failed: a place of the error type.
  Place failed_place();

  Module& m_;
  const check::CheckedProgram& p_;
  const source::SourceManager& sources_;
  Body& body_;
  std::uint32_t function_;
  LowerFailure& failure_;
  std::unordered_map<std::uint32_t, std::uint32_t> var_of_local_;
  std::string root_dir_;  // "dir/" of the root file, stripped from locations
};

// Registers a type (and its parts) in Module::types.
void note_type(Module& module, TypeId type);
bool contains_bottom(TypeId t);
Operand const_operand(TypeId type, ConstValue value);

}  // namespace sfn::ir
