// Runs each program of tests/compiler/run/<name>/ with the real `sfn` binary:
//   sfn run <name>.sfn --input input.jsonl --clock virtual --workers 1 --state-dir <fresh dir>
// in the program's folder, and compares stdout with expected.jsonl line by line, exactly; a
// subset also through `sfn build <name>.sfn -o <exe>` and `<exe> --input input.jsonl ...`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
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

// A fresh state directory for one run, removed at the end of the test.
struct ScratchDir {
  explicit ScratchDir(const std::string& name)
      : path(fs::temp_directory_path() / ("sfn_run_" + name + "_" + std::to_string(::getpid()))) {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~ScratchDir() { fs::remove_all(path); }
  fs::path path;
};

// Asserts that a run of program `name` exited 0 and printed exactly its expected.jsonl.
void expect_expected_egress(const std::string& name, const std::string& what,
                            const sfn::testing::CommandResult& result) {
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / name;
  const auto want = lines_of(slurp(dir / "expected.jsonl"));
  const auto got = lines_of(result.out);
  EXPECT_EQ(result.status, 0) << what << " exited with " << result.status << "\nstderr:\n" << result.err;
  EXPECT_TRUE(want == got) << "egress of " << what << " differs from expected.jsonl (- expected, + actual):\n"
                           << diff(want, got) << "stderr:\n" << result.err;
}

class RunProgram : public ::testing::TestWithParam<std::string> {};

TEST_P(RunProgram, MatchesExpectedEgress) {
  const std::string name = GetParam();
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / name;
  ASSERT_TRUE(fs::exists(dir / "input.jsonl")) << dir << " has no input.jsonl";
  ASSERT_TRUE(fs::exists(dir / "expected.jsonl")) << dir << " has no expected.jsonl";
  ScratchDir state(name);
  const auto result = sfn::testing::run_command(
      {SFN_BINARY, "run", name + ".sfn", "--input", "input.jsonl", "--clock", "virtual", "--workers", "1",
       "--state-dir", state.path.string()},
      "", dir.string());
  expect_expected_egress(name, "sfn run " + name + ".sfn", result);
}

// The same programs as standalone executables from `sfn build` (runtime linked in), run with the
// same options. A subset, as each build links a whole executable: message cycles between
// instances, timers and cancel, expiry, runtime errors with their locations, the std library
// and value formatting.
class BuiltProgram : public ::testing::TestWithParam<std::string> {};

TEST_P(BuiltProgram, MatchesExpectedEgress) {
  const std::string name = GetParam();
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / name;
  ScratchDir work(name + "_built");
  const std::string exe = (work.path / name).string();
  const auto build = sfn::testing::run_command({SFN_BINARY, "build", name + ".sfn", "-o", exe}, "", dir.string());
  ASSERT_EQ(build.status, 0) << "sfn build " << name << ".sfn failed:\n" << build.err;
  ASSERT_TRUE(fs::exists(exe));
  const auto result = sfn::testing::run_command(
      {exe, "--input", "input.jsonl", "--clock", "virtual", "--workers", "1", "--state-dir",
       (work.path / "state").string()},
      "", dir.string());
  expect_expected_egress(name, "./" + name + " (from sfn build)", result);
}

// `sfn build` refuses outputs it cannot write with exit 2 and says why, and reports program
// errors as diagnostics with exit 1, before anything is compiled or linked.
TEST(SfnBuild, ReportsUnusableOutputsAndProgramErrors) {
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / "ping_pong";
  ScratchDir work("build_errors");
  auto r = sfn::testing::run_command({SFN_BINARY, "build", "ping_pong.sfn", "-o", work.path.string()}, "", dir.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  r = sfn::testing::run_command({SFN_BINARY, "build", "ping_pong.sfn", "-o", (work.path / "no/such/dir/app").string()},
                                "", dir.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no directory"), std::string::npos) << r.err;
  r = sfn::testing::run_command({SFN_BINARY, "build", "ping_pong.sfn", "-o", ""}, "", dir.string());
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("needs a file name"), std::string::npos) << r.err;

  const fs::path bad = work.path / "bad.sfn";
  std::ofstream(bad) << "package bad;\nfunction F(id: int) {\n  on Missing(m) { }\n}\n";
  r = sfn::testing::run_command({SFN_BINARY, "build", bad.string(), "-o", (work.path / "bad").string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad.sfn:3:"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(work.path / "bad"));
  EXPECT_EQ(std::distance(fs::directory_iterator(work.path), fs::directory_iterator()), 1);  // only bad.sfn
}

// Sets an environment variable for the lifetime of the object (children inherit it), then
// restores the previous value.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) ::setenv(name_, old_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// The module cache stays bounded: over SFN_CACHE_MAX_ENTRIES entries, the least recently used
// old ones go (down to 3/4 of the limit); files that are not cache entries stay; a hit makes
// its entry the most recently used.
TEST(ModuleCache, RemovesLeastRecentlyUsedEntriesOverTheLimit) {
  ScratchDir cache("cache_prune");
  const auto day_ago = fs::file_time_type::clock::now() - std::chrono::hours(24);
  for (int i = 0; i < 20; ++i) {
    char key[17];
    std::snprintf(key, sizeof key, "%016x", i);
    for (const char* ext : {".so", ".cpp", ".log"}) {
      const fs::path f = cache.path / ("old" + std::to_string(i) + "-" + key + ext);
      std::ofstream(f) << "x";
      // Entry 0 is the oldest, entry 19 the newest of the old ones.
      fs::last_write_time(f, day_ago + std::chrono::minutes(i));
    }
  }
  std::ofstream(cache.path / "notes.txt") << "not a cache entry";
  ScopedEnv cache_dir("SFN_CACHE_DIR", cache.path.string());
  ScratchDir out("cache_prune_out");
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / "ping_pong";
  auto r = [&] {
    ScopedEnv limit("SFN_CACHE_MAX_ENTRIES", "8");
    return sfn::testing::run_command({SFN_BINARY, "build", "--shared", "ping_pong.sfn", "-o",
                                      (out.path / "m.so").string()}, "", dir.string());
  }();
  ASSERT_EQ(r.status, 0) << r.err;

  std::vector<std::string> left;
  fs::path fresh;
  for (const auto& e : fs::directory_iterator(cache.path)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".so") {
      if (name.rfind("old", 0) == 0) left.push_back(name.substr(0, name.find('-')));
      else fresh = e.path();
    }
  }
  std::sort(left.begin(), left.end());
  // 20 old entries > 8: the 14 oldest went, leaving 6 (3/4 of 8), then the new one was added.
  EXPECT_EQ(left, (std::vector<std::string>{"old14", "old15", "old16", "old17", "old18", "old19"}));
  EXPECT_FALSE(fresh.empty());
  EXPECT_FALSE(fs::exists(cache.path / ("old0-" + std::string(16, '0') + ".cpp")));
  EXPECT_TRUE(fs::exists(cache.path / "notes.txt"));

  // A hit refreshes the entry's time.
  fs::last_write_time(fresh, day_ago);
  r = sfn::testing::run_command({SFN_BINARY, "build", "--shared", "ping_pong.sfn", "-o",
                                 (out.path / "m2.so").string()}, "", dir.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GT(fs::last_write_time(fresh), fs::file_time_type::clock::now() - std::chrono::minutes(5));
}

INSTANTIATE_TEST_SUITE_P(Executables, BuiltProgram,
                         ::testing::Values("ping_pong", "cancel_rollback", "expiry", "errors_arith", "std_strings",
                                           "formatting"));

INSTANTIATE_TEST_SUITE_P(Programs, RunProgram, ::testing::ValuesIn(program_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return sfn::testing::identifier(info.param);
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RunProgram);

}  // namespace
