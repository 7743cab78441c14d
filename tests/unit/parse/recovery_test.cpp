// Tests of syntax error reporting: wording, positions, recovery to later errors, no cascades,
// imports through load_program, and robustness (no crash or hang on truncated, mutilated or
// deeply nested input).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "compiler/diagnostics/render.h"
#include "tests/unit/parse/parse_test_support.h"

namespace sfn::parse {
namespace {

constexpr std::size_t kMaxErrorsForTest = 101;

std::string body(const std::string& statements) { return "package t;\nfn f() {\n" + statements + "\n}\n"; }

TEST(Errors, MissingSemicolon) {
  Parsed p(body("let x = 1\nlet y = 2;"));
  EXPECT_EQ(p.diagnostics(), "4:1: expected `;`, found keyword `let`\n");
  // Both statements are still there.
  EXPECT_EQ(std::get<ast::FnDecl>(p.file.decls.at(0)).body->stmts.size(), 2u);
}

TEST(Errors, MissingSemicolonAfterAssignment) {
  Parsed p(body("x = 2\nemit M {} to o;"));
  EXPECT_EQ(p.diagnostics(), "4:1: expected `;`, found keyword `emit`\n");
  // The repair is exact (one `;` inserted), so a mistake in the next statement is reported too.
  Parsed two(body("x = 2\nemit M {} to;"));
  EXPECT_EQ(two.diagnostics(), "4:1: expected `;`, found keyword `emit`\n4:13: expected an identifier, found `;`\n");
}

TEST(Errors, TypicalMistakes) {
  EXPECT_EQ(Parsed("package t;\nmessage M { a: int, b: int }\n").diagnostics(),
            "2:19: expected `;` or `=`, found `,`\n");
  EXPECT_EQ(Parsed("package t;\nenum E { A B }\n").diagnostics(), "2:12: expected `}` or `,`, found `B`\n");
  EXPECT_EQ(Parsed("package t;\ningress i(m: M) Cart(m.x);\negress o: ;\n").diagnostics(),
            "2:17: expected `->`, found `Cart`\n3:11: expected a type, found `;`\n");
  EXPECT_EQ(Parsed(body("for x in xs { }")).diagnostics(), "3:5: expected `(`, found `x`\n");
  EXPECT_EQ(Parsed(body("if (a) { } else { } else { }")).diagnostics(),
            "3:21: expected a statement or `}`, found keyword `else`\n");
  EXPECT_EQ(Parsed("package t;\nfunction F(k: string) {\n  state s: int = 0 expires 5m after read;\n}\n").diagnostics(),
            "3:37: expected `write` or `call`, found `read`\n");
  EXPECT_EQ(Parsed(body("let s = \"a${}b\";")).diagnostics(), "3:13: expected an expression, found `}`\n");
}

TEST(Errors, MissingExpression) {
  Parsed p(body("let x = ;"));
  EXPECT_EQ(p.diagnostics(), "3:9: expected an expression, found `;`\n");
  const auto& let = std::get<ast::LetStmt>(std::get<ast::FnDecl>(p.file.decls.at(0)).body->stmts.at(0)->node);
  EXPECT_TRUE(std::holds_alternative<ast::ErrorExpr>(let.value->node));
}

TEST(Errors, ExpectedClosingParen) {
  Parsed p(body("log(1, 2;"));
  EXPECT_EQ(p.diagnostics(), "3:9: expected `)`, found `;`\n");
}

TEST(Errors, MissingBraceBeforeNextDeclaration) {
  Parsed p("package t;\nfn f() {\n  let x = 1;\nfn g() { }\nmessage M { a: int; }\n");
  EXPECT_EQ(p.diagnostics(), "4:1: expected `}`, found keyword `fn`\n");
  ASSERT_EQ(p.file.decls.size(), 3u);
  EXPECT_EQ(ast::name_of(p.file.decls[1]).name, "g");
  EXPECT_EQ(ast::name_of(p.file.decls[2]).name, "M");
}

TEST(Errors, MissingPackage) {
  Parsed p("message M { a: int; }\n");
  EXPECT_EQ(p.diagnostics(), "1:1: expected `package`, found keyword `message`\n");
  EXPECT_EQ(p.file.decls.size(), 1u);
}

TEST(Errors, ManyErrorsInOneFileEachReportedOnce) {
  Parsed p(
      "package t;\n"
      "message M { a int; b: int; }\n"  // 2:15 missing `:`
      "fn f() {\n"
      "  let x = (1 + ;\n"  // 4:16
      "  let y = 2;\n"
      "  y = = 3;\n"      // 6:7
      "  if x > 1 { }\n"  // 7:6
      "}\n"
      "function F(k: string) {\n"
      "  state s: int = ;\n"        // 10:18
      "  on M(m) { send m to; }\n"  // 11:22
      "}\n"
      "egress e Out;\n");  // 13:10
  EXPECT_EQ(p.diagnostics(),
            "2:15: expected `:`, found keyword `int`\n"
            "4:16: expected an expression, found `;`\n"
            "6:7: expected an expression, found `=`\n"
            "7:6: expected `(`, found `x`\n"
            "10:18: expected an expression, found `;`\n"
            "11:22: expected an expression, found `;`\n"
            "13:10: expected `:`, found `Out`\n");
  // Everything that did parse is in the AST.
  EXPECT_EQ(p.file.decls.size(), 4u);
}

TEST(Errors, OneMistakeOneDiagnostic) {
  for (const char* src : {"let x = foo(1, (2 + 3;", "let = 5;", "x = [1, 2;", "if (a { b(); }", "for (x xs) { }",
                          "emit M {} to ;", "send to x;", "let s = \"abc", "let m = M { a: 1, b };", "return 1 2 3;",
                          "x.;", "let x = 1 +* 2;", "while () { }", "clear 5;"}) {
    Parsed p(body(src));
    EXPECT_EQ(p.sink.diagnostics().size(), 1u) << src << "\n" << p.diagnostics();
  }
}

TEST(Errors, LexicalErrors) {
  Parsed chars(body("let x = 1 # 2;\nlet y = @@;"));
  EXPECT_EQ(chars.diagnostics(), "3:11: unexpected character `#`\n4:9: unexpected characters `@@`\n");

  Parsed str(body("let s = \"abc\nlet t = 1;"));
  EXPECT_EQ(str.diagnostics(), "3:9: unterminated string literal: missing closing `\"` before the end of the line\n");
  EXPECT_EQ(str.text(str.sink.diagnostics()[0].span), "\"abc");

  Parsed eof("package t;\nconst S: string = \"abc ${x");
  EXPECT_EQ(eof.diagnostics(), "2:19: unterminated string literal: missing closing `\"`\n");

  Parsed comment("package t;\n/* never closed\nmessage M {}\n");
  EXPECT_EQ(comment.diagnostics(), "2:1: unterminated block comment: missing `*/`\n");
  EXPECT_EQ(comment.text(comment.sink.diagnostics()[0].span), "/*");
}

TEST(Errors, InvalidUtf8) {
  Parsed p(std::string("package t;\nconst S: string = \"a\xff\";\n"));
  EXPECT_EQ(p.diagnostics(), "2:21: invalid UTF-8 in source text\n");
}

TEST(Robustness, DeepNestingIsAnErrorNotACrash) {
  std::string deep = "package t;\nconst X: int = " + std::string(100000, '(') + "1" + std::string(100000, ')') + ";\n";
  Parsed p(deep);
  ASSERT_EQ(p.sink.diagnostics().size(), 1u);
  EXPECT_NE(p.sink.diagnostics()[0].message.find("nesting too deep"), std::string::npos);

  Parsed unary("package t;\nconst X: int = " + std::string(100000, '-') + "1;\n");
  EXPECT_EQ(unary.sink.diagnostics().size(), 1u);

  std::string strings = "package t;\nconst X: string = ";
  for (int i = 0; i < 5000; ++i) strings += "\"${";
  Parsed s(strings);
  EXPECT_GE(s.sink.diagnostics().size(), 1u);

  std::string chain = "package t;\nconst X: int = 1";
  for (int i = 0; i < 100000; ++i) chain += " + 1";
  Parsed c(chain + ";\n");
  EXPECT_EQ(c.sink.diagnostics().size(), 1u);

  std::string elifs = "package t;\nfn f() { if (a) { }";
  for (int i = 0; i < 20000; ++i) elifs += " else if (a) { }";
  Parsed e(elifs + " }\n");
  EXPECT_EQ(e.sink.diagnostics().size(), 1u);
}

// Type arguments count as nesting: 20,000 levels of `list<` once crashed `sfn check`.
TEST(Robustness, DeeplyNestedTypesAreAnErrorNotACrash) {
  std::string type;
  for (int i = 0; i < 20000; ++i) type += "list<";
  type += "int" + std::string(20000, '>');
  Parsed p("package t;\nmessage M { xs: " + type + "; }\n");
  ASSERT_EQ(p.sink.diagnostics().size(), 1u) << p.diagnostics().substr(0, 500);
  EXPECT_EQ(p.diagnostics(),
            "2:1016: nesting too deep: more than 200 levels of brackets, type arguments, strings "
            "or prefix operators\n");
  // 200 levels are fine, and the `<` of a comparison is no type argument.
  std::string ok;
  for (int i = 0; i < 199; ++i) ok += "list<";
  Parsed fine("package t;\nmessage M { xs: " + ok + "int" + std::string(199, '>') +
              "; }\nconst B: bool = 1 < 2;\n"
              "fn f(a: list<map<string, list<int>>>) -> bool { return 1 < 2 && 3 > 2; }\n");
  EXPECT_EQ(fine.diagnostics(), "");
}

const char* kSample = R"(package example.shop;
import std.strings;
/// Adds an item.
message AddToCart { user: string; sku: string; qty: int = 1; tags: list<string>; }
message Checkout { user: string; reply_to: ref<Cart>?; }
enum Availability { IN_STOCK, OUT_OF_STOCK }
const LIMIT: int = 0x10;
ingress adds(m: AddToCart) -> Cart(m.user);
egress receipts: Checkout;
fn total(xs: map<string, int>) -> int {
  var sum = 0;
  for (k, v in xs) { sum += v * 2 - -1; }
  for (i in 0..10) { if (i % 2 == 0) { continue; } else if (i > 8) { break; } else { } }
  while (sum > 100) { sum /= 2; }
  return sum ?? 0;
}
function Cart(user: string) {
  state basket: map<string, int> = {};
  state pending: timer? expires 30m after call;
  on AddToCart(a) {
    basket[a.sku] = (basket.get(a.sku) ?? 0) + a.qty;
    let t = send Checkout { user: user } to self after 250ms;
    pending = send Checkout { user: user } to Cart(user) after 1h;
    cancel t;
    log("added ${a.sku}: ${basket[a.sku]} \u{1F600} \"q\" ${strings.join(["a", "b"], ", ")}");
    if (!a.tags.is_empty() && a.tags.first()! != "x") { fail "bad"; }
  }
  on Checkout {
    emit Checkout { user: string(int("1")), reply_to: none } to receipts;
    clear basket;
    clear self;
    send Checkout { user: user } to self;
  }
}
)";

// Every truncation of a sample program at a token boundary parses without crashing and with
// few diagnostics (unclosed constructs are reported once each, not cascaded).
TEST(Robustness, EveryTruncation) {
  source::SourceManager sources;
  source::FileId whole = sources.add("sample.sfn", kSample);
  std::vector<source::Span> spans = token_spans(sources, whole);
  ASSERT_GT(spans.size(), 300u);
  {
    Parsed full(kSample);
    EXPECT_EQ(full.diagnostics(), "");
  }
  for (const source::Span& span : spans) {
    for (std::uint32_t cut : {span.begin, span.end}) {
      Parsed p(std::string(kSample).substr(0, cut));
      EXPECT_LE(p.sink.diagnostics().size(), 2u) << "cut at " << cut << "\n" << p.diagnostics();
    }
  }
}

// Deleting any single token gives a clean diagnostic exit (and no crash).
TEST(Robustness, SingleTokenDeletions) {
  source::SourceManager sources;
  source::FileId whole = sources.add("sample.sfn", kSample);
  std::vector<source::Span> spans = token_spans(sources, whole);
  std::string text = kSample;
  std::size_t many = 0;
  for (const source::Span& span : spans) {
    Parsed p(text.substr(0, span.begin) + text.substr(span.end));
    // Deleting a quote turns string text into code (and code into string text): each piece of
    // the former string content that is not valid code is its own lexical error.
    const bool quote = text[span.begin] == '"';
    if (p.sink.diagnostics().size() > (quote ? 6u : 2u)) {
      ++many;
      ADD_FAILURE() << "deleting `" << text.substr(span.begin, span.end - span.begin) << "` at " << span.begin << ":\n"
                    << p.diagnostics();
    }
  }
  EXPECT_EQ(many, 0u);
}

// Random text: every diagnostic is worded and points inside the file, the count stays capped,
// and the same text always gives the same diagnostics.
TEST(Robustness, RandomBytes) {
  std::mt19937 rng(42);
  const std::string alphabet = "{}()[]\"$\\;:,.<>?!=+-*/%&|_ \n aZ09xu\xc3\xa9\xff/";
  std::size_t with_errors = 0;
  for (int round = 0; round < 300; ++round) {
    std::string text = "package t;\n";
    int len = static_cast<int>(rng() % 200);
    for (int i = 0; i < len; ++i) text += alphabet[rng() % alphabet.size()];
    Parsed p(text);
    ASSERT_LE(p.sink.diagnostics().size(), kMaxErrorsForTest) << text;
    for (const auto& d : p.sink.diagnostics()) {
      EXPECT_FALSE(d.message.empty()) << text;
      EXPECT_EQ(d.span.file, p.id) << text;
      EXPECT_LE(d.span.begin, d.span.end) << text;
      EXPECT_LE(d.span.end, text.size()) << text;
    }
    EXPECT_EQ(Parsed(text).diagnostics(), p.diagnostics()) << text;
    if (p.sink.has_errors()) ++with_errors;
  }
  EXPECT_GT(with_errors, 250u) << "random text is almost never a valid program";
}

// ------------------------------------------------------------------------------ load_program

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("sfn_parse_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "lib");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  static std::optional<std::string> std_provider(std::string_view name) {
    if (name == "std.strings")
      return std::string("package std.strings;\nextern fn join(xs: list<string>, sep: string) -> string;\n");
    return std::nullopt;
  }
  std::filesystem::path dir_;
};

