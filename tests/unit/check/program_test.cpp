// The checker on small parsed programs: declaration tables, resolutions, constant values, the
// routing graph, and the shape (notes, fixes) of the flagship diagnostics.
#include <gtest/gtest.h>

#include "compiler/check/checked_program.h"
#include "compiler/parse/parse.h"

namespace sfn::check {
namespace {

struct Checked {
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  ast::Program program;
  CheckedProgram out;

  explicit Checked(const std::string& text) {
    auto id = sources.add("test.sfn", text);
    program.files.push_back(parse::parse_file(sources, id, sink));
    out = check_program(program, sources, sink);
  }
  std::vector<std::string> codes() const {
    std::vector<std::string> c;
    for (const auto& d : sink.diagnostics()) c.emplace_back(diagnostics::info(d.kind).code);
    return c;
  }
};

const char* kShop = R"(package shop;

message AddToCart { user: string; sku: string; }
message Reserve { sku: string; reply_to: ref<Cart>; }
message Reserved { sku: string; }
message Receipt { user: string; count: int = 0; }

const LIMIT: int = 2 * 3;

ingress adds(a: AddToCart) -> Cart(a.user);
egress receipts: Receipt;

function Cart(user: string) {
  state items: list<string> = [];

  on AddToCart(a) {
    send Reserve { sku: a.sku, reply_to: self } to Stock(a.sku);
  }

  on Reserved(r) {
    items.push(r.sku);
    if (items.len() < LIMIT) {
      emit Receipt { user: user, count: items.len() } to receipts;
    }
  }
}

function Stock(sku: string) {
  on Reserve(r) {
    let t = send Reserved { sku: sku } to r.reply_to after 5s;
  }
}
)";

TEST(CheckProgram, DeclarationTables) {
  Checked c(kShop);
  ASSERT_TRUE(c.codes().empty() || c.codes() == std::vector<std::string>{"W0503"});
  EXPECT_EQ(c.out.package, "shop");
  ASSERT_EQ(c.out.messages.size(), 4u);
  const auto& receipt = c.out.messages[c.out.find_message("Receipt")];
  ASSERT_EQ(receipt.fields.size(), 2u);
  EXPECT_EQ(receipt.fields[1].number, 2u);
  ASSERT_TRUE(receipt.fields[1].default_value.has_value());
  EXPECT_FALSE(receipt.fields[0].default_value.has_value());  // required
  ASSERT_EQ(c.out.consts.size(), 1u);
  ASSERT_TRUE(c.out.consts[0].value.has_value());
  EXPECT_EQ(c.out.consts[0].value->i, 6);
  std::uint32_t cart = c.out.find_function("Cart");
  ASSERT_NE(cart, kNone);
  EXPECT_EQ(c.out.functions[cart].type_name, "shop/Cart");
  EXPECT_EQ(c.out.functions[cart].states[0].type, c.out.types->list(c.out.types->string_type()));
  EXPECT_EQ(c.out.egresses[0].name, "dead_letters");
  EXPECT_TRUE(c.out.egresses[0].builtin);
}

TEST(CheckProgram, RoutingGraph) {
  Checked c(kShop);
  std::uint32_t cart = c.out.find_function("Cart");
  std::uint32_t stock = c.out.find_function("Stock");
  int ingress = 0, sends = 0, delayed = 0, emits = 0;
  for (const auto& e : c.out.routes) {
    switch (e.kind) {
      case RouteEdge::Kind::Ingress:
        ++ingress;
        EXPECT_EQ(e.to_function, cart);
        EXPECT_EQ(e.from, RouteEdge::From::Ingress);
        break;
      case RouteEdge::Kind::Send:
        ++sends;
        EXPECT_EQ(e.from_function, cart);
        EXPECT_EQ(e.to_function, stock);
        EXPECT_EQ(e.message, c.out.find_message("Reserve"));
        break;
      case RouteEdge::Kind::DelayedSend:
        ++delayed;  // the reply through the `ref<Cart>` field
        EXPECT_EQ(e.from_function, stock);
        EXPECT_EQ(e.to_function, cart);
        EXPECT_EQ(e.message, c.out.find_message("Reserved"));
        break;
      case RouteEdge::Kind::Emit:
        ++emits;
        EXPECT_EQ(e.to_egress, c.out.find_egress("receipts"));
        break;
    }
  }
  EXPECT_EQ(ingress, 1);
  EXPECT_EQ(sends, 1);
  EXPECT_EQ(delayed, 1);
  EXPECT_EQ(emits, 1);
}

TEST(CheckProgram, ResolutionsAndTypes) {
  Checked c(kShop);
  int locals = 0, states = 0, consts = 0, addresses = 0, methods = 0, fields = 0;
  for (const auto& [expr, r] : c.out.resolutions) {
    switch (r.kind) {
      case Resolution::Kind::Local:
        ++locals;
        break;
      case Resolution::Kind::State:
        ++states;
        break;
      case Resolution::Kind::Const:
        ++consts;
        break;
      case Resolution::Kind::Address:
        ++addresses;
        break;
      case Resolution::Kind::Method:
        ++methods;
        break;
      case Resolution::Kind::Field:
        ++fields;
        break;
      default:
        break;
    }
    EXPECT_NE(c.out.type_of(expr), nullptr);
  }
  EXPECT_GT(locals, 0);
  EXPECT_EQ(states, 3);  // items.push, items.len() twice
  EXPECT_EQ(consts, 1);
  EXPECT_EQ(addresses, 2);  // Cart(a.user), Stock(a.sku)
  EXPECT_GE(methods, 3);
  EXPECT_GE(fields, 4);
  for (const auto& [expr, t] : c.out.expr_types) EXPECT_FALSE(t->is_error());
}

TEST(CheckProgram, MissingHandlerDiagnostic) {
  Checked c(R"(package shop;
message AddToCart { user: string; }
message ItemAvailability { sku: string; }
message Checkout { user: string; }
ingress adds(a: AddToCart) -> Cart(a.user);
function Cart(user: string) {
  on AddToCart(a) { send ItemAvailability { sku: a.user } to self; }
  on ItemAvailability(i) { send Checkout { user: user } to Cart(user); }
}
)");
  ASSERT_EQ(c.codes(), std::vector<std::string>{"E0301"});
  const auto& d = c.sink.diagnostics()[0];
  EXPECT_EQ(d.message, "function `Cart` has no handler for message `Checkout`");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].message, "`Cart` is declared here; it handles `AddToCart`, `ItemAvailability`");
  ASSERT_EQ(d.fixes.size(), 1u);
  EXPECT_EQ(d.fixes[0].message, "add a handler `on Checkout(c) { ... }` to `Cart`");
  EXPECT_TRUE(c.out.has_errors);
}

