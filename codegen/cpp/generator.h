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

// Thrown by Generator::ice and caught by generate(): the message names the construct and where.
struct InternalError {
  std::string message;
};

class Generator {
 public:
  Generator(const ir::Module& m, const Options& o) : m_(m), opts_(o) {}
  std::string run();
  void module_descriptors(std::ostringstream& o) const;

  // ---- types (generate.cpp)
  std::string ctype(TypeId t) const;        // C++ type of a slot
  std::string tdesc(TypeId t) const;        // name of the sfn_type descriptor
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
  std::string str_literal(const std::string& s) const;  // "..." with escapes
  std::string const_expr(const ir::ConstValue& v, TypeId t) const;  // scalar constant
  // Statements writing constant `v` of type `t` into the (zeroed) lvalue `dst`.
  void const_into(std::ostringstream& o, const std::string& ind, const ir::ConstValue& v,
                  TypeId t, const std::string& dst, int& counter) const;
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
  void rvalue_into(const ir::Rvalue& r, const std::string& dst, const std::string& ind);
  bool rvalue_expr(const ir::Rvalue& r, std::string& expr);
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
