// Golden tests of `sfn emit cpp`: for every tests/compiler/golden_cpp/<name>.sfn the generated
// C++ must equal <name>.cpp next to it. UPDATE_GOLDEN=1 rewrites the .cpp files.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/compiler/test_support.h"

namespace {

namespace fs = std::filesystem;

using sfn::testing::read_file;

class GoldenCpp : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenCpp, MatchesGolden) {
  fs::path dir = SFN_GOLDEN_CPP_DIR;
  fs::path src = dir / (GetParam() + ".sfn"), golden = dir / (GetParam() + ".cpp");
  fs::path out = fs::temp_directory_path() / ("sfn_golden_cpp_" + GetParam() + std::to_string(::getpid()));
  // Run from the golden directory so the generated header names the file as `<name>.sfn`.
  std::string cmd =
      "cd " + dir.string() + " && " + SFN_BIN + " emit cpp " + src.filename().string() + " > " + out.string() + " 2>&1";
  int rc = std::system(cmd.c_str());
  std::string actual = read_file(out);
  fs::remove(out);
  ASSERT_EQ(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, 0) << actual;
  if (const char* u = std::getenv("UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(golden) << actual;
    return;
  }
  ASSERT_TRUE(fs::exists(golden)) << "missing " << golden << " (run with UPDATE_GOLDEN=1)";
  EXPECT_EQ(actual, read_file(golden));
}

std::vector<std::string> programs() {
  std::vector<std::string> names;
  for (const auto& f : fs::directory_iterator(SFN_GOLDEN_CPP_DIR))
    if (f.path().extension() == ".sfn") names.push_back(f.path().stem().string());
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Programs, GoldenCpp, ::testing::ValuesIn(programs()));

}  // namespace
