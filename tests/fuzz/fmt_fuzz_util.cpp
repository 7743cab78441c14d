#include "tests/fuzz/fmt_fuzz_util.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <set>

#include "compiler/ast/printer.h"
#include "compiler/fmt/comments.h"
#include "compiler/fmt/format.h"
#include "compiler/parse/parse.h"
#include "compiler/parse/syntax.h"

namespace sfn::fuzz {
namespace {

void collect_tokens(const parse::SyntaxNode& n, std::vector<const parse::SyntaxNode*>& out) {
  if (n.is_token()) out.push_back(&n);
  for (const parse::SyntaxNode& c : n.children) collect_tokens(c, out);
}

// Tokens of a string's text: the gap after one of these (or before one) is inside the string.
bool opens_string_text(std::string_view t) {
  return t == "STR_START" || t == "STR_TEXT" || t == "STR_ESCAPE" || t == "STR_UNICODE" || t == "STR_DOLLAR";
}
bool continues_string_text(std::string_view t) {
  return t == "STR_END" || t == "STR_NEWLINE" || t == "INTERP_START" || (t != "STR_START" && opens_string_text(t));
}

// The comments of `text` in order (the text between its tokens).
std::vector<std::string> comments_of(const std::string& text) {
  source::SourceManager sources;
  source::FileId id = sources.add("fuzz.sfn", text);
  std::vector<std::string> out;
  std::uint32_t prev = 0;
  std::vector<source::Span> tokens = parse::token_spans(sources, id);
  tokens.push_back({id, static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(text.size())});
  for (const source::Span& t : tokens) {
    for (const formatter::Comment& c :
         formatter::scan_gap(std::string_view(text).substr(prev, t.begin - prev)).comments) {
      out.push_back(c.text);
    }
    prev = t.end;
  }
  return out;
}

// The AST of `text` as `sfn emit ast` prints it, without the positions (` @line:column`).
std::string ast_without_positions(const std::string& text) {
  source::SourceManager sources;
  source::FileId id = sources.add("fuzz.sfn", text);
  diagnostics::DiagnosticSink sink;
  ast::Program program;
  program.files.push_back(parse::parse_file(sources, id, sink));
  const std::string printed = ast::print_ast(program, sources);
  std::string out;
  auto digits = [&](std::size_t i) {
    while (i < printed.size() && std::isdigit(static_cast<unsigned char>(printed[i]))) ++i;
    return i;
  };
  for (std::size_t i = 0; i < printed.size();) {
    std::size_t colon = printed.compare(i, 2, " @") == 0 ? digits(i + 2) : i;
    if (colon > i + 2 && colon < printed.size() && printed[colon] == ':' && digits(colon + 1) > colon + 1) {
      i = digits(colon + 1);  // " @12:3" dropped
    } else {
      out += printed[i++];
    }
  }
  return out;
}

constexpr const char* kSyntaxErrors = "syntax errors";

// Formats `text`; the formatted text, or empty with `why` set.
std::string format(const std::string& text, std::string& why) {
  source::SourceManager sources;
  source::FileId id = sources.add("fuzz.sfn", text);
  diagnostics::DiagnosticSink sink;
  formatter::FormatResult r = formatter::format_file(sources, id, sink);
  if (!r.text) why = r.internal_error.empty() ? kSyntaxErrors : r.internal_error;
  return r.text.value_or("");
}

}  // namespace

CommentSites comment_sites(const std::string& text) {
  CommentSites sites{text, {}};
  source::SourceManager sources;
  source::FileId id = sources.add("program.sfn", text);
  diagnostics::DiagnosticSink sink;
  std::optional<parse::SyntaxNode> tree = parse::parse_syntax_tree(sources, id, sink);
  if (!tree) return sites;
  std::vector<const parse::SyntaxNode*> tokens;
  collect_tokens(*tree, tokens);
  std::uint32_t prev_end = 0;
  std::string_view prev_token;
  for (const parse::SyntaxNode* t : tokens) {
    if (!opens_string_text(prev_token) && !continues_string_text(t->token)) {
      sites.places.push_back(prev_end);
      if (t->span.begin != prev_end) sites.places.push_back(t->span.begin);
    }
    prev_end = t->span.end;
    prev_token = t->token;
  }
  sites.places.push_back(prev_end);
  sites.places.push_back(static_cast<std::uint32_t>(text.size()));
  return sites;
}

std::vector<CommentSites> example_programs(const std::filesystem::path& source_dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(source_dir / "examples")) {
    if (e.is_regular_file() && e.path().extension() == ".sfn") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<CommentSites> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    out.push_back(comment_sites(std::string(std::istreambuf_iterator<char>(in), {})));
  }
  return out;
}

std::string with_comments(const CommentSites& sites, std::string_view choices) {
  static const char* const kKinds[] = {" /* %s */ ",          " // %s\n",     "\n// %s\n", "\n/* %s */\n",
                                       " /* %s\n   more */ ", "\n/* %s\n */", "/*%s*/",    "\n\n// %s\n\n",
                                       " /// %s\n",           "\n/// %s\n"};
  constexpr std::size_t kinds = std::size(kKinds);
  std::vector<std::pair<std::uint32_t, std::string>> inserts;  // (place, text), in choice order
  for (std::size_t i = 0; i + 3 <= choices.size() && !sites.places.empty(); i += 3) {
    std::size_t site =
        (static_cast<std::uint8_t>(choices[i]) | static_cast<std::uint8_t>(choices[i + 1]) << 8) % sites.places.size();
    std::string kind = kKinds[static_cast<std::uint8_t>(choices[i + 2]) % kinds];
    kind.replace(kind.find("%s"), 2, "c" + std::to_string(inserts.size()));
    inserts.emplace_back(sites.places[site], std::move(kind));
  }
  // From the end, so that earlier places stay valid; at one place, in choice order.
  std::stable_sort(inserts.begin(), inserts.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
  std::string text = sites.text;
  for (auto it = inserts.begin(); it != inserts.end();) {
    auto end = std::find_if(it, inserts.end(), [&](const auto& x) { return x.first != it->first; });
    std::string all;
    for (auto k = it; k != end; ++k) all += k->second;
    text.insert(it->first, all);
    it = end;
  }
  return text;
}

std::string fmt_property_failure(const std::string& text) {
  std::string why;
  const std::string once = format(text, why);
  if (why == kSyntaxErrors) return {};
  if (!why.empty()) return "refused: " + why;
  const std::string twice = format(once, why);
  if (!why.empty()) return "its own output is refused: " + why + "\n--- output:\n" + once;
  if (twice != once) return "not idempotent\n--- once:\n" + once + "--- twice:\n" + twice;
  if (comments_of(text) != comments_of(once)) return "the comments differ\n--- output:\n" + once;
  if (ast_without_positions(text) != ast_without_positions(once)) return "the AST differs\n--- output:\n" + once;
  return {};
}

}  // namespace sfn::fuzz

namespace sfn::fuzz {

std::string minimize(const CommentSites& sites, std::string choices) {
  for (std::size_t i = 0; i + 3 <= choices.size();) {
    std::string fewer = choices.substr(0, i) + choices.substr(i + 3);
    if (!fmt_property_failure(with_comments(sites, fewer)).empty())
      choices = std::move(fewer);
    else
      i += 3;
  }
  return choices;
}

}  // namespace sfn::fuzz
