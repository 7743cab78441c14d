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

// Every .sfn file of the repository that parses (fail_syntax/ holds files that do not).
std::vector<fs::path> repository_files() {
  const fs::path root = SFN_SOURCE_DIR;
  std::vector<fs::path> files;
  for (const auto& f : sfn::testing::sfn_files_under({root / "examples", root / "stdlib", root / "tests"})) {
    const std::string p = f.string();
    if (p.find("fail_syntax") == std::string::npos && p.find(".in.sfn") == std::string::npos) {
      files.push_back(f);
    }
  }
  return files;
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

INSTANTIATE_TEST_SUITE_P(Fmt, Golden, ::testing::Values("layout", "comments", "tests"));

TEST(FmtRepository, EveryFileIsFormattedAndFormattingIsIdempotent) {
  const auto files = repository_files();
  ASSERT_GT(files.size(), 50u);
  std::vector<std::string> argv{SFN_BINARY, "fmt", "--check"};
  for (const auto& f : files) argv.push_back(f.string());
  auto r = run_command(argv);
  EXPECT_EQ(r.status, 0) << "files that `sfn fmt` would change:\n" << r.out << r.err;
  EXPECT_EQ(r.out, "");
  for (const auto& f : files) {
    const std::string once = fmt_stdin(read_file(f));
    EXPECT_EQ(fmt_stdin(once), once) << f << " is not formatted idempotently";
  }
}

// A comment after every `;`, `{` and `,` of the examples (outside strings and comments): the
// formatter keeps them all (it refuses rather than lose one) and is idempotent.
TEST(FmtRepository, KeepsCommentsInsertedEverywhere) {
  for (const auto& f : sfn::testing::sfn_files_under({fs::path(SFN_SOURCE_DIR) / "examples"})) {
    std::string text = read_file(f), out;
    bool in_string = false, in_comment = false;
    int n = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
      char c = text[i];
      out += c;
      if (in_comment) {
        in_comment = c != '\n';
      } else if (c == '"') {
        in_string = !in_string;
      } else if (!in_string && c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
        in_comment = true;
      } else if (!in_string && (c == ';' || c == '{' || c == ',')) {
        out += ++n % 2 ? " /* c" + std::to_string(n) + " */" : " // c" + std::to_string(n) + "\n";
      }
    }
    const std::string once = fmt_stdin(out);
    for (int k = 1; k <= n; ++k) {
      const std::string comment = k % 2 ? "/* c" + std::to_string(k) + " */" : "// c" + std::to_string(k) + "\n";
      EXPECT_NE(once.find(comment), std::string::npos) << f << ": " << comment;
    }
    EXPECT_EQ(fmt_stdin(once), once) << f;
  }
}

// Issue 23, item 12: a multi-line block comment followed by another comment before `{`. The
// second comment lands at the start of a line, so it is formatted as a comment of its own line
// in the first pass already (the second pass sees it there).
TEST(FmtComments, AMultiLineBlockCommentAndAnotherBeforeABraceAreIdempotent) {
  const std::string want = "package a;\n\nfn f(a: int) -> int /* one\n  two */\n/* three */\n{\n  return a;\n}\n";
  EXPECT_EQ(fmt_stdin("package a;\n\nfn f(a: int) -> int /* one\n  two */ /* three */ {\n  return a;\n}\n"), want);
  EXPECT_EQ(fmt_stdin(want), want);
}

// Issue 23, item 13: comments on both sides of a comma are kept in their order (they were
// swapped, and the file refused); a `///` before a comma stays there (after the comma it
// would document the next enum value).
TEST(FmtComments, CommentsOnBothSidesOfACommaKeepTheirOrder) {
  EXPECT_EQ(
      fmt_stdin("package a;\n\nfn f(a: int /* x */, /* y */ b: int) -> int {\n  return f(a /* p */, /* q */ b);\n}\n"),
      "package a;\n\nfn f(a: int, /* x */ /* y */ b: int) -> int {\n  return f(a, /* p */ /* q */ b);\n}\n");
  const std::string doc = "package a;\n\nenum E {\n  A /// not B's doc\n  ,\n  B,\n}\n";
  EXPECT_EQ(fmt_stdin("package a;\n\nenum E { A /// not B's doc\n, B }\n"), doc);
  EXPECT_EQ(fmt_stdin(doc), doc);
}

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

// Strips every line's indentation (a change of layout only).
std::string strip_indentation(const std::string& text) {
  std::istringstream in(text);
  std::string out;
  for (std::string line; std::getline(in, line);) {
    out += line.substr(std::min(line.find_first_not_of(" \t"), line.size())) + "\n";
  }
  return out;
}

std::vector<std::string> non_empty_lines(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

class RunProgramFormatted : public ::testing::TestWithParam<std::string> {};

// The program's files, mangled then formatted, are byte for byte the repository's (which the
// run tests run), and running the formatted copy gives the expected egress.
TEST_P(RunProgramFormatted, KeepsEgress) {
  const std::string name = GetParam();
  const fs::path src = fs::path(SFN_SOURCE_DIR) / "tests/compiler/run" / name;
  Scratch dir("run_" + name);
  fs::copy(src, dir.path / name, fs::copy_options::recursive);
  for (const auto& f : sfn::testing::sfn_files_under({dir.path})) {
    const std::string original = read_file(f);
    std::ofstream(f, std::ios::trunc) << strip_indentation(original);
    auto r = run_command({SFN_BINARY, "fmt", f.string()});
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(read_file(f), original) << f;
  }
  const fs::path work = dir.path / name;
  // The run tests' module cache: the formatted program is the same C++, so usually a cache hit.
  ::setenv("SFN_CACHE_DIR", SFN_RUN_CACHE_DIR, 1);
  auto r = run_command({SFN_BINARY, "run", name + ".sfn", "--input", "input.jsonl", "--clock", "virtual", "--workers",
                        "1", "--state-dir", (dir.path / "state").string()},
                       "", work.string());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(non_empty_lines(r.out), non_empty_lines(read_file(work / "expected.jsonl")));
}

INSTANTIATE_TEST_SUITE_P(Fmt, RunProgramFormatted,
                         ::testing::ValuesIn(sfn::testing::subdirectory_names(fs::path(SFN_SOURCE_DIR) /
                                                                              "tests/compiler/run")),
                         [](const auto& info) { return sfn::testing::identifier(info.param); });

}  // namespace
