// `sfn fmt`'s formatter: the one canonical layout of SFN source (docs/decisions/100-formatter.md).
// It works on the parser's concrete syntax tree plus the comments between tokens, changes only
// whitespace, trailing commas and line breaks, and verifies that before returning.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace sfn::formatter {

inline constexpr int kWidth = 100;
inline constexpr int kIndent = 2;

// A file containing this line (at its start, alone) is left as it is, e.g. a parser test of
// trailing commas.
inline constexpr std::string_view kOffMarker = "// sfn-fmt: off";

struct FormatResult {
  std::optional<std::string> text;  // the formatted file; absent when it cannot be formatted
  std::string internal_error;       // set when formatting would have changed the program
};

// Formats file `file` of `sources`. Syntax errors are reported to `sink` and give no text.
[[nodiscard]] FormatResult format_file(const source::SourceManager& sources, source::FileId file,
                                       diagnostics::DiagnosticSink& sink);

}  // namespace sfn::formatter
