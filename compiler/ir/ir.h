// The SFN intermediate representation: a backend-neutral lowered form of a checked program.
// Produced by `lower_program` (lower.cpp) from a CheckedProgram, consumed by the C++ backend
// (codegen/cpp) and later by the LLVM JIT. It holds the schema (messages with their ABI layout,
// enums, function types with states, ingresses, egresses) and every handler, `fn` and ingress
// route lowered to structured statements over explicit temporaries:
//  - every intermediate value is a named variable defined by a `Def` statement (scoped to the
//    block that contains it); operands are only constants or *places* (a variable or state plus
//    a path of field / list-index / map-key steps);
//  - every runtime check (overflow, division by zero, unwrap of none, index out of range,
//    missing map key, bad conversion) is explicit: the operation carries the source location
//    (`loc`, an index into Module::locs) of the error it may raise;
//  - copies are explicit (`Assign` copies unless `move` is set; `Send`/`Emit` move a variable);
//  - `T -> T?` wrapping, `none`/`[]`/`{}` typing and short-circuit operators are resolved.
// Types are the checker's interned TypeIds (Bottom never appears). Nothing here knows C++.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/abi_layout.h"
#include "compiler/check/checked_program.h"

namespace sfn::ir {

using check::ConstValue;
using check::kNone;
using check::TypeId;

// A source location for runtime errors: file as the user wrote it, 1-based line and column.
struct Loc {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t col = 0;
};

// ---------------------------------------------------------------------------------- schema

// One field with its ABI slot (abi.h layout rules).
struct Field {
  std::string name;
  TypeId type = nullptr;
  std::uint32_t number = 0;  // protobuf field number
  std::uint32_t offset = 0;  // byte offset in the message
  bool required = false;     // no default: JSON input must give it
  // The default when it is not the type's natural value (CheckedProgram::is_natural): applied
  // by the message's init, and the field has explicit presence on the wire (decision 014).
  std::optional<ConstValue> default_value;
};

struct Message {
  std::string name;       // "Greet"
  std::string full_name;  // "example.greeter.Greet"
  std::uint32_t size = 0, align = 1;
  std::vector<Field> fields;
  bool has_nonzero_defaults = false;  // needs an init function
};

struct Enum {
  std::string name;
  std::vector<std::string> values;
};

struct State {
  std::string name;
  TypeId type = nullptr;
  ConstValue init;
  bool nonzero_init = false;  // needs an init function
  enum class Expiry : std::uint8_t { None, AfterWrite, AfterCall } expiry = Expiry::None;
  std::int64_t expiry_ns = 0;
};

// ---------------------------------------------------------------------------------- bodies

// A local, parameter, key or temporary of one body.
struct Var {
  enum class Kind : std::uint8_t { Local, Temp, Param, MessageParam, Key, ForVar };
  Kind kind = Kind::Temp;
  std::string name;  // source name ("" for temporaries)
  TypeId type = nullptr;
  bool is_mutable = false;
};

struct Operand;

// A step of a place's path.
struct Step {
  enum class Kind : std::uint8_t { Field, ListIndex, MapKey };
  Kind kind = Kind::Field;
  std::uint32_t field = 0;         // Field: field index in the message
  std::shared_ptr<Operand> index;  // ListIndex (int) / MapKey (key type)
  std::uint32_t loc = kNone;       // ListIndex / MapKey: error location
  TypeId type = nullptr;           // the type after this step
};

// A memory location: a variable or a state of the current function type, then steps.
// `write` marks places that are assigned or mutated (states use their mutable slot, map keys
// insert the key when absent).
struct Place {
  enum class Root : std::uint8_t { Var, State };
  Root root = Root::Var;
  std::uint32_t index = 0;  // Var id or state index
  std::vector<Step> steps;
  TypeId type = nullptr;  // type of the whole place
  bool write = false;
};

// An operand: a scalar or string constant, or a read of a place.
struct Operand {
  enum class Kind : std::uint8_t { Const, Place };
  Kind kind = Kind::Const;
  TypeId type = nullptr;
  ConstValue value;  // Const: Int/Float/Bool/String/Bytes/Duration/Time/Enum
  Place place;       // Place
};

enum class BinOp : std::uint8_t {
  Add,
  Sub,
  Mul,
  Div,
  Rem,  // checked for ints (overflow, by zero)
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  Concat,  // string + string, list + list
};
enum class UnOp : std::uint8_t { Neg, Not };

// A computed value (the right-hand side of Def, Assign-from-computation, Eval).
struct Rvalue {
  enum class Kind : std::uint8_t {
#define SFN_IR_RVALUE_KIND(Name) Name,
#include "compiler/ir/rvalue_kinds.def"
  };
  Kind kind = Kind::Use;
  TypeId type = nullptr;  // result type (Void for calls without value)
  std::vector<Operand> args;
  BinOp bin = BinOp::Add;
  UnOp un = UnOp::Neg;
  check::Builtin builtin = check::Builtin::Now;
  check::Method method = check::Method::StrLen;
  std::uint32_t index = kNone;
  std::vector<std::uint32_t> fields;    // MakeMessage: field index per arg
  std::vector<std::string> pieces;      // Format: literal text pieces
  std::vector<std::int32_t> piece_arg;  // Format: per piece, arg index or -1 for text
  ConstValue value;                     // Const
  std::uint32_t loc = kNone;
};

struct Stmt;
using Block = std::vector<Stmt>;

struct Stmt {
  enum class Kind : std::uint8_t {
#define SFN_IR_STMT_KIND(Name) Name,
#include "compiler/ir/stmt_kinds.def"
  };
  Kind kind = Kind::Eval;
  std::uint32_t line = 0;      // source line (for comments / debug info)
  std::uint32_t var = kNone;   // Def, For*, Send, Emit
  std::uint32_t var2 = kNone;  // ForMap value variable
  Rvalue value;                // Def, Eval
  Place place;                 // Assign target; Send timer target (when has_place)
  bool has_place = false;
  Operand src;  // Assign source; If condition
  bool move = false;
  std::vector<Operand> args;
  std::uint32_t index = kNone;   // Emit egress, Clear state, Send message type
  std::uint32_t loc = kNone;     // Send/Fail: the statement; Loop/For*: where iterations are counted
  Block then_block, else_block;  // If; Loop/For body is then_block
};

// Tag types, one per rvalue and statement kind (rvalue_kinds.def, stmt_kinds.def): a backend
// overloads one handler per kind on them, e.g. `emit(const Rvalue&, rvalue_kind::Binary)`.
namespace rvalue_kind {
#define SFN_IR_RVALUE_KIND(Name) \
  struct Name {};
#include "compiler/ir/rvalue_kinds.def"
}  // namespace rvalue_kind
namespace stmt_kind {
#define SFN_IR_STMT_KIND(Name) \
  struct Name {};
#include "compiler/ir/stmt_kinds.def"
}  // namespace stmt_kind

// Calls `f(rvalue_kind::K{})` for the kind K of `kind` and returns its result; `unknown()` for
// a value outside the list (a damaged module: backends report an internal compiler error).
template <class F, class Unknown>
decltype(auto) visit_kind(Rvalue::Kind kind, F&& f, Unknown&& unknown) {
  switch (kind) {
#define SFN_IR_RVALUE_KIND(Name) \
  case Rvalue::Kind::Name:       \
    return f(rvalue_kind::Name{});
#include "compiler/ir/rvalue_kinds.def"
  }
  return unknown();
}

// Calls `f(stmt_kind::K{})` for the kind K of `kind` and returns its result; `unknown()` for a
// value outside the list.
template <class F, class Unknown>
decltype(auto) visit_kind(Stmt::Kind kind, F&& f, Unknown&& unknown) {
  switch (kind) {
#define SFN_IR_STMT_KIND(Name) \
  case Stmt::Kind::Name:       \
    return f(stmt_kind::Name{});
#include "compiler/ir/stmt_kinds.def"
  }
  return unknown();
}

// A handler, `fn` or ingress route body.
struct Body {
  enum class Kind : std::uint8_t { Handler, Fn, Route };
  Kind kind = Kind::Fn;
  std::string name;  // fn name, "on_<Message>" or "route_<ingress>"
  std::vector<Var> vars;
  std::vector<std::uint32_t> params;  // Fn: parameter vars in order; Handler/Route: [message param]
  TypeId return_type = nullptr;       // Fn: return type (Void when none); Route: the ref type
  std::uint32_t function = kNone;     // Handler: function type
  std::uint32_t message = kNone;      // Handler/Route: message type of the parameter
  std::uint32_t line = 0;
  std::string file;           // the file declaring the body, as the user named it
  std::uint32_t loc = kNone;  // Fn: its declaration, where calls are counted (invocation budget)
  Block body;
};

struct Function {
  std::string name;       // "Greeter"
  std::string type_name;  // "example.greeter/Greeter"
  bool int_key = false;
  std::string key_name;
  std::vector<State> states;
  std::vector<std::uint32_t> handlers;  // indices into Module::bodies
};

struct Ingress {
  std::string name;
  std::uint32_t message = kNone;
  std::uint32_t route = kNone;  // index into Module::bodies
};

struct Egress {
  std::string name;
  std::uint32_t message = kNone;
};

struct ExternFn {
  std::string module;  // "strings"
  std::string name;    // "join"
  std::vector<TypeId> params;
  TypeId return_type = nullptr;
};

struct Module {
  std::string package;
  std::string source_file;                         // the root file as the user named it
  std::string root_dir;                            // its directory with a trailing '/', or ""
  std::string version_hash;                        // hash of every source file's text
  const check::CheckedProgram* checked = nullptr;  // for type names
  std::vector<Message> messages;                   // same indices as CheckedProgram::messages
  std::vector<Enum> enums;
  std::vector<Function> functions;  // same indices as CheckedProgram::functions
  std::vector<Ingress> ingresses;
  std::vector<Egress> egresses;             // without dead_letters; see egress_index
  std::vector<std::uint32_t> egress_index;  // checked egress index -> Module::egresses index
  std::vector<Body> bodies;
  std::vector<std::uint32_t> fn_body;  // checked fn index -> body index (kNone for externs)
  std::vector<ExternFn> externs;       // by checked fn index (empty name for non-externs)
  std::vector<Loc> locs;
  std::vector<TypeId> types;  // every value type used, containers after their parts
};

// ABI slot of a type (abi.h "Value layout"; common/abi_layout.h computes it).
using Slot = abi_layout::Slot;
Slot slot_of(const Module& module, TypeId type);
// True for types whose values own no heap memory (int, float, bool, time, duration, enum).
bool is_trivial(TypeId type);
// True for values that own no heap memory: trivial types, and messages whose fields are all such
// values (nested messages are stored inline). Locals of these types need nothing freed.
bool is_plain_data(const Module& module, TypeId type);

}  // namespace sfn::ir
