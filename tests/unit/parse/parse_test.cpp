// Tests that every construct of LANGUAGE.md §2–§7 parses to the expected AST shape, with exact
// spans (checked as line:col through SourceManager) and decoded literal values.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

#include "tests/unit/parse/parse_test_support.h"

namespace sfn::parse {
namespace {

using ast::Expr;

constexpr const char* kPkg = "package t;\n";

// Parses `fn f() { <body> }` and returns the first statement.
struct Body : Parsed {
  explicit Body(const std::string& body) : Parsed(std::string(kPkg) + "fn f() {\n" + body + "\n}\n") {}
  const ast::Block& block() const { return *std::get<ast::FnDecl>(file.decls.at(0)).body; }
  const ast::Stmt& stmt(std::size_t i = 0) const { return *block().stmts.at(i); }
};

// Parses `const X: int = <expr>;` and returns the expression.
struct ExprOf : Parsed {
  explicit ExprOf(const std::string& expr) : Parsed(std::string(kPkg) + "const X: int = " + expr + ";\n") {}
  const Expr& expr() const { return *std::get<ast::ConstDecl>(file.decls.at(0)).value; }
  // The printed subtree of the expression (without positions), for shape checks.
  std::string shape() const {
    std::string p = printed();
    std::string out;
    std::istringstream in(p);
    std::string line;
    bool started = false;
    while (std::getline(in, line)) {
      if (line.find("Const X") != std::string::npos) {
        started = true;
        continue;
      }
      if (!started) continue;
      auto at = line.rfind(" @");
      if (at != std::string::npos) line = line.substr(0, at);
      out += line.substr(std::min<std::size_t>(line.find_first_not_of(' '), line.size())) + ";";
    }
    return out;
  }
};

TEST(Declarations, PackageAndImports) {
  Parsed p("package example.shop;\nimport \"lib/util.sfn\";\nimport std.strings;\nimport std.time;\n");
  EXPECT_EQ(p.diagnostics(), "");
  ASSERT_TRUE(p.file.package);
  EXPECT_EQ(p.file.package->joined(), "example.shop");
  EXPECT_EQ(p.at(p.file.package->span), "1:9");
  ASSERT_EQ(p.file.imports.size(), 3u);
  EXPECT_EQ(*p.file.imports[0].path, "lib/util.sfn");
  EXPECT_EQ(p.text(p.file.imports[0].span), "import \"lib/util.sfn\";");
  EXPECT_EQ(p.file.imports[1].module->joined(), "std.strings");
  EXPECT_EQ(p.file.imports[2].module->joined(), "std.time");
  EXPECT_EQ(p.at(p.file.imports[2].span), "4:1");
}

TEST(Declarations, MessageWithDefaultsAndDocs) {
  Parsed p(std::string(kPkg) +
           "/// A line item.\n/// Second line.\nmessage Item {\n  /// The SKU.\n  sku: string;\n"
           "  qty: int = 1;\n  tags: list<string>;\n  extra: map<string, list<int>>?;\n  owner: ref<Cart>;\n}\n");
  EXPECT_EQ(p.diagnostics(), "");
  const auto& m = std::get<ast::MessageDecl>(p.file.decls.at(0));
  EXPECT_EQ(m.name.name, "Item");
  EXPECT_EQ(m.doc, "A line item.\nSecond line.");
  EXPECT_EQ(p.at(m.span), "4:1");
  ASSERT_EQ(m.fields.size(), 5u);
  EXPECT_EQ(m.fields[0].doc, "The SKU.");
  EXPECT_EQ(m.fields[1].doc, "");
  EXPECT_EQ(std::get<ast::IntLit>(m.fields[1].default_value->node).value, 1);
  EXPECT_EQ(ast::type_to_string(*m.fields[2].type), "list<string>");
  EXPECT_EQ(ast::type_to_string(*m.fields[3].type), "map<string, list<int>>?");
  EXPECT_EQ(m.fields[3].type->kind, ast::TypeExpr::Kind::Optional);
  EXPECT_EQ(p.text(m.fields[3].type->args[0]->span), "map<string, list<int>>");
  EXPECT_EQ(m.fields[4].type->kind, ast::TypeExpr::Kind::Ref);
  EXPECT_EQ(m.fields[4].type->name.name, "Cart");
  EXPECT_EQ(p.text(m.fields[1].span), "qty: int = 1;");
}

TEST(Declarations, EnumConstFnExtern) {
  Parsed p(std::string(kPkg) +
           "enum Availability {\n  /// In stock.\n  IN_STOCK,\n  OUT_OF_STOCK,\n}\n"
           "const LIMIT: int = 10;\n"
           "fn add(a: int, b: int) -> int { return a + b; }\n"
           "fn nothing() { }\n"
           "/// Joins.\nextern fn join(xs: list<string>, sep: string) -> string;\n");
  EXPECT_EQ(p.diagnostics(), "");
  ASSERT_EQ(p.file.decls.size(), 5u);
  const auto& e = std::get<ast::EnumDecl>(p.file.decls[0]);
  ASSERT_EQ(e.values.size(), 2u);
  EXPECT_EQ(e.values[0].doc, "In stock.");
  EXPECT_EQ(e.values[1].name.name, "OUT_OF_STOCK");
  EXPECT_EQ(p.at(e.values[1].name.span), "5:3");
  const auto& c = std::get<ast::ConstDecl>(p.file.decls[1]);
  EXPECT_EQ(ast::type_to_string(*c.type), "int");
  const auto& add = std::get<ast::FnDecl>(p.file.decls[2]);
  EXPECT_FALSE(add.is_extern);
  ASSERT_EQ(add.params.size(), 2u);
  EXPECT_EQ(add.params[1].name.name, "b");
  EXPECT_EQ(ast::type_to_string(*add.return_type), "int");
  ASSERT_TRUE(add.body);
  EXPECT_EQ(add.body->stmts.size(), 1u);
  EXPECT_FALSE(std::get<ast::FnDecl>(p.file.decls[3]).return_type);
  const auto& join = std::get<ast::FnDecl>(p.file.decls[4]);
  EXPECT_TRUE(join.is_extern);
  EXPECT_FALSE(join.body);
  EXPECT_EQ(join.doc, "Joins.");
}

TEST(Declarations, FunctionStateHandlersIngressEgress) {
  Parsed p(std::string(kPkg) +
           "ingress adds(m: AddToCart) -> Cart(m.user);\n"
           "egress receipts: Receipt;\n"
           "/// A cart.\nfunction Cart(user: string) {\n"
           "  /// Items.\n  state basket: map<string, int> = {};\n"
           "  state last_seen: time? expires 30m after call;\n"
           "  state token: string = \"x\" expires 1h after write;\n"
           "  /// Adds.\n  on AddToCart(a) { }\n"
           "  on Checkout { }\n}\n");
  EXPECT_EQ(p.diagnostics(), "");
  ASSERT_EQ(p.file.decls.size(), 3u);
  const auto& in = std::get<ast::IngressDecl>(p.file.decls[0]);
  EXPECT_EQ(in.name.name, "adds");
  EXPECT_EQ(in.param.name.name, "m");
  EXPECT_EQ(ast::type_to_string(*in.param.type), "AddToCart");
  EXPECT_TRUE(std::holds_alternative<ast::Call>(in.route->node));
  EXPECT_EQ(p.text(in.route->span), "Cart(m.user)");
  const auto& eg = std::get<ast::EgressDecl>(p.file.decls[1]);
  EXPECT_EQ(ast::type_to_string(*eg.type), "Receipt");
  const auto& f = std::get<ast::FunctionDecl>(p.file.decls[2]);
  EXPECT_EQ(f.doc, "A cart.");
  EXPECT_EQ(f.key.name.name, "user");
  ASSERT_EQ(f.states.size(), 3u);
  EXPECT_EQ(f.states[0].doc, "Items.");
  EXPECT_TRUE(std::holds_alternative<ast::MapLit>(f.states[0].init->node));
  EXPECT_FALSE(f.states[1].init);
  ASSERT_TRUE(f.states[1].expires);
  EXPECT_EQ(f.states[1].expires->mode, ast::ExpiryMode::AfterCall);
  EXPECT_EQ(std::get<ast::DurationLit>(f.states[1].expires->duration->node).nanos, 1'800'000'000'000);
  EXPECT_EQ(f.states[2].expires->mode, ast::ExpiryMode::AfterWrite);
  ASSERT_EQ(f.handlers.size(), 2u);
  EXPECT_EQ(f.handlers[0].message_type.name, "AddToCart");
  EXPECT_EQ(f.handlers[0].param->name, "a");
  EXPECT_EQ(f.handlers[0].doc, "Adds.");
  EXPECT_FALSE(f.handlers[1].param);
  EXPECT_EQ(p.at(f.handlers[1].span), "12:3");
}

TEST(Statements, LetVarAssign) {
  Body b(
      "let a = 1;\nlet b: int = 2;\nvar c: string;\nvar d = 3;\nc = \"x\";\n"
      "d += 1; d -= 1; d *= 2; d /= 2; d %= 2;\nitems[0] = 5;\nm.f = 1;\nlog(\"x\");");
  EXPECT_EQ(b.diagnostics(), "");
  const auto& a = std::get<ast::LetStmt>(b.stmt(0).node);
  EXPECT_FALSE(a.is_var);
  EXPECT_EQ(a.name.name, "a");
  EXPECT_EQ(b.text(b.stmt(0).span), "let a = 1;");
  EXPECT_EQ(ast::type_to_string(*std::get<ast::LetStmt>(b.stmt(1).node).type), "int");
  const auto& c = std::get<ast::LetStmt>(b.stmt(2).node);
  EXPECT_TRUE(c.is_var);
  EXPECT_FALSE(c.value);
  const auto& set = std::get<ast::AssignStmt>(b.stmt(4).node);
  EXPECT_EQ(set.op, ast::AssignOp::Set);
  EXPECT_EQ(b.text(set.op_span), "=");
  ast::AssignOp ops[] = {ast::AssignOp::Add, ast::AssignOp::Sub, ast::AssignOp::Mul, ast::AssignOp::Div,
                         ast::AssignOp::Rem};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(std::get<ast::AssignStmt>(b.stmt(5 + i).node).op, ops[i]);
  EXPECT_TRUE(std::holds_alternative<ast::Index>(std::get<ast::AssignStmt>(b.stmt(10).node).target->node));
  EXPECT_TRUE(std::holds_alternative<ast::FieldAccess>(std::get<ast::AssignStmt>(b.stmt(11).node).target->node));
  EXPECT_TRUE(std::holds_alternative<ast::Call>(std::get<ast::ExprStmt>(b.stmt(12).node).expr->node));
}

TEST(Statements, ControlFlow) {
  Body b(
      "if (a) { x(); } else if (b) { y(); } else if (c) { } else { z(); }\n"
      "while (i < 10) { i += 1; break; continue; }\n"
      "for (x in xs) { }\nfor (k, v in m) { }\nfor (i in 0..n) { }\nreturn;\nreturn 1 + 2;");
  EXPECT_EQ(b.diagnostics(), "");
  const auto& i = std::get<ast::IfStmt>(b.stmt(0).node);
  ASSERT_TRUE(i.else_block);
  ASSERT_EQ(i.else_block->stmts.size(), 1u);
  const auto& elif = std::get<ast::IfStmt>(i.else_block->stmts[0]->node);
  EXPECT_EQ(b.text(i.else_block->stmts[0]->span).substr(0, 6), "if (b)");
  EXPECT_EQ(std::get<ast::Name>(elif.cond->node).ident.name, "b");
  const auto& elif2 = std::get<ast::IfStmt>(elif.else_block->stmts.at(0)->node);
  ASSERT_TRUE(elif2.else_block);
  EXPECT_EQ(elif2.else_block->stmts.size(), 1u);  // z();
  const auto& w = std::get<ast::WhileStmt>(b.stmt(1).node);
  EXPECT_EQ(w.body.stmts.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<ast::BreakStmt>(w.body.stmts[1]->node));
  EXPECT_TRUE(std::holds_alternative<ast::ContinueStmt>(w.body.stmts[2]->node));
  const auto& f1 = std::get<ast::ForStmt>(b.stmt(2).node);
  EXPECT_EQ(f1.var.name, "x");
  EXPECT_FALSE(f1.value_var);
  const auto& f2 = std::get<ast::ForStmt>(b.stmt(3).node);
  EXPECT_EQ(f2.value_var->name, "v");
  const auto& f3 = std::get<ast::ForStmt>(b.stmt(4).node);
  ASSERT_TRUE(std::holds_alternative<ast::Range>(f3.iterable->node));
  EXPECT_EQ(b.text(f3.iterable->span), "0..n");
  EXPECT_FALSE(std::get<ast::ReturnStmt>(b.stmt(5).node).value);
  EXPECT_TRUE(std::get<ast::ReturnStmt>(b.stmt(6).node).value);
}

TEST(Statements, SendEmitCancelClearFail) {
  Body b(
      "send Ping {} to Other(k);\n"
      "let t = send Ping {} to self after 30s;\n"
      "pending = send Ping { n: 1 } to self after 5m;\n"
      "emit Out { x: 1 } to outs;\ncancel t;\nclear basket;\nclear self;\nfail \"no\";");
  EXPECT_EQ(b.diagnostics(), "");
  const auto& s = std::get<ast::Send>(std::get<ast::ExprStmt>(b.stmt(0).node).expr->node);
  EXPECT_FALSE(s.delay);
  EXPECT_EQ(b.text(std::get<ast::ExprStmt>(b.stmt(0).node).expr->span), "send Ping {} to Other(k)");
  const auto& t = std::get<ast::LetStmt>(b.stmt(1).node);
  const auto& ts = std::get<ast::Send>(t.value->node);
  ASSERT_TRUE(ts.delay);
  EXPECT_EQ(std::get<ast::DurationLit>(ts.delay->node).nanos, 30'000'000'000);
  EXPECT_TRUE(std::holds_alternative<ast::SelfExpr>(ts.target->node));
  const auto& as = std::get<ast::AssignStmt>(b.stmt(2).node);
  EXPECT_TRUE(std::holds_alternative<ast::Send>(as.value->node));
  const auto& e = std::get<ast::EmitStmt>(b.stmt(3).node);
  EXPECT_EQ(e.egress.name, "outs");
  EXPECT_TRUE(std::holds_alternative<ast::MessageLit>(e.message->node));
  EXPECT_TRUE(std::holds_alternative<ast::CancelStmt>(b.stmt(4).node));
  EXPECT_EQ(std::get<ast::ClearStmt>(b.stmt(5).node).target->name, "basket");
  EXPECT_FALSE(std::get<ast::ClearStmt>(b.stmt(6).node).target);
  EXPECT_TRUE(std::holds_alternative<ast::FailStmt>(b.stmt(7).node));
}

TEST(Expressions, Precedence) {
  EXPECT_EQ(ExprOf("a ?? b || c && d == e < f + g * -h!").shape(),
            "Binary ??;Name a;Binary ||;Name b;Binary &&;Name c;Binary ==;Name d;Binary <;Name e;"
            "Binary +;Name f;Binary *;Name g;Unary -;Unwrap;Name h;");
  EXPECT_EQ(ExprOf("1 - 2 - 3").shape(), "Binary -;Binary -;Int 1;Int 2;Int 3;");
  EXPECT_EQ(ExprOf("(1 + 2) * 3").shape(), "Binary *;Binary +;Int 1;Int 2;Int 3;");
  EXPECT_EQ(ExprOf("!a.b[c](d)!").shape(),
            "Unary !;Unwrap;Call;callee: Index;Field .b;Name a;index: Name c;arg: Name d;");
  EXPECT_EQ(ExprOf("a <= b != c >= d").shape(), "Binary !=;Binary <=;Name a;Name b;Binary >=;Name c;Name d;");
  EXPECT_EQ(ExprOf("a % b / c").shape(), "Binary /;Binary %;Name a;Name b;Name c;");
}

TEST(Expressions, TypeKeywordsAsNames) {
  EXPECT_EQ(
      ExprOf("int(x) + int(string(y))").shape(),
      "Binary +;Call;callee: Name int;arg: Name x;Call;callee: Name int;arg: Call;callee: Name string;arg: Name y;");
  EXPECT_EQ(ExprOf("time.from_unix_millis(5)").shape(), "Call;callee: Field .from_unix_millis;Name time;arg: Int 5;");
  EXPECT_EQ(ExprOf("time.format(t, \"%Y\")").shape(),
            "Call;callee: Field .format;Name time;arg: Name t;arg: String;text: \"%Y\";");
  EXPECT_EQ(ExprOf("xs.clear()").shape(), "Call;callee: Field .clear;Name xs;");
  EXPECT_EQ(ExprOf("float(3) + bytes(s).len()").shape().substr(0, 32), "Binary +;Call;callee: Name float");
  EXPECT_EQ(ExprOf("Availability.IN_STOCK").shape(), "Field .IN_STOCK;Name Availability;");
}

TEST(Literals, Numbers) {
  EXPECT_EQ(std::get<ast::IntLit>(ExprOf("1_000_000").expr().node).value, 1000000);
  EXPECT_EQ(std::get<ast::IntLit>(ExprOf("0xFF").expr().node).value, 255);
  EXPECT_EQ(std::get<ast::IntLit>(ExprOf("9223372036854775807").expr().node).value,
            std::numeric_limits<std::int64_t>::max());
  ExprOf min("-9223372036854775808");
  EXPECT_EQ(min.diagnostics(), "");
  EXPECT_EQ(std::get<ast::IntLit>(min.expr().node).value, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(min.text(min.expr().span), "-9223372036854775808");
  ExprOf too_big("9223372036854775808");
  EXPECT_EQ(
      too_big.diagnostics(),
      "2:16: integer literal `9223372036854775808` is too large for `int` (the maximum is 9223372036854775807)\n");
  EXPECT_TRUE(std::get<ast::IntLit>(too_big.expr().node).overflow);
  EXPECT_EQ(too_big.text(too_big.sink.diagnostics()[0].span), "9223372036854775808");
  ExprOf neg_too_big("-9223372036854775809");
  EXPECT_EQ(neg_too_big.sink.diagnostics().size(), 1u);
  ExprOf hex_big("0x1_0000_0000_0000_0000");
  EXPECT_EQ(hex_big.sink.diagnostics().size(), 1u);
  EXPECT_DOUBLE_EQ(std::get<ast::FloatLit>(ExprOf("3.14").expr().node).value, 3.14);
  EXPECT_DOUBLE_EQ(std::get<ast::FloatLit>(ExprOf("1e-3").expr().node).value, 1e-3);
  EXPECT_DOUBLE_EQ(std::get<ast::FloatLit>(ExprOf("2.5e10").expr().node).value, 2.5e10);
  EXPECT_EQ(ExprOf("1e999").sink.diagnostics().size(), 1u);
}

TEST(Literals, Durations) {
  struct Case {
    const char* text;
    std::int64_t nanos;
    ast::DurationUnit unit;
  } cases[] = {{"10ns", 10, ast::DurationUnit::Ns},
               {"3us", 3'000, ast::DurationUnit::Us},
               {"250ms", 250'000'000, ast::DurationUnit::Ms},
               {"30s", 30'000'000'000, ast::DurationUnit::S},
               {"5m", 300'000'000'000, ast::DurationUnit::M},
               {"2h", 7'200'000'000'000, ast::DurationUnit::H},
               {"1d", 86'400'000'000'000, ast::DurationUnit::D},
               {"1_000ms", 1'000'000'000, ast::DurationUnit::Ms}};
  for (const Case& c : cases) {
    ExprOf e(c.text);
    EXPECT_EQ(e.diagnostics(), "") << c.text;
    const auto& d = std::get<ast::DurationLit>(e.expr().node);
    EXPECT_EQ(d.nanos, c.nanos) << c.text;
    EXPECT_EQ(d.unit, c.unit) << c.text;
  }
  EXPECT_EQ(std::get<ast::DurationLit>(ExprOf("250ms").expr().node).amount, 250);
  ExprOf big("999999999d");
  EXPECT_EQ(big.sink.diagnostics().size(), 1u);
  EXPECT_TRUE(std::get<ast::DurationLit>(big.expr().node).overflow);
  ExprOf bad("5min");
  EXPECT_EQ(bad.sink.diagnostics().size(), 1u);
  EXPECT_TRUE(std::holds_alternative<ast::ErrorExpr>(bad.expr().node));
}

TEST(Literals, StringsEscapesAndInterpolation) {
  ExprOf e(R"("a\n\t\r\\\"\$b\u{1F600}$c")");
  EXPECT_EQ(e.diagnostics(), "");
  const auto& s = std::get<ast::StringLit>(e.expr().node);
  ASSERT_EQ(s.parts.size(), 1u);
  EXPECT_EQ(s.parts[0].text, "a\n\t\r\\\"$b\xF0\x9F\x98\x80$c");
  EXPECT_TRUE(std::get<ast::StringLit>(ExprOf("\"\"").expr().node).parts.empty());

  ExprOf nested(R"("v=${m.get("a") ?? 0}!")");
  EXPECT_EQ(nested.diagnostics(), "");
  EXPECT_EQ(nested.shape(),
            "String;text: \"v=\";interp: Binary ??;Call;callee: Field .get;Name m;arg: String;"
            "text: \"a\";Int 0;text: \"!\";");
  const auto& ns = std::get<ast::StringLit>(nested.expr().node);
  EXPECT_EQ(nested.text(ns.parts[1].span), "${m.get(\"a\") ?? 0}");
  EXPECT_EQ(nested.text(ns.parts[2].span), "!");

  ExprOf deep(R"("${"${"${x}"}"}${ {"k": 1}["k"] }")");
  EXPECT_EQ(deep.diagnostics(), "");
  EXPECT_EQ(deep.shape(),
            "String;interp: String;interp: String;interp: Name x;interp: Index;Map;Entry;"
            "key: String;text: \"k\";value: Int 1;index: String;text: \"k\";");
}

TEST(Literals, StringErrors) {
  ExprOf bad(R"("a\qb")");
  EXPECT_EQ(bad.diagnostics(), "2:18: unknown escape `\\q` (valid escapes: \\n \\t \\r \\\\ \\\" \\$ \\u{...})\n");
  EXPECT_EQ(bad.text(bad.sink.diagnostics()[0].span), "\\q");
  EXPECT_EQ(std::get<ast::StringLit>(bad.expr().node).parts[0].text, "ab");
  ExprOf uni(R"("\u{110000}")");
  ASSERT_EQ(uni.sink.diagnostics().size(), 1u);
  EXPECT_EQ(uni.text(uni.sink.diagnostics()[0].span), "\\u{110000}");
  EXPECT_EQ(ExprOf(R"("\u{D800}")").sink.diagnostics().size(), 1u);
  EXPECT_EQ(ExprOf(R"("\u{}")").sink.diagnostics().size(), 1u);
  EXPECT_EQ(ExprOf(R"("\u{zz}")").sink.diagnostics().size(), 1u);
  EXPECT_EQ(ExprOf(R"("\u12")").sink.diagnostics().size(), 1u);
}

TEST(Literals, Collections) {
  EXPECT_EQ(ExprOf("[1, 2, 3,]").shape(), "List;Int 1;Int 2;Int 3;");
  EXPECT_EQ(ExprOf("[]").shape(), "List;");
  EXPECT_EQ(ExprOf("{}").shape(), "Map;");
  EXPECT_EQ(ExprOf("{\"k\": v}").shape(), "Map;Entry;key: String;text: \"k\";value: Name v;");
  EXPECT_EQ(ExprOf("Item { sku: \"a\", qty: 2 }").shape(), "MessageLit Item;sku: String;text: \"a\";qty: Int 2;");
  EXPECT_EQ(ExprOf("Item {}").shape(), "MessageLit Item;");
  EXPECT_EQ(ExprOf("[true, false, none, self]").shape(), "List;Bool true;Bool false;None;Self;");
}

TEST(Spans, NonAscii) {
  Parsed p(std::string(kPkg) + "const S: string = \"héllo 😀\"; const N: int = 1;\n");
  EXPECT_EQ(p.diagnostics(), "");
  const auto& s = std::get<ast::ConstDecl>(p.file.decls.at(0));
  const auto& n = std::get<ast::ConstDecl>(p.file.decls.at(1));
  EXPECT_EQ(p.text(s.value->span), "\"héllo 😀\"");
  EXPECT_EQ(std::get<ast::StringLit>(s.value->node).parts[0].text, "héllo 😀");
  EXPECT_EQ(p.text(n.span), "const N: int = 1;");
  EXPECT_EQ(p.at(n.name.span), "2:36");  // columns count code points
  Parsed bad(std::string(kPkg) + "const S: string = \"ü\" é;\n");
  ASSERT_EQ(bad.sink.diagnostics().size(), 1u);
  EXPECT_EQ(bad.text(bad.sink.diagnostics()[0].span), "é");
}

TEST(Printer, GreeterIsReadableAndDeterministic) {
  Parsed p(
      "package example.greeter;\n"
      "/// A request.\nmessage Greet { name: string; }\n"
      "function Greeter(name: string) {\n  state seen: int = 0;\n"
      "  on Greet(g) { seen += 1; emit Greeting { text: \"Hello ${name}!\" } to greetings; }\n}\n");
  EXPECT_EQ(p.printed(),
            "Program\n"
            "  File test.sfn\n"
            "    Package example.greeter @1:9\n"
            "    Message Greet @3:1 doc=\"A request.\"\n"
            "      Field name: string @3:17\n"
            "    Function Greeter(name: string) @4:1\n"
            "      State seen: int @5:3\n"
            "        init: Int 0 @5:21\n"
            "      Handler on Greet(g) @6:3\n"
            "        Block @6:15\n"
            "          Assign += @6:17\n"
            "            target: Name seen @6:17\n"
            "            value: Int 1 @6:25\n"
            "          Emit to greetings @6:28\n"
            "            MessageLit Greeting @6:33\n"
            "              text: String @6:50\n"
            "                text: \"Hello \" @6:51\n"
            "                interp: Name name @6:59\n"
            "                text: \"!\" @6:64\n");
  EXPECT_EQ(p.printed(), p.printed());
}

// Every .sfn file in the repository's examples, stdlib and ok file tests parses without error.
TEST(Corpus, RepositoryProgramsParseClean) {
  namespace fs = std::filesystem;
  int count = 0;
  for (const char* dir : {"examples", "stdlib/std", "tests/compiler/ok"}) {
    fs::path root = fs::path(SFN_SOURCE_DIR) / dir;
    if (!fs::exists(root)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
      if (entry.path().extension() != ".sfn") continue;
      std::ifstream in(entry.path());
      std::stringstream buffer;
      buffer << in.rdbuf();
      Parsed p(buffer.str(), entry.path().string());
      EXPECT_EQ(p.diagnostics(), "") << entry.path();
      ++count;
    }
  }
  EXPECT_GT(count, 0);
}

}  // namespace
}  // namespace sfn::parse
