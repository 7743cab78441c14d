// Semantic types of SFN, interned in a TypeTable: two types are equal exactly when their
// TypeId pointers are equal, so later phases compare and hash types by pointer. The table also
// owns the typing relations every phase must agree on (assignability, the implicit `T -> T?`
// wrap, comparability, ordering, printing), so the checker, the IR lowering and the backends
// never re-derive them.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>

namespace sfn::check {

// The shape of a semantic type.
enum class TypeKind : std::uint8_t {
  Error,   // poison: the result of an expression that already got a diagnostic
  Void,    // "no value": a call to a fn without return type, log(), mutating methods
  Bottom,  // internal: element type of `[]` / `{}` and inner type of `none` when nothing is
           // expected; assignable to every type. Never the declared type of anything.
  Int,
  Float,
  Bool,
  String,
  Bytes,
  Time,
  Duration,
  Timer,
  List,      // elem
  Map,       // key, value
  Optional,  // elem (never Optional itself: `T??` is rejected by the checker)
  Message,   // decl = index into CheckedProgram::messages
  Enum,      // decl = index into CheckedProgram::enums
  Ref,       // decl = index into CheckedProgram::functions
};

struct Type;
// An interned type; never null for a checked expression (Error stands for "unknown").
using TypeId = const Type*;

struct Type {
  TypeKind kind = TypeKind::Error;
  TypeId elem = nullptr;   // List elem, Map key, Optional inner
  TypeId value = nullptr;  // Map value
  std::uint32_t decl = 0;  // Message/Enum/Ref: index of the declaration in CheckedProgram

  bool is_error() const { return kind == TypeKind::Error; }
  bool is(TypeKind k) const { return kind == k; }
  bool is_numeric() const { return kind == TypeKind::Int || kind == TypeKind::Float; }
};

// Owns and interns every type of one checked program. Pointers stay valid for its lifetime.
class TypeTable {
 public:
  TypeTable();
  TypeTable(const TypeTable&) = delete;
  TypeTable& operator=(const TypeTable&) = delete;

  TypeId error() const { return error_; }
  TypeId void_type() const { return void_; }
  TypeId bottom() const { return bottom_; }
  TypeId int_type() const { return int_; }
  TypeId float_type() const { return float_; }
  TypeId bool_type() const { return bool_; }
  TypeId string_type() const { return string_; }
  TypeId bytes_type() const { return bytes_; }
  TypeId time_type() const { return time_; }
  TypeId duration_type() const { return duration_; }
  TypeId timer_type() const { return timer_; }

  TypeId list(TypeId elem);
  TypeId map(TypeId key, TypeId value);
  // `T?`; optional(Error) is Error, optional(U?) is U? (never nested).
  TypeId optional(TypeId inner);
  TypeId message(std::uint32_t index);
  TypeId enumeration(std::uint32_t index);
  TypeId ref(std::uint32_t function_index);
  // The scalar type for a built-in type name ("int", "timer", ...), or nullptr.
  TypeId scalar_by_name(const std::string& name) const;

 private:
  TypeId intern(TypeKind kind, TypeId elem, TypeId value, std::uint32_t decl);
  struct KeyHash {
    std::size_t operator()(const Type& t) const;
  };
  struct KeyEq {
    bool operator()(const Type& a, const Type& b) const;
  };
  std::deque<Type> storage_;
  std::unordered_map<Type, TypeId, KeyHash, KeyEq> interned_;
  TypeId error_, void_, bottom_, int_, float_, bool_, string_, bytes_, time_, duration_, timer_;
};

// True if the type mentions Error anywhere (such a type silences every further diagnostic).
bool contains_error(TypeId t);
// True if `from` is accepted where `to` is expected: equal, Bottom parts, the `T -> T?` wrap,
// and Error on either side (poison is accepted silently).
bool is_assignable(TypeId from, TypeId to);
// True if values of the type compare with == / != (every type but timer, structurally).
bool is_equatable(TypeId t);
// True if the type orders with < <= > >= (int float string time duration).
bool is_ordered(TypeId t);
// True for the allowed map key types (int string bool).
bool is_map_key(TypeId t);
// The least common type of two branches (e.g. list elements): equal types, Bottom parts filled
// in, `T` joined with `T?` or `none` giving `T?`. nullptr when they have none.
TypeId join(TypeTable& types, TypeId a, TypeId b);

// Names for printing; messages, enums and function types print by their declared name.
struct TypeNamer {
  virtual ~TypeNamer() = default;
  virtual std::string message_name(std::uint32_t index) const = 0;
  virtual std::string enum_name(std::uint32_t index) const = 0;
  virtual std::string function_name(std::uint32_t index) const = 0;
};
// As written in SFN source: `map<string, list<int>>`, `ref<Cart>`, `int?`; Error prints as
// `{error}`, Bottom as `_`, Void as `()`.
std::string type_to_string(TypeId t, const TypeNamer& names);

}  // namespace sfn::check
