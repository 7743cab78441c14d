// Lexing: runs the generated ANTLR lexer over a file and post-processes its tokens before the
// parser sees them. Lexical mistakes are reported here, once each, and then neutralised so the
// parser does not report them again: invalid characters are dropped, unterminated block
// comments are reported and dropped, unterminated strings are closed with synthetic tokens,
// bad escapes are reported (the builder decodes them to nothing). Finally the nesting depth is
// bounded so that recursive descent cannot overflow the stack on hostile input.
#include <algorithm>
#include <string>

#include "compiler/parse/internal.h"

namespace sfn::parse {

using antlr4::Token;
using diagnostics::Kind;

CodePointStream::CodePointStream(std::string_view bytes) {
  _data.clear();
  _data.reserve(bytes.size());
  offsets_.reserve(bytes.size() + 1);
  std::size_t i = 0;
  const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  while (i < n) {
    offsets_.push_back(static_cast<std::uint32_t>(i));
    unsigned char c = s[i];
    std::uint32_t cp = 0;
    std::size_t len = 0;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F;
      len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F;
      len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07;
      len = 4;
    }
    bool ok = len > 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80)
        ok = false;
      else
        cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    if (ok && ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
               (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)) {
      ok = false;
    }
    if (!ok) {
      std::uint32_t at = static_cast<std::uint32_t>(i);
      if (!invalid_.empty() && invalid_.back().second == at)
        invalid_.back().second = at + 1;
      else
        invalid_.emplace_back(at, at + 1);
      _data.push_back(0xFFFD);
      i += 1;
      continue;
    }
    _data.push_back(static_cast<char32_t>(cp));
    i += len;
  }
  offsets_.push_back(static_cast<std::uint32_t>(n));
  p = 0;
}

source::Span token_span(const CodePointStream& input, source::FileId file, const Token* t) {
  if (t == nullptr) return source::Span{file, 0, 0};
  std::size_t start = t->getStartIndex();
  std::size_t stop = t->getStopIndex();
  if (start == INVALID_INDEX) return source::Span{file, 0, 0};
  std::uint32_t begin = input.byte_offset(start);
  std::uint32_t end = (stop == INVALID_INDEX || stop + 1 < start) ? begin : input.byte_offset(stop + 1);
  if (t->getType() == Token::EOF) end = begin;
  return source::Span{file, begin, end < begin ? begin : end};
}

namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Validates the escape token `text` (`\x` or `\u{...}`); returns an error message or "".
std::string escape_problem(std::string_view text) {
  if (text.size() >= 2 && text[1] == 'u') {
    if (text.size() < 3 || text[2] != '{') {
      return "invalid unicode escape: expected `\\u{...}` with 1 to 6 hex digits";
    }
    std::string_view digits = text.substr(3, text.size() - 4);
    if (digits.empty() || digits.size() > 6) {
      return "invalid unicode escape `" + std::string(text) + "`: expected 1 to 6 hex digits";
    }
    std::uint32_t cp = 0;
    for (char c : digits) {
      if (!is_hex(c)) {
        return "invalid unicode escape `" + std::string(text) + "`: `" + std::string(1, c) + "` is not a hex digit";
      }
      cp = cp * 16 + static_cast<std::uint32_t>(std::stoul(std::string(1, c), nullptr, 16));
    }
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return "invalid unicode escape `" + std::string(text) + "`: not a Unicode scalar value";
    }
    return "";
  }
  if (text.size() == 2) {
    switch (text[1]) {
      case 'n':
      case 't':
      case 'r':
      case '\\':
      case '"':
      case '$':
        return "";
      default:
        break;
    }
  }
  return "unknown escape `" + std::string(text) + "` (valid escapes: \\n \\t \\r \\\\ \\\" \\$ \\u{...})";
}

