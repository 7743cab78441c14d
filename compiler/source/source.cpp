// Line tables and file loading for SourceManager.
#include "compiler/source/source.h"

#include <algorithm>
#include <fstream>

namespace sfn::source {

Span Span::cover(const Span& a, const Span& b) {
  if (!a.valid()) return b;
  if (!b.valid() || a.file != b.file) return a;
  return Span{a.file, std::min(a.begin, b.begin), std::max(a.end, b.end)};
}

SourceFile::SourceFile(std::string path, std::string text) : path_(std::move(path)), text_(std::move(text)) {
  line_starts_.push_back(0);
  for (std::uint32_t i = 0; i < text_.size(); ++i) {
    if (text_[i] == '\n') line_starts_.push_back(i + 1);
  }
}

LineCol SourceFile::line_col(std::uint32_t offset) const {
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(text_.size()));
  auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
  std::uint32_t line = static_cast<std::uint32_t>(it - line_starts_.begin());
  std::uint32_t column = 1;
  for (std::uint32_t i = line_starts_[line - 1]; i < offset; ++i) {
    // Count code points: skip UTF-8 continuation bytes.
    if ((static_cast<unsigned char>(text_[i]) & 0xC0) != 0x80) ++column;
  }
  return LineCol{line, column};
}

std::string_view SourceFile::line_text(std::uint32_t line) const {
  if (line == 0 || line > line_starts_.size()) return {};
  std::uint32_t begin = line_starts_[line - 1];
  std::uint32_t end = line < line_starts_.size() ? line_starts_[line] : text_.size();
  std::string_view s(text_.data() + begin, end - begin);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

std::uint32_t SourceFile::offset_of(LineCol pos) const {
  if (pos.line == 0) return 0;
  if (pos.line > line_starts_.size()) return static_cast<std::uint32_t>(text_.size());
  std::uint32_t offset = line_starts_[pos.line - 1];
  std::uint32_t column = 1;
  while (offset < text_.size() && text_[offset] != '\n' && column < pos.column) {
    ++offset;
    while (offset < text_.size() && (static_cast<unsigned char>(text_[offset]) & 0xC0) == 0x80) ++offset;
    ++column;
  }
  return offset;
}

FileId SourceManager::add(std::string path, std::string text) {
  files_.push_back(std::make_unique<SourceFile>(std::move(path), std::move(text)));
  return static_cast<FileId>(files_.size());
}

Result<std::string> read_source(std::istream& in) {
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxSourceBytes) {
      return Error(ErrorCode::too_large,
                   "larger than the " + std::to_string(kMaxSourceBytes >> 20) + " MiB limit for source files");
    }
  }
  if (in.bad()) return Error(ErrorCode::io_error, "read error");
  return text;
}

Result<FileId> SourceManager::load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::io_error, "cannot open the file");
  Result<std::string> text = read_source(in);
  if (!text) return text.error();
  return add(path, std::move(text.value()));
}

const SourceFile& SourceManager::file(FileId id) const { return *files_.at(id - 1); }

std::optional<FileId> SourceManager::find(std::string_view path) const {
  for (std::size_t i = 0; i < files_.size(); ++i) {
    if (files_[i]->path() == path) return static_cast<FileId>(i + 1);
  }
  return std::nullopt;
}

}  // namespace sfn::source
