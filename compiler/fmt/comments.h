// The comments of a file: the text between two tokens holds only whitespace and comments (`//`,
// `///`, `/* */`), so scanning those gaps finds every comment without the lexer's help.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sfn::formatter {

struct Comment {
  std::string text;         // verbatim, without the line break after a `//` comment
  int newlines_before = 0;  // line breaks between the previous token/comment and this one
  bool line_comment = false;
  bool multi_line = false;
};

// What lies between two tokens.
struct Gap {
  std::vector<Comment> comments;
  int newlines_after = 0;  // line breaks between the last comment (or the token before) and the next token
};

// Scans `text` (the bytes between two tokens, or before the first / after the last).
Gap scan_gap(std::string_view text);

}  // namespace sfn::formatter
