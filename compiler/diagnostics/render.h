// Renders diagnostics for people (rustc-like text, optionally coloured) and for tools (one JSON
// object per line). Pure functions of the diagnostics and the source text.
#pragma once

#include <string>

#include "compiler/diagnostics/diagnostic.h"
#include "compiler/source/source.h"

namespace sfn::diagnostics {

// rustc-style text: headline `error[E0301]: msg`, `--> file:line:col`, the source line with the
// primary span underlined (first line of a multi-line span), `note:` lines with their
// locations, `help:` lines. ANSI colours when `color` is true. Ends with a newline.
std::string render_text(const Diagnostic& d, const source::SourceManager& sources, bool color);

// One line of JSON (no trailing newline): {"code","severity","message","file","line","column",
// "end_line","end_column","notes":[{"message","file","line","column"}],"fixes":[{"message",
// "edits":[{"file","line","column","end_line","end_column","text"}]}]}. Lines and columns from 1.
std::string render_json(const Diagnostic& d, const source::SourceManager& sources);

// The closing summary, e.g. "error: could not compile `shop.sfn` due to 2 errors; 1 warning
// emitted"; empty when there is nothing to report.
std::string render_summary(const DiagnosticSink& sink, const std::string& root_path, bool color);

}  // namespace sfn::diagnostics
