#include "compiler/fmt/comments.h"

#include <algorithm>

namespace sfn::formatter {

Gap scan_gap(std::string_view text) {
  Gap gap;
  int newlines = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      ++newlines;
      ++i;
    } else if (c == '/' && i + 1 < text.size() && (text[i + 1] == '/' || text[i + 1] == '*')) {
      Comment comment;
      comment.newlines_before = newlines;
      std::size_t end;
      if (text[i + 1] == '/') {
        end = std::min(text.find('\n', i), text.size());
        comment.line_comment = true;
      } else {
        std::size_t close = text.find("*/", i + 2);
        end = close == std::string_view::npos ? text.size() : close + 2;
      }
      comment.text = std::string(text.substr(i, end - i));
      while (!comment.text.empty() &&
             (comment.text.back() == '\r' || comment.text.back() == ' ' || comment.text.back() == '\t')) {
        comment.text.pop_back();
      }
      comment.multi_line = comment.text.find('\n') != std::string::npos;
      gap.comments.push_back(std::move(comment));
      newlines = 0;
      i = end;
    } else {
      ++i;  // other whitespace
    }
  }
  gap.newlines_after = newlines;
  return gap;
}

}  // namespace sfn::formatter
