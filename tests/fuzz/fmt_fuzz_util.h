// Shared by the formatter's fuzz target (fmt_fuzzer) and its bounded, seeded twin in ctest
// (fmt_property_test): comments of every kind put between the tokens of the example programs,
// where the input's bytes say, and the properties `sfn fmt` must keep for any file that parses
// (issue 23, items 12 and 13; docs/decisions/100-formatter.md).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace sfn::fuzz {

// A program and the places where a comment may go: each gap between two tokens (and before
// the first, after the last) outside a string's text, at its start and at its end.
struct CommentSites {
  std::string text;
  std::vector<std::uint32_t> places;
};

// The sites of `text`; empty places when it does not parse.
CommentSites comment_sites(const std::string& text);

// The sites of every program under `source_dir`/examples, sorted by path.
std::vector<CommentSites> example_programs(const std::filesystem::path& source_dir);

// `sites.text` with one comment per 3 bytes of `choices`: two pick the place, one the kind
// (`/* */` on the line or on its own, multi-line `/* */`, `//`, `///`, with or without blank
// lines around). Each comment's text is unique (`c0`, `c1`, ...).
std::string with_comments(const CommentSites& sites, std::string_view choices);

// What `sfn fmt` does wrong with `text`: refuses it, loses, adds or reorders a comment, is not
// idempotent, or changes the syntax tree (the AST without positions). Empty when all holds or
// when `text` does not parse.
std::string fmt_property_failure(const std::string& text);

// A smallest part of `choices` (whole comments left out one at a time) with which the program
// still fails; for readable reports.
std::string minimize(const CommentSites& sites, std::string choices);

}  // namespace sfn::fuzz
