// The checker's output: a CheckedProgram is the AST plus everything the checker proved about it
// — resolved declaration tables (messages, enums, consts, fns, function types, ingresses,
// egresses), the semantic type and resolution of every expression (side tables keyed by AST node
// address), the local variables of every body, and the routing graph. It is the single input of
// every later phase (proto and graph emitters, IR lowering, backends, language server); those
// phases must never re-resolve names or re-derive types from the AST.
//
// Indices (`std::uint32_t`) into the tables below are stable and are what TypeId's `decl` and
// Resolution's `index` refer to. Declarations of one kind appear in program order (files in
// ast::Program order, declarations in source order). The CheckedProgram points into the
// ast::Program it was checked from, which must outlive it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/ast/ast.h"
#include "compiler/check/types.h"
#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace sfn::check {

using source::Span;
inline constexpr std::uint32_t kNone = 0xFFFFFFFFu;  // "no index"

// ---------------------------------------------------------------------------------- constants

// A compile-time value (const, message field default, state initializer, expiry duration).
struct ConstValue {
  enum class Kind : std::uint8_t { None, Int, Float, Bool, String, Bytes, Duration, Time, Enum, List, Map, Message };
  Kind kind = Kind::None;
  std::int64_t i = 0;             // Int; Duration and Time in nanoseconds; Enum: value index
  double f = 0;                   // Float
  bool b = false;                 // Bool
  std::string s;                  // String, Bytes
  std::uint32_t decl = kNone;     // Enum: enum index; Message: message index
  std::vector<ConstValue> items;  // List: elements; Map: key0, value0, key1, value1, ... in key
                                  // order; Message: one value per field in declaration order
  bool operator==(const ConstValue&) const = default;
};

// ---------------------------------------------------------------------------------- declarations

struct FieldInfo {
  std::string name;
  TypeId type = nullptr;
  std::uint32_t number = 0;  // protobuf field number: declaration order from 1
  // The field's value when a literal omits it: the explicit default, else the implicit one
  // (none / [] / {}); absent when the field is required.
  std::optional<ConstValue> default_value;
  bool has_explicit_default = false;
  const ast::Field* decl = nullptr;
  std::string doc;
  Span span;
};

struct MessageInfo {
  std::string name;
  std::vector<FieldInfo> fields;  // declaration order
  std::unordered_map<std::string, std::uint32_t> field_index;
  const ast::MessageDecl* decl = nullptr;
  bool is_std = false;  // declared in a std module file
  // Derived from the routing graph and literals: constructed somewhere, or an ingress type.
  bool constructed = false;
};

struct EnumValueInfo {
  std::string name;
  std::string doc;
  Span span;
};

struct EnumInfo {
  std::string name;
  std::vector<EnumValueInfo> values;  // the first is the default
  std::unordered_map<std::string, std::uint32_t> value_index;
  const ast::EnumDecl* decl = nullptr;
};

struct ConstInfo {
  std::string name;
  TypeId type = nullptr;
  std::optional<ConstValue> value;  // absent after an error
  const ast::ConstDecl* decl = nullptr;
};

struct ParamInfo {
  std::string name;
  TypeId type = nullptr;
  std::uint32_t local = kNone;  // its LocalInfo (body fns only)
  Span span;
};

// A `fn` or `extern fn`.
struct FnInfo {
  std::string name;
  std::vector<ParamInfo> params;
  TypeId return_type = nullptr;  // Void when none is written
  bool is_extern = false;
  // The std module ("strings", "math", "time") for functions declared in a `std.<module>` file;
  // empty for the program's own fns. Module functions are called qualified: `strings.join(..)`.
  std::string module;
  const ast::FnDecl* decl = nullptr;
};

struct ExpiryInfo {
  std::int64_t nanos = 0;
  ast::ExpiryMode mode = ast::ExpiryMode::AfterWrite;
  Span span;
};

struct StateInfo {
  std::string name;
  TypeId type = nullptr;
  ConstValue init;  // explicit initializer or type default
  bool has_explicit_init = false;
  std::optional<ExpiryInfo> expires;
  const ast::StateDecl* decl = nullptr;
};

struct HandlerInfo {
  // The handled message; kNone when the type is unknown or the handler duplicates another one
  // (E0306): such a handler is checked but never receives anything.
  std::uint32_t message = kNone;
  std::uint32_t param_local = kNone;  // LocalInfo of `p` in `on M(p)`, if any
  const ast::Handler* decl = nullptr;
};

// A `function` declaration: a function type.
struct FunctionInfo {
  std::string name;
  std::string type_name;  // "<package>/<Name>"
  std::string key_name;
  TypeId key_type = nullptr;  // int or string (Error after an error)
  std::uint32_t key_local = kNone;
  std::vector<StateInfo> states;  // source order
  std::unordered_map<std::string, std::uint32_t> state_index;
  std::vector<HandlerInfo> handlers;                                     // source order
  std::unordered_map<std::uint32_t, std::uint32_t> handler_for_message;  // message -> handler
  const ast::FunctionDecl* decl = nullptr;
};

