// Layout rules, one function per kind of construct: bodies of statements and members (one per
// line), bracketed lists (a group: flat, or one element per line with a trailing comma), and a
// generic rule that joins the tokens of everything else with the spacing of `space_between`.
#include "compiler/fmt/layout.h"

#include <set>
#include <unordered_map>

#include "compiler/fmt/comments.h"

namespace sfn::formatter {
namespace {

using parse::SyntaxNode;
using Kind = Doc::Kind;

const SyntaxNode& first_leaf(const SyntaxNode& n) {
  return n.is_token() || n.children.empty() ? n : first_leaf(n.children.front());
}
const SyntaxNode& last_leaf(const SyntaxNode& n) {
  return n.is_token() || n.children.empty() ? n : last_leaf(n.children.back());
}

bool is(const SyntaxNode& n, std::string_view token) { return n.is_token() && n.token == token; }

// Declarations that are usually one line and may stay together without a blank line.
bool is_one_liner(std::string_view rule) {
  return rule == "ingressDecl" || rule == "egressDecl" || rule == "constDecl" || rule == "externFnDecl";
}

class Layout {
 public:
  Layout(std::string_view text, const SyntaxNode& tree) : text_(text) {
    collect(tree);
    std::uint32_t prev = 0;
    for (const SyntaxNode* t : tokens_) {
      index_of_[t->span.begin] = gaps_.size();
      gaps_.push_back(scan_gap(text_.substr(prev, t->span.begin - prev)));
      prev = t->span.end;
    }
    gaps_.push_back(scan_gap(text_.substr(prev)));
  }

  Doc file(const SyntaxNode& root) {
    std::vector<Doc> parts;
    const SyntaxNode* prev = nullptr;
    for (const SyntaxNode& child : root.children) {
      const SyntaxNode& decl = child.rule == "declaration" ? child.children.front() : child;
      if (prev) parts.push_back(separator(*prev, decl));
      parts.push_back(node(child));
      prev = &decl;
    }
    parts.push_back(leading(tokens_.size(), false));
    return Doc::concat(std::move(parts));
  }

 private:
  void collect(const SyntaxNode& n) {
    if (n.is_token()) {
      tokens_.push_back(&n);
      return;
    }
    for (const SyntaxNode& c : n.children) collect(c);
  }

  std::size_t index(const SyntaxNode& token) const { return index_of_.at(token.span.begin); }

  // Between two top-level items: a blank line, except inside runs of imports or of one-line
  // declarations of one kind, where the source's choice (none or one) is kept.
  Doc separator(const SyntaxNode& prev, const SyntaxNode& next) {
    bool keep = (prev.rule == "importDecl" && next.rule == "importDecl") ||
                (is_one_liner(prev.rule) && is_one_liner(next.rule));
    if (keep && !blank_before(index(first_leaf(next)))) return Doc::of(Kind::HardLine);
    return Doc::of(Kind::BlankLine);
  }

  // Whether the source has an empty line before token `i` (or before its first own-line comment).
  bool blank_before(std::size_t i) const {
    for (const Comment& c : gaps_[i].comments) {
      if (c.newlines_before > 0) return c.newlines_before > 1;
    }
    return gaps_[i].newlines_after > 1;
  }

  // ------------------------------------------------------------------ comments and tokens

  // Whether comment `k` of `gap` starts a line: it does in the source, or the comment before it
  // ends with a line break in the output (a `//` or a multi-line comment). Both passes of
  // formatting agree on this, which keeps the formatter idempotent.
  static bool starts_line(const Gap& gap, std::size_t k) {
    if (gap.comments[k].newlines_before > 0) return true;
    return k > 0 && (gap.comments[k - 1].line_comment || gap.comments[k - 1].multi_line);
  }

  // The comments of gap `i` that start a line (those that do not trail token i - 1).
  Doc leading(std::size_t i, bool) {
    std::vector<Doc> parts;
    const Gap& gap = gaps_[i];
    bool own = i == 0;
    for (std::size_t k = 0; k < gap.comments.size(); ++k) {
      const Comment& c = gap.comments[k];
      own = own || starts_line(gap, k);
      if (!own) continue;
      parts.push_back(
          comment(c, true, k + 1 < gap.comments.size() ? gap.comments[k + 1].newlines_before : gap.newlines_after));
    }
    return Doc::concat(std::move(parts));
  }

