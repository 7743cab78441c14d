// The IR lowering on small programs: message layout per the ABI rules, state and schema tables,
// and the shape of lowered bodies (temporaries, checked operations with locations, wraps,
// short-circuit operators), checked through the structures and the printer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "lowered.h"
#include "stdlib/std_modules.h"

namespace sfn::ir {
namespace {

using test::Lowered;

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// What the lowering cannot handle is an error value (decision 142), not an exception: a checked
// program it cannot read (here: its locals' resolutions dropped) fails deep in a body and the
// recursion unwinds normally; a program the checker found errors in is refused.
TEST(IrLower, WhatItCannotLowerIsAnError) {
  Lowered l(R"(package p;
message M { n: int; }
ingress ms(m: M) -> F("x");
function F(k: string) { on M(m) { if m.n > 0 { while m.n > 1 { let a = m.n + 1; } } } }
)");
  ASSERT_TRUE(l.module) << l.error;
  l.checked->local_of.clear();
  auto failed = lower_program(*l.checked, l.sources);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::failed);
  EXPECT_EQ(failed.error().message, "unresolved local `a`");
  l.checked->has_errors = true;
  auto refused = lower_program(*l.checked, l.sources);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "the program has errors");
}

TEST(IrLayout, FieldsFollowAbiSlots) {
  Lowered l(R"(package p;
message M { flag: bool; n: int; name: string; e: E; opt: int?; xs: list<int>; b: bool; }
enum E { A, B }
ingress ms(m: M) -> F(m.name);
function F(k: string) { on M(m) { } }
)");
  ASSERT_TRUE(l.module) << l.error;
  const Message& m = l.module->messages[0];
  ASSERT_EQ(m.fields.size(), 7u);
  EXPECT_EQ(m.fields[0].offset, 0u);   // bool
  EXPECT_EQ(m.fields[1].offset, 8u);   // int aligned to 8
  EXPECT_EQ(m.fields[2].offset, 16u);  // string (16)
  EXPECT_EQ(m.fields[3].offset, 32u);  // enum (4)
  EXPECT_EQ(m.fields[4].offset, 40u);  // int? = {present, pad, value}: 16 bytes, align 8
  EXPECT_EQ(m.fields[5].offset, 56u);  // list (24)
  EXPECT_EQ(m.fields[6].offset, 80u);  // bool
  EXPECT_EQ(m.size, 88u);
  EXPECT_EQ(m.align, 8u);
  EXPECT_TRUE(m.fields[0].required);
  EXPECT_FALSE(m.fields[4].required);  // optional defaults to none
  EXPECT_FALSE(m.fields[5].required);  // list defaults to []
  EXPECT_EQ(m.full_name, "p.M");
}

TEST(IrLayout, OptionalMessageIsAPointerAndNestedMessagesAreInline) {
  Lowered l(R"(package p;
message Inner { a: bool; }
message Outer { i: Inner; o: Outer?; c: bool = true; }
ingress os(o: Outer) -> F("x");
function F(k: string) { on Outer(o) { } }
)");
  ASSERT_TRUE(l.module) << l.error;
  const Message& inner = l.module->messages[0];
  const Message& outer = l.module->messages[1];
  EXPECT_EQ(inner.size, 1u);
  EXPECT_EQ(outer.fields[0].offset, 0u);
  EXPECT_EQ(outer.fields[1].offset, 8u);  // pointer
  EXPECT_EQ(outer.fields[2].offset, 16u);
  EXPECT_EQ(outer.size, 24u);
  EXPECT_TRUE(outer.has_nonzero_defaults);
  ASSERT_TRUE(outer.fields[2].default_value.has_value());
}

TEST(IrSchema, FunctionsStatesIngressesEgresses) {
  Lowered l(R"(package p;
message G { name: string; }
message O { text: string; }
ingress gs(g: G) -> F(g.name);
egress out: O;
function F(name: string) {
  state seen: int = 3;
  state last: string? expires 5m after call;
  on G(g) { seen += 1; emit O { text: "${name} ${seen}" } to out; }
}
)");
  ASSERT_TRUE(l.module) << l.error;
  const Module& m = *l.module;
  ASSERT_EQ(m.functions.size(), 1u);
  EXPECT_EQ(m.functions[0].type_name, "p/F");
  ASSERT_EQ(m.functions[0].states.size(), 2u);
  EXPECT_TRUE(m.functions[0].states[0].nonzero_init);
  EXPECT_EQ(m.functions[0].states[1].expiry, State::Expiry::AfterCall);
  EXPECT_EQ(m.functions[0].states[1].expiry_ns, 300000000000);
  ASSERT_EQ(m.egresses.size(), 1u);  // dead_letters is the runtime's
  EXPECT_EQ(m.egresses[0].name, "out");
  ASSERT_EQ(m.ingresses.size(), 1u);
  EXPECT_EQ(m.bodies[m.ingresses[0].route].kind, Body::Kind::Route);
  std::string text = l.printed();
  // The compound assignment reads the mutable state slot and adds with an overflow check.
  EXPECT_TRUE(contains(text, "= add state.seen!w, 1 @")) << text;
  EXPECT_TRUE(contains(text, "state.seen!w <- %")) << text;
  EXPECT_TRUE(contains(text, "format {name#0} \" \" {state.seen}")) << text;
  EXPECT_TRUE(contains(text, "emit %")) << text;
}

