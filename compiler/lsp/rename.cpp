// prepareRename and rename. A rename is answered only after the renamed program has been
// analysed again and found to be the same program under other names (docs/decisions/120): it
// has no diagnostic the original did not have, and every name binds as before — each original
// occurrence is still there, at its shifted place, and refers to the counterpart of what it
// referred to, with no two original symbols becoming one and no new occurrence.
#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <tuple>

#include "compiler/lsp/features.h"
#include "compiler/parse/syntax.h"

namespace sfn::lsp {
namespace {

using SK = Symbol::Kind;

bool is_identifier(const std::string& name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

// Whether renaming `s` to `name` would clash with another declaration of the same namespace
// (the quick answer; the re-analysis below catches every other conflict).
bool clashes(const Analysis& a, const Symbol& s, const std::string& name) {
  const check::CheckedProgram& c = *a.checked;
  switch (s.kind) {
    case SK::Message:
    case SK::Enum:
    case SK::Const:
    case SK::Fn:
    case SK::Function:
    case SK::Ingress:
    case SK::Egress:
      return c.globals.count(name) > 0 || c.modules.count(name) > 0;
    case SK::Field:
      return a.symbols.count("field:" + s.container + "." + name) > 0;
    case SK::EnumValue:
      return a.symbols.count("enumvalue:" + s.container + "." + name) > 0;
    case SK::State:
      return a.symbols.count("state:" + s.container + "." + name) > 0;
    default:
      return false;
  }
}

// The renamed program: its files' texts and the offsets of the original mapped into them.
class Renamed {
 public:
  Renamed(const Analysis& a, const std::vector<const Occurrence*>& edits, const std::string& new_name)
      : a_(a), growth_(static_cast<long long>(new_name.size())) {
    for (const Occurrence* o : edits) spans_[o->span.file].insert({o->span.begin, o->span.end});
    for (const ast::File& f : a.program.files) {
      const std::string& path = a.sources.file(f.file).path();
      if (a.is_std(f.file)) continue;
      std::string text = a.sources.file(f.file).text();
      auto spans = spans_.find(f.file);
      if (spans != spans_.end()) {
        for (auto it = spans->second.rbegin(); it != spans->second.rend(); ++it) {
          text.replace(it->first, it->second - it->first, new_name);
        }
      }
      texts_[path] = std::move(text);
    }
  }

  std::unique_ptr<Analysis> analyze_it() const { return analyze(a_.sources.file(a_.root).path(), texts_); }

  // Offset `offset` of original file `file` in the renamed file.
  std::uint32_t map(source::FileId file, std::uint32_t offset) const {
    auto spans = spans_.find(file);
    if (spans == spans_.end()) return offset;
    long long shift = 0;
    for (const auto& [begin, end] : spans->second) {
      if (end > offset) break;
      shift += growth_ - static_cast<long long>(end - begin);
    }
    return static_cast<std::uint32_t>(static_cast<long long>(offset) + shift);
  }

 private:
  const Analysis& a_;
  std::map<source::FileId, std::set<std::pair<std::uint32_t, std::uint32_t>>> spans_;
  long long growth_;
  Overlays texts_;
};

// A place in a program's files, the same in the original (mapped) and the renamed one.
using Place = std::tuple<std::string, std::uint32_t, std::uint32_t>;

std::string where(const Analysis& a, source::FileId file, std::uint32_t offset) {
  Position p = a.line_index(file).position(offset);
  return std::to_string(p.line + 1) + ":" + std::to_string(p.character + 1);
}

std::string describe(const Analysis& a, const std::string& key) {
  auto it = a.symbols.find(key);
  return it == a.symbols.end() ? "nothing declared" : "`" + it->second.detail + "`";
}

// Why the renamed program `b` has a diagnostic the original `a` has not; empty when none.
std::string new_diagnostic(const Analysis& a, const Analysis& b, const Renamed& r) {
  std::set<std::tuple<std::string, std::uint32_t, diagnostics::Kind>> before;
  for (const diagnostics::Diagnostic& d : a.sink.diagnostics()) {
    if (!d.span.valid()) continue;
    before.emplace(a.sources.file(d.span.file).path(), r.map(d.span.file, d.span.begin), d.kind);
  }
  for (const diagnostics::Diagnostic& d : b.sink.diagnostics()) {
    if (!d.span.valid() || before.count({b.sources.file(d.span.file).path(), d.span.begin, d.kind})) continue;
    return "the renamed program would not check: " + std::string(diagnostics::info(d.kind).code) + " at " +
           where(b, d.span.file, d.span.begin) + ": " + d.message;
  }
  return {};
}

// The symbol at every place of the program's own (not std) files.
std::map<Place, std::string> bindings(const Analysis& a, const Renamed* mapped_by) {
  std::map<Place, std::string> out;
  for (const auto& [file, list] : a.occurrences) {
    if (a.is_std(file)) continue;
    const std::string& path = a.sources.file(file).path();
    for (const Occurrence& o : list) {
      std::uint32_t begin = mapped_by ? mapped_by->map(file, o.span.begin) : o.span.begin;
      std::uint32_t end = mapped_by ? mapped_by->map(file, o.span.end) : o.span.end;
      out.emplace(Place{path, begin, end}, o.symbol);
    }
  }
  return out;
}

// Why a name binds differently in the renamed program `b`; empty when every one binds the same.
std::string new_binding(const Analysis& a, const Analysis& b, const Renamed& r) {
  const std::map<Place, std::string> before = bindings(a, &r), after = bindings(b, nullptr);
  std::map<std::string, std::string> counterpart, original;  // a's symbol -> b's, and back
  auto at = [&](const Place& p) {
    std::optional<source::FileId> file = b.sources.find(std::get<0>(p));
    return file ? "`" + b.sources.file(*file).text().substr(std::get<1>(p), std::get<2>(p) - std::get<1>(p)) + "` at " +
                      where(b, *file, std::get<1>(p))
                : std::get<0>(p);
  };
  for (const auto& [place, symbol] : after) {
    if (!before.count(place)) return at(place) + " would refer to " + describe(b, symbol);
  }
  for (const auto& [place, symbol] : before) {
    auto now = after.find(place);
    if (now == after.end()) return at(place) + " would no longer refer to " + describe(a, symbol);
    auto [c, fresh_c] = counterpart.emplace(symbol, now->second);
    auto [o, fresh_o] = original.emplace(now->second, symbol);
    if (c->second != now->second || o->second != symbol) {
      return at(place) + " would refer to " + describe(b, now->second) + " instead of " + describe(a, symbol);
    }
  }
  return {};
}

}  // namespace

Json prepare_rename(const Analysis& a, source::FileId file, std::uint32_t offset) {
  const Occurrence* at = nullptr;
  const Symbol* s = symbol_at(a, file, offset, &at);
  if (!s || s->is_std) return nullptr;
  return {{"range", range_of(a, at->span)}, {"placeholder", s->name}};
}

Json rename(const Analysis& a, source::FileId file, std::uint32_t offset, const std::string& new_name) {
  const Occurrence* at = nullptr;
  const Symbol* s = symbol_at(a, file, offset, &at);
  if (!s) throw RequestError(kRequestFailed, "nothing to rename here");
  if (s->is_std) throw RequestError(kRequestFailed, "`" + s->name + "` belongs to the standard library");
  if (!is_identifier(new_name)) throw RequestError(kRequestFailed, "`" + new_name + "` is not an identifier");
  const auto words = parse::keywords();
  if (std::find(words.begin(), words.end(), new_name) != words.end()) {
    throw RequestError(kRequestFailed, "`" + new_name + "` is a keyword");
  }
  if (new_name != s->name && clashes(a, *s, new_name)) {
    throw RequestError(kRequestFailed, "`" + new_name + "` is already declared");
  }
  const std::vector<const Occurrence*> occurrences = a.references(at->symbol);
  if (new_name != s->name) {
    Renamed renamed(a, occurrences, new_name);
    std::unique_ptr<Analysis> b = renamed.analyze_it();
    std::string why = new_diagnostic(a, *b, renamed);
    if (why.empty()) why = new_binding(a, *b, renamed);
    if (!why.empty())
      throw RequestError(kRequestFailed, "cannot rename `" + s->name + "` to `" + new_name + "`: " + why);
  }
  Json changes = Json::object();
  std::set<std::pair<source::FileId, std::uint32_t>> done;
  for (const Occurrence* o : occurrences) {
    if (!done.insert({o->span.file, o->span.begin}).second) continue;
    std::string uri = path_to_uri(a.sources.file(o->span.file).path());
    changes[uri].push_back({{"range", range_of(a, o->span)}, {"newText", new_name}});
  }
  return {{"changes", changes}};
}

}  // namespace sfn::lsp