  // The comments of gap `i` on the line of token i - 1.
  Doc trailing(std::size_t i) {
    std::vector<Doc> parts;
    const Gap& gap = gaps_[i];
    if (i == 0) return Doc::concat({});
    for (std::size_t k = 0; k < gap.comments.size() && !starts_line(gap, k); ++k) {
      const Comment& c = gap.comments[k];
      int after = k + 1 < gap.comments.size() ? gap.comments[k + 1].newlines_before : gap.newlines_after;
      parts.push_back(comment(c, false, after));
    }
    return Doc::concat(std::move(parts));
  }

  static Doc comment(const Comment& c, bool own_line, int newlines_after) {
    Doc d = Doc::text_of(c.text);
    d.kind = Kind::Comment;
    d.own_line = own_line;
    d.needs_line_after = c.line_comment || c.multi_line || (own_line && newlines_after > 0);
    d.blank_before = own_line && c.newlines_before > 1;
    d.newlines_after = newlines_after;
    return d;
  }

  // A token with its leading comments and (unless deferred) its trailing ones.
  Doc token(const SyntaxNode& t, bool with_leading = true) {
    std::size_t i = index(t);
    Doc text = Doc::text_of(std::string(text_.substr(t.span.begin, t.span.end - t.span.begin)));
    bool before = with_leading && !gaps_[i].comments.empty();
    bool after = !gaps_[i + 1].comments.empty() && !deferred_.count(i + 1);
    if (!before && !after) return text;
    std::vector<Doc> parts;
    if (before) parts.push_back(leading(i, true));
    parts.push_back(std::move(text));
    if (after) parts.push_back(trailing(i + 1));
    return Doc::concat(std::move(parts));
  }

  // Whether the comments of `gap` (before a comma) may follow the comma instead: all of them
  // trail the element, and none is a `///` doc (which would document the next element).
  static bool movable_across_comma(const Gap& gap) {
    for (std::size_t k = 0; k < gap.comments.size(); ++k) {
      const std::string& text = gap.comments[k].text;
      bool doc = text.rfind("///", 0) == 0 && text.rfind("////", 0) != 0;
      if (doc || starts_line(gap, k)) return false;
    }
    return true;
  }

  bool has_comments_around(const SyntaxNode& t) const {
    std::size_t i = index(t);
    return !gaps_[i].comments.empty() || !gaps_[i + 1].comments.empty();
  }

  // ------------------------------------------------------------------ rules

  Doc node(const SyntaxNode& n) {
    if (n.is_token()) return token(n);
    std::string_view r = n.rule;
    if (r == "block") return body(n, 0, false);
    if (r == "messageDecl") return with_body(n, 2);
    if (r == "functionDecl") return with_body(n, 5);
    if (r == "testDecl") return with_body(n, 2);
    if (r == "callExpr") return call(n);
    if (r == "fnDecl" || r == "externFnDecl") return fn_decl(n);
    if (r == "listLit" || r == "mapLit") return list(n, 0, n.children.size() - 1, false);
    if (r == "messageLit") return concat_of(n, 0, 1, list(n, 1, n.children.size() - 1, true));
    if (r == "enumDecl") return enum_decl(n);
    if (r == "binaryExpr" && !flat_) return binary_chain(n);
    if (r == "stringLit") {
      ++flat_;
      Doc d = generic(n, 0, n.children.size());
      --flat_;
      return d;
    }
    return generic(n, 0, n.children.size());
  }

  // Children [from, to) joined with the spacing rules.
  Doc generic(const SyntaxNode& n, std::size_t from, std::size_t to) {
    std::vector<Doc> parts;
    for (std::size_t k = from; k < to; ++k) {
      if (k > from && space_between(n, k)) parts.push_back(Doc::text_of(" "));
      parts.push_back(node(n.children[k]));
    }
    return Doc::concat(std::move(parts));
  }

