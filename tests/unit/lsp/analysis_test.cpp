// The index of an analysis: every use of a name leads to its declaration, with its type.
#include <gtest/gtest.h>

#include "compiler/lsp/analysis.h"

namespace sfn::lsp {
namespace {

const char* kProgram = R"(package t;

import std.strings;

message Ping {
  id: string;
}

ingress pings(p: Ping) -> Pinger(p.id);

function Pinger(key: string) {
  state seen: list<string> = [];

  on Ping(p) {
    let name = strings.repeat(p.id, 2);
    seen.push(name);
  }
}
)";

std::uint32_t offset_of(const std::string& text, const std::string& needle, int nth = 0) {
  std::size_t at = text.find(needle);
  for (int i = 0; i < nth; ++i) at = text.find(needle, at + 1);
  return static_cast<std::uint32_t>(at);
}

TEST(Analysis, ResolvesEveryKindOfName) {
  auto a = analyze("/virtual/t.sfn", {{"/virtual/t.sfn", kProgram}});
  ASSERT_NE(a->root, source::kNoFile);
  EXPECT_FALSE(a->sink.has_errors());
  const std::string text = kProgram;
  auto symbol_at = [&](const std::string& needle, int nth) -> std::string {
    const Occurrence* o = a->occurrence_at(a->root, offset_of(text, needle, nth) + 1);
    return o ? o->symbol : "";
  };
  EXPECT_EQ(symbol_at("Ping", 1), "message:Ping");       // the ingress parameter's type
  EXPECT_EQ(symbol_at("Pinger", 0), "function:Pinger");  // the route
  EXPECT_EQ(symbol_at("id", 1), "field:Ping.id");        // p.id in the route
  EXPECT_EQ(symbol_at("seen", 1), "state:Pinger.seen");
  EXPECT_EQ(symbol_at("repeat", 0), "fn:strings.repeat");
  const std::string local = symbol_at("name", 1);
  EXPECT_EQ(local.rfind("local:", 0), 0u);
  EXPECT_EQ(a->symbols.at(local).detail, "let name: string");
  EXPECT_EQ(a->references("message:Ping").size(), 3u);  // declaration, parameter type, handler
  EXPECT_TRUE(a->symbols.at("fn:strings.repeat").is_std);
}

TEST(Analysis, SurvivesAnyText) {
  for (const char* text : {"", "package", "}}}}", "package a;\nfunction F(k: int) { on X(x) { x.y.z(1,,); } }",
                           "package a;\nmessage M { a: M; }\nconst C: int = C;"}) {
    auto a = analyze("/virtual/x.sfn", {{"/virtual/x.sfn", text}});
    EXPECT_NE(a->root, source::kNoFile) << text;
  }
}

}  // namespace
}  // namespace sfn::lsp