// A zero-width token at code point `at`. It names its source like lexed tokens do, because
// ANTLR's recovery builds conjured tokens from a neighbour's source.
std::unique_ptr<Token> synthetic(LexedFile& lexed, size_t type, std::size_t at, const std::string& text) {
  auto t = std::make_unique<antlr4::CommonToken>(
      std::pair<antlr4::TokenSource*, antlr4::CharStream*>{lexed.lexer.get(), lexed.input.get()}, type,
      antlr4::Token::DEFAULT_CHANNEL, at, at - 1);  // at - 1 may wrap: still empty
  t->setText(text);
  return t;
}

}  // namespace

namespace {

// One lex_file call: the token loop and its state.
class Lexing {
 public:
  Lexing(const source::SourceFile& file, source::FileId id);
  LexedFile run(diagnostics::DiagnosticSink& sink);

 private:
  // Reports are held back until the end: an unterminated string usually means a quote was
  // lost earlier on its line, and the other lexical errors of that line are its fallout.
  struct Pending {
    source::Span span;
    std::string message;
    bool unterminated;
  };
  void report(source::Span span, std::string message, bool unterminated = false) {
    pending_.push_back(Pending{span, std::move(message), unterminated});
    out_.error_offsets.insert(span.begin);
  }
  bool is_invalid_utf8(std::uint32_t offset) const;
  void bad_char(const source::Span& sp);
  void flush_bad_run();
  void check_block_comment(const source::Span& sp);
  void deepen(const source::Span& at);
  void open(const source::Span& at, bool is_angle);
  void close(bool is_angle);
  void reset_depth() { depth_ = bases_.empty() ? 0 : bases_.back(); }
  void end_string(size_t type, const source::Span& sp);
  void token(size_t type, const source::Span& sp, const Token& t);
  void close_strings_at_eof(const Token& eof);
  void flush_reports(diagnostics::DiagnosticSink& sink);

