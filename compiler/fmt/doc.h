// A small pretty-printing document (after Wadler's "prettier printer"): text, line breaks that
// a group may print flat (as a space or nothing) or broken, nesting, and comments. The layout
// rules of SFN (layout.cpp) build a Doc; print() picks, for each group, the flat form when it
// fits in the width, else the broken one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sfn::formatter {

struct Doc {
  enum class Kind : std::uint8_t {
    Text,       // `text`, never containing a line break
    Line,       // a space when flat, a line break when broken
    SoftLine,   // nothing when flat, a line break when broken
    HardLine,   // always a line break (forces every enclosing group to break)
    BlankLine,  // a line break leaving one empty line (never more than one in a row)
    Concat,     // `parts` in order
    Nest,       // `parts`, lines inside indented by one more level
    Group,      // `parts` flat if they fit and contain nothing forced, else broken
    IfBroken,   // `text` only when the enclosing group is broken (a trailing comma)
    Comment,    // a source comment; see the fields below
  };
  Kind kind = Kind::Concat;
  std::string text;
  std::vector<Doc> parts;
  // Comment: on a line of its own in the source (else it trails the previous token); a `//`
  // comment or a multi-line block comment (the next token must start a new line); an empty line
  // before it in the source; the line breaks after it in the source (before the next token).
  bool own_line = false;
  bool needs_line_after = false;
  bool blank_before = false;
  int newlines_after = 0;
  // Computed by finish(): a hard line or a line-ending comment inside.
  bool forced = false;

  static Doc text_of(std::string text);
  static Doc of(Kind kind);
  static Doc concat(std::vector<Doc> parts);
  static Doc nest(std::vector<Doc> parts);
  static Doc group(std::vector<Doc> parts);
  static Doc if_broken(std::string text);
  bool empty() const { return kind == Kind::Concat && parts.empty(); }
};

// Fills in `forced` bottom-up (call once on the root before print).
void finish(Doc& doc);

// Renders `doc` with `indent` spaces per level in `width` columns (code points). Lines carry
// no trailing spaces; the result ends with exactly one line break.
std::string print(const Doc& doc, int width, int indent);

}  // namespace sfn::formatter