TEST_F(LoadTest, ImportsTransitivelyOnceEvenInCycles) {
  std::string root = write("main.sfn", "package app;\nimport \"lib/a.sfn\";\nimport std.strings;\nmessage M {}\n");
  write("lib/a.sfn", "package app;\nimport \"b.sfn\";\nimport \"../main.sfn\";\nmessage A {}\n");
  write("lib/b.sfn", "package app;\nimport \"a.sfn\";\nimport std.strings;\nmessage B {}\n");
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  Result<ast::Program> loaded = load_program(sources, root, std_provider, sink, {"std.math", "std.strings"});
  ASSERT_TRUE(loaded) << loaded.error().message;
  const ast::Program& program = loaded.value();
  EXPECT_EQ(sink.diagnostics().size(), 0u);
  ASSERT_EQ(program.files.size(), 4u);
  EXPECT_EQ(sources.file(program.files[0].file).path(), root);
  EXPECT_EQ(sources.file(program.files[2].file).path(), "<std>/strings.sfn");
  EXPECT_EQ(ast::name_of(program.files[3].decls.at(0)).name, "B");
}

TEST_F(LoadTest, UnreadableImportAndUnknownStdModule) {
  std::string root =
      write("main.sfn", "package app;\nimport \"missing.sfn\";\nimport std.strngs;\nimport std.nothing_like_it;\n");
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  Result<ast::Program> program = load_program(sources, root, std_provider, sink, {"std.math", "std.strings"});
  ASSERT_TRUE(program);
  ASSERT_EQ(sink.diagnostics().size(), 3u);
  const auto& missing = sink.diagnostics()[0];
  EXPECT_EQ(missing.kind, diagnostics::Kind::E0103);
  EXPECT_NE(missing.message.find("missing.sfn"), std::string::npos);
  EXPECT_NE(missing.message.find("No such file or directory"), std::string::npos);
  EXPECT_EQ(sources.file(missing.span.file).line_col(missing.span.begin).line, 2u);
  const auto& typo = sink.diagnostics()[1];
  EXPECT_EQ(typo.message, "unknown standard library module `std.strngs`");
  ASSERT_EQ(typo.fixes.size(), 1u);
  EXPECT_EQ(typo.fixes[0].message, "did you mean `std.strings`?");
  EXPECT_EQ(sink.diagnostics()[2].fixes.size(), 0u);
  EXPECT_EQ(program->files.size(), 1u);
}