TEST(CheckProgram, PoisonDoesNotCascade) {
  Checked c(R"(package p;
fn f(x: int) -> int {
  let y = undefined_name + 1;
  let z = y * 2 + y.len();
  return z;
}
)");
  EXPECT_EQ(c.codes(), std::vector<std::string>{"E0101"});
}

TEST(CheckProgram, UnusedFixRenamesWithUnderscore) {
  Checked c(R"(package p;
fn f(x: int) -> int {
  let unused = 3;
  return x;
}
)");
  ASSERT_EQ(c.codes(), std::vector<std::string>{"W0503"});
  const auto& d = c.sink.diagnostics()[0];
  ASSERT_EQ(d.fixes.size(), 1u);
  ASSERT_EQ(d.fixes[0].edits.size(), 1u);
  EXPECT_EQ(d.fixes[0].edits[0].replacement, "_unused");
  EXPECT_FALSE(c.out.has_errors);
}

TEST(CheckProgram, IngressTypesCountAsConstructed) {
  Checked c(R"(package p;
message Item { sku: string; }
message Order { id: string; items: list<Item>; }
ingress orders(o: Order) -> Shop(o.id);
function Shop(id: string) {
  on Order(o) { log("${o.items.len()}"); }
}
)");
  EXPECT_TRUE(c.codes().empty());
}

}  // namespace
}  // namespace sfn::check

