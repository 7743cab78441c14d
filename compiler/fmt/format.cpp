// format_file: syntax tree -> Doc -> text, then a check that the result has the same tokens
// (up to trailing commas) and the same comments as the input.
#include "compiler/fmt/format.h"

#include "compiler/fmt/comments.h"
#include "compiler/fmt/layout.h"
#include "compiler/parse/syntax.h"

namespace sfn::formatter {
namespace {

// The texts of a file's tokens without trailing commas, then its comments (comments may move
// across a comma, so the two lists are compared separately).
std::vector<std::string> fingerprint(std::string_view text, const parse::SyntaxNode& tree) {
  std::vector<const parse::SyntaxNode*> tokens;
  std::vector<const parse::SyntaxNode*> stack{&tree};
  while (!stack.empty()) {
    const parse::SyntaxNode* n = stack.back();
    stack.pop_back();
    if (n->is_token()) tokens.push_back(n);
    for (auto it = n->children.rbegin(); it != n->children.rend(); ++it) stack.push_back(&*it);
  }
  std::vector<std::string> out;
  std::vector<std::string> comments;
  std::uint32_t prev = 0;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    const parse::SyntaxNode& t = *tokens[i];
    for (const Comment& c : scan_gap(text.substr(prev, t.span.begin - prev)).comments) {
      comments.push_back(c.text);
    }
    prev = t.span.end;
    bool trailing_comma = t.token == "COMMA" && i + 1 < tokens.size() &&
                          (tokens[i + 1]->token == "RPAREN" || tokens[i + 1]->token == "RBRACK" ||
                           tokens[i + 1]->token == "RBRACE");
    if (!trailing_comma) out.emplace_back(text.substr(t.span.begin, t.span.end - t.span.begin));
  }
  for (const Comment& c : scan_gap(text.substr(prev)).comments) comments.push_back(c.text);
  out.emplace_back();  // never a token's text: separates the two lists
  out.insert(out.end(), comments.begin(), comments.end());
  return out;
}

bool has_off_marker(std::string_view text) {
  for (std::size_t at = text.find(kOffMarker); at != std::string_view::npos;
       at = text.find(kOffMarker, at + 1)) {
    std::size_t end = at + kOffMarker.size();
    if ((at == 0 || text[at - 1] == '\n') && (end == text.size() || text[end] == '\n' || text[end] == '\r')) {
      return true;
    }
  }
  return false;
}

}  // namespace

FormatResult format_file(const source::SourceManager& sources, source::FileId file,
                         diagnostics::DiagnosticSink& sink) {
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
  diagnostics::DiagnosticSink check_sink;
  std::optional<parse::SyntaxNode> check_tree = parse::parse_syntax_tree(check_sources, check_id, check_sink);
  if (!check_tree || fingerprint(text, *tree) != fingerprint(formatted, *check_tree)) {
    result.internal_error = "the formatter would change the meaning of this file (a bug in sfn fmt)";
    return result;
  }
  result.text = std::move(formatted);
  return result;
}

}  // namespace sfn::formatter
