// compiler/compat on small parsed programs: what the schema holds and what it ignores, its JSON
// text, and the E0601/W0602 diagnostics' locations, notes and fixes (the messages of every rule
// are covered by the file tests in tests/compiler/ok_compat/ and fail_compat/).
#include <gtest/gtest.h>

#include "compiler/compat/compat.h"
#include "compiler/parse/parse.h"

namespace sfn::compat {
namespace {

struct Checked {
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  diagnostics::DiagnosticSink compat;  // what check_compatible reports
  ast::Program program;
  check::CheckedProgram out;

  explicit Checked(const std::string& text) {
    auto id = sources.add("test.sfn", text);
    program.files.push_back(parse::parse_file(sources, id, sink));
    out = check::check_program(program, sources, sink);
  }
  // The line:column of a span in test.sfn.
  std::string where(const source::Span& span) const {
    auto lc = sources.file(span.file).line_col(span.begin);
    return std::to_string(lc.line) + ":" + std::to_string(lc.column);
  }
};

const char* kShop = R"(package shop;

message Item { sku: string; qty: int = 1; tags: list<string>; }
message Added { user: string; item: Item; }
enum Level { LOW, HIGH }

ingress adds(a: Added) -> Cart(a.user);
egress items: Item;

function Cart(user: string) {
  state items: list<Item> = [];
  state level: Level = Level.LOW;
  on Added(a) {
    items.push(a.item);
    emit a.item to items;
  }
}
)";

// The same program: other comments, layout, declaration order, initializers and handler code.
const char* kShopRewritten = R"(package shop;
/// Carts.
function Cart(user: string) {
  on Added(a) { items.push(a.item); items.push(a.item); emit a.item to items; }
  state level: Level = Level.HIGH;  // another initializer
  state items: list<Item> = [];
}
egress items: Item;
enum Level { LOW, HIGH }
ingress adds(a: Added) -> Cart(a.user);
message Added { user: string; item: Item; }
message Item {
  sku: string;
  qty: int = 1;
  tags: list<string>;
}
)";

TEST(Schema, HoldsWhatStoredAndInFlightDataDependOn) {
  Checked c(kShop);
  ASSERT_FALSE(c.sink.has_errors());
  Schema s = extract_schema(c.out);
  EXPECT_EQ(s.package, "shop");
  const std::vector<FieldSchema> item = {{"sku", "string", DefaultKind::Required},
                                         {"qty", "int", DefaultKind::Explicit},
                                         {"tags", "list<string>", DefaultKind::Natural}};
  EXPECT_EQ(s.messages.at("Item"), item);
  EXPECT_EQ(s.enums.at("Level"), (std::vector<std::string>{"LOW", "HIGH"}));
  const FunctionSchema cart{"string", {{"items", "list<Item>"}, {"level", "Level"}}, {"Added"}};
  EXPECT_EQ(s.functions.at("Cart"), cart);
  EXPECT_EQ(s.ingresses, (std::map<std::string, std::string>{{"adds", "Added"}}));
  EXPECT_EQ(s.egresses, (std::map<std::string, std::string>{{"items", "Item"}}));  // no dead_letters
}

TEST(Schema, IgnoresCommentsLayoutOrderInitializersAndHandlerCode) {
  Checked a(kShop), b(kShopRewritten);
  ASSERT_FALSE(a.sink.has_errors());
  ASSERT_FALSE(b.sink.has_errors());
  EXPECT_EQ(schema_text(a.out), schema_text(b.out));
}

TEST(Schema, TextRoundTrips) {
  Checked c(kShop);
  const std::string text = schema_text(c.out);
  Result<Schema> parsed = parse_schema(text);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed.value(), extract_schema(c.out));
  EXPECT_EQ(to_json(parsed.value()), text);
}

TEST(Schema, OtherTextsAreRefusedWithAReason) {
  EXPECT_NE(parse_schema("not json").error().message.find("not a program schema"), std::string::npos);
  EXPECT_NE(parse_schema("{}").error().message.find("format"), std::string::npos);
  EXPECT_NE(parse_schema(R"({"format":2})").error().message.find("format 2, expected 1"), std::string::npos);
  Checked c(kShop);
  std::string text = schema_text(c.out);
  text.replace(text.find("\"explicit\""), 10, "\"sometimes\"");
  Result<Schema> bad = parse_schema(text);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("sometimes"), std::string::npos) << bad.error().message;
}

// Reports `now` against the schema of `old`; returns the number of errors.
std::size_t compare(const char* old, Checked& now) {
  Checked before(old);
  EXPECT_FALSE(before.sink.has_errors());
  EXPECT_FALSE(now.sink.has_errors());
  return check_compatible(extract_schema(before.out), now.out, now.compat);
}

