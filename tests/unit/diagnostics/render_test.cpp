// Units for the diagnostic renderers and sources: the rustc-like text layout of LANGUAGE.md §8,
// the JSON shape of `sfn check --format json`, code-point columns, and --deny-warnings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/diagnostics/render.h"
#include "compiler/source/source.h"

using namespace sfn;

namespace {

struct Fixture {
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  source::FileId file;
  explicit Fixture(std::string text) { file = sources.add("shop.sfn", std::move(text)); }
  source::Span span(std::string_view needle) {
    auto pos = sources.file(file).text().find(needle);
    EXPECT_NE(pos, std::string::npos);
    return source::Span{file, static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(pos + needle.size())};
  }
};

const char* kProgram =
    "package shop;\n"
    "function Cart(user: string) {\n"
    "  on AddToCart(a) {\n"
    "    send Checkout { user: user } to Cart(user);\n"
    "  }\n"
    "}\n";

TEST(RenderText, MatchesTheRustcLayoutWithNoteAndHelp) {
  Fixture f(kProgram);
  auto& d = f.sink.report(diagnostics::Kind::E0301, f.span("send Checkout { user: user } to Cart(user);"),
                          "function `Cart` has no handler for message `Checkout`");
  d.notes.push_back({"`Cart` is declared here; it handles `AddToCart`", f.span("function Cart")});
  d.fixes.push_back({"add a handler `on Checkout(c) { ... }` to `Cart`", {}});
  std::string expected =
      "error[E0301]: function `Cart` has no handler for message `Checkout`\n"
      " --> shop.sfn:4:5\n"
      "  |\n"
      "4 |     send Checkout { user: user } to Cart(user);\n"
      "  |     ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
      "  |\n"
      "note: `Cart` is declared here; it handles `AddToCart`\n"
      "  --> shop.sfn:2:1\n"
      "help: add a handler `on Checkout(c) { ... }` to `Cart`\n";
  EXPECT_EQ(diagnostics::render_text(f.sink.diagnostics()[0], f.sources, false), expected);
}

// A long line (minified, generated, a 1 MB expression) is echoed as a window of 160 code points
// around the underlined column, cut with `…`, the carets still under the right text.
TEST(RenderText, LongLinesAreEchoedAroundTheSpan) {
  std::string line = std::string(1000, 'a') + "needle" + std::string(1000, 'b');
  Fixture f("package p;\n" + line + "\n");
  auto& d = f.sink.report(diagnostics::Kind::E0001, f.span("needle"), "found it");
  std::string shown = diagnostics::render_text(d, f.sources, false);
  std::string echo = "…" + std::string(40, 'a') + "needle" + std::string(114, 'b') + "…";
  std::string carets = std::string(41, ' ') + "^^^^^^";
  EXPECT_EQ(shown, "error[E0001]: found it\n --> shop.sfn:2:1001\n  |\n2 | " + echo + "\n  | " + carets + "\n");
  // Short lines are echoed whole.
  Fixture g("package p;\nlet needle;\n");
  std::string whole =
      diagnostics::render_text(g.sink.report(diagnostics::Kind::E0001, g.span("needle"), "x"), g.sources, false);
  EXPECT_NE(whole.find("2 | let needle;\n  |     ^^^^^^\n"), std::string::npos) << whole;
}

TEST(RenderText, ColoursOnlyWhenAsked) {
  Fixture f(kProgram);
  f.sink.report(diagnostics::Kind::W0503, f.span("a)"), "unused parameter `a`");
  const auto& d = f.sink.diagnostics()[0];
  EXPECT_EQ(diagnostics::render_text(d, f.sources, false).find('\x1b'), std::string::npos);
  EXPECT_NE(diagnostics::render_text(d, f.sources, true).find("\x1b[1;33mwarning[W0503]"), std::string::npos);
}

TEST(RenderJson, HasTheDocumentedShape) {
  Fixture f(kProgram);
  auto& d = f.sink.report(diagnostics::Kind::E0301, f.span("Checkout {"), "no handler");
  d.notes.push_back({"declared here", f.span("function Cart")});
  source::Span insert{f.file, 90, 90};
  d.fixes.push_back({"add a handler", {{insert, "  on Checkout(c) {\n  }\n"}}});
  auto j = nlohmann::json::parse(diagnostics::render_json(f.sink.diagnostics()[0], f.sources));
  EXPECT_EQ(j["code"], "E0301");
  EXPECT_EQ(j["severity"], "error");
  EXPECT_EQ(j["message"], "no handler");
  EXPECT_EQ(j["file"], "shop.sfn");
  EXPECT_EQ(j["line"], 4);
  EXPECT_EQ(j["column"], 10);
  EXPECT_EQ(j["end_line"], 4);
  EXPECT_EQ(j["end_column"], 20);
  ASSERT_EQ(j["notes"].size(), 1u);
  EXPECT_EQ(j["notes"][0]["line"], 2);
  EXPECT_EQ(j["notes"][0]["column"], 1);
  ASSERT_EQ(j["fixes"].size(), 1u);
  EXPECT_EQ(j["fixes"][0]["edits"][0]["text"], "  on Checkout(c) {\n  }\n");
}

TEST(Sources, ColumnsCountCodePoints) {
  source::SourceManager sources;
  auto id = sources.add("u.sfn", "let s = \"héllo\"; x\n");
  const auto& file = sources.file(id);
  auto x = static_cast<std::uint32_t>(file.text().find('x'));
  EXPECT_EQ(file.line_col(x).column, 18u);  // 'é' is two bytes but one column
  EXPECT_EQ(file.offset_of(file.line_col(x)), x);
}

TEST(Sink, DenyWarningsPromotesEarlierAndLaterWarnings) {
  Fixture f(kProgram);
  f.sink.report(diagnostics::Kind::W0503, f.span("a)"), "unused");
  EXPECT_FALSE(f.sink.has_errors());
  f.sink.deny_warnings();
  EXPECT_TRUE(f.sink.has_errors());
  f.sink.report(diagnostics::Kind::W0505, f.span("send"), "unreachable");
  EXPECT_EQ(f.sink.error_count(), 2u);
}

TEST(Kinds, CodesAreUniqueAndFindable) {
  for (const auto& k : diagnostics::all_kinds()) {
    auto found = diagnostics::kind_from_code(k.code);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(*found, k.kind);
  }
  EXPECT_FALSE(diagnostics::kind_from_code("E9999").has_value());
}

}  // namespace
