// Runs each program of tests/compiler/run/<name>/ with the real `sfn` binary:
//   sfn run <name>.sfn --input input.jsonl --clock virtual --workers 1 --state-dir <fresh dir>
// in the program's folder, and compares stdout with expected.jsonl line by line, exactly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> v;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!l.empty()) v.push_back(l);
  }
  return v;
}

// A line-based diff (longest common subsequence): "  " same, "- " expected only, "+ " actual only.
std::string diff(const std::vector<std::string>& want, const std::vector<std::string>& got) {
  const std::size_t n = want.size(), m = got.size();
  std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      lcs[i][j] = want[i] == got[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && want[i] == got[j]) {
      out += "  " + want[i] + "\n";
      ++i;
      ++j;
    } else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out += "+ " + got[j++] + "\n";
    } else {
      out += "- " + want[i++] + "\n";
    }
  }
  return out;
}

std::vector<std::string> program_names() {
  std::vector<std::string> names;
  const fs::path root = SFN_RUN_TESTS_DIR;
  if (!fs::is_directory(root)) return names;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    if (fs::exists(entry.path() / (name + ".sfn"))) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class RunProgram : public ::testing::TestWithParam<std::string> {};

TEST_P(RunProgram, MatchesExpectedEgress) {
  const std::string name = GetParam();
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / name;
  ASSERT_TRUE(fs::exists(dir / "input.jsonl")) << dir << " has no input.jsonl";
  ASSERT_TRUE(fs::exists(dir / "expected.jsonl")) << dir << " has no expected.jsonl";

  const fs::path state = fs::temp_directory_path() /
                         ("sfn_run_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(state);
  fs::create_directories(state);

  const auto result = sfn::testing::run_command(
      {SFN_BINARY, "run", name + ".sfn", "--input", "input.jsonl", "--clock", "virtual", "--workers", "1",
       "--state-dir", state.string()},
      "", dir.string());
  fs::remove_all(state);

  const auto want = lines_of(slurp(dir / "expected.jsonl"));
  const auto got = lines_of(result.out);
  EXPECT_EQ(result.status, 0) << "sfn run " << name << ".sfn exited with " << result.status
                              << "\nstderr:\n" << result.err;
  EXPECT_TRUE(want == got) << "egress of " << name << " differs from expected.jsonl (- expected, + actual):\n"
                           << diff(want, got) << "stderr:\n" << result.err;
}

INSTANTIATE_TEST_SUITE_P(Programs, RunProgram, ::testing::ValuesIn(program_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string id = info.param;
                           for (char& c : id) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return id;
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RunProgram);

}  // namespace
