// LSP positions count UTF-16 code units; our spans count bytes.
#include <gtest/gtest.h>

#include "compiler/lsp/text.h"

namespace sfn::lsp {
namespace {

TEST(LineIndex, ConvertsBytesToUtf16AndBack) {
  // "é" is 2 bytes and 1 unit, "😀" 4 bytes and 2 units.
  const std::string text = "ab\n\xC3\xA9x\xF0\x9F\x98\x80y\nlast";
  LineIndex index(text);
  EXPECT_EQ(index.line_count(), 3u);
  auto at = [&](std::uint32_t offset) {
    Position p = index.position(offset);
    return std::make_pair(p.line, p.character);
  };
  EXPECT_EQ(at(0), std::make_pair(0u, 0u));
  EXPECT_EQ(at(3), std::make_pair(1u, 0u));
  EXPECT_EQ(at(5), std::make_pair(1u, 1u));   // after é
  EXPECT_EQ(at(6), std::make_pair(1u, 2u));   // after x
  EXPECT_EQ(at(10), std::make_pair(1u, 4u));  // after the emoji
  EXPECT_EQ(index.offset({1, 4}), 10u);
  EXPECT_EQ(index.offset({1, 1}), 5u);
  EXPECT_EQ(index.offset({1, 99}), 11u);  // clamped to the end of the line
  EXPECT_EQ(index.offset({9, 0}), text.size());
  EXPECT_EQ(at(999), std::make_pair(2u, 4u));
}

TEST(ApplyEdit, ReplacesRangesGivenInUtf16) {
  std::string text = "let \xC3\xA9 = 1;\nnext";
  apply_edit(text, {0, 4}, {0, 5}, "e");
  EXPECT_EQ(text, "let e = 1;\nnext");
  apply_edit(text, {1, 0}, {1, 0}, "// ");
  EXPECT_EQ(text, "let e = 1;\n// next");
  apply_edit(text, {0, 10}, {1, 7}, "");
  EXPECT_EQ(text, "let e = 1;");
}

TEST(Uri, RoundTripsPathsWithSpecialCharacters) {
  EXPECT_EQ(path_to_uri("/tmp/a b/c#1.sfn"), "file:///tmp/a%20b/c%231.sfn");
  EXPECT_EQ(uri_to_path("file:///tmp/a%20b/c%231.sfn"), "/tmp/a b/c#1.sfn");
  EXPECT_EQ(uri_to_path("untitled:Untitled-1"), "untitled:Untitled-1");
}

}  // namespace
}  // namespace sfn::lsp