  // Children [0, head) generically, a space, then `tail`.
  Doc concat_of(const SyntaxNode& n, std::size_t from, std::size_t head, Doc tail) {
    return Doc::concat({generic(n, from, head), Doc::text_of(" "), std::move(tail)});
  }

  Doc with_body(const SyntaxNode& n, std::size_t brace) {
    return concat_of(n, 0, brace, body(n, brace, n.rule == "functionDecl"));
  }

  // `{ item* }` from child `open` of `n` to its last child: one item per line.
  Doc body(const SyntaxNode& n, std::size_t open, bool members) {
    const SyntaxNode& close = n.children.back();
    std::vector<Doc> inner;
    const SyntaxNode* prev = nullptr;
    for (std::size_t k = open + 1; k + 1 < n.children.size(); ++k) {
      const SyntaxNode& item = n.children[k];
      bool handler = members && item.children.front().rule == "handler";
      bool prev_handler = members && prev && prev->children.front().rule == "handler";
      bool blank = prev && (handler || prev_handler || blank_before(index(first_leaf(item))));
      inner.push_back(Doc::of(blank ? Kind::BlankLine : Kind::HardLine));
      inner.push_back(node(item));
      prev = &item;
    }
    Doc close_comments = leading(index(close), true);
    if (inner.empty() && close_comments.parts.empty()) {
      return Doc::concat({token(n.children[open]), token(close)});
    }
    inner.push_back(std::move(close_comments));
    return Doc::concat(
        {token(n.children[open]), Doc::nest(std::move(inner)), Doc::of(Kind::HardLine), token(close, false)});
  }

  // `expr ( args )`
  Doc call(const SyntaxNode& n) { return Doc::concat({node(n.children[0]), list(n, 1, n.children.size() - 1, false)}); }

  Doc fn_decl(const SyntaxNode& n) {
    std::size_t open = 0;
    while (!is(n.children[open], "LPAREN")) ++open;
    std::size_t close = open + 1;
    while (!is(n.children[close], "RPAREN")) ++close;
    std::vector<Doc> parts{generic(n, 0, open), list(n, open, close, false)};
    if (close + 1 < n.children.size()) {
      const SyntaxNode& next = n.children[close + 1];
      if (!is(next, "SEMI")) parts.push_back(Doc::text_of(" "));
      parts.push_back(generic(n, close + 1, n.children.size()));
    }
    return Doc::concat(std::move(parts));
  }

  Doc enum_decl(const SyntaxNode& n) { return concat_of(n, 0, 2, list(n, 2, n.children.size() - 1, true)); }

  // A bracketed list: children `open` and `close` of `n` are the brackets; between them the
  // elements and commas, possibly wrapped in one list rule (argList, paramList).
  Doc list(const SyntaxNode& n, std::size_t open, std::size_t close, bool padded) {
    std::vector<const SyntaxNode*> items;
    for (std::size_t k = open + 1; k < close; ++k) {
      const SyntaxNode& c = n.children[k];
      if (c.rule == "argList" || c.rule == "paramList") {
        for (const SyntaxNode& e : c.children) items.push_back(&e);
      } else {
        items.push_back(&c);
      }
    }
    const SyntaxNode& closer = n.children[close];
    Doc close_comments = leading(index(closer), true);
    if (items.empty() && close_comments.parts.empty()) {
      return Doc::concat({token(n.children[open]), token(closer)});
    }
    Kind line = padded ? Kind::Line : Kind::SoftLine;
    std::vector<Doc> inner{line_break(line)};
    bool forced_break = false;
    for (std::size_t k = 0; k < items.size(); ++k) {
      const SyntaxNode& item = *items[k];
      if (is(item, "COMMA")) continue;
      bool has_comma = k + 1 < items.size() && is(*items[k + 1], "COMMA");
      bool last = k + 1 >= items.size() || (has_comma && k + 2 >= items.size());
      // Comments on the line after an element move behind its comma, unless that would
      // reorder comments or make a `///` the doc of the next element.
      std::size_t after = index(last_leaf(item)) + 1;
      bool move = last || movable_across_comma(gaps_[after]);
      if (move) deferred_.insert(after);
      inner.push_back(node(item));
      deferred_.erase(after);
      if (!last) {
        deferred_.insert(after + 1);
        inner.push_back(token(*items[k + 1]));
        deferred_.erase(after + 1);
        if (move) inner.push_back(trailing(after));
        inner.push_back(trailing(after + 1));
        inner.push_back(line_break(Kind::Line));
      } else {
        if (!flat_) inner.push_back(Doc::if_broken(","));
        inner.push_back(trailing(after));
        if (has_comma) {
          forced_break = forced_break || has_comments_around(*items[k + 1]);
          inner.push_back(leading(after, true));
          inner.push_back(trailing(after + 1));
        }
      }
    }
    inner.push_back(std::move(close_comments));
    std::vector<Doc> parts{token(n.children[open]), Doc::nest(std::move(inner)), line_break(line),
                           token(closer, false)};
    if (forced_break) parts.insert(parts.begin() + 1, Doc::of(Kind::HardLine));
    return Doc::group(std::move(parts));
  }