TEST(IrBodies, ChecksCarrySourceLocations) {
  Lowered l(R"(package p;
message G { a: int; b: int; xs: list<int>; o: int?; }
ingress gs(g: G) -> F("k");
function F(k: string) {
  on G(g) {
    let q = g.a / g.b;
    let e = g.xs[q];
    let u = g.o!;
    log("${q} ${e} ${u}");
  }
}
)");
  ASSERT_TRUE(l.module) << l.error;
  std::string text = l.printed();
  EXPECT_TRUE(contains(text, "q#3: int = div g#1.0, g#1.1 @")) << text;
  EXPECT_TRUE(contains(text, "[q#3 @")) << text;
  EXPECT_TRUE(contains(text, "unwrap g#1.3 @")) << text;
  // The division's location is on line 6 of t.sfn.
  bool found = false;
  for (const auto& loc : l.module->locs)
    if (loc.file == "t.sfn" && loc.line == 6 && loc.col > 10) found = true;
  EXPECT_TRUE(found);
}

TEST(IrBodies, WrapsShortCircuitsAndCoalesce) {
  Lowered l(R"(package p;
message G { a: int; o: int?; }
ingress gs(g: G) -> F("k");
function F(k: string) {
  state last: int?;
  on G(g) {
    last = g.a;
    let ok = g.a > 0 && g.a < 10;
    let v = g.o ?? 7;
    if (ok) { last = none; }
    log("${v}");
  }
}
)");
  ASSERT_TRUE(l.module) << l.error;
  std::string text = l.printed();
  EXPECT_TRUE(contains(text, "= wrap g#1.0")) << text;
  EXPECT_TRUE(contains(text, "= is_present g#1.1")) << text;
  EXPECT_TRUE(contains(text, "= get g#1.1")) << text;
  EXPECT_TRUE(contains(text, "zero int?")) << text;
}

TEST(IrBodies, LoopsSendAndTimers) {
  Lowered l(R"(package p;
message G { n: int; }
message T { }
ingress gs(g: G) -> F("k");
function F(k: string) {
  state t: timer?;
  on G(g) {
    var sum = 0;
    for (i in 0..g.n) { sum += i; }
    for (x in [1, 2]) { if (x == 2) { break; } }
    while (sum > 100) { sum -= 1; }
    t = send T {} to self after 5s;
  }
  on T { clear t; }
}
)");
  ASSERT_TRUE(l.module) << l.error;
  std::string text = l.printed();
  EXPECT_TRUE(contains(text, "for i#")) << text;
  EXPECT_TRUE(contains(text, "in list")) << text;
  EXPECT_TRUE(contains(text, "loop\n")) << text;
  EXPECT_TRUE(contains(text, "send %")) << text;
  EXPECT_TRUE(contains(text, "after 5000000000ns -> %")) << text;
  EXPECT_TRUE(contains(text, "clear t")) << text;
}

TEST(IrPrograms, EveryExampleLowers) {
  namespace fs = std::filesystem;
  fs::path examples = fs::path(SFN_SOURCE_DIR) / "examples";
  int count = 0;
  for (const auto& dir : fs::directory_iterator(examples)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() != ".sfn") continue;
      source::SourceManager sources;
      diagnostics::DiagnosticSink sink;
      auto program =
          parse::load_program(sources, f.path().string(), stdlib::std_module_source, sink, stdlib::std_module_names());
      ASSERT_TRUE(program) << f.path() << ": " << program.error().message;
      auto checked = check::check_program(program.value(), sources, sink);
      ASSERT_FALSE(checked.has_errors) << f.path();
      auto module = lower_program(checked, sources);
      ASSERT_TRUE(module) << f.path() << ": " << module.error().message;
      EXPECT_FALSE(print_module(*module.value()).empty());
      ++count;
    }
  }
  EXPECT_GE(count, 5);
}

}  // namespace
}  // namespace sfn::ir
