// No input may crash the compiler: every test program and example is fed to the front end
// (parse + check, in process) truncated at every token boundary, and with random single-token
// deletions. Each run must end with well-formed diagnostics (valid spans inside the file) and,
// when the text is not a complete program, at least one error.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "compiler/check/checked_program.h"
#include "compiler/parse/parse.h"
#include "tests/compiler/test_support.h"

namespace fs = std::filesystem;

using sfn::testing::read_file;

namespace {

std::vector<fs::path> all_programs() {
  return sfn::testing::sfn_files_under({SFN_TESTS_COMPILER_DIR, SFN_EXAMPLES_DIR});
}

// Parses and checks `text`; returns the number of errors. Fails the test on malformed spans.
std::size_t run_front_end(const std::string& text, const std::string& what) {
  sfn::source::SourceManager sources;
  sfn::diagnostics::DiagnosticSink sink;
  auto id = sources.add("input.sfn", text);
  sfn::ast::Program program;
  program.files.push_back(sfn::parse::parse_file(sources, id, sink));
  auto checked = sfn::check::check_program(program, sources, sink);
  for (const auto& d : sink.diagnostics()) {
    if (!d.span.valid()) continue;
    EXPECT_LE(d.span.begin, d.span.end) << what << ": " << d.message;
    EXPECT_LE(d.span.end, sources.file(d.span.file).text().size()) << what << ": " << d.message;
    EXPECT_FALSE(d.message.empty()) << what;
  }
  return sink.error_count();
}

// The token spans of `text` (byte offsets into it).
std::vector<sfn::source::Span> tokens_of(const std::string& text) {
  sfn::source::SourceManager sources;
  return sfn::parse::token_spans(sources, sources.add("input.sfn", text));
}

class Robustness : public ::testing::TestWithParam<fs::path> {};

TEST_P(Robustness, TruncationAtEveryTokenBoundaryGivesCleanDiagnostics) {
  const std::string text = read_file(GetParam());
  const auto tokens = tokens_of(text);
  ASSERT_FALSE(tokens.empty());
  for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
    std::string cut = text.substr(0, tokens[i].end);
    std::size_t errors = run_front_end(cut, "truncated after token " + std::to_string(i));
    // Cutting inside a declaration always leaves an incomplete program: the last token kept
    // is not a `}` or `;` that could end one.
    char last = text[tokens[i].end - 1];
    if (last != '}' && last != ';') {
      EXPECT_GT(errors, 0u) << "no error for a program truncated after token " << i << ":\n" << cut;
    }
  }
}

TEST_P(Robustness, RandomSingleTokenDeletionsGiveCleanDiagnostics) {
  const std::string text = read_file(GetParam());
  const auto tokens = tokens_of(text);
  ASSERT_FALSE(tokens.empty());
  std::mt19937 rng(12345);
  std::uniform_int_distribution<std::size_t> pick(0, tokens.size() - 1);
  for (int n = 0; n < 40; ++n) {
    std::size_t i = pick(rng);
    std::string cut = text.substr(0, tokens[i].begin) + text.substr(tokens[i].end);
    run_front_end(cut, "without token " + std::to_string(i));
  }
}

std::string name_of(const ::testing::TestParamInfo<fs::path>& info) {
  return sfn::testing::identifier(info.param.parent_path().filename().string() + "_" + info.param.stem().string()) +
         "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(AllPrograms, Robustness, ::testing::ValuesIn(all_programs()), name_of);

}  // namespace