TEST_F(LoadTest, UnreadableRootReportsNothing) {
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  Result<ast::Program> program = load_program(sources, (dir_ / "nope.sfn").string(), std_provider, sink, {});
  ASSERT_FALSE(program);
  EXPECT_EQ(sink.diagnostics().size(), 0u);
  EXPECT_EQ(program.error().message, "No such file or directory");
  Result<ast::Program> directory = load_program(sources, dir_.string(), std_provider, sink, {});
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().message, "Is a directory");
}

// Reading is bounded (kMaxSourceBytes): /dev/zero as the root or behind an import is refused
// with an error naming it, and a file that is not `.sfn` is never imported (nor echoed).
TEST_F(LoadTest, HugeAndNonSfnFilesAreRefused) {
  source::SourceManager sources;
  diagnostics::DiagnosticSink sink;
  Result<ast::Program> zero = load_program(sources, "/dev/zero", std_provider, sink, {});
  ASSERT_FALSE(zero);
  EXPECT_EQ(zero.error().message, "larger than the 8 MiB limit for source files");
  std::filesystem::create_symlink("/dev/zero", dir_ / "zero.sfn");
  std::string secret = write("secret.txt", "the first line is private\n");
  std::string root = write("main.sfn", "package app;\nimport \"zero.sfn\";\nimport \"" + secret + "\";\n");
  Result<ast::Program> program = load_program(sources, root, std_provider, sink, {});
  ASSERT_TRUE(program);
  ASSERT_EQ(sink.diagnostics().size(), 2u);
  EXPECT_EQ(sink.diagnostics()[0].message, "cannot read imported file `zero.sfn` (" + (dir_ / "zero.sfn").string() +
                                               "): larger than the 8 MiB limit for source files");
  EXPECT_EQ(sink.diagnostics()[1].message,
            "cannot import `" + secret + "`: an imported file's name must end in `.sfn`");
  EXPECT_EQ(program->files.size(), 1u);
  EXPECT_EQ(sources.size(), 1u);  // neither was loaded
}

