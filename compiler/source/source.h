// Source files of a program and spans into them. Every later phase refers to source text only
// through a Span (file id + byte offsets); line/column are computed here, on demand, so that the
// lexer and parser never do column arithmetic themselves.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace sfn::source {

// Source files larger than this are refused, with an error naming the file (docs/language.md,
// decision 110): `/dev/zero` or a binary imported by mistake must not be read without end.
inline constexpr std::size_t kMaxSourceBytes = 8u << 20;

// All of `in`, at most kMaxSourceBytes; a `too_large` or `io_error` error saying why otherwise
// (without the file's name: the caller names it).
[[nodiscard]] Result<std::string> read_source(std::istream& in);

// Identifies a file inside one SourceManager. 0 is "no file" (an invalid span).
using FileId = std::uint32_t;
inline constexpr FileId kNoFile = 0;

// A half-open byte range [begin, end) in one file.
struct Span {
  FileId file = kNoFile;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;

  bool valid() const { return file != kNoFile; }
  // The smallest span covering both; either may be invalid (then the other is returned).
  static Span cover(const Span& a, const Span& b);
  bool operator==(const Span&) const = default;
};

// A position for humans: both 1-based. Columns count Unicode code points (not bytes, not UTF-16
// units), like rustc; the LSP layer converts to UTF-16 itself.
struct LineCol {
  std::uint32_t line = 1;
  std::uint32_t column = 1;
};

// One loaded file: its path as given by the user (shown in diagnostics) and its text.
class SourceFile {
 public:
  SourceFile(std::string path, std::string text);

  const std::string& path() const { return path_; }
  const std::string& text() const { return text_; }
  // Line and column of a byte offset; offsets past the end clamp to the end of the file.
  LineCol line_col(std::uint32_t offset) const;
  // The text of a 1-based line without its line terminator; empty when out of range.
  std::string_view line_text(std::uint32_t line) const;
  std::uint32_t line_count() const { return static_cast<std::uint32_t>(line_starts_.size()); }
  // Byte offset of a 1-based line/column (inverse of line_col); clamps to the file.
  std::uint32_t offset_of(LineCol pos) const;

 private:
  std::string path_;
  std::string text_;
  std::vector<std::uint32_t> line_starts_;
};

// Owns every file of a compilation. File ids are stable for the manager's lifetime.
class SourceManager {
 public:
  // Adds a file with the given text (used for stdlib modules, editor buffers and tests).
  FileId add(std::string path, std::string text);
  // Reads a file from disk and adds it; an error saying why (without the path: the caller reports
  // it) when it cannot be read or is larger than kMaxSourceBytes.
  [[nodiscard]] Result<FileId> load(const std::string& path);
  // The file with this id; id must be valid.
  const SourceFile& file(FileId id) const;
  // The id of an already added file with exactly this path, if any.
  std::optional<FileId> find(std::string_view path) const;
  std::size_t size() const { return files_.size(); }

 private:
  std::vector<std::unique_ptr<SourceFile>> files_;
};

}  // namespace sfn::source
