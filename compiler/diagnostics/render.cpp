// Text and JSON renderers for diagnostics.
#include "compiler/diagnostics/render.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

namespace sfn::diagnostics {
namespace {

struct Style {
  bool on;
  std::string paint(std::string_view code, std::string_view text) const {
    if (!on) return std::string(text);
    return fmt::format("\x1b[{}m{}\x1b[0m", code, text);
  }
};

constexpr std::string_view kBoldRed = "1;31";
constexpr std::string_view kBoldYellow = "1;33";
constexpr std::string_view kBoldBlue = "1;34";
constexpr std::string_view kBoldCyan = "1;36";
constexpr std::string_view kBold = "1";

// Counts code points of a byte range of a line, for underline widths.
std::size_t code_points(std::string_view s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// Byte offset of code point `n` of `s` (s.size() when it has fewer).
std::size_t byte_of(std::string_view s, std::size_t n) {
  std::size_t cp = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;
    if (cp++ == n) return i;
  }
  return s.size();
}

// The part of a source line that is echoed: all of it, or for a long line (a minified or
// generated file, a 1 MB expression) kMaxEcho code points from a little before the underlined
// column, with `…` where it is cut. `first` is the first code point shown.
constexpr std::size_t kMaxEcho = 160;
struct Echo {
  std::string text;
  std::size_t first = 0;
  bool cut_before = false;
};
Echo echo_of(std::string_view line, std::size_t start) {
  if (code_points(line) <= kMaxEcho) return {std::string(line), 0, false};
  Echo e;
  e.first = start > kMaxEcho / 4 ? start - kMaxEcho / 4 : 0;
  e.cut_before = e.first > 0;
  std::size_t from = byte_of(line, e.first), to = byte_of(line, e.first + kMaxEcho);
  e.text = (e.cut_before ? "…" : "") + std::string(line.substr(from, to - from)) + (to < line.size() ? "…" : "");
  return e;
}

std::string location(const Span& span, const source::SourceManager& sources) {
  const auto& file = sources.file(span.file);
  auto pos = file.line_col(span.begin);
  return fmt::format("{}:{}:{}", file.path(), pos.line, pos.column);
}

nlohmann::json position_json(const Span& span, const source::SourceManager& sources, bool with_end) {
  nlohmann::json j;
  if (!span.valid()) return j;
  const auto& file = sources.file(span.file);
  auto begin = file.line_col(span.begin);
  j["file"] = file.path();
  j["line"] = begin.line;
  j["column"] = begin.column;
  if (with_end) {
    auto end = file.line_col(span.end);
    j["end_line"] = end.line;
    j["end_column"] = end.column;
  }
  return j;
}

}  // namespace

std::string render_text(const Diagnostic& d, const source::SourceManager& sources, bool color) {
  Style style{color};
  const auto& kind = info(d.kind);
  bool is_error = d.severity == Severity::Error;
  std::string out =
      style.paint(is_error ? kBoldRed : kBoldYellow, fmt::format("{}[{}]", is_error ? "error" : "warning", kind.code));
  out += style.paint(kBold, fmt::format(": {}", d.message));
  out += '\n';
  if (d.span.valid()) {
    const auto& file = sources.file(d.span.file);
    auto begin = file.line_col(d.span.begin);
    auto end = file.line_col(d.span.end);
    std::string line_no = std::to_string(begin.line);
    std::string gutter(line_no.size(), ' ');
    out += fmt::format("{}{} {}\n", gutter, style.paint(kBoldBlue, "-->"), location(d.span, sources));
    out += fmt::format("{} {}\n", gutter, style.paint(kBoldBlue, "|"));
    std::string_view line = file.line_text(begin.line);
    std::size_t start = begin.column - 1;
    std::size_t stop = end.line == begin.line ? end.column - 1 : code_points(line);
    if (stop <= start) stop = start + 1;
    // Underline from the start column to the end column (or the end of the line), in the echo.
    const Echo echo = echo_of(line, start);
    std::string_view text = echo.text;
    const std::size_t shift = echo.first - (echo.cut_before ? 1 : 0);  // `…` takes one column
    start -= shift;
    stop = std::min(stop - shift, code_points(text));
    if (stop <= start) stop = start + 1;
    out += fmt::format("{} {} {}\n", style.paint(kBoldBlue, line_no), style.paint(kBoldBlue, "|"), text);
    std::string prefix;
    // Keep tabs so the caret lines up under tab-indented code.
    std::size_t col = 0;
    for (char c : text) {
      if (col >= start) break;
      if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;
      prefix += c == '\t' ? '\t' : ' ';
      ++col;
    }
    while (col++ < start) prefix += ' ';
    std::string carets(stop - start, '^');
    if (!d.label.empty()) carets += " " + d.label;
    out += fmt::format("{} {} {}{}\n", gutter, style.paint(kBoldBlue, "|"), prefix,
                       style.paint(is_error ? kBoldRed : kBoldYellow, carets));
    if (!d.notes.empty() || !d.fixes.empty()) out += fmt::format("{} {}\n", gutter, style.paint(kBoldBlue, "|"));
  }
  for (const auto& note : d.notes) {
    out += style.paint(kBold, "note") + ": " + note.message + "\n";
    if (note.span.valid()) {
      out += fmt::format("  {} {}\n", style.paint(kBoldBlue, "-->"), location(note.span, sources));
    }
  }
  for (const auto& fix : d.fixes) {
    out += style.paint(kBoldCyan, "help") + ": " + fix.message + "\n";
  }
  return out;
}

std::string render_json(const Diagnostic& d, const source::SourceManager& sources) {
  const auto& kind = info(d.kind);
  nlohmann::ordered_json j;
  j["code"] = kind.code;
  j["severity"] = d.severity == Severity::Error ? "error" : "warning";
  j["message"] = d.message;
  auto pos = position_json(d.span, sources, true);
  for (const char* key : {"file", "line", "column", "end_line", "end_column"}) {
    j[key] = pos.contains(key) ? pos[key] : nlohmann::json(nullptr);
  }
  j["notes"] = nlohmann::json::array();
  for (const auto& note : d.notes) {
    nlohmann::ordered_json n;
    n["message"] = note.message;
    auto p = position_json(note.span, sources, false);
    for (const char* key : {"file", "line", "column"}) {
      if (p.contains(key)) n[key] = p[key];
    }
    j["notes"].push_back(n);
  }
  j["fixes"] = nlohmann::json::array();
  for (const auto& fix : d.fixes) {
    nlohmann::ordered_json f;
    f["message"] = fix.message;
    f["edits"] = nlohmann::json::array();
    for (const auto& edit : fix.edits) {
      nlohmann::ordered_json e;
      auto p = position_json(edit.span, sources, true);
      for (const char* key : {"file", "line", "column", "end_line", "end_column"}) {
        if (p.contains(key)) e[key] = p[key];
      }
      e["text"] = edit.replacement;
      f["edits"].push_back(e);
    }
    j["fixes"].push_back(f);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string render_summary(const DiagnosticSink& sink, const std::string& root_path, bool color) {
  Style style{color};
  std::size_t errors = sink.error_count();
  std::size_t warnings = sink.warning_count();
  auto plural = [](std::size_t n, std::string_view word) { return fmt::format("{} {}{}", n, word, n == 1 ? "" : "s"); };
  if (errors > 0) {
    std::string text = fmt::format("could not compile `{}` due to {}", root_path, plural(errors, "error"));
    if (warnings > 0) text += fmt::format("; {} emitted", plural(warnings, "warning"));
    return style.paint(kBoldRed, "error") + style.paint(kBold, ": " + text) + "\n";
  }
  if (warnings > 0) {
    return style.paint(kBoldYellow, "warning") +
           style.paint(kBold, fmt::format(": `{}` generated {}", root_path, plural(warnings, "warning"))) + "\n";
  }
  return {};
}

}  // namespace sfn::diagnostics