  const source::SourceFile& file_;
  const std::string& text_;
  source::FileId id_;
  LexedFile out_;
  std::vector<Pending> pending_;
  source::Span bad_run_{};  // a run of adjacent invalid characters is one mistake
  // Mirror of the lexer's mode stack: 'S' string, 'I' interpolation, 'B' brace.
  std::vector<char> modes_;
  std::vector<std::size_t> string_starts_;  // code-point index of each open string's quote
  // Nesting depth (see kMaxNesting): openers and prefix operators deepen, operands reset to the
  // depth of the enclosing bracket.
  // The `<` of `list<`, `map<` and `ref<` opens a level too (a type nests like a bracket); its
  // base is marked so the matching `>` closes it and a closing bracket drops unclosed ones.
  int depth_ = 0;
  std::vector<int> bases_;
  std::vector<bool> angle_;   // per entry of `bases_`: opened by a type's `<`
  std::size_t previous_ = 0;  // the previous token's type
};

Lexing::Lexing(const source::SourceFile& file, source::FileId id) : file_(file), text_(file.text()), id_(id) {
  out_.input = std::make_unique<CodePointStream>(text_);
  out_.lexer = std::make_unique<TotalLexer>(out_.input.get());
  out_.lexer->removeErrorListeners();  // the lexer is total: every input lexes
  for (const auto& [begin, end] : out_.input->invalid_utf8()) {
    report(source::Span{id_, begin, end}, "invalid UTF-8 in source text");
  }
}

bool Lexing::is_invalid_utf8(std::uint32_t offset) const {
  const auto& ranges = out_.input->invalid_utf8();  // sorted, disjoint
  auto it = std::upper_bound(ranges.begin(), ranges.end(), offset,
                             [](std::uint32_t o, const auto& r) { return o < r.first; });
  return it != ranges.begin() && offset < std::prev(it)->second;
}

void Lexing::bad_char(const source::Span& sp) {
  if (bad_run_.valid() && bad_run_.end == sp.begin) {
    bad_run_.end = sp.end;
    return;
  }
  flush_bad_run();
  bad_run_ = sp;
}

void Lexing::flush_bad_run() {
  if (!bad_run_.valid()) return;
  if (!is_invalid_utf8(bad_run_.begin)) {
    std::string chars = text_.substr(bad_run_.begin, bad_run_.end - bad_run_.begin);
    report(bad_run_,
           (bad_run_.end - bad_run_.begin > 1 && chars.size() > 1 && (static_cast<unsigned char>(chars[0]) < 0x80)
                ? "unexpected characters `"
                : "unexpected character `") +
               chars + "`");
  }
  bad_run_ = {};
}

void Lexing::check_block_comment(const source::Span& sp) {
  std::string_view body(text_.data() + sp.begin, sp.end - sp.begin);
  if (body.size() < 4 || body.substr(body.size() - 2) != "*/") {
    report(source::Span{id_, sp.begin, sp.begin + 2}, "unterminated block comment: missing `*/`");
    out_.eof_error = true;
  }
}

void Lexing::deepen(const source::Span& at) {
  ++depth_;
  if (depth_ > kMaxNesting && !out_.too_deep) {
    out_.too_deep = true;
    report(at, "nesting too deep: more than " + std::to_string(kMaxNesting) +
                   " levels of brackets, type arguments, strings or prefix operators");
  }
}

void Lexing::open(const source::Span& at, bool is_angle) {
  deepen(at);
  bases_.push_back(depth_);
  angle_.push_back(is_angle);
}

void Lexing::close(bool is_angle) {
  while (!is_angle && !angle_.empty() && angle_.back()) {
    bases_.pop_back();
    angle_.pop_back();
  }
  if (!bases_.empty() && angle_.back() == is_angle) {
    bases_.pop_back();
    angle_.pop_back();
  }
  reset_depth();
}

// STR_NEWLINE (reported: the string is not closed on its line) or STR_END.
void Lexing::end_string(size_t type, const source::Span& sp) {
  if (modes_.empty() || modes_.back() != 'S') return;
  if (type == SfnLexer::STR_NEWLINE) {
    std::uint32_t at = out_.input->byte_offset(string_starts_.back());
    report(source::Span{id_, at, sp.begin},
           "unterminated string literal: missing closing `\"` before the end of the line", true);
  }
  modes_.pop_back();
  string_starts_.pop_back();
}

void Lexing::token(size_t type, const source::Span& sp, const Token& t) {
  switch (type) {
    case SfnLexer::STR_START:
      modes_.push_back('S');
      string_starts_.push_back(t.getStartIndex());
      open(sp, false);
      break;
    case SfnLexer::INTERP_START:
      modes_.push_back('I');
      open(sp, false);
      break;
    case SfnLexer::LBRACE:
      modes_.push_back('B');
      [[fallthrough]];
    case SfnLexer::LPAREN:
    case SfnLexer::LBRACK:
      open(sp, false);
      break;
    case SfnLexer::LT:
      if (previous_ == SfnLexer::LIST_T || previous_ == SfnLexer::MAP_T || previous_ == SfnLexer::REF_T) open(sp, true);
      break;
    case SfnLexer::GT:
      if (!angle_.empty() && angle_.back()) close(true);
      break;
    case SfnLexer::STR_NEWLINE:
    case SfnLexer::STR_END:
      end_string(type, sp);
      [[fallthrough]];
    case SfnLexer::RPAREN:
    case SfnLexer::RBRACK:
      close(false);
      break;
    case SfnLexer::RBRACE:
      if (!modes_.empty() && modes_.back() != 'S') modes_.pop_back();
      close(false);
      break;
    case SfnLexer::MINUS:
    case SfnLexer::BANG:
    case SfnLexer::SEND:
      deepen(sp);
      break;
    case SfnLexer::STR_ESCAPE:
    case SfnLexer::STR_UNICODE: {
      std::string problem = escape_problem(std::string_view(text_).substr(sp.begin, sp.end - sp.begin));
      if (!problem.empty()) report(sp, problem);
      break;
    }
    case SfnLexer::BAD_NUMBER:
      report(sp, "invalid number literal `" + text_.substr(sp.begin, sp.end - sp.begin) +
                     "` (a number must not be followed by letters; duration units are ns us ms "
                     "s m h d)");
      reset_depth();
      break;
    case Token::EOF:
      break;
    default:
      if (type == SfnLexer::IDENT || type == SfnLexer::INT_LIT || type == SfnLexer::HEX_LIT ||
          type == SfnLexer::FLOAT_LIT || type == SfnLexer::DURATION_LIT || type == SfnLexer::TRUE ||
          type == SfnLexer::FALSE || type == SfnLexer::NONE || type == SfnLexer::SELF ||
          (type >= SfnLexer::INT_T && type <= SfnLexer::REF_T)) {
        reset_depth();
      }
      break;
  }
}

// Strings still open at the end of the file: reported, and closed with synthetic tokens.
void Lexing::close_strings_at_eof(const Token& eof) {
  if (std::find(modes_.begin(), modes_.end(), 'S') == modes_.end()) return;
  std::size_t eof_index = eof.getStartIndex();
  std::uint32_t at = out_.input->byte_offset(string_starts_.back());
  report(source::Span{id_, at, at + 1}, "unterminated string literal: missing closing `\"`", true);
  out_.eof_error = true;
  while (std::find(modes_.begin(), modes_.end(), 'S') != modes_.end()) {
    char m = modes_.back();
    modes_.pop_back();
    out_.tokens.push_back(
        synthetic(out_, m == 'S' ? SfnLexer::STR_END : SfnLexer::RBRACE, eof_index, m == 'S' ? "\"" : "}"));
  }
}

void Lexing::flush_reports(diagnostics::DiagnosticSink& sink) {
  std::stable_sort(pending_.begin(), pending_.end(),
                   [](const Pending& a, const Pending& b) { return a.span.begin < b.span.begin; });
  std::set<std::uint32_t> unterminated_lines;
  for (const Pending& p : pending_) {
    if (p.unterminated) unterminated_lines.insert(file_.line_col(p.span.begin).line);
  }
  std::set<std::uint32_t> reported_unterminated;
  std::size_t reported = 0;
  for (Pending& p : pending_) {
    if (reported == kMaxLexicalErrors) {
      sink.report(Kind::E0001, p.span, "too many lexical errors; no further ones are reported for this file");
      break;
    }
    const std::uint32_t line = file_.line_col(p.span.begin).line;
    if (!p.unterminated && unterminated_lines.count(line) != 0) continue;
    if (p.unterminated && !reported_unterminated.insert(line).second) continue;
    sink.report(Kind::E0001, p.span, std::move(p.message));
    ++reported;
  }
}

LexedFile Lexing::run(diagnostics::DiagnosticSink& sink) {
  while (true) {
    std::unique_ptr<Token> t = out_.lexer->nextToken();
    const size_t type = t->getType();
    const source::Span sp = token_span(*out_.input, id_, t.get());
    if (type == SfnLexer::ERROR_CHAR) {
      bad_char(sp);
      continue;
    }
    flush_bad_run();
    if (type == SfnLexer::BLOCK_COMMENT) {
      check_block_comment(sp);
      continue;
    }
    token(type, sp, *t);
    if (type == Token::EOF) {
      close_strings_at_eof(*t);
      out_.tokens.push_back(std::move(t));
      break;
    }
    previous_ = type;
    out_.tokens.push_back(std::move(t));
  }
  flush_reports(sink);
  return std::move(out_);
}

}  // namespace

LexedFile lex_file(const source::SourceFile& file, source::FileId id, diagnostics::DiagnosticSink& sink) {
  return Lexing(file, id).run(sink);
}

}  // namespace sfn::parse
