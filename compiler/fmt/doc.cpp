// The Doc printer: a stack machine over (indent, mode, doc) like Wadler's and prettier's, plus
// comment placement (a line-ending comment always gets a line break after it, so it can never
// swallow code) and blank-line normalisation (at most one, none after an opening bracket or
// before a closing one).
#include "compiler/fmt/doc.h"

#include <algorithm>

namespace sfn::formatter {

Doc Doc::text_of(std::string text) {
  Doc d;
  d.kind = Kind::Text;
  d.text = std::move(text);
  return d;
}

Doc Doc::of(Kind kind) {
  Doc d;
  d.kind = kind;
  return d;
}

Doc Doc::concat(std::vector<Doc> parts) {
  Doc d;
  d.parts = std::move(parts);
  return d;
}

Doc Doc::nest(std::vector<Doc> parts) {
  Doc d = concat(std::move(parts));
  d.kind = Kind::Nest;
  return d;
}

Doc Doc::group(std::vector<Doc> parts) {
  Doc d = concat(std::move(parts));
  d.kind = Kind::Group;
  return d;
}

Doc Doc::if_broken(std::string text) {
  Doc d = text_of(std::move(text));
  d.kind = Kind::IfBroken;
  return d;
}

void finish(Doc& doc) {
  switch (doc.kind) {
    case Doc::Kind::HardLine:
    case Doc::Kind::BlankLine:
      doc.forced = true;
      return;
    case Doc::Kind::Comment:
      doc.forced = doc.own_line || doc.needs_line_after;
      return;
    default:
      for (Doc& part : doc.parts) {
        finish(part);
        doc.forced = doc.forced || part.forced;
      }
  }
}

namespace {

int columns(const std::string& s) {
  return static_cast<int>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

enum class Mode : std::uint8_t { Flat, Broken };

struct Command {
  int indent;
  Mode mode;
  const Doc* doc;
};

class Printer {
 public:
  Printer(int width, int indent_step) : width_(width), step_(indent_step) {}

  std::string run(const Doc& root) {
    stack_.push_back({0, Mode::Broken, &root});
    while (!stack_.empty()) {
      Command c = stack_.back();
      stack_.pop_back();
      step(c);
    }
    while (!out_.empty() && (out_.back() == '\n' || out_.back() == ' ')) out_.pop_back();
    out_ += '\n';
    return out_;
  }

 private:
  void step(const Command& c) {
    const Doc& d = *c.doc;
    switch (d.kind) {
      case Doc::Kind::Text:
        write(d.text, c.indent);
        break;
      case Doc::Kind::IfBroken:
        if (c.mode == Mode::Broken) write(d.text, c.indent);
        break;
      case Doc::Kind::Line:
      case Doc::Kind::SoftLine:
        if (c.mode == Mode::Broken || pending_ > 0) {
          newline(c.indent, false);
        } else if (d.kind == Doc::Kind::Line) {
          write(" ", c.indent);
        }
        break;
      case Doc::Kind::HardLine:
        newline(c.indent, false);
        break;
      case Doc::Kind::BlankLine:
        newline(c.indent, true);
        break;
      case Doc::Kind::Comment:
        comment(d, c.indent);
        break;
      case Doc::Kind::Concat:
        push_parts(d, c.indent, c.mode);
        break;
      case Doc::Kind::Nest:
        push_parts(d, c.indent + step_, c.mode);
        break;
      case Doc::Kind::Group: {
        Mode mode = c.mode;
        if (mode == Mode::Broken && (d.forced || !fits(d, c.indent)))
          mode = Mode::Broken;
        else
          mode = Mode::Flat;
        push_parts(d, c.indent, mode);
        break;
      }
    }
  }

  void push_parts(const Doc& d, int indent, Mode mode) {
    for (auto it = d.parts.rbegin(); it != d.parts.rend(); ++it) stack_.push_back({indent, mode, &*it});
  }

  // Whether `group` printed flat, followed by the rest up to its first possible line break,
  // stays within the width.
  bool fits(const Doc& group, int indent) const {
    int remaining = width_ - (at_line_start_ ? indent : column_);
    std::vector<std::pair<Mode, const Doc*>> work{{Mode::Flat, &group}};
    std::size_t rest = stack_.size();
    while (remaining >= 0) {
      if (work.empty()) {
        if (rest == 0) return true;
        --rest;
        work.emplace_back(stack_[rest].mode, stack_[rest].doc);
        continue;
      }
      auto [mode, d] = work.back();
      work.pop_back();
      switch (d->kind) {
        case Doc::Kind::Text:
          remaining -= columns(d->text);
          break;
        case Doc::Kind::IfBroken:
          if (mode == Mode::Broken) remaining -= columns(d->text);
          break;
        case Doc::Kind::Line:
        case Doc::Kind::SoftLine:
          if (mode == Mode::Broken) return true;
          if (d->kind == Doc::Kind::Line) remaining -= 1;
          break;
        case Doc::Kind::HardLine:
        case Doc::Kind::BlankLine:
          return true;
        case Doc::Kind::Comment:
          if (d->own_line || d->needs_line_after) return true;
          break;
        case Doc::Kind::Group:
          // Inside the measured group everything is flat; in the rest, groups keep their mode.
          for (auto it = d->parts.rbegin(); it != d->parts.rend(); ++it) work.emplace_back(mode, &*it);
          break;
        default:
          for (auto it = d->parts.rbegin(); it != d->parts.rend(); ++it) work.emplace_back(mode, &*it);
      }
    }
    return false;
  }

  void write(const std::string& text, int indent) {
    if (pending_ > 0) {
      newline(indent, pending_ > 1);
      if (text.find_first_not_of(' ') == std::string::npos) return;  // a space after a comment
    }
    if (at_line_start_) {
      if (is_closer(text)) drop_blank_line();
      out_.append(static_cast<std::size_t>(indent), ' ');
      column_ = indent;
      at_line_start_ = false;
    }
    out_ += text;
    column_ += columns(text);
  }

  void newline(int indent, bool blank) {
    (void)indent;
    pending_ = 0;
    while (!out_.empty() && out_.back() == ' ') out_.pop_back();
    if (out_.empty()) return;  // no line breaks before the first line
    if (!at_line_start_) out_ += '\n';
    at_line_start_ = true;
    column_ = 0;
    if (blank && !ends_with_blank_line() && !after_opener()) out_ += '\n';
  }

  // A comment written where a line break is owed to the comment before it starts a line; it is
  // then an own-line comment (followed by a line break), as it will be when the output is
  // formatted again.
  void comment(const Doc& d, int indent) {
    const bool own = d.own_line || pending_ > 0;
    if (d.own_line) {
      if (!at_line_start_ || pending_ > 0)
        newline(indent, d.blank_before || pending_ > 1);
      else if (d.blank_before)
        newline(indent, true);
    } else if (pending_ == 0 && !at_line_start_) {
      out_ += ' ';
      ++column_;
    }
    write(d.text, indent);
    if (d.needs_line_after || own) pending_ = std::max(1, std::min(d.newlines_after, 2));
  }

  bool ends_with_blank_line() const {
    return out_.size() >= 2 && out_[out_.size() - 1] == '\n' && out_[out_.size() - 2] == '\n';
  }
  bool after_opener() const {
    std::size_t i = out_.find_last_not_of(" \n");
    return i != std::string::npos && (out_[i] == '{' || out_[i] == '(' || out_[i] == '[');
  }
  static bool is_closer(const std::string& text) {
    return !text.empty() && (text[0] == '}' || text[0] == ')' || text[0] == ']');
  }
  void drop_blank_line() {
    if (ends_with_blank_line()) out_.pop_back();
  }

  int width_;
  int step_;
  std::vector<Command> stack_;
  std::string out_;
  int column_ = 0;
  bool at_line_start_ = true;
  int pending_ = 0;  // line breaks owed after a line-ending comment
};

}  // namespace

std::string print(const Doc& doc, int width, int indent) { return Printer(width, indent).run(doc); }

}  // namespace sfn::formatter
