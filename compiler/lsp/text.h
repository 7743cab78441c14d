// Text helpers of the language server: LSP positions (0-based line, UTF-16 code units) to and
// from byte offsets, file URIs to and from paths, and incremental edits of a document.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sfn::lsp {

struct Position {
  std::uint32_t line = 0;
  std::uint32_t character = 0;  // UTF-16 code units
};

// Line starts of one text, for converting positions.
class LineIndex {
 public:
  explicit LineIndex(std::string_view text);
  Position position(std::uint32_t offset) const;
  // Clamps to the line's end and to the text.
  std::uint32_t offset(Position position) const;
  std::uint32_t line_count() const { return static_cast<std::uint32_t>(starts_.size()); }

 private:
  std::string_view text_;
  std::vector<std::uint32_t> starts_;
};

// "file:///a/b%20c.sfn" -> "/a/b c.sfn"; other schemes are returned unchanged.
std::string uri_to_path(std::string_view uri);
std::string path_to_uri(std::string_view path);

// Replaces [from, to) positions of `text` with `replacement`.
void apply_edit(std::string& text, Position from, Position to, std::string_view replacement);

}  // namespace sfn::lsp
