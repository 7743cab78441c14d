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

// Each example runs twice: as is, and with a 1 KB instance cache (instances evicted between
// their messages and read again, decision 131); both print exactly expected.jsonl.
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
  int rc = shell(std::string(SFN_BIN) + " build " + source.string() + " --shared -o " + so.string() + " 2> " +
                 (work / "build.err").string());
  ASSERT_EQ(rc, 0) << read_file(work / "build.err");
  for (const std::string options : {"", " --cache-size 1KB"}) {
    const fs::path state = work / (options.empty() ? "state" : "state-tiny-cache");
    rc = shell(std::string(SFN_BIN) + " run " + so.string() + " --input " + (dir / "input.jsonl").string() +
               " --clock virtual --workers 1" + options + " --state-dir " + state.string() + " > " +
               (work / "out").string() + " 2> " + (work / "err").string());
    EXPECT_EQ(rc, 0) << options << ": " << read_file(work / "err");
    EXPECT_EQ(read_file(work / "out"), read_file(dir / "expected.jsonl")) << "options:" << options << "\nstderr:\n"
                                                                          << read_file(work / "err");
  }
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
  return sfn::testing::identifier(info.param);
}

INSTANTIATE_TEST_SUITE_P(Examples, Example, ::testing::ValuesIn(examples()), test_name);

}  // namespace

namespace {

// The acceptance command, literally: no --workers, no --clock, the default state
// directory (.sfn/<package> under the current directory). Batch input defaults to one worker, so
// the output is exactly expected.jsonl (docs/decisions/013-default-workers.md).
TEST(GreeterDefaults, PlainRunWithInputPrintsExpected) {
  const fs::path dir = fs::path(SFN_EXAMPLES_DIR) / "greeter";
  const fs::path work = fs::temp_directory_path() / ("sfn_greeter_defaults_" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  const auto r = sfn::testing::run_command(
      {SFN_BIN, "run", (dir / "greeter.sfn").string(), "--input", (dir / "input.jsonl").string()}, "", work.string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, read_file(dir / "expected.jsonl")) << r.err;
  EXPECT_TRUE(fs::exists(work / ".sfn" / "example.greeter" / "layout"));
  fs::remove_all(work);
}

// Without --workers, a restart uses the layout the state directory was created with (here 2
// workers), and the state carries over: the visitor numbers go on.
TEST(GreeterDefaults, RestartWithoutWorkersKeepsTheLayoutAndTheState) {
  const fs::path dir = fs::path(SFN_EXAMPLES_DIR) / "greeter";
  const fs::path work = fs::temp_directory_path() / ("sfn_greeter_restart_" + std::to_string(::getpid()));
  fs::remove_all(work);
  const std::string state = (work / "state").string();
  auto first = sfn::testing::run_command({SFN_BIN, "run", (dir / "greeter.sfn").string(), "--input",
                                          (dir / "input.jsonl").string(), "--workers", "2", "--state-dir", state});
  ASSERT_EQ(first.status, 0) << first.err;
  auto second = sfn::testing::run_command({SFN_BIN, "run", (dir / "greeter.sfn").string(), "--input",
                                           (dir / "input.jsonl").string(), "--state-dir", state});
  ASSERT_EQ(second.status, 0) << second.err;
  EXPECT_NE(second.out.find("Hello Ann, you are visitor #6!"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("Hello Bob, you are visitor #2!"), std::string::npos) << second.out;
  fs::remove_all(work);
}

}  // namespace
