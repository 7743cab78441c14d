#include "compiler/lsp/text.h"

#include <algorithm>

namespace sfn::lsp {

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (std::uint32_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
  }
}

namespace {

// Length in bytes of the UTF-8 sequence starting with byte `c`.
std::uint32_t sequence_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

}  // namespace

Position LineIndex::position(std::uint32_t offset) const {
  offset = std::min<std::uint32_t>(offset, static_cast<std::uint32_t>(text_.size()));
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  std::uint32_t line = static_cast<std::uint32_t>(it - starts_.begin()) - 1;
  std::uint32_t units = 0;
  for (std::uint32_t i = starts_[line]; i < offset;) {
    std::uint32_t len = sequence_length(static_cast<unsigned char>(text_[i]));
    units += len == 4 ? 2 : 1;
    i += len;
  }
  return {line, units};
}

std::uint32_t LineIndex::offset(Position position) const {
  if (position.line >= starts_.size()) return static_cast<std::uint32_t>(text_.size());
  std::uint32_t i = starts_[position.line];
  std::uint32_t units = 0;
  while (i < text_.size() && text_[i] != '\n' && units < position.character) {
    std::uint32_t len = sequence_length(static_cast<unsigned char>(text_[i]));
    units += len == 4 ? 2 : 1;
    i = std::min<std::uint32_t>(i + len, static_cast<std::uint32_t>(text_.size()));
  }
  return i;
}

std::string uri_to_path(std::string_view uri) {
  constexpr std::string_view kScheme = "file://";
  if (uri.substr(0, kScheme.size()) != kScheme) return std::string(uri);
  std::string out;
  for (std::size_t i = kScheme.size(); i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size()) {
      out += static_cast<char>(std::stoi(std::string(uri.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += uri[i];
    }
  }
  return out;
}

std::string path_to_uri(std::string_view path) {
  if (path.find("://") != std::string_view::npos) return std::string(path);
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

void apply_edit(std::string& text, Position from, Position to, std::string_view replacement) {
  LineIndex index(text);
  std::uint32_t begin = index.offset(from);
  std::uint32_t end = std::max(begin, index.offset(to));
  text.replace(begin, end - begin, replacement);
}

}  // namespace sfn::lsp
