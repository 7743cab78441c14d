// `sfn test` end to end (decision 140), with the real binary: every example's tests pass with
// the LLVM JIT and with the C++ backend; the report of failing tests is golden (failing.out,
// UPDATE_GOLDEN=1 rewrites it); --junit writes XML that validates against junit.xsd; --filter
// and --format json; bad paths are usage errors; and a test is not part of the version hash.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

#include "tests/compiler/test_support.h"

namespace fs = std::filesystem;
using sfn::testing::CommandResult;
using sfn::testing::read_file;
using sfn::testing::run_command;

namespace {

const fs::path kSource = SFN_SOURCE_DIR;
const fs::path kDir = SFN_TEST_DIR;

CommandResult sfn_test(std::vector<std::string> args, const fs::path& cwd = kSource) {
  args.insert(args.begin(), {SFN_BIN, "test"});
  return run_command(args, "", cwd.string());
}

// How many `test "..."` blocks the examples hold, counted from their text.
std::size_t example_tests() {
  std::size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(kSource / "examples")) {
    if (e.path().extension() != ".sfn") continue;
    std::istringstream in(read_file(e.path()));
    for (std::string line; std::getline(in, line);) n += line.rfind("test \"", 0) == 0 ? 1 : 0;
  }
  return n;
}

fs::path scratch(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("sfn_test_test_" + name + "_" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

class Examples : public ::testing::TestWithParam<std::string> {};

TEST_P(Examples, EveryExampleHasTestsAndTheyPass) {
  const std::size_t n = example_tests();
  ASSERT_GE(n, 10u);
  CommandResult r = sfn_test({"examples", "--backend", GetParam()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(std::to_string(n) + " passed, 0 failed\n"), std::string::npos) << r.out << r.err;
  for (const auto& e : fs::directory_iterator(kSource / "examples")) {
    if (!e.is_directory()) continue;
    EXPECT_NE(r.out.find("ok   examples/" + e.path().filename().string() + "/"), std::string::npos) << e.path();
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, Examples, ::testing::Values("llvm", "cpp"));

TEST(SfnTest, FailingReportIsGolden) {
  CommandResult r = sfn_test({"failing.sfn"}, kDir);
  EXPECT_EQ(r.status, 1) << r.err;
  const fs::path golden = kDir / "failing.out";
  if (std::getenv("UPDATE_GOLDEN")) std::ofstream(golden) << r.out;
  EXPECT_EQ(r.out, read_file(golden));
  EXPECT_NE(r.out.find("1 passed, 3 failed\n"), std::string::npos);
}

TEST(SfnTest, JunitValidatesAgainstTheSchema) {
  const fs::path out = scratch("junit") / "results.xml";
  CommandResult r = sfn_test({"failing.sfn", "../../../examples/greeter", "--junit", out.string()}, kDir);
  EXPECT_EQ(r.status, 1) << r.err;
  CommandResult lint = run_command({SFN_XMLLINT, "--noout", "--schema", (kDir / "junit.xsd").string(), out.string()});
  EXPECT_EQ(lint.status, 0) << lint.err;
  const std::string xml = read_file(out);
  EXPECT_NE(xml.find("<testsuites name=\"sfn test\" tests=\"6\" failures=\"3\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testsuite name=\"failing.sfn\" tests=\"4\" failures=\"3\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<testcase name=\"each visit counts\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure message=\"expect Counter(&quot;a&quot;).total == 4;\""), std::string::npos) << xml;
  fs::remove_all(out.parent_path());
}

TEST(SfnTest, FilterAndJson) {
  CommandResult r = sfn_test({"failing.sfn", "--filter", "state", "--format", "json"}, kDir);
  EXPECT_EQ(r.status, 1) << r.err;
  std::istringstream in(r.out);
  std::string line;
  ASSERT_TRUE(std::getline(in, line)) << r.out;
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["name"], "wrong state");
  EXPECT_EQ(j["passed"], false);
  EXPECT_EQ(j["failures"][0]["line"], 37);
  EXPECT_FALSE(std::getline(in, line)) << "only one test matches: " << r.out;
  r = sfn_test({"failing.sfn", "--filter", "passes"}, kDir);
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_EQ(r.out, "ok   failing.sfn:29: test \"passes\"\n1 passed, 0 failed\n");
}

TEST(SfnTest, UsageErrors) {
  CommandResult r = sfn_test({"no-such-dir"}, kDir);
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("`no-such-dir`: no such file or directory"), std::string::npos) << r.err;
  r = sfn_test({"--backend", "gcc"}, kDir);
  EXPECT_EQ(r.status, 2);
  r = sfn_test({"--help"}, kDir);
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--junit"), std::string::npos);
}

TEST(SfnTest, AFileWithErrorsFails) {
  const fs::path dir = scratch("errors");
  std::ofstream(dir / "bad.sfn") << "package p;\nmessage M { n: int; }\ntest \"t\" {\n  advance 0s;\n}\n";
  CommandResult r = sfn_test({(dir / "bad.sfn").string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("E0701"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("0 passed, 0 failed, 1 file with errors"), std::string::npos) << r.out;
  fs::remove_all(dir);
}

// The version hash the C++ backend writes into the module (`sfn emit cpp`).
std::string version_hash(const fs::path& file) {
  CommandResult r = run_command({SFN_BIN, "emit", "cpp", file.string()});
  EXPECT_EQ(r.status, 0) << r.err;
  std::smatch m;
  EXPECT_TRUE(std::regex_search(r.out, m, std::regex("kModule\\{SFN_ABI_VERSION, \"[^\"]*\", \"([0-9a-f]{16})\"")))
      << r.out.substr(0, 2000);
  return m.size() > 1 ? m[1].str() : "";
}

TEST(SfnTest, TestsAreNotPartOfTheVersionHash) {
  const fs::path dir = scratch("hash");
  std::string text = read_file(kSource / "examples/greeter/greeter.sfn");
  std::ofstream(dir / "with.sfn") << text;
  std::ofstream(dir / "without.sfn") << text.substr(0, text.find("\n\ntest \"")) << "\n";
  std::ofstream(dir / "changed.sfn") << text.substr(0, text.find("\n\ntest \"")) << "\n// another\n";
  const std::string with = version_hash(dir / "with.sfn");
  EXPECT_FALSE(with.empty());
  EXPECT_EQ(with, version_hash(dir / "without.sfn"));
  EXPECT_NE(with, version_hash(dir / "changed.sfn"));
  fs::remove_all(dir);
}

}  // namespace
