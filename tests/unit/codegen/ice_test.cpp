// Both backends on IR holding something they do not know (an operation or a constant no lowering
// produces): each refuses with "internal compiler error" naming the construct and where it is
// (file:line and body, or the declaration), instead of writing placeholder code.
#include <gtest/gtest.h>

#include "codegen/cpp/cpp_backend.h"
#include "codegen/llvm/llvm_backend.h"
#include "tests/unit/ir/lowered.h"

namespace sfn::codegen {
namespace {

using ir::test::Lowered;

const char* kProgram = R"(package p;
message M { n: int; }
egress out: M;
ingress ms(m: M) -> F(m.n);
function F(k: int) {
  state total: int = 5;
  on M(m) {
    let x = m.n + 1;
    emit M { n: x } to out;
  }
}
)";

// The first Def of the handler `F_on_M`.
ir::Stmt& first_def(ir::Module& m) {
  for (auto& b : m.bodies)
    if (b.name == "F_on_M")
      for (auto& s : b.body)
        if (s.kind == ir::Stmt::Kind::Def) return s;
  throw std::runtime_error("no Def in F_on_M");
}

std::string cpp_error(const ir::Module& m) {
  Result<std::string> out = cpp::generate(m, {});
  EXPECT_FALSE(out) << out.value();
  return out ? std::string() : out.error().message;
}

std::string llvm_error(const ir::Module& m) {
  Result<std::string> out = llvm_backend::emit_llvm_ir(m, {});
  EXPECT_FALSE(out);
  return out ? std::string() : out.error().message;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(InternalCompilerError, TheProgramItselfCompiles) {
  Lowered l(kProgram);
  ASSERT_TRUE(l.module) << l.error;
  Result<std::string> cpp = cpp::generate(*l.module, {});
  EXPECT_TRUE(cpp) << cpp.error().message;
  Result<std::string> ir = llvm_backend::emit_llvm_ir(*l.module, {});
  EXPECT_TRUE(ir) << ir.error().message;
}

TEST(InternalCompilerError, UnknownOperationNamesItsLine) {
  Lowered l(kProgram);
  ASSERT_TRUE(l.module) << l.error;
  first_def(*l.module).value.kind = static_cast<ir::Rvalue::Kind>(200);
  for (const std::string& e : {cpp_error(*l.module), llvm_error(*l.module)}) {
    EXPECT_TRUE(has(e, "internal compiler error")) << e;
    EXPECT_TRUE(has(e, "rvalue kind 200")) << e;
    EXPECT_TRUE(has(e, "t.sfn:8, `F_on_M`")) << e;
  }
}

TEST(InternalCompilerError, ConstantOfTheWrongKindNamesItsDeclaration) {
  Lowered l(kProgram);
  ASSERT_TRUE(l.module) << l.error;
  ir::State& total = l.module->functions[0].states[0];
  total.init.kind = ir::ConstValue::Kind::List;  // a list where an int is declared
  for (const std::string& e : {cpp_error(*l.module), llvm_error(*l.module)}) {
    EXPECT_TRUE(has(e, "internal compiler error")) << e;
    EXPECT_TRUE(has(e, "unsupported constant of type int")) << e;
    EXPECT_TRUE(has(e, "the initializer of state `total` of `F`")) << e;
  }
}

}  // namespace
}  // namespace sfn::codegen
