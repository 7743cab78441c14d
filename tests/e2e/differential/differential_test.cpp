// Differential test of the two backends (issue 9): every program of tests/compiler/run/ and
// examples/ runs in process through the LLVM JIT and the C++ backend on its input.jsonl; both
// must load the same descriptor (schema, defaults, states, routes) and print the same egress,
// which is also expected.jsonl. Every valid file-test program (tests/compiler/ok/, golden/)
// compiles with both and loads the same descriptor.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tests/compiler/test_support.h"
#include "tests/e2e/differential/backends.h"

namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const fs::path& file) {
  std::vector<std::string> out;
  std::istringstream in(sfn::testing::read_file(file));
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

// Folders <root>/<name>/ holding <name>.sfn, input.jsonl and expected.jsonl.
std::vector<std::string> batch_programs() {
  std::vector<std::string> out;
  for (const fs::path& root : {fs::path(SFN_RUN_TESTS_DIR), fs::path(SFN_EXAMPLES_DIR)}) {
    for (const auto& e : fs::directory_iterator(root)) {
      const fs::path src = e.path() / (e.path().filename().string() + ".sfn");
      if (e.is_directory() && fs::exists(src) && fs::exists(e.path() / "input.jsonl")) out.push_back(src.string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> valid_programs() {
  std::vector<std::string> out;
  const fs::path root = SFN_COMPILER_TESTS_DIR;
  for (const fs::path& p : sfn::testing::sfn_files_under({root / "ok", root / "golden"})) out.push_back(p.string());
  return out;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  const fs::path p(info.param);
  return sfn::testing::identifier(p.parent_path().filename().string() + "_" + p.stem().string());
}

class BatchProgram : public ::testing::TestWithParam<std::string> {};

TEST_P(BatchProgram, BothBackendsPrintTheExpectedEgress) {
  const fs::path source = GetParam();
  const auto both = sfn::testing::run_both(source, source.parent_path() / "input.jsonl");
  ASSERT_EQ(both.error, "");
  EXPECT_EQ(both.llvm_descriptor, both.cpp_descriptor);
  EXPECT_TRUE(both.llvm == both.cpp) << "egress differs (- C++ backend, + LLVM JIT):\n"
                                     << sfn::testing::diff_lines(both.cpp, both.llvm);
  const auto want = lines_of(source.parent_path() / "expected.jsonl");
  EXPECT_TRUE(want == both.llvm) << "LLVM JIT egress differs from expected.jsonl:\n"
                                 << sfn::testing::diff_lines(want, both.llvm);
}

INSTANTIATE_TEST_SUITE_P(Programs, BatchProgram, ::testing::ValuesIn(batch_programs()), test_name);

class ValidProgram : public ::testing::TestWithParam<std::string> {};

TEST_P(ValidProgram, BothBackendsLoadTheSameModule) {
  const auto both = sfn::testing::run_both(GetParam(), "");
  ASSERT_EQ(both.error, "");
  EXPECT_EQ(both.llvm_descriptor, both.cpp_descriptor);
  EXPECT_TRUE(both.llvm.empty() && both.cpp.empty());
}

INSTANTIATE_TEST_SUITE_P(Programs, ValidProgram, ::testing::ValuesIn(valid_programs()), test_name);

}  // namespace