struct IngressInfo {
  std::string name;
  std::uint32_t message = kNone;  // the record's message type
  std::uint32_t target = kNone;   // function type of the route's ref<F>
  std::uint32_t param_local = kNone;
  const ast::IngressDecl* decl = nullptr;
};

struct EgressInfo {
  std::string name;
  std::uint32_t message = kNone;          // kNone for dead_letters
  bool builtin = false;                   // the built-in `dead_letters`
  const ast::EgressDecl* decl = nullptr;  // null for dead_letters
};

// ---------------------------------------------------------------------------------- bodies

// A local binding: fn/extern parameter, handler/ingress parameter, the key, let/var, for var.
struct LocalInfo {
  enum class Kind : std::uint8_t { Param, HandlerParam, IngressParam, Key, Let, Var, ForVar };
  Kind kind = Kind::Let;
  std::string name;
  TypeId type = nullptr;
  bool is_mutable = false;            // only Var
  const ast::Ident* ident = nullptr;  // the declaring identifier
};

// Global functions and conversions (Resolution::Kind::Builtin), one per line of builtins.def.
enum class Builtin : std::uint8_t {
#define SFN_BUILTIN(Name, Spelling, Shape, Check, Lowering) Name,
#include "compiler/check/builtins.def"
};

// Methods on built-in types (Resolution::Kind::Method); the receiver is FieldAccess::object.
enum class Method : std::uint8_t {
  StrLen,
  StrContains,
  StrStartsWith,
  StrEndsWith,
  StrSplit,
  StrTrim,
  StrUpper,
  StrLower,
  StrReplace,
  StrSubstring,
  ListLen,
  ListPush,
  ListPop,
  ListContains,
  ListInsert,
  ListRemoveAt,
  ListClear,
  ListIsEmpty,
  ListFirst,
  ListLast,
  MapLen,
  MapGet,
  MapContains,
  MapRemove,
  MapKeys,
  MapValues,
  MapClear,
  MapIsEmpty,
  TimeUnixMillis,
  DurationMillis,
  DurationSeconds,
};
// True for methods that modify their receiver (allowed only on places).
bool is_mutating(Method m);
// The method's name as written ("push").
const char* method_name(Method m);

// What an expression refers to, recorded in CheckedProgram::resolutions for:
//  - Name: Local (also the key and parameters), State, Const; as a callee: Fn, FunctionType
//    (`F` of `F(key)`), Builtin; as the object of a FieldAccess: Enum (`E` of `E.V`) or Module
//    (`strings` of `strings.join`);
//  - FieldAccess: Field (message field), EnumValue; as a callee: Fn (`module.f`), Method,
//    Builtin (`time.from_unix_millis`);
//  - Call: Fn (user fn, extern fn or std module function), Builtin (also conversions), Address
//    (`F(key)`), Method (`x.m(..)`, the receiver is the callee FieldAccess's object);
//  - MessageLit: Message.
struct Resolution {
  enum class Kind : std::uint8_t {
    Local,
    State,
    Const,
    Fn,
    FunctionType,
    Enum,
    Module,
    Builtin,
    Method,
    Address,
    EnumValue,
    Field,
    Message
  };
  Kind kind = Kind::Local;
  // Local: local id; State: state index in `function`; Const/Fn/Enum/Message: table index;
  // FunctionType/Address: function index; EnumValue: enum index; Field: message index.
  std::uint32_t index = kNone;
  // EnumValue: value index; Field: field index; State: function index.
  std::uint32_t sub = kNone;
  Builtin builtin = Builtin::Now;  // Builtin
  Method method = Method::StrLen;  // Method
  std::string module;              // Module: "strings"
};

// ---------------------------------------------------------------------------------- routing

// One possible delivery: a handler or an ingress sends a message type to a function type, or
// a handler emits a message type to an egress. Only valid deliveries are edges (the target
// handles the message, the egress carries it); one edge per send/emit/route in the source, so
// two sends of one message from one handler to one function type are two edges.
struct RouteEdge {
  enum class From : std::uint8_t { Ingress, Handler };
  enum class Kind : std::uint8_t { Send, DelayedSend, Emit, Ingress };
  From from = From::Handler;
  std::uint32_t from_ingress = kNone;   // From::Ingress
  std::uint32_t from_function = kNone;  // From::Handler
  std::uint32_t from_handler = kNone;   // handler index in from_function
  std::uint32_t message = kNone;
  Kind kind = Kind::Send;
  std::uint32_t to_function = kNone;  // Send, DelayedSend, Ingress
  std::uint32_t to_egress = kNone;    // Emit
  Span span;                          // the send / emit / ingress route
};

// ---------------------------------------------------------------------------------- tests

