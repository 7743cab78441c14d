// format_file: syntax tree -> Doc -> text, then a check that the result has the same tokens
// (up to trailing commas) and the same comments as the input.
#include "compiler/fmt/format.h"

#include "compiler/fmt/comments.h"
#include "compiler/fmt/layout.h"
#include "compiler/parse/parse.h"
#include "compiler/parse/syntax.h"

namespace sfn::formatter {
namespace {

// The texts of a file's tokens without trailing commas, then its comments (comments may move
// across a comma, so the two lists are compared separately). Equal token sequences parse
// alike, so comparing them is enough to know that only the layout changed.
std::vector<std::string> fingerprint(std::string_view text, const std::vector<source::Span>& tokens) {
  auto token_text = [&](std::size_t i) { return text.substr(tokens[i].begin, tokens[i].end - tokens[i].begin); };
  std::vector<std::string> out;
  std::vector<std::string> comments;
  std::uint32_t prev = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    for (const Comment& c : scan_gap(text.substr(prev, tokens[i].begin - prev)).comments) {
      comments.push_back(c.text);
    }
    prev = tokens[i].end;
    bool trailing_comma = token_text(i) == "," && i + 1 < tokens.size() &&
                          (token_text(i + 1) == ")" || token_text(i + 1) == "]" || token_text(i + 1) == "}");
    if (!trailing_comma) out.emplace_back(token_text(i));
  }
  for (const Comment& c : scan_gap(text.substr(prev)).comments) comments.push_back(c.text);
  out.emplace_back();  // never a token's text: separates the two lists
  out.insert(out.end(), comments.begin(), comments.end());
  return out;
}

void collect_spans(const parse::SyntaxNode& n, std::vector<source::Span>& out) {
  if (n.is_token()) out.push_back(n.span);
  for (const parse::SyntaxNode& c : n.children) collect_spans(c, out);
}

bool has_off_marker(std::string_view text) {
  for (std::size_t at = text.find(kOffMarker); at != std::string_view::npos; at = text.find(kOffMarker, at + 1)) {
    std::size_t end = at + kOffMarker.size();
    if ((at == 0 || text[at - 1] == '\n') && (end == text.size() || text[end] == '\n' || text[end] == '\r')) {
      return true;
    }
  }
  return false;
}

}  // namespace

FormatResult format_file(const source::SourceManager& sources, source::FileId file, diagnostics::DiagnosticSink& sink) {
  FormatResult result;
  std::optional<parse::SyntaxNode> tree = parse::parse_syntax_tree(sources, file, sink);
  if (!tree) return result;
  const std::string& text = sources.file(file).text();
  if (has_off_marker(text)) {
    result.text = text;
    return result;
  }
  std::string formatted = print(layout_file(text, *tree), kWidth, kIndent);

  source::SourceManager check_sources;
  source::FileId check_id = check_sources.add(sources.file(file).path(), formatted);
  std::vector<source::Span> input_tokens;
  collect_spans(*tree, input_tokens);
  if (fingerprint(text, input_tokens) != fingerprint(formatted, parse::token_spans(check_sources, check_id))) {
    result.internal_error = "the formatter would change the meaning of this file (a bug in sfn fmt)";
    return result;
  }
  result.text = std::move(formatted);
  return result;
}

}  // namespace sfn::formatter
