// Rename never changes what a program means (issue 23, item 11): a sweep over the example
// programs renames every name declared in them to every name in scope there (names_in_scope),
// every keyword and a fresh name. Each rename is refused
// with a reason, or the renamed program has no new diagnostic and every name in it binds to the
// same declaration as before. The oracle here is independent of the server's own check: it
// compares, occurrence by occurrence in source order, where each name's declaration is.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "compiler/lsp/features.h"
#include "compiler/parse/syntax.h"
#include "tests/compiler/test_support.h"

namespace sfn::lsp {
namespace {

namespace fs = std::filesystem;

// The texts of `a`'s own files with a rename's WorkspaceEdit applied.
Overlays renamed_texts(const Analysis& a, const Json& edit) {
  Overlays out;
  for (const ast::File& f : a.program.files) {
    if (a.is_std(f.file)) continue;
    const std::string& path = a.sources.file(f.file).path();
    std::string text = a.sources.file(f.file).text();
    const Json& list = edit["changes"].value(path_to_uri(path), Json::array());
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
    LineIndex index(a.sources.file(f.file).text());
    auto offset = [&](const Json& p) {
      return index.offset({p["line"].get<std::uint32_t>(), p["character"].get<std::uint32_t>()});
    };
    for (const Json& e : list) spans.emplace_back(offset(e["range"]["start"]), offset(e["range"]["end"]));
    std::sort(spans.rbegin(), spans.rend());
    for (const auto& [begin, end] : spans) text.replace(begin, end - begin, list[0]["newText"].get<std::string>());
    out[path] = std::move(text);
  }
  return out;
}

// Every occurrence of `a`'s own files, in source order, as "path#i -> where its symbol is
// declared": the i-th occurrence of the file at the position of the declaring occurrence, or
// the std module's file and offset.
std::vector<std::string> binding_list(const Analysis& a) {
  std::vector<std::string> out;
  auto declared = [&](const std::string& key) -> std::string {
    auto s = a.symbols.find(key);
    if (s == a.symbols.end() || !s->second.definition.valid()) return "undeclared " + key;
    const source::Span& d = s->second.definition;
    const std::string& path = a.sources.file(d.file).path();
    if (a.is_std(d.file)) return path + "@" + std::to_string(d.begin);
    const auto& list = a.occurrences.at(d.file);
    auto it = std::find_if(list.begin(), list.end(), [&](const Occurrence& o) { return o.span.begin == d.begin; });
    return path + "#" + std::to_string(it - list.begin());
  };
  for (const auto& [file, list] : a.occurrences) {
    if (a.is_std(file)) continue;
    for (std::size_t i = 0; i < list.size(); ++i) {
      out.push_back(a.sources.file(file).path() + "#" + std::to_string(i) + " -> " + declared(list[i].symbol));
    }
  }
  return out;
}

// Every name in scope where `s` is declared: the program's global names, the std modules (their
// functions are only ever named after `module.`), the built-in functions, the names declared
// in the same message, enum, function type or fn, the keywords and one fresh name.
std::vector<std::string> names_in_scope(const Analysis& a, const Symbol& s) {
  std::set<std::string> names{"now", "log", "min", "max", "abs", "fresh_name_23"};
  for (const auto& [key, other] : a.symbols) {
    if (!other.is_std && (other.container.empty() || other.container == s.container)) names.insert(other.name);
  }
  for (const auto& [name, module] : a.checked->modules) names.insert(name);
  for (std::string_view k : parse::keywords()) names.emplace(k);
  names.erase(s.name);
  return {names.begin(), names.end()};
}

struct Sweep {
  int accepted = 0, refused = 0;
  std::vector<std::string> failures;
  void fail(std::string what) {
    if (failures.size() < 25) failures.push_back(std::move(what));
  }
};

// Renames `s` (at its declaration) to `name` and judges the answer.
void try_rename(const Analysis& a, const Symbol& s, const std::string& name, Sweep& sweep) {
  const std::string what = "`" + s.name + "` (" + s.detail + ") -> `" + name + "`";
  Json edit;
  try {
    edit = rename(a, s.definition.file, s.definition.begin, name);
  } catch (const RequestError& e) {
    ++sweep.refused;
    if (std::string(e.what()).empty()) sweep.fail(what + ": refused without a reason");
    if (name == "fresh_name_23") sweep.fail(what + ": a fresh name was refused: " + e.what());
    return;
  }
  ++sweep.accepted;
  std::unique_ptr<Analysis> b = analyze(a.sources.file(a.root).path(), renamed_texts(a, edit));
  if (b->sink.has_errors() || b->sink.diagnostics().size() > a.sink.diagnostics().size()) {
    std::string first = b->sink.diagnostics().empty() ? "" : b->sink.diagnostics().front().message;
    sweep.fail(what + ": accepted, but the renamed program has new diagnostics: " + first);
  } else if (binding_list(*b) != binding_list(a)) {
    sweep.fail(what + ": accepted, but a name binds differently afterwards");
  }
}

class RenameSweep : public ::testing::TestWithParam<std::string> {};

TEST_P(RenameSweep, EveryRenameIsRefusedOrKeepsTheMeaning) {
  const fs::path file = fs::path(SFN_SOURCE_DIR) / "examples" / GetParam() / (GetParam() + ".sfn");
  auto a = analyze(file.string(), {});
  ASSERT_NE(a->root, source::kNoFile) << file;
  ASSERT_FALSE(a->sink.has_errors()) << file;
  Sweep sweep;
  for (const auto& [key, s] : a->symbols) {
    if (s.is_std || !s.definition.valid()) continue;
    for (const std::string& name : names_in_scope(*a, s)) try_rename(*a, s, name, sweep);
  }
  std::string report;
  for (const std::string& f : sweep.failures) report += "\n  " + f;
  EXPECT_TRUE(sweep.failures.empty()) << file << ":" << report;
  EXPECT_GT(sweep.accepted, 0);
  EXPECT_GT(sweep.refused, 0);
  std::printf("%s: %d renames accepted, %d refused\n", file.filename().c_str(), sweep.accepted, sweep.refused);
}

INSTANTIATE_TEST_SUITE_P(Examples, RenameSweep,
                         ::testing::ValuesIn(sfn::testing::subdirectory_names(fs::path(SFN_SOURCE_DIR) / "examples")),
                         [](const auto& info) { return sfn::testing::identifier(info.param); });

}  // namespace
}  // namespace sfn::lsp
