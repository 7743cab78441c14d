// Every program the front end accepts in tests/compiler/ok/ and tests/compiler/golden/ must also
// get through the C++ backend: `sfn build --shared` compiles it, and `sfn run MODULE.so` with an
// empty input loads the module (descriptor validation: layouts, handlers, routes) and exits 0
// with no egress.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> valid_programs() {
  std::vector<std::string> out;
  const fs::path root = SFN_COMPILER_TESTS_DIR;
  for (const fs::path& p : sfn::testing::sfn_files_under({root / "ok", root / "golden"}))
    out.push_back(fs::relative(p, root).string());
  return out;
}

class ValidProgram : public ::testing::TestWithParam<std::string> {};

TEST_P(ValidProgram, CompilesAndLoads) {
  const fs::path source = fs::path(SFN_COMPILER_TESTS_DIR) / GetParam();
  const fs::path work = fs::temp_directory_path() /
                        ("sfn_backend_" + sfn::testing::identifier(GetParam()) + "_" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  const std::string so = (work / "module.so").string();
  const auto build = sfn::testing::run_command({SFN_BIN, "build", "--shared", source.string(), "-o", so});
  ASSERT_EQ(build.status, 0) << "sfn build --shared " << GetParam() << ":\n" << build.err;
  std::ofstream(work / "empty.jsonl").close();
  const auto run = sfn::testing::run_command({SFN_BIN, "run", so, "--input", (work / "empty.jsonl").string(), "--clock",
                                              "virtual", "--workers", "1", "--state-dir", (work / "state").string()});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "");
  fs::remove_all(work);
}

// A file name is user text: one holding a newline and `*/` must not inject code into the
// generated C++ (issue 11), and `#line` and comments name the file of each declaration.
TEST(HostilePath, IsEscapedInGeneratedCode) {
  const fs::path work = fs::temp_directory_path() / ("sfn_hostile_" + std::to_string(::getpid()));
  const fs::path dir = work / "evil\n*/ int injected = (__builtin_printf(\"INJECTED\\n\"), 0); /*\n// \\";
  fs::create_directories(dir);
  std::ofstream(dir / "lib.sfn") << "package hostile.lib;\n\nfn twice(x: int) -> int {\n  return x * 2;\n}\n";
  std::ofstream(dir / "main.sfn")
      << "package hostile;\n\nimport \"lib.sfn\";\n\nmessage In { k: int; }\n"
      << "message Out { v: int; }\ningress ins(m: In) -> F(m.k);\negress outs: Out;\n\n"
      << "function F(k: int) {\n  on In(m) {\n    emit Out { v: twice(m.k) } to outs;\n  }\n}\n";
  std::ofstream(work / "in.jsonl") << "{\"ingress\":\"ins\",\"value\":{\"k\":21}}\n";
  const auto run = sfn::testing::run_command({SFN_BIN, "run", (dir / "main.sfn").string(), "--backend", "cpp",
                                              "--input", (work / "in.jsonl").string(), "--clock", "virtual",
                                              "--workers", "1", "--state-dir", (work / "state").string()});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, "{\"egress\":\"outs\",\"value\":{\"v\":42}}\n");
  EXPECT_EQ(run.err.find("INJECTED"), std::string::npos) << run.err;
  const auto emit =
      sfn::testing::run_command({SFN_BIN, "emit", "cpp", "--line-directives", (dir / "main.sfn").string()});
  ASSERT_EQ(emit.status, 0) << emit.err;
  EXPECT_NE(emit.out.find("#line 12 \"" + work.string() + "/evil\\n*/ int injected"), std::string::npos) << emit.out;
  EXPECT_NE(emit.out.find("/lib.sfn\"\n"), std::string::npos) << "the fn's #line names lib.sfn:\n" << emit.out;
  fs::remove_all(work);
}

INSTANTIATE_TEST_SUITE_P(Programs, ValidProgram, ::testing::ValuesIn(valid_programs()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return sfn::testing::identifier(info.param);
                         });

}  // namespace