TEST(Compatible, TheSameSchemaReportsNothing) {
  Checked now(kShopRewritten);
  EXPECT_EQ(compare(kShop, now), 0u);
  EXPECT_TRUE(now.compat.diagnostics().empty());
}

TEST(Compatible, ANestedMessageChangeNamesTheStatesThatHoldIt) {
  std::string text = kShop;
  text.replace(text.find("qty: int = 1"), 12, "qty: float = 1.0");
  Checked now(text);
  EXPECT_EQ(compare(kShop, now), 1u);
  ASSERT_EQ(now.compat.diagnostics().size(), 1u);
  const auto& d = now.compat.diagnostics()[0];
  EXPECT_EQ(d.kind, diagnostics::Kind::E0601);
  EXPECT_EQ(now.where(d.span), "3:34");  // the new field's type
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_EQ(d.notes[0].message, "state `Cart.items` holds `Item` values");
  EXPECT_EQ(now.where(d.notes[0].span), "11:16");
}

TEST(Compatible, AFieldWithoutADefaultComesWithAFix) {
  std::string text = kShop;
  text.replace(text.find("tags: list<string>; }"), 21, "tags: list<string>; count: int; }");
  Checked now(text);
  EXPECT_EQ(compare(kShop, now), 1u);
  ASSERT_EQ(now.compat.diagnostics().size(), 1u);
  const auto& d = now.compat.diagnostics()[0];
  EXPECT_EQ(now.where(d.span), "3:63");
  ASSERT_EQ(d.fixes.size(), 1u);
  EXPECT_EQ(d.fixes[0].message, "give it a default, e.g. `count: int = ...`, or make it optional");
}

TEST(Compatible, AMessageThatBecomesAnEnumIsAnError) {
  const char* old =
      "package p;\nmessage M { x: int; }\ningress i(m: M) -> F(\"k\");\n"
      "function F(k: string) { on M(m) { log(string(m.x)); } }\n";
  const char* now_text =
      "package p;\nenum M { A }\nmessage N { m: M; }\ningress i(n: N) -> F(\"k\");\n"
      "function F(k: string) { on N(n) { log(string(n.m)); } }\n";
  Checked now(now_text);
  EXPECT_EQ(compare(old, now), 2u);  // the kind, and the ingress's record type
  ASSERT_EQ(now.compat.diagnostics().size(), 2u);
  EXPECT_EQ(now.compat.diagnostics()[0].message,
            "`M` was a message type and is now an enum: `M` values stored in state or in flight (timers, "
            "recorded in-flight messages, ingress logs) could not be read");
}

TEST(Compatible, WarningsAreNotCountedAsErrors) {
  std::string text = kShop;
  text.replace(text.find("  state level: Level = Level.LOW;\n"), 34, "");
  Checked now(text);
  EXPECT_EQ(compare(kShop, now), 0u);
  ASSERT_EQ(now.compat.diagnostics().size(), 1u);
  EXPECT_EQ(now.compat.diagnostics()[0].kind, diagnostics::Kind::W0602);
  EXPECT_EQ(now.compat.diagnostics()[0].message, "state `Cart.level` was removed: its stored values are deleted");
  EXPECT_EQ(now.where(now.compat.diagnostics()[0].span), "10:10");
}

// The entry point for hot reload and restarts takes the recorded text.
TEST(Compatible, FromTheRecordedText) {
  Checked before(kShop);
  const std::string recorded = schema_text(before.out);
  Checked same(kShopRewritten);
  EXPECT_TRUE(check_compatible(recorded, same.out, same.compat).accepted());
  std::string text = kShop;
  text.replace(text.find("user: string) {"), 15, "user: int) {");
  text.replace(text.find("Cart(a.user)"), 12, "Cart(1)");
  Checked now(text);
  Verdict v = check_compatible(recorded, now.out, now.compat);
  EXPECT_FALSE(v.accepted());
  EXPECT_EQ(v.errors, 1u);
  ASSERT_EQ(now.compat.diagnostics().size(), 1u);
  EXPECT_NE(now.compat.diagnostics()[0].message.find("key type changed from `string` to `int`"), std::string::npos);
  Verdict unreadable = check_compatible(std::string_view("{\"format\": 1}"), now.out, now.compat);
  EXPECT_FALSE(unreadable.accepted());
  EXPECT_NE(unreadable.unreadable.find("not a program schema"), std::string::npos) << unreadable.unreadable;
  EXPECT_EQ(now.compat.diagnostics().size(), 1u);  // nothing more reported
}

}  // namespace
}  // namespace sfn::compat
