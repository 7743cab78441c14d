// Installs this build with `cmake --install --prefix <tmp>` and uses only the prefix: the
// installed `sfn build` makes a standalone executable that runs the greeter example, and a
// user's CMake project (project/) builds its program with find_package(sfn) + sfn_add_program(),
// including a rebuild when an imported .sfn file changes (the depfile of `sfn emit cpp`).
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
using sfn::testing::read_file;
using sfn::testing::run_command;

class Installed : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    work = fs::temp_directory_path() /
           ("sfn_install_" + sfn::testing::identifier(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(work);
    fs::create_directories(work);
    prefix = work / "prefix";
    // The installed sfn compiles into a cache of its own, never one filled by the build tree.
    ::setenv("SFN_CACHE_DIR", (work / "cache").c_str(), 1);
    const auto r = run_command({SFN_CMAKE, "--install", SFN_BUILD_DIR, "--prefix", prefix.string()});
    ASSERT_EQ(r.status, 0) << "cmake --install failed:\n" << r.out << r.err;
  }
  void TearDown() override { fs::remove_all(work); }

  fs::path work, prefix;
};

TEST_F(Installed, InstalledSfnBuildsAStandaloneExecutable) {
  const fs::path lib = prefix / SFN_INSTALL_LIBDIR;
  for (const fs::path& p :
       {prefix / "bin/sfn", prefix / "include/sfn/abi.h", prefix / "include/sfn/abi_cpp.h",
        prefix / "include/sfn/runtime.h", prefix / "include/sfn/run_options.h", prefix / "include/sfn_std.h",
        lib / "libsfn_runtime.a", lib / "libsfn_stdlib.a", lib / "libsfn_main.a", lib / "cmake/sfn/sfnConfig.cmake",
        lib / "cmake/sfn/sfnConfigVersion.cmake"})
    EXPECT_TRUE(fs::exists(p)) << p << " was not installed";

  const fs::path greeter_dir = fs::path(SFN_EXAMPLES_DIR) / "greeter";
  const std::string exe = (work / "greeter").string();
  const auto build = run_command(
      {(prefix / "bin/sfn").string(), "build", "--verbose", (greeter_dir / "greeter.sfn").string(), "-o", exe});
  ASSERT_EQ(build.status, 0) << build.err;
  // It linked the installed runtime, not the build tree's.
  EXPECT_NE(build.err.find((lib / "libsfn_runtime.a").string()), std::string::npos) << build.err;

  const auto run = run_command({exe, "--input", (greeter_dir / "input.jsonl").string(), "--clock", "virtual",
                                "--workers", "1", "--state-dir", (work / "state").string()});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, read_file(greeter_dir / "expected.jsonl")) << run.err;

  // The executable takes the run options; a usage error exits 2 like `sfn run`.
  const auto bad = run_command({exe, "--clock", "sundial"});
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--clock"), std::string::npos) << bad.err;
  const auto version = run_command({exe, "--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_NE(version.out.find("example.greeter"), std::string::npos) << version.out;
}

// The same project with each CMake generator a user is likely to have (the DEPFILE of
// sfn_add_program works with both).
class UserProject : public Installed, public ::testing::WithParamInterface<std::string> {};

TEST_P(UserProject, BuildsWithSfnAddProgram) {
  // A copy of the project, so the test can edit an imported file.
  const fs::path src = work / "project";
  fs::copy(SFN_USER_PROJECT_DIR, src, fs::copy_options::recursive);
  const fs::path bin = work / "project-build";
  std::vector<std::string> configure_args = {SFN_CMAKE,
                                             "-S",
                                             src.string(),
                                             "-B",
                                             bin.string(),
                                             "-G",
                                             GetParam(),
                                             "-DCMAKE_CXX_COMPILER=" + std::string(SFN_CXX_COMPILER),
                                             "-DCMAKE_PREFIX_PATH=" + prefix.string()};
  if (GetParam() == "Ninja") configure_args.push_back("-DCMAKE_MAKE_PROGRAM=" + std::string(SFN_MAKE_PROGRAM));
  const auto configure = run_command(configure_args);
  ASSERT_EQ(configure.status, 0) << configure.out << configure.err;
  const auto build = run_command({SFN_CMAKE, "--build", bin.string()});
  ASSERT_EQ(build.status, 0) << build.out << build.err;
  EXPECT_NE(build.out.find("Generating C++ for visits.sfn"), std::string::npos) << build.out;

  const std::string exe = (bin / "visits").string();
  auto run = run_command({exe, "--input", (src / "input.jsonl").string(), "--clock", "virtual", "--workers", "1",
                          "--state-dir", (work / "state").string()});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(run.out, read_file(src / "expected.jsonl")) << run.err;

  // Nothing changed: nothing is regenerated.
  const auto again = run_command({SFN_CMAKE, "--build", bin.string()});
  ASSERT_EQ(again.status, 0) << again.out << again.err;
  EXPECT_EQ(again.out.find("Generating C++"), std::string::npos) << again.out;

  // Editing the imported file regenerates and relinks; the new wording shows in the egress.
  std::string wording = read_file(src / "wording.sfn");
  const std::string from = "Welcome back, ", to = "Good to see you again, ";
  ASSERT_NE(wording.find(from), std::string::npos);
  wording.replace(wording.find(from), from.size(), to);
  std::ofstream(src / "wording.sfn", std::ios::trunc) << wording;
  const auto rebuild = run_command({SFN_CMAKE, "--build", bin.string()});
  ASSERT_EQ(rebuild.status, 0) << rebuild.out << rebuild.err;
  EXPECT_NE(rebuild.out.find("Generating C++ for visits.sfn"), std::string::npos) << rebuild.out;
  fs::remove_all(work / "state");
  run = run_command({exe, "--input", (src / "input.jsonl").string(), "--clock", "virtual", "--workers", "1",
                     "--state-dir", (work / "state").string()});
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("Good to see you again, ada (visit 2)"), std::string::npos) << run.out;
}

INSTANTIATE_TEST_SUITE_P(Generators, UserProject, ::testing::Values("Ninja", "Unix Makefiles"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param == "Ninja" ? std::string("Ninja") : std::string("Makefiles");
                         });

}  // namespace
