// The SFN abstract syntax tree: plain structs and variants, every node with its Span. Built by
// compiler/parse from ANTLR's tree (which never leaves that folder), read by the checker, the
// printer (`sfn emit ast`), the formatter and the language server. Nodes own their children;
// the tree is immutable after parsing, so later phases key side tables by node address.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "compiler/source/source.h"

namespace sfn::ast {

using source::Span;

struct Ident {
  std::string name;
  Span span;
};

// `a.b.c` (package names, std module names).
struct QualifiedName {
  std::vector<Ident> parts;
  Span span;
  std::string joined() const;  // "a.b.c"
};

// ---------------------------------------------------------------------------------- types

struct TypeExpr;
using TypePtr = std::unique_ptr<TypeExpr>;

// A type as written. `Named` covers the built-in scalar names (int float bool string bytes time
// duration timer) and user message/enum names; `Ref`'s name is a function type.
struct TypeExpr {
  enum class Kind { Named, List, Map, Ref, Optional };
  Kind kind = Kind::Named;
  Span span;
  Ident name;                 // Named, Ref
  std::vector<TypePtr> args;  // List: {elem}; Map: {key, value}; Optional: {inner}
};

// ---------------------------------------------------------------------------------- expressions

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct IntLit {
  std::int64_t value = 0;
  bool overflow = false;
};  // overflow: literal > INT64_MAX
struct FloatLit {
  double value = 0;
};
enum class DurationUnit { Ns, Us, Ms, S, M, H, D };
struct DurationLit {
  std::int64_t amount = 0;
  DurationUnit unit = DurationUnit::S;
  std::int64_t nanos = 0;
  bool overflow = false;
};
struct BoolLit {
  bool value = false;
};
struct NoneLit {};
// A string literal: text pieces (escapes already decoded) and `${expr}` interpolations, in order.
struct StringPart {
  std::string text;  // used when expr is null
  ExprPtr expr;      // an interpolation
  Span span;
};
struct StringLit {
  std::vector<StringPart> parts;
};
struct ListLit {
  std::vector<ExprPtr> elements;
};
struct MapEntry {
  ExprPtr key;
  ExprPtr value;
  Span span;
};
struct MapLit {
  std::vector<MapEntry> entries;
};  // `{}` is an empty MapLit
struct FieldInit {
  Ident name;
  ExprPtr value;
  Span span;
};
struct MessageLit {
  Ident type;
  std::vector<FieldInit> fields;
};  // `Name { f: e, ... }`
struct Name {
  Ident ident;
};  // a local, param, key, state, const, fn, function type, enum, module
struct SelfExpr {};
struct FieldAccess {
  ExprPtr object;
  Ident field;
};  // also `E.V`, `module.fn`, `x.method`
struct Index {
  ExprPtr object;
  ExprPtr index;
};
struct Call {
  ExprPtr callee;
  std::vector<ExprPtr> args;
};  // `f(x)`, `x.m(y)`, `F(key)`, `int(x)`
struct Unwrap {
  ExprPtr operand;
};  // postfix `x!`
enum class UnaryOp { Neg, Not };
struct Unary {
  UnaryOp op;
  ExprPtr operand;
};
enum class BinaryOp { Coalesce, Or, And, Eq, Ne, Lt, Le, Gt, Ge, Add, Sub, Mul, Div, Rem };
struct Binary {
  BinaryOp op;
  ExprPtr lhs;
  ExprPtr rhs;
  Span op_span;
};
struct Range {
  ExprPtr begin;
  ExprPtr end;
};  // `a..b`, only valid as a `for` iterable
// `send m to a` (delay null: only valid as a statement) or `send m to a after d` (a `timer`).
struct Send {
  ExprPtr message;
  ExprPtr target;
  ExprPtr delay;
};
// Stands in for an expression that failed to parse; the parser already reported E0001.
struct ErrorExpr {};

// std::variant<Kinds...> of a list written `void, A, B, ...` (the .def lists each add ", Kind").
template <class Void, class... Kinds>
struct VariantOf {
  using type = std::variant<Kinds...>;
};

// One alternative per line of expr_kinds.def, in its order.
#define SFN_EXPR_KIND(Name) , Name
using ExprNode = VariantOf<void
#include "compiler/ast/expr_kinds.def"
                           >::type;

struct Expr {
  Span span;
  ExprNode node;
};

// ---------------------------------------------------------------------------------- statements

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;

struct Block {
  std::vector<StmtPtr> stmts;
  Span span;  // from `{` to `}`
};

// `let x: T = e;` / `var x: T = e;` / `var x: T;` (type and value each optional, not both absent
// unless the parser already reported an error).
struct LetStmt {
  bool is_var = false;
  Ident name;
  TypePtr type;
  ExprPtr value;
};
enum class AssignOp { Set, Add, Sub, Mul, Div, Rem };
struct AssignStmt {
  AssignOp op = AssignOp::Set;
  ExprPtr target;
  ExprPtr value;
  Span op_span;
};
// `if (c) {} else if (c2) {} else {}`: an `else if` is an else_block holding one IfStmt.
struct IfStmt {
  ExprPtr cond;
  Block then_block;
  std::optional<Block> else_block;
};
struct WhileStmt {
  ExprPtr cond;
  Block body;
};
// `for (x in e)`, `for (k, v in e)`; e may be a Range.
struct ForStmt {
  Ident var;
  std::optional<Ident> value_var;
  ExprPtr iterable;
  Block body;
};
struct BreakStmt {};
struct ContinueStmt {};
struct ReturnStmt {
  ExprPtr value;
};  // value may be null
struct EmitStmt {
  ExprPtr message;
  Ident egress;
};
struct CancelStmt {
  ExprPtr timer;
};
// `clear name;` (target set) or `clear self;` (target empty).
struct ClearStmt {
  std::optional<Ident> target;
};
struct FailStmt {
  ExprPtr reason;
};
// Calls and `send` statements.
struct ExprStmt {
  ExprPtr expr;
};
struct ErrorStmt {};  // failed to parse; E0001 already reported

// One alternative per line of stmt_kinds.def, in its order.
#define SFN_STMT_KIND(Name) , Name
using StmtNode = VariantOf<void
#include "compiler/ast/stmt_kinds.def"
                           >::type;

struct Stmt {
  Span span;
  StmtNode node;
};

// ---------------------------------------------------------------------------------- declarations

// `///` doc comment lines attached to the next declaration, without the slashes, joined by '\n'.
using Doc = std::string;

struct Field {
  Ident name;
  TypePtr type;
  ExprPtr default_value;
  Doc doc;
  Span span;
};
struct MessageDecl {
  Ident name;
  std::vector<Field> fields;
  Doc doc;
  Span span;
};
struct EnumValue {
  Ident name;
  Doc doc;
};
struct EnumDecl {
  Ident name;
  std::vector<EnumValue> values;
  Doc doc;
  Span span;
};
struct ConstDecl {
  Ident name;
  TypePtr type;
  ExprPtr value;
  Doc doc;
  Span span;
};
struct Param {
  Ident name;
  TypePtr type;
  Span span;
};
// `fn` (body set) and `extern fn` (no body). return_type null: returns nothing.
struct FnDecl {
  Ident name;
  std::vector<Param> params;
  TypePtr return_type;
  std::optional<Block> body;
  bool is_extern = false;
  Doc doc;
  Span span;
};
enum class ExpiryMode { AfterWrite, AfterCall };
struct Expiry {
  ExprPtr duration;
  ExpiryMode mode = ExpiryMode::AfterWrite;
  Span span;
};
struct StateDecl {
  Ident name;
  TypePtr type;
  ExprPtr init;
  std::optional<Expiry> expires;
  Doc doc;
  Span span;
};
// `on M(p) { }` or `on M { }`.
struct Handler {
  Ident message_type;
  std::optional<Ident> param;
  Block body;
  Doc doc;
  Span span;
};
struct FunctionDecl {
  Ident name;
  Param key;
  std::vector<StateDecl> states;  // in source order
  std::vector<Handler> handlers;  // in source order
  Doc doc;
  Span span;
};
// `ingress name(p: M) -> route;`
struct IngressDecl {
  Ident name;
  Param param;
  ExprPtr route;
  Doc doc;
  Span span;
};
struct EgressDecl {
  Ident name;
  TypePtr type;
  Doc doc;
  Span span;
};

using Decl = std::variant<MessageDecl, EnumDecl, ConstDecl, FnDecl, FunctionDecl, IngressDecl, EgressDecl>;

// ---------------------------------------------------------------------------------- tests

// The statements of a `test "name" { ... }` block (docs/decisions/140-sfn-test.md). Their
// values are constant expressions; the checker resolves them into check::TestInfo.
// `send m to ingress;` or `send m to F(key);`
struct TestSend {
  ExprPtr message;
  ExprPtr target;
};
// `advance d;`
struct TestAdvance {
  ExprPtr duration;
};
// `expect F(key).state == value;`
struct TestExpectState {
  ExprPtr condition;
};
// `expect emitted egress [r1, r2];` (exactly these; `[]`: nothing), `expect emitted egress r;`
// (exactly this one) or `expect emitted egress contains [r1, r2];` (at least these).
struct TestExpectEmitted {
  Ident egress;
  bool contains = false;
  ExprPtr records;
};
// `expect failed F(key) "error text";`
struct TestExpectFailed {
  ExprPtr address;
  ExprPtr error;
};
struct TestStmt {
  Span span;
  std::variant<TestSend, TestAdvance, TestExpectState, TestExpectEmitted, TestExpectFailed, ErrorStmt> node;
};
struct TestDecl {
  std::string name;  // the decoded string
  Span name_span;    // the string literal
  std::vector<TestStmt> stmts;
  Doc doc;
  Span span;
};

// `import "path.sfn";` (path set, relative to the importing file) or `import std.x;` (module).
struct Import {
  std::optional<std::string> path;
  std::optional<QualifiedName> module;
  Span span;
};

struct File {
  source::FileId file = source::kNoFile;
  std::optional<QualifiedName> package;  // absent only after a syntax error
  std::vector<Import> imports;
  std::vector<Decl> decls;
  std::vector<TestDecl> tests;  // not declarations: never part of the deployed program
};

// A root file plus everything it imports, transitively; files[0] is the root. A file is present
// once even when imported several times or in a cycle.
struct Program {
  std::vector<File> files;
};

// Span of any declaration.
const Span& span_of(const Decl& decl);
// Name of any declaration.
const Ident& name_of(const Decl& decl);

}  // namespace sfn::ast