namespace sfn::check {
namespace {

TEST(CheckProgram, ConstantValues) {
  Checked c(R"(package p;
enum Level { LOW, HIGH }
message Point { x: int; y: int = 7; tags: list<string>; }
const B: int = A * 2;
const A: int = 21;
const M: map<string, int> = {"b": 2, "a": 1};
const P: Point = Point { x: B };
const L: Level = Level.HIGH;
const D: duration = 1m + 30s;
const S: string = "a" + "b";
)");
  ASSERT_TRUE(c.codes().empty());
  auto value = [&](const std::string& name) -> const ConstValue& {
    return *c.out.consts[c.out.globals.at(name).index].value;
  };
  EXPECT_EQ(value("B").i, 42);  // order-independent
  const ConstValue& m = value("M");
  ASSERT_EQ(m.items.size(), 4u);  // sorted by key
  EXPECT_EQ(m.items[0].s, "a");
  EXPECT_EQ(m.items[1].i, 1);
  const ConstValue& p = value("P");
  ASSERT_EQ(p.items.size(), 3u);
  EXPECT_EQ(p.items[0].i, 42);
  EXPECT_EQ(p.items[1].i, 7);  // field default
  EXPECT_EQ(p.items[2].kind, ConstValue::Kind::List);
  EXPECT_EQ(value("L").i, 1);
  EXPECT_EQ(value("D").i, 90'000'000'000LL);
  EXPECT_EQ(value("S").s, "ab");
}

TEST(CheckProgram, RecursionNotesTheCycle) {
  Checked c(R"(package p;
message A { b: B; }
message B { a: A; }
)");
  ASSERT_EQ(c.codes(), std::vector<std::string>{"E0207"});
  const auto& d = c.sink.diagnostics()[0];
  EXPECT_EQ(d.notes.size(), 2u);
  ASSERT_EQ(d.fixes.size(), 1u);
  EXPECT_EQ(d.fixes[0].edits.size(), 1u);
  EXPECT_EQ(d.fixes[0].edits[0].replacement, "?");
}

// A program whose messages form one chain `n` long, M0 { c: M1; } ... ending in `v: int`, and a
// cycle back to M0 through an optional when `closed`.
std::string message_chain(int n, bool closed) {
  std::string text = "package p;\n";
  for (int i = 0; i < n; ++i)
    text += "message M" + std::to_string(i) + " { " +
            (i + 1 < n ? "c: M" + std::to_string(i + 1) + ";" : std::string("v: int;")) +
            (i + 1 == n && closed ? " back: M0?;" : "") + " }\n";
  return text;
}

TEST(CheckProgram, ValueDepthIsReportedAtTheInnermostMessageOverTheLimitWithItsPath) {
  Checked at_limit(message_chain(64, false));
  EXPECT_EQ(at_limit.sink.error_count(), 0u);
  Checked over(message_chain(66, false));
  // M0 (66) holds M1 (65), which holds M2 (64): only M1 is reported.
  ASSERT_EQ(over.codes(), std::vector<std::string>{"E0208"});
  const auto& d = over.sink.diagnostics()[0];
  std::string path = "c";
  for (int i = 1; i < 64; ++i) path += ".c";
  EXPECT_EQ(d.message, "message `M1` is nested 65 levels deep (through `" + path +
                           "`), more than the 64 levels the runtime loads");
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].message, "field `c` holds values 64 levels deep");
  ASSERT_EQ(d.fixes.size(), 1u);
  EXPECT_TRUE(d.fixes[0].edits.empty());
  // Recursion through an optional is measured without it: the whole chain is one component,
  // each field into it counts one level, so nothing is too deep.
  Checked cycle(message_chain(66, true));
  EXPECT_EQ(cycle.sink.error_count(), 0u);
}

// Both walks of the message graph (E0207, E0208) use explicit stacks: a chain of 100,000
// messages (2.7 MB of source) ended in SIGSEGV in the recursive E0207 walk.
TEST(CheckProgram, AChainOfAHundredThousandMessagesIsCheckedWithoutRecursion) {
  Checked c(message_chain(100000, false));
  ASSERT_EQ(c.codes(), std::vector<std::string>{"E0208"});
  EXPECT_EQ(c.sink.diagnostics()[0].message.rfind("message `M99935` is nested 65 levels deep", 0), 0u)
      << c.sink.diagnostics()[0].message;
  Checked direct("package p;\n" + message_chain(100000, false).substr(11) + "message Z { a: M0; }\n" +
                 "message Y { z: Z; y: Y; }\n");
  EXPECT_EQ(c.out.messages.size(), 100000u);
  EXPECT_EQ(direct.codes(), (std::vector<std::string>{"E0207", "E0208"}));
}

TEST(CheckProgram, UnreachableReportedOncePerBlock) {
  Checked c(R"(package p;
fn f(x: int) -> int {
  return x;
  log("a");
  log("b");
}
)");
  EXPECT_EQ(c.codes(), std::vector<std::string>{"W0505"});
}

TEST(CheckProgram, StdModuleNeedsImportInTheCallingFile) {
  Checked c(R"(package p;
fn f(xs: list<string>) -> string {
  return strings.join(xs, ",");
}
)");
  ASSERT_EQ(c.codes(), std::vector<std::string>{"E0101"});
  ASSERT_EQ(c.sink.diagnostics()[0].fixes.size(), 1u);
  EXPECT_EQ(c.sink.diagnostics()[0].fixes[0].message, "add `import std.strings;` after the package line");
}

// The built-ins come from compiler/check/builtins.def: calls resolve to them, a bare name is
// "call it", and the "did you mean" of an unknown function offers them (not the conversions).
TEST(CheckProgram, BuiltinsComeFromTheirTable) {
  Checked c(R"(package p;
fn f(x: int) -> int {
  lgo("x");
  let t = now;
  return abss(max(x, 1));
}
)");
  ASSERT_EQ(c.codes(), (std::vector<std::string>{"E0101", "E0201", "E0101"}));
  const auto& d = c.sink.diagnostics();
  EXPECT_EQ(d[0].message, "unknown function `lgo`");
  ASSERT_EQ(d[0].fixes.size(), 1u);
  EXPECT_EQ(d[0].fixes[0].message, "did you mean `log`?");
  EXPECT_EQ(d[1].message, "`now` is a built-in function; call it: `now(...)`");
  ASSERT_EQ(d[2].fixes.size(), 1u);
  EXPECT_EQ(d[2].fixes[0].message, "did you mean `abs`?");
  Checked conversion(R"(package p;
fn f(x: float) -> int {
  return int(x);
}
)");
  EXPECT_TRUE(conversion.codes().empty());
}

}  // namespace
}  // namespace sfn::check
