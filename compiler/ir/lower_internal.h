// Private to compiler/ir: the state of lowering one body (shared by lower.cpp, which lowers
// the schema and statements, and lower_exprs.cpp, which lowers expressions).
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ir/lower.h"

namespace sfn::ir {

// Raised (as a C++ exception, caught by lower_program) for constructs the lowering cannot
// handle; never escapes the library.
struct LowerError {
  std::string message;
};

class BodyLowerer {
 public:
  BodyLowerer(Module& module, const check::CheckedProgram& program,
              const source::SourceManager& sources, Body& body, std::uint32_t function)
      : m_(module), p_(program), sources_(sources), body_(body), function_(function),
        root_dir_(module.root_dir) {}

  // Declares the variable of checked local `local` (parameters, key, let/var, for vars).
  std::uint32_t bind_local(std::uint32_t local, Var::Kind kind);
  void lower_block(const ast::Block& block, Block& out);
  // Lowers `e` into `out`, returning its operand, coerced to `expected` when given.
  Operand lower_expr(const ast::Expr* e, Block& out, TypeId expected = nullptr);

 private:
  friend class ExprLowerer;
  void lower_stmt(const ast::Stmt& s, Block& out);
  void lower_assign(const ast::AssignStmt& a, std::uint32_t line, Block& out);
  void lower_cancel(const ast::CancelStmt& c, std::uint32_t line, Block& out);
  void lower_for(const ast::ForStmt& f, std::uint32_t line, std::uint32_t loc, Block& out);
  Operand lower_expr_raw(const ast::Expr* e, Block& out, TypeId expected);
  Operand lower_call(const ast::Expr* e, const ast::Call& call, Block& out, TypeId type);
  Operand lower_binary(const ast::Expr* e, const ast::Binary& b, Block& out, TypeId type);
  // `x == none` / `x != none` (either order) on an optional `x` of type `opt`: whether it holds
  // a value, for every `T` (a `timer?` too), in both backends.
  Operand compare_with_none(const ast::Binary& b, TypeId opt, Block& out, const source::Span& span);
  Place lower_place(const ast::Expr* e, Block& out, bool write);

 public:
  // Helpers shared by both files.
  std::uint32_t new_temp(TypeId type);
  Operand def(Block& out, Rvalue rv);             // defines a temp holding rv
  Operand var_operand(std::uint32_t var);
  Operand coerce(Operand op, TypeId to, Block& out);
  Operand materialize(Operand op, Block& out);    // ensure a place (for non-scalar consts)
  std::uint32_t loc(const source::Span& span);
  std::uint32_t line(const source::Span& span);
  // Sets the body's line, file and (for a fn) the location of its entry checks.
  void declared_at(const source::Span& span);
  TypeId type_of(const ast::Expr* e) const;
  TypeId resolve(TypeId t, TypeId expected);       // fill Bottom from expected
  // `t` with every Bottom part made `int`: the type an untyped `none`, `[]` or `{}` takes where
  // nothing is expected (`"${none}"`, `string([])`, `[].len()`, `[none] == []`). Such a value
  // holds no value of the stand-in type, so which type stands in is never seen.
  TypeId concrete(TypeId t);
  Stmt stmt(Stmt::Kind kind, std::uint32_t line);

  Module& m_;
  const check::CheckedProgram& p_;
  const source::SourceManager& sources_;
  Body& body_;
  std::uint32_t function_;
  std::unordered_map<std::uint32_t, std::uint32_t> var_of_local_;
  std::string root_dir_;  // "dir/" of the root file, stripped from locations
};

// Registers a type (and its parts) in Module::types.
void note_type(Module& module, TypeId type);
bool contains_bottom(TypeId t);
Operand const_operand(TypeId type, ConstValue value);

}  // namespace sfn::ir