  // `a op b op c ...` (a left-nested chain of one operator): flat when it fits, else one
  // operand per line, each continuation line starting with the operator, indented.
  Doc binary_chain(const SyntaxNode& n) {
    std::vector<const SyntaxNode*> rest;  // op, operand, op, operand ... (reversed)
    const SyntaxNode* left = &n;
    std::string_view op = n.children[1].token;
    while (left->rule == "binaryExpr" && left->children[1].token == op) {
      rest.push_back(&left->children[2]);
      rest.push_back(&left->children[1]);
      left = &left->children[0];
    }
    std::vector<Doc> tail;
    for (auto it = rest.rbegin(); it != rest.rend(); it += 2) {
      tail.push_back(Doc::of(Kind::Line));
      tail.push_back(node(**it));
      tail.push_back(Doc::text_of(" "));
      tail.push_back(node(**(it + 1)));
    }
    return Doc::group({node(*left), Doc::nest(std::move(tail))});
  }

  // Inside a string's interpolation nothing breaks: a list's line is then a space or nothing.
  Doc line_break(Kind kind) const {
    if (!flat_) return Doc::of(kind);
    return Doc::text_of(kind == Kind::Line ? " " : "");
  }

  // Whether a space separates child k - 1 from child k of `n`.
  bool space_between(const SyntaxNode& n, std::size_t k) const {
    const SyntaxNode& left = last_leaf(n.children[k - 1]);
    const SyntaxNode& right = first_leaf(n.children[k]);
    std::string_view r = n.rule;
    if (r == "stringLit" || r == "strInterp" || r == "qualifiedName" || r == "genericType") {
      return r == "genericType" && is(left, "COMMA");
    }
    if (r == "type" || r == "unwrapExpr" || r == "fieldExpr" || r == "indexExpr") return false;
    if (r == "unaryExpr" && k == 1) return false;
    static const std::set<std::string_view> no_space_before{"RPAREN", "RBRACK", "COMMA", "SEMI",
                                                            "COLON",  "DOT",    "DOTDOT"};
    if (no_space_before.count(right.token)) return false;
    if (is(left, "LPAREN") || is(left, "LBRACK") || is(left, "DOTDOT") || is(left, "DOT")) return false;
    if (is(right, "LPAREN")) {
      return !(r == "handler" || r == "ingressDecl" || r == "functionDecl" || r == "callExpr");
    }
    return true;
  }

  std::string_view text_;
  std::vector<const SyntaxNode*> tokens_;
  std::unordered_map<std::uint32_t, std::size_t> index_of_;
  std::vector<Gap> gaps_;  // gaps_[i] precedes token i; the last one follows the last token
  std::set<std::size_t> deferred_;
  int flat_ = 0;  // > 0 inside a string literal
};

}  // namespace

Doc layout_file(std::string_view text, const SyntaxNode& tree) {
  Layout layout(text, tree);
  Doc doc = layout.file(tree);
  finish(doc);
  return doc;
}

}  // namespace sfn::formatter
