// End-to-end over examples/: each program is compiled with the C++ backend through the real
// `sfn build --shared` (module cache in the build tree), then run with the real `sfn run` on its
// input.jsonl under the virtual clock with one worker; stdout must be exactly expected.jsonl.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace {

namespace fs = std::filesystem;

using sfn::testing::read_file;

int shell(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

class Example : public ::testing::TestWithParam<std::string> {};

TEST_P(Example, RunsAndMatchesExpectedOutput) {
  fs::path dir = fs::path(SFN_EXAMPLES_DIR) / GetParam();
  fs::path source;
  for (const auto& f : fs::directory_iterator(dir))
    if (f.path().extension() == ".sfn") source = f.path();
  ASSERT_FALSE(source.empty()) << "no .sfn file in " << dir;
  fs::path work = fs::temp_directory_path() / ("sfn_examples_" + GetParam() + "_" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  fs::path so = work / (GetParam() + ".so");
  std::string env = "SFN_CACHE_DIR=" + std::string(SFN_TEST_CACHE_DIR) + " ";
  int rc = shell(env + SFN_BIN + " build " + source.string() + " --shared -o " + so.string() + " 2> " +
                 (work / "build.err").string());
  ASSERT_EQ(rc, 0) << read_file(work / "build.err");
  rc = shell(std::string(SFN_BIN) + " run " + so.string() + " --input " + (dir / "input.jsonl").string() +
             " --clock virtual --workers 1 --state-dir " + (work / "state").string() + " > " +
             (work / "out").string() + " 2> " + (work / "err").string());
  EXPECT_EQ(rc, 0) << read_file(work / "err");
  EXPECT_EQ(read_file(work / "out"), read_file(dir / "expected.jsonl")) << "stderr:\n" << read_file(work / "err");
  fs::remove_all(work);
}

std::vector<std::string> examples() {
  std::vector<std::string> names;
  for (const auto& d : fs::directory_iterator(SFN_EXAMPLES_DIR))
    if (d.is_directory() && fs::exists(d.path() / "expected.jsonl")) names.push_back(d.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (char& c : n)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return n;
}

INSTANTIATE_TEST_SUITE_P(Examples, Example, ::testing::ValuesIn(examples()), test_name);

}  // namespace
