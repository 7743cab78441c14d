// Runs each program of tests/compiler/run/<name>/ with the real `sfn` binary:
//   sfn run <name>.sfn --input input.jsonl --clock virtual --workers 1 --state-dir <fresh dir>
// in the program's folder, and compares stdout with expected.jsonl line by line, exactly; a
// subset also through `sfn build <name>.sfn -o <exe>` and `<exe> --input input.jsonl ...`.
// Every run program and every example also runs with 1, 2 and 4 workers: the egress of each
// instance (grouped per emitting address, in order) must not depend on the worker count; and
// every run program, stopped after the first half of its input and restarted on the same state
// directory with the rest, prints exactly expected.jsonl.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// The folders <root>/<name>/ holding <name>.sfn, sorted; as paths when `with_root`.
std::vector<std::string> program_names(const fs::path& root = SFN_RUN_TESTS_DIR, bool with_root = false) {
  std::vector<std::string> names;
  if (!fs::is_directory(root)) return names;
  for (const auto& entry : fs::directory_iterator(root)) {
    if (!entry.is_directory()) continue;
    const std::string name = entry.path().filename().string();
    if (fs::exists(entry.path() / (name + ".sfn"))) names.push_back(with_root ? entry.path().string() : name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Every run program and every example, as folder paths.
std::vector<std::string> all_program_dirs() {
  auto dirs = program_names(SFN_RUN_TESTS_DIR, true);
  for (auto& d : program_names(SFN_EXAMPLES_DIR, true)) dirs.push_back(d);
  return dirs;
}

using sfn::testing::ScratchDir;

// Asserts that a run of program `name` exited 0 and printed exactly its expected.jsonl.
void expect_expected_egress(const std::string& name, const std::string& what,
                            const sfn::testing::CommandResult& result) {
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / name;
  const auto want = lines_of(slurp(dir / "expected.jsonl"));
  const auto got = lines_of(result.out);
  EXPECT_EQ(result.status, 0) << what << " exited with " << result.status << "\nstderr:\n" << result.err;
  EXPECT_TRUE(want == got) << "egress of " << what << " differs from expected.jsonl (- expected, + actual):\n"
                           << diff(want, got) << "stderr:\n"
                           << result.err;
}

class RunProgram : public ::testing::TestWithParam<std::string> {};

TEST_P(RunProgram, MatchesExpectedEgress) {
  const std::string name = GetParam();
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / name;
  ASSERT_TRUE(fs::exists(dir / "input.jsonl")) << dir << " has no input.jsonl";
  ASSERT_TRUE(fs::exists(dir / "expected.jsonl")) << dir << " has no expected.jsonl";
  ScratchDir state(name);
  const auto result = sfn::testing::run_command({SFN_BINARY, "run", name + ".sfn", "--input", "input.jsonl", "--clock",
                                                 "virtual", "--workers", "1", "--state-dir", state.path.string()},
                                                "", dir.string());
  expect_expected_egress(name, "sfn run " + name + ".sfn", result);
}

// With a 1 KB instance cache (an instance or two), instances are evicted between their messages and read again from
// the database: the egress is exactly the same (decision 131).
TEST_P(RunProgram, ATinyCacheGivesTheSameEgress) {
  const std::string name = GetParam();
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / name;
  ScratchDir state(name);
  const auto result =
      sfn::testing::run_command({SFN_BINARY, "run", name + ".sfn", "--input", "input.jsonl", "--clock", "virtual",
                                 "--workers", "1", "--cache-size", "1KB", "--state-dir", state.path.string()},
                                "", dir.string());
  expect_expected_egress(name, "sfn run " + name + ".sfn --cache-size 1KB", result);
}

// Where to split an input for a restart: the line nearest the middle whose `at` is later than
// the line before's (first line: 0, no --until), and that `at` as the first run's --until.
std::pair<std::size_t, std::string> restart_point(const std::vector<std::string>& input) {
  std::vector<std::string> at(input.size());
  std::string current = "0s";
  for (std::size_t i = 0; i < input.size(); ++i) {
    auto j = nlohmann::json::parse(input[i], nullptr, false);
    if (!j.is_discarded() && j.contains("at") && j["at"].is_string()) current = j["at"].get<std::string>();
    at[i] = current;
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < input.size(); ++i) {
    bool later = at[i] != at[i - 1];  // `at` never decreases, so a different value is later
    auto distance = [&](std::size_t k) { return k > input.size() / 2 ? k - input.size() / 2 : input.size() / 2 - k; };
    if (later && (best == 0 || distance(i) < distance(best))) best = i;
  }
  return {best, best ? at[best] : ""};
}

// Egress lines with every dead letter's epoch blanked: a second run starts a new epoch.
std::vector<std::string> without_epochs(std::vector<std::string> lines) {
  static const std::regex kEpoch(R"("epoch":[0-9]+)");
  for (auto& l : lines) l = std::regex_replace(l, kEpoch, R"("epoch":_)");
  return lines;
}

// A stop and a restart on the same state directory change nothing (decision 014's restart
// test): the first run takes the input up to a line nearest the middle and stops (--until) at
// that line's time with later timers pending; the second run takes the rest. State, timers and
// the virtual clock carry over, so the two runs print what one run over all of it prints.
TEST_P(RunProgram, RestartHalfwayGivesTheSameEgress) {
  const std::string name = GetParam();
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / name;
  const auto input = lines_of(slurp(dir / "input.jsonl"));
  const auto [half, until] = restart_point(input);
  ScratchDir state(name + "_restart");
  std::string out;
  for (auto [from, to] : {std::pair<std::size_t, std::size_t>{0, half}, {half, input.size()}}) {
    const fs::path part = state.path / ("input-" + std::to_string(from) + "-" + std::to_string(to) + ".jsonl");
    std::ofstream f(part);
    for (std::size_t i = from; i < to; ++i) f << input[i] << "\n";
    f.close();
    std::vector<std::string> argv = {SFN_BINARY,
                                     "run",
                                     name + ".sfn",
                                     "--input",
                                     part.string(),
                                     "--clock",
                                     "virtual",
                                     "--workers",
                                     "1",
                                     "--state-dir",
                                     (state.path / "s").string()};
    if (from == 0 && !until.empty()) argv.insert(argv.end(), {"--until", until});
    const auto r = sfn::testing::run_command(argv, "", dir.string());
    ASSERT_EQ(r.status, 0) << name << " (input lines " << from + 1 << ".." << to << "):\n" << r.err;
    out += r.out;
  }
  const auto want = without_epochs(lines_of(slurp(dir / "expected.jsonl")));
  const auto got = without_epochs(lines_of(out));
  EXPECT_TRUE(want == got) << name << ": two runs (restart before line " << half + 1 << ", at " << until
                           << ") differ from expected.jsonl (- expected, + actual):\n"
                           << diff(want, got);
}

// `--until T` on the whole input (issue 20): every good line goes to the ingress log, the run
// stops at T with exit 0 and reports nothing as skipped, and the next run of the same file on the
// state directory runs the lines due at or after T; the two runs print what one run prints.
TEST_P(RunProgram, UntilLeavesLaterLinesForTheNextRunOfTheFile) {
  const std::string name = GetParam();
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / name;
  const auto until = restart_point(lines_of(slurp(dir / "input.jsonl"))).second;
  if (until.empty()) GTEST_SKIP() << name << ": every input line is due at one time";
  ScratchDir state(name + "_until");
  std::string out;
  for (bool first : {true, false}) {
    std::vector<std::string> argv = {SFN_BINARY,
                                     "run",
                                     name + ".sfn",
                                     "--input",
                                     "input.jsonl",
                                     "--clock",
                                     "virtual",
                                     "--workers",
                                     "1",
                                     "--state-dir",
                                     (state.path / "s").string()};
    if (first) argv.insert(argv.end(), {"--until", until});
    const auto r = sfn::testing::run_command(argv, "", dir.string());
    ASSERT_EQ(r.status, 0) << name << (first ? " (--until " + until + ")" : " (the rest)") << ":\n" << r.err;
    EXPECT_EQ(r.err.find("skipped"), std::string::npos) << r.err;
    out += r.out;
  }
  const auto want = without_epochs(lines_of(slurp(dir / "expected.jsonl")));
  const auto got = without_epochs(lines_of(out));
  EXPECT_TRUE(want == got) << name << ": --until " << until << " then the rest differs from expected.jsonl:\n"
                           << diff(want, got);
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
  const auto result = sfn::testing::run_command({exe, "--input", "input.jsonl", "--clock", "virtual", "--workers", "1",
                                                 "--state-dir", (work.path / "state").string()},
                                                "", dir.string());
  expect_expected_egress(name, "./" + name + " (from sfn build)", result);
}

// `sfn build` refuses outputs it cannot write with exit 2 and says why, and reports program
// errors as diagnostics with exit 1, before anything is compiled or linked.
TEST(SfnBuild, ReportsUnusableOutputsAndProgramErrors) {
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / "ping_pong";
  ScratchDir work("build_errors");
  auto r =
      sfn::testing::run_command({SFN_BINARY, "build", "ping_pong.sfn", "-o", work.path.string()}, "", dir.string());
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

// Egress that cannot be written (a full disk) is an error: exit 1 naming the output, never 0 with
// everything lost.
TEST(SfnRun, AnUnwritableOutputIsAnError) {
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / "ping_pong";
  ScratchDir state("dev_full");
  auto r = sfn::testing::run_command({SFN_BINARY, "run", "ping_pong.sfn", "--input", "input.jsonl", "--clock",
                                      "virtual", "--output", "/dev/full", "--state-dir", state.path.string()},
                                     "", dir.string());
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("cannot write egress to /dev/full: No space left on device"), std::string::npos) << r.err;
}

// Input without line ends (`--input /dev/zero`) is read up to a bound, reported with its line and
// given up, instead of being read forever (issue 11); lines without `at` keep the line before's
// time and a decreasing `at` is warned about with its line number.
TEST(SfnRun, EndlessAndDisorderedInputIsReportedNotReadForever) {
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / "ping_pong";
  ScratchDir state("dev_zero");
  auto r = sfn::testing::run_command({SFN_BINARY, "run", "ping_pong.sfn", "--input", "/dev/zero", "--clock", "virtual",
                                      "--state-dir", (state.path / "a").string()},
                                     "", dir.string());
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("/dev/zero:1: longer than"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the rest of the file is not read"), std::string::npos) << r.err;
  const auto lines = lines_of(slurp(dir / "input.jsonl"));
  ASSERT_EQ(lines[0].find("\"at\""), std::string::npos) << lines[0];
  std::ofstream(state.path / "late.jsonl") << lines[0].substr(0, lines[0].rfind('}')) << R"(,"at":"5s"})" << "\n"
                                           << lines[0] << "\n"  // no `at`: due at 5s too
                                           << lines[0].substr(0, lines[0].rfind('}')) << R"(,"at":"1s"})" << "\n";
  r = sfn::testing::run_command({SFN_BINARY, "run", "ping_pong.sfn", "--input", (state.path / "late.jsonl").string(),
                                 "--clock", "virtual", "--state-dir", (state.path / "b").string()},
                                "", dir.string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("late.jsonl:3: warning: `at` is earlier than a line before it"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("late.jsonl:2: warning"), std::string::npos) << r.err;
}

// A run with neither input nor endpoints says what it does instead of exiting silently.
TEST(SfnRun, ARunWithoutInputOrEndpointsSaysWhatItDoes) {
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / "ping_pong";
  ScratchDir state("no_input");
  auto r = sfn::testing::run_command({SFN_BINARY, "run", "ping_pong.sfn", "--state-dir", state.path.string()}, "",
                                     dir.string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("no --input and no endpoints"), std::string::npos) << r.err;
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
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
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
    return sfn::testing::run_command(
        {SFN_BINARY, "build", "--shared", "ping_pong.sfn", "-o", (out.path / "m.so").string()}, "", dir.string());
  }();
  ASSERT_EQ(r.status, 0) << r.err;

  std::vector<std::string> left;
  fs::path fresh;
  for (const auto& e : fs::directory_iterator(cache.path)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() == ".so") {
      if (name.rfind("old", 0) == 0)
        left.push_back(name.substr(0, name.find('-')));
      else
        fresh = e.path();
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
  r = sfn::testing::run_command({SFN_BINARY, "build", "--shared", "ping_pong.sfn", "-o", (out.path / "m2.so").string()},
                                "", dir.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_GT(fs::last_write_time(fresh), fs::file_time_type::clock::now() - std::chrono::minutes(5));
}

// A cached module that is not what was compiled (truncated: a full disk, a crash) is compiled
// again instead of being loaded (loading it ended in SIGBUS on every run).
TEST(ModuleCache, ATruncatedModuleIsCompiledAgain) {
  ScratchDir cache("cache_truncated");
  ScopedEnv cache_dir("SFN_CACHE_DIR", cache.path.string());
  const fs::path dir = fs::path(SFN_RUN_TESTS_DIR) / "ping_pong";
  auto run = [&](const std::string& state) {
    ScratchDir s(state);
    return sfn::testing::run_command({SFN_BINARY, "run", "ping_pong.sfn", "--backend", "cpp", "--input", "input.jsonl",
                                      "--clock", "virtual", "--state-dir", s.path.string()},
                                     "", dir.string());
  };
  auto first = run("cache_truncated_1");
  ASSERT_EQ(first.status, 0) << first.err;
  fs::path so;
  for (const auto& e : fs::directory_iterator(cache.path))
    if (e.path().extension() == ".so") so = e.path();
  ASSERT_FALSE(so.empty());
  fs::resize_file(so, fs::file_size(so) / 2);
  auto second = run("cache_truncated_2");
  EXPECT_EQ(second.status, 0) << second.err;
  EXPECT_EQ(second.out, first.out);
  auto third = run("cache_truncated_3");  // and the entry is whole again
  EXPECT_EQ(third.out, first.out);
}

// Egress lines of a run with --egress-sources, grouped per emitting address, in order.
std::map<std::string, std::vector<std::string>> egress_per_source(const std::string& out) {
  std::map<std::string, std::vector<std::string>> per;
  for (const auto& line : lines_of(out)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("from")) {
      per["<unparsable>"].push_back(line);
      continue;
    }
    per[j["from"].get<std::string>()].push_back(j["egress"].dump() + " " + j["value"].dump());
  }
  return per;
}

std::string describe(const std::map<std::string, std::vector<std::string>>& per) {
  std::string out;
  for (const auto& [from, lines] : per) {
    out += from + ":\n";
    for (const auto& l : lines) out += "  " + l + "\n";
  }
  return out;
}

// Decision 014's worker-count differential test: messages that cross workers travel as
// Protobuf, so any value that does not survive encoding shows up as a difference.
class WorkerCount : public ::testing::TestWithParam<std::string> {};

TEST_P(WorkerCount, EgressPerInstanceDoesNotDependOnTheWorkerCount) {
  const fs::path dir = GetParam();
  const std::string name = dir.filename().string();
  std::map<std::string, std::vector<std::string>> first;
  for (const char* workers : {"1", "2", "4"}) {
    ScratchDir state(name + "_w" + workers);
    const auto r =
        sfn::testing::run_command({SFN_BINARY, "run", name + ".sfn", "--input", "input.jsonl", "--clock", "virtual",
                                   "--workers", workers, "--egress-sources", "--state-dir", state.path.string()},
                                  "", dir.string());
    ASSERT_EQ(r.status, 0) << name << " with " << workers << " workers:\n" << r.err;
    auto per = egress_per_source(r.out);
    if (std::string(workers) == "1") {
      ASSERT_FALSE(per.empty()) << name << " printed no egress";
      first = std::move(per);
    } else {
      EXPECT_TRUE(per == first) << name << ": egress per instance with " << workers << " workers:\n"
                                << describe(per) << "with 1 worker:\n"
                                << describe(first);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllPrograms, WorkerCount, ::testing::ValuesIn(all_program_dirs()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           const fs::path p = info.param;
                           return sfn::testing::identifier(p.parent_path().filename().string() + "_" +
                                                           p.filename().string());
                         });

INSTANTIATE_TEST_SUITE_P(Executables, BuiltProgram,
                         ::testing::Values("ping_pong", "cancel_rollback", "expiry", "errors_arith", "std_strings",
                                           "formatting"));

INSTANTIATE_TEST_SUITE_P(Programs, RunProgram, ::testing::ValuesIn(program_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return sfn::testing::identifier(info.param);
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(RunProgram);

}  // namespace