// One checked statement of a `test` block (docs/decisions/140-sfn-test.md), its constant values
// evaluated. An instance is its function type and key (`key` as the address writes it).
struct TestStep {
  enum class Kind : std::uint8_t { SendIngress, SendInstance, Advance, ExpectState, ExpectEmitted, ExpectFailed };
  Kind kind = Kind::Advance;
  Span span;                            // the whole statement
  std::uint32_t ingress = kNone;        // SendIngress
  std::uint32_t function = kNone;       // SendInstance, ExpectState, ExpectFailed
  std::string key;                      // ... the instance key
  const ast::Expr* key_expr = nullptr;  // ... the key as written
  std::uint32_t message = kNone;        // Send*: the record's message type
  std::uint32_t state = kNone;          // ExpectState: index into the function's states
  std::uint32_t egress = kNone;         // ExpectEmitted
  bool contains = false;                // ExpectEmitted: at least these (else exactly these)
  // Send*: {record}; Advance: {duration}; ExpectState: {value}; ExpectEmitted: the records
  // (none: nothing emitted); ExpectFailed: {error text}.
  std::vector<ConstValue> values;
};

// A `test "name" { ... }` block of the root file.
struct TestInfo {
  std::string name;
  Span span;
  std::vector<TestStep> steps;  // complete only when the program has no errors
};

// ---------------------------------------------------------------------------------- program

// A global name: what a top-level identifier refers to.
struct GlobalRef {
  enum class Kind : std::uint8_t { Message, Enum, Const, Fn, Function, Ingress, Egress };
  Kind kind;
  std::uint32_t index;
};

struct CheckedProgram : TypeNamer {
  const ast::Program* ast = nullptr;
  std::string package;  // the root file's package
  std::unique_ptr<TypeTable> types = std::make_unique<TypeTable>();

  std::vector<MessageInfo> messages;
  std::vector<EnumInfo> enums;
  std::vector<ConstInfo> consts;
  std::vector<FnInfo> fns;  // user fns and std module functions
  std::vector<FunctionInfo> functions;
  std::vector<IngressInfo> ingresses;
  std::vector<EgressInfo> egresses;                    // includes dead_letters (builtin)
  std::unordered_map<std::string, GlobalRef> globals;  // the one program namespace
  // std module name ("strings") -> function name -> fn index.
  std::unordered_map<std::string, std::unordered_map<std::string, std::uint32_t>> modules;

  std::vector<LocalInfo> locals;
  // The local declared by an identifier (Param::name, Handler::param, LetStmt::name,
  // ForStmt::var / value_var, FunctionDecl::key.name, IngressDecl::param.name).
  std::unordered_map<const ast::Ident*, std::uint32_t> local_of;
  // The type of every checked expression (Error after an error). Callees of calls (`f`, `F` in
  // `F(key)`, `strings.join`, `xs.push`) and module names are not values: their type is Void
  // and their meaning is in `resolutions`. A `for` range `a..b` is recorded as `list<int>`.
  std::unordered_map<const ast::Expr*, TypeId> expr_types;
  std::unordered_map<const ast::Expr*, Resolution> resolutions;

  std::vector<RouteEdge> routes;
  std::vector<TestInfo> tests;  // the root file's, in source order

  bool has_errors = false;  // errors were reported while checking

  // Lookups; nullptr / kNone when absent.
  TypeId type_of(const ast::Expr* e) const;
  const Resolution* resolution_of(const ast::Expr* e) const;
  std::uint32_t find_message(const std::string& name) const;
  std::uint32_t find_function(const std::string& name) const;
  std::uint32_t find_egress(const std::string& name) const;
  std::string type_name(TypeId t) const { return type_to_string(t, *this); }
  // Whether `v` is the value a zeroed slot of its type holds once nested messages are
  // initialised (scalars 0 with +0.0, empty strings and containers, none, and messages whose
  // fields all hold their own defaults): the value that needs no init code and that Protobuf
  // encodes as nothing (decision 014).
  bool is_natural(const ConstValue& v) const;
  // Whether field `f` of a message needs explicit presence on the wire: its default is not the
  // natural value of its type, so "absent" and "the natural value" must be told apart.
  bool has_explicit_presence(const FieldInfo& f) const {
    return f.default_value.has_value() && !is_natural(*f.default_value);
  }

  // TypeNamer
  std::string message_name(std::uint32_t index) const override;
  std::string enum_name(std::uint32_t index) const override;
  std::string function_name(std::uint32_t index) const override;
};

// Checks a loaded program: resolves names, types every expression, checks routing and reports
// all errors and warnings of LANGUAGE.md §8 (except E0001/E0103, the loader's, and E0601/W0602,
// compiler/compat's) to `sink`. Always returns a CheckedProgram; consumers must not generate
// code when has_errors.
CheckedProgram check_program(const ast::Program& program, const source::SourceManager& sources,
                             diagnostics::DiagnosticSink& sink);

}  // namespace sfn::check
