// Private to codegen/cpp: the generator state shared by generate.cpp (types, schema and
// descriptors) and generate_bodies.cpp (handler, fn and route bodies).
#pragma once

#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include "codegen/cpp/cpp_backend.h"

namespace sfn::codegen::cpp {

using ir::TypeId;

// Values of these types are C++ scalars (int64_t, double, bool, enums).
inline bool is_scalar(TypeId t) { return ir::is_trivial(t); }
// int, time and duration: int64_t with checked arithmetic.
inline bool is_int64(TypeId t) {
  return t->kind == check::TypeKind::Int || t->kind == check::TypeKind::Time || t->kind == check::TypeKind::Duration;
}

// Thrown by Generator::ice and caught by generate(): the message names the construct and where.
struct InternalError {
  std::string message;
};

class Generator {
 public:
  Generator(const ir::Module& m, const Options& o) : m_(m), opts_(o) {}
  std::string run();
  // The sections of the generated file, in order (generate.cpp).
  void emit_enums(std::ostringstream& o);
  void emit_structs(std::ostringstream& o);
  void emit_type_table(std::ostringstream& o);
  void emit_descriptors(std::ostringstream& o);
  void emit_tables(std::ostringstream& o);
  void emit_function_types(std::ostringstream& o);
  void module_descriptors(std::ostringstream& o) const;

  // ---- types (generate.cpp)
  std::string ctype(TypeId t) const;  // C++ type of a slot
  std::string tdesc(TypeId t) const;  // name of the sfn_type descriptor
  // ---- names. Every SFN name becomes "<kind letter>_<name>" (m_ message, e_ enum, v_ enum
  // value, f_ field, t_ function type, s_ state, l_ local or parameter; fns are fn_<name>,
  // handlers on_<message>, routes route_<ingress>). Generated names never have the shape
  // "<one letter>_...", and derived ones are "kWord_<kind letter>_<name>", so no user name can
  // reach a generated one, a keyword, a macro or another kind's name (decision 090).
  static std::string user(char kind, const std::string& name) { return std::string(1, kind) + '_' + name; }
  std::string msg(std::uint32_t i) const { return user('m', m_.messages[i].name); }
  std::string enm(std::uint32_t i) const { return user('e', m_.enums[i].name); }
  std::string fty(std::uint32_t i) const { return user('t', m_.functions[i].name); }
  std::string state(std::uint32_t fi, std::uint32_t si) const { return user('s', m_.functions[fi].states[si].name); }
  static std::string field(const ir::Field& f) { return user('f', f.name); }
  std::string str_literal(const std::string& s) const;              // "..." with escapes
  std::string const_expr(const ir::ConstValue& v, TypeId t) const;  // scalar constant
  // Statements writing constant `v` of type `t` into the (zeroed) lvalue `dst`.
  void const_into(std::ostringstream& o, const std::string& ind, const ir::ConstValue& v, TypeId t,
                  const std::string& dst, int& counter) const;
  std::string loc(std::uint32_t id) const { return "kLoc[" + std::to_string(id) + "]"; }
  // The location of a loop or fn where the invocation budget counts (an ICE when the IR has none).
  std::string budget_loc(std::uint32_t id) const {
    if (id == ir::kNone) ice("a loop or fn without the location of its budget check");
    return loc(id);
  }
  // An internal compiler error about `what` at the construct being generated (never returns).
  [[noreturn]] void ice(const std::string& what) const;
  // What is being generated, for ice(): "file.sfn:LINE", "message `M`", ...
  mutable std::string where_;

  // ---- bodies (generate_bodies.cpp)
  void body(std::ostringstream& o, const ir::Body& b, bool in_class);
  std::string body_signature(const ir::Body& b, bool qualified) const;

  const ir::Module& m_;
  const Options& opts_;
  std::unordered_map<TypeId, std::string> tnames_;

 private:
  // Per body.
  void block(const ir::Block& blk, int depth);
  void stmt(const ir::Stmt& s, int depth);
  // One handler per kind of compiler/ir/stmt_kinds.def, dispatched by stmt (generate_bodies.cpp).
  void stmt(const ir::Stmt& s, ir::stmt_kind::Def, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Assign, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Eval, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::If, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Loop, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::ForRange, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::ForList, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::ForMap, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Break, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Continue, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Return, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Send, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Emit, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Cancel, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Clear, const std::string& ind, int depth);
  void stmt(const ir::Stmt& s, ir::stmt_kind::Fail, const std::string& ind, int depth);
  // The budget tick, body and closing brace of a loop whose head is written.
  void loop_body(const ir::Stmt& s, const std::string& ind, int depth);
  // Writes rvalue `r` into the declared slot `d` ("" when unused).
  void rvalue_into(const ir::Rvalue& r, const std::string& d, const std::string& ind);
  // One handler per kind of compiler/ir/rvalue_kinds.def, dispatched by rvalue_into
  // (generate_rvalues.cpp).
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Use, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Zero, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Const, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Binary, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Unary, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Wrap, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Unwrap, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::IsPresent, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::GetUnchecked, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Format, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Builtin, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Method, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::CallFn, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Address, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Self, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::Now, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::MakeMessage, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::MakeList, const std::string& d, const std::string& ind);
  void rvalue_into(const ir::Rvalue& r, ir::rvalue_kind::MakeMap, const std::string& d, const std::string& ind);
  // `d = <rvalue_expr>;` (an ICE when r has no expression form).
  void expr_into(const ir::Rvalue& r, const std::string& d, const std::string& ind);
  bool method_into(const ir::Rvalue& r, const std::string& d, const std::string& ind);
  // Scalar results as a C++ expression (so `int64_t x = expr;`); false when the result must be
  // written into a declared slot by rvalue_into.
  bool rvalue_expr(const ir::Rvalue& r, std::string& expr);
  std::string binary_expr(const ir::Rvalue& r);
  bool builtin_expr(const ir::Rvalue& r, std::string& expr);
  bool method_expr(const ir::Rvalue& r, std::string& expr);
  // True for a temporary variable, whose value can be moved out.
  bool movable(const ir::Operand& op) const;
  // dst = src of type `t`: a scalar assignment, a move (when may_move and src is movable) or a copy.
  void put(TypeId t, const std::string& dst, const ir::Operand& src, bool may_move, const std::string& ind);
  std::string operand(const ir::Operand& op);
  std::string addr(const ir::Operand& op);  // pointer expression to the operand
  std::string place(const ir::Place& p);
  std::string var(std::uint32_t id) const { return names_[id]; }
  void line_mark(std::uint32_t line, const std::string& ind);

  const ir::Body* b_ = nullptr;
  std::ostringstream* o_ = nullptr;
  std::vector<std::string> names_;
  std::uint32_t last_line_ = 0;
  int counter_ = 0;
};

}  // namespace sfn::codegen::cpp
