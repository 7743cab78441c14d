// File tests of the compiler (ARCHITECTURE.md "Tests"): every top-level `.sfn` file under
// tests/compiler/ok/ and ok_*/ must check with no diagnostics at all; every file under fail_*/
// must produce exactly the diagnostics listed in its trailing `// CHECK: line:col: CODE: message`
// lines (a diagnostic in another file of the program is prefixed with that file's path relative
// to the test file's folder). The real `sfn check --format json` binary is run on each file.
// A file with a line `// compatible-with: OLD.sfn` (a path relative to its folder) is checked as
// a new version of that program: `sfn check --compatible-with OLD.sfn` (ok_compat/, fail_compat/).
// With UPDATE_GOLDEN=1 the CHECK lines of fail_* files are rewritten from the actual output.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace fs = std::filesystem;
using sfn::testing::CommandResult;
using sfn::testing::run_command;

using sfn::testing::read_file;

namespace {

struct FileCase {
  std::string group;  // "ok", "fail_types", ...
  fs::path path;
};

// ok/ and ok_*/ hold programs that must check without any diagnostic.
bool is_ok_group(const std::string& group) { return group == "ok" || group.rfind("ok_", 0) == 0; }

std::vector<FileCase> discover() {
  std::vector<FileCase> cases;
  fs::path root = SFN_TESTS_COMPILER_DIR;
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    std::string group = dir.path().filename().string();
    if (!is_ok_group(group) && group.rfind("fail_", 0) != 0) continue;
    for (const auto& file : fs::directory_iterator(dir.path())) {
      if (file.is_regular_file() && file.path().extension() == ".sfn") {
        cases.push_back({group, file.path()});
      }
    }
  }
  std::sort(cases.begin(), cases.end(), [](const FileCase& a, const FileCase& b) { return a.path < b.path; });
  return cases;
}

const std::string kCheckPrefix = "// CHECK: ";
const std::string kCompatiblePrefix = "// compatible-with: ";

// The `sfn check` command line for a case, run from tests/compiler/.
std::vector<std::string> check_command(const FileCase& c, const std::string& text) {
  fs::path rel = fs::path(c.group) / c.path.filename();
  std::vector<std::string> cmd = {SFN_BINARY, "check", "--format", "json"};
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(kCompatiblePrefix, 0) != 0) continue;
    cmd.push_back("--compatible-with");
    cmd.push_back((fs::path(c.group) / line.substr(kCompatiblePrefix.size())).lexically_normal().string());
    break;
  }
  cmd.push_back(rel.string());
  return cmd;
}

// The expected lines and the file's text without its trailing CHECK block.
std::pair<std::vector<std::string>, std::string> split_checks(const std::string& text) {
  std::vector<std::string> checks;
  std::istringstream in(text);
  std::string line, body;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  std::size_t end = lines.size();
  while (end > 0 && (lines[end - 1].rfind(kCheckPrefix, 0) == 0 || lines[end - 1].empty())) --end;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind(kCheckPrefix, 0) == 0) checks.push_back(lines[i].substr(kCheckPrefix.size()));
    if (i < end) body += lines[i] + "\n";
  }
  return {checks, body};
}

// Renders `sfn check --format json` output as CHECK lines.
std::vector<std::string> actual_lines(const FileCase& c, const std::string& json_lines) {
  std::vector<std::string> out;
  std::istringstream in(json_lines);
  std::string line;
  fs::path dir = fs::path(SFN_TESTS_COMPILER_DIR) / c.group;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded()) {
      out.push_back("<not JSON> " + line);
      continue;
    }
    std::string where;
    if (j["file"].is_string()) {
      std::string reported = j["file"].get<std::string>();
      fs::path file = fs::path(SFN_TESTS_COMPILER_DIR) / reported;
      if (reported.rfind("<std>", 0) == 0) {
        where = reported + ":";
      } else if (fs::weakly_canonical(file) != fs::weakly_canonical(c.path)) {
        where = fs::relative(fs::weakly_canonical(file), dir).string() + ":";
      }
      where += std::to_string(j["line"].get<int>()) + ":" + std::to_string(j["column"].get<int>());
    } else {
      where = "-";
    }
    out.push_back(where + ": " + j["code"].get<std::string>() + ": " + j["message"].get<std::string>());
  }
  return out;
}

void PrintTo(const FileCase& c, std::ostream* os) { *os << c.path.string(); }

class FileTest : public ::testing::TestWithParam<FileCase> {};

TEST_P(FileTest, MatchesExpectedDiagnostics) {
  const FileCase& c = GetParam();
  // Run from tests/compiler/ with a relative path, so paths in messages do not depend on
  // where the repository is checked out.
  const std::string text = read_file(c.path);
  CommandResult r = run_command(check_command(c, text), "", SFN_TESTS_COMPILER_DIR);
  auto [expected, body] = split_checks(text);
  auto actual = actual_lines(c, r.out);

  if (is_ok_group(c.group)) {
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(actual.empty()) << "expected no diagnostics, got:\n" << r.out;
    return;
  }
  const char* update = std::getenv("UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream outf(c.path, std::ios::binary | std::ios::trunc);
    outf << body;
    if (!body.empty() && body.back() != '\n') outf << "\n";
    for (const auto& l : actual) outf << kCheckPrefix << l << "\n";
    return;
  }
  EXPECT_FALSE(expected.empty()) << "a fail_* test must list its expected diagnostics";
  bool has_error = std::any_of(expected.begin(), expected.end(),
                               [](const std::string& l) { return l.find(": E") != std::string::npos; });
  EXPECT_EQ(r.status, has_error ? 1 : 0) << r.err;
  EXPECT_EQ(actual, expected) << "stderr: " << r.err;
}

std::string case_name(const ::testing::TestParamInfo<FileCase>& info) {
  return sfn::testing::identifier(info.param.group + "_" + info.param.path.stem().string());
}

INSTANTIATE_TEST_SUITE_P(Compiler, FileTest, ::testing::ValuesIn(discover()), case_name);

}  // namespace
