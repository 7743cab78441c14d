// Hover, definition, references, symbols, semantic tokens, folding, code actions,
// formatting and the routing graph, from one Analysis.
#include "compiler/lsp/features.h"

#include <algorithm>

#include "codegen/graph/graph.h"
#include "compiler/fmt/format.h"
#include "compiler/lsp/text.h"
#include "compiler/parse/parse.h"

namespace sfn::lsp {
namespace {

using SK = Symbol::Kind;

Json position_json(const Position& p) { return {{"line", p.line}, {"character", p.character}}; }

Json location_of(const Analysis& a, const source::Span& span) {
  return {{"uri", path_to_uri(a.sources.file(span.file).path())}, {"range", range_of(a, span)}};
}

int symbol_kind(SK kind) {  // LSP SymbolKind
  switch (kind) {
    case SK::Message:
      return 23;  // Struct
    case SK::Field:
      return 8;  // Field
    case SK::Enum:
      return 10;  // Enum
    case SK::EnumValue:
      return 22;  // EnumMember
    case SK::Const:
      return 14;  // Constant
    case SK::Fn:
      return 12;  // Function
    case SK::Function:
      return 5;  // Class
    case SK::State:
      return 7;  // Property
    case SK::Ingress:
    case SK::Egress:
      return 24;  // Event
    default:
      return 13;  // Variable
  }
}

int semantic_type(SK kind) {  // index into semantic_token_legend()
  switch (kind) {
    case SK::Message:
      return 0;
    case SK::Field:
      return 1;
    case SK::Enum:
      return 2;
    case SK::EnumValue:
      return 3;
    case SK::Const:
      return 4;
    case SK::Fn:
      return 5;
    case SK::Function:
      return 6;
    case SK::State:
      return 7;
    case SK::Ingress:
    case SK::Egress:
      return 8;
    default:
      return 9;
  }
}

}  // namespace

const Symbol* symbol_at(const Analysis& a, source::FileId file, std::uint32_t offset, const Occurrence** at) {
  const Occurrence* o = a.occurrence_at(file, offset);
  if (!o) return nullptr;
  if (at) *at = o;
  auto it = a.symbols.find(o->symbol);
  return it == a.symbols.end() ? nullptr : &it->second;
}

Json range_of(const Analysis& a, const source::Span& span) {
  const LineIndex& index = a.line_index(span.file);
  return {{"start", position_json(index.position(span.begin))}, {"end", position_json(index.position(span.end))}};
}

Json semantic_token_legend() {
  return {
      {"tokenTypes",
       {"struct", "property", "enum", "enumMember", "variable", "function", "class", "property", "event", "variable"}},
      {"tokenModifiers", {"declaration", "readonly"}}};
}

Json diagnostics_of(const Analysis& a, source::FileId file) {
  Json out = Json::array();
  for (const diagnostics::Diagnostic& d : a.sink.diagnostics()) {
    if (d.span.file != file) continue;
    Json diag = {{"range", range_of(a, d.span)},
                 {"severity", d.severity == diagnostics::Severity::Error ? 1 : 2},
                 {"code", std::string(diagnostics::info(d.kind).code)},
                 {"source", "sfn"},
                 {"message", d.message}};
    Json related = Json::array();
    for (const diagnostics::Note& n : d.notes) {
      if (n.span.valid() && !a.is_std(n.span.file))
        related.push_back({{"location", location_of(a, n.span)}, {"message", n.message}});
    }
    if (!related.empty()) diag["relatedInformation"] = related;
    if (d.kind == diagnostics::Kind::W0503 || d.kind == diagnostics::Kind::W0501) diag["tags"] = {1};  // Unnecessary
    out.push_back(std::move(diag));
  }
  return out;
}

Json hover(const Analysis& a, source::FileId file, std::uint32_t offset) {
  const Occurrence* at = nullptr;
  const Symbol* s = symbol_at(a, file, offset, &at);
  if (!s) return nullptr;
  std::string text = "```sfn\n" + s->detail + "\n```";
  if (!at->type.empty() && s->detail.find(at->type) == std::string::npos) text += "\n\ntype: `" + at->type + "`";
  if (!s->doc.empty()) text += "\n\n" + s->doc;
  return {{"contents", {{"kind", "markdown"}, {"value", text}}}, {"range", range_of(a, at->span)}};
}

Json definition(const Analysis& a, source::FileId file, std::uint32_t offset) {
  const Symbol* s = symbol_at(a, file, offset);
  if (!s || !s->definition.valid() || a.is_std(s->definition.file)) return nullptr;
  return location_of(a, s->definition);
}

Json references(const Analysis& a, source::FileId file, std::uint32_t offset, bool include_declaration) {
  const Occurrence* at = nullptr;
  if (!symbol_at(a, file, offset, &at)) return nullptr;
  Json out = Json::array();
  for (const Occurrence* o : a.references(at->symbol)) {
    if ((include_declaration || !o->is_definition) && !a.is_std(o->span.file)) out.push_back(location_of(a, o->span));
  }
  return out;
}

Json document_symbols(const Analysis& a, source::FileId file) {
  Json out = Json::array();
  std::map<std::string, std::size_t> parents;  // container name -> index in out
  std::vector<const Symbol*> members;
  for (const auto& [key, s] : a.symbols) {
    if (s.definition.file != file || s.kind == SK::Local) continue;
    if (!s.container.empty()) {
      members.push_back(&s);
      continue;
    }
    parents[s.name] = out.size();
    out.push_back({{"name", s.name},
                   {"detail", s.detail},
                   {"kind", symbol_kind(s.kind)},
                   {"range", range_of(a, s.definition)},
                   {"selectionRange", range_of(a, s.definition)},
                   {"children", Json::array()}});
  }
  for (const Symbol* s : members) {
    Json child = {{"name", s->name},
                  {"detail", s->detail},
                  {"kind", symbol_kind(s->kind)},
                  {"range", range_of(a, s->definition)},
                  {"selectionRange", range_of(a, s->definition)}};
    auto p = parents.find(s->container);
    if (p != parents.end()) out[p->second]["children"].push_back(std::move(child));
  }
  auto start = [](const Json& j) {
    return std::make_pair(j["range"]["start"]["line"].get<int>(), j["range"]["start"]["character"].get<int>());
  };
  std::sort(out.begin(), out.end(), [&](const Json& x, const Json& y) { return start(x) < start(y); });
  for (Json& p : out)
    std::sort(p["children"].begin(), p["children"].end(),
              [&](const Json& x, const Json& y) { return start(x) < start(y); });
  return out;
}

Json workspace_symbols(const Analysis& a, const std::string& query) {
  Json out = Json::array();
  for (const auto& [key, s] : a.symbols) {
    if (s.kind == SK::Local || s.is_std || s.name.find(query) == std::string::npos) continue;
    Json item = {{"name", s.name}, {"kind", symbol_kind(s.kind)}, {"location", location_of(a, s.definition)}};
    if (!s.container.empty()) item["containerName"] = s.container;
    out.push_back(std::move(item));
  }
  return out;
}

Json semantic_tokens(const Analysis& a, source::FileId file) {
  Json data = Json::array();
  auto it = a.occurrences.find(file);
  if (it == a.occurrences.end()) return {{"data", data}};
  const LineIndex& index = a.line_index(file);
  Position prev;
  for (const Occurrence& o : it->second) {
    auto s = a.symbols.find(o.symbol);
    if (s == a.symbols.end()) continue;
    Position start = index.position(o.span.begin);
    Position end = index.position(o.span.end);
    if (end.line != start.line) continue;
    std::uint32_t delta_line = start.line - prev.line;
    std::uint32_t delta_start = delta_line == 0 ? start.character - prev.character : start.character;
    int modifiers = (o.is_definition ? 1 : 0) | (s->second.kind == SK::Const ? 2 : 0);
    data.insert(data.end(),
                {delta_line, delta_start, end.character - start.character, semantic_type(s->second.kind), modifiers});
    prev = start;
  }
  return {{"data", data}};
}

Json folding_ranges(const Analysis& a, source::FileId file) {
  const std::string& text = a.sources.file(file).text();
  const LineIndex& index = a.line_index(file);
  Json out = Json::array();
  std::vector<std::uint32_t> open;
  for (const source::Span& t : parse::token_spans(a.sources, file)) {
    char c = text[t.begin];
    if (t.end - t.begin != 1) continue;
    if (c == '{' || c == '[' || c == '(') open.push_back(t.begin);
    if ((c == '}' || c == ']' || c == ')') && !open.empty()) {
      std::uint32_t from = index.position(open.back()).line;
      std::uint32_t to = index.position(t.begin).line;
      open.pop_back();
      if (to > from + 0) out.push_back({{"startLine", from}, {"endLine", to - 1}});
    }
  }
  return out;
}

Json code_actions(const Analysis& a, source::FileId file, std::uint32_t begin, std::uint32_t end) {
  Json out = Json::array();
  for (const diagnostics::Diagnostic& d : a.sink.diagnostics()) {
    if (d.span.file != file || d.span.end < begin || d.span.begin > end) continue;
    for (const diagnostics::Fix& fix : d.fixes) {
      if (fix.edits.empty()) continue;
      Json changes = Json::object();
      for (const diagnostics::TextEdit& e : fix.edits) {
        changes[path_to_uri(a.sources.file(e.span.file).path())].push_back(
            {{"range", range_of(a, e.span)}, {"newText", e.replacement}});
      }
      Json diag = {{"range", range_of(a, d.span)},
                   {"code", std::string(diagnostics::info(d.kind).code)},
                   {"message", d.message},
                   {"severity", d.severity == diagnostics::Severity::Error ? 1 : 2}};
      out.push_back({{"title", fix.message},
                     {"kind", "quickfix"},
                     {"isPreferred", true},
                     {"diagnostics", {diag}},
                     {"edit", {{"changes", changes}}}});
    }
  }
  return out;
}

Json formatting(const Analysis& a, source::FileId file) {
  diagnostics::DiagnosticSink sink;
  formatter::FormatResult result = formatter::format_file(a.sources, file, sink);
  if (!result.text) throw RequestError(kRequestFailed, "the file has syntax errors; fix them to format it");
  const std::string& text = a.sources.file(file).text();
  if (*result.text == text) return Json::array();
  LineIndex index(text);
  Json range = {{"start", position_json({0, 0})},
                {"end", position_json(index.position(static_cast<std::uint32_t>(text.size())))}};
  return Json::array({{{"range", range}, {"newText", *result.text}}});
}

Json routing_graph(const Analysis& a) {
  if (!a.checked || a.checked->has_errors || a.sink.has_errors()) {
    throw RequestError(kRequestFailed, "the program has errors; fix them to see its routing graph");
  }
  return Json::parse(codegen::graph::render_graph(*a.checked, a.sources, codegen::graph::Format::Json));
}

}  // namespace sfn::lsp