// A one-line expression too long to build says so, and the echo of its line stays short.
TEST(Robustness, HugeFlatExpressionIsAnErrorWithAShortEcho) {
  std::string text = "package t;\nconst X: int = ";
  for (int i = 0; i < 300000; ++i) text += "1+";
  text += "1;\n";
  Parsed p(text);
  ASSERT_EQ(p.sink.diagnostics().size(), 1u);
  EXPECT_EQ(p.sink.diagnostics()[0].message,
            "expression too deep: more than 1500 operators in one chain or nesting (split it with `let`)");
  std::string shown = diagnostics::render_text(p.sink.diagnostics()[0], p.sources, false);
  EXPECT_LT(shown.size(), 1000u) << shown.substr(0, 1000);
}

}  // namespace
}  // namespace sfn::parse

namespace sfn::parse {
namespace {

// A binary file is a bounded list of clean errors, found quickly.
TEST(Robustness, BinaryGarbage) {
  std::mt19937 rng(7);
  std::string text;
  for (int i = 0; i < 1'000'000; ++i) text += static_cast<char>(rng() & 0xFF);
  Parsed p(text);
  EXPECT_LE(p.sink.diagnostics().size(), 2 * kMaxErrorsForTest);
  EXPECT_GE(p.sink.diagnostics().size(), 1u);
}

}  // namespace
}  // namespace sfn::parse
