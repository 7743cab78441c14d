// load_program: the root file and its imports, transitively and breadth first, each file parsed
// once. Relative imports resolve against the importing file's directory and are deduplicated by
// canonical path (so cycles and different spellings of one file load it once); std modules
// come from the StdModuleProvider and are registered as `<std>/name.sfn`.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>

#include "common/edit_distance.h"
#include "compiler/parse/parse.h"

namespace sfn::parse {

namespace fs = std::filesystem;
using diagnostics::Kind;

namespace {

// Whether `path` can be read; otherwise `reason` says why, in the words of strerror.
bool readable(const std::string& path, std::string& reason) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) {
    reason = std::strerror(ENOENT);
    return false;
  }
  if (fs::is_directory(st)) {
    reason = std::strerror(EISDIR);
    return false;
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    reason = std::strerror(errno);
    return false;
  }
  std::fclose(f);
  return true;
}

std::string canonical_key(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  if (ec) return fs::absolute(path, ec).lexically_normal().string();
  return canonical.string();
}

}  // namespace

ast::Program load_program(source::SourceManager& sources, const std::string& root_path,
                          const StdModuleProvider& std_modules, diagnostics::DiagnosticSink& sink,
                          const std::vector<std::string>& std_module_names,
                          std::string* root_error) {
  ast::Program program;
  std::optional<source::FileId> root = sources.find(root_path);
  if (!root) {
    std::string reason;
    if (!readable(root_path, reason) || !(root = sources.load(root_path, &reason))) {
      if (root_error != nullptr) *root_error = reason.empty() ? "cannot read the file" : reason;
      return program;
    }
  }
  std::map<std::string, source::FileId> loaded;
  loaded.emplace(canonical_key(root_path), *root);
  std::deque<source::FileId> queue{*root};

  while (!queue.empty()) {
    const source::FileId id = queue.front();
    queue.pop_front();
    ast::File file = parse_file(sources, id, sink);
    for (const ast::Import& import : file.imports) {
      if (import.path) {
        fs::path base = fs::path(sources.file(id).path()).parent_path();
        std::string path = (base / *import.path).lexically_normal().string();
        if (fs::path(path).extension() != ".sfn") {  // never read (nor echo) what is not SFN
          sink.report(Kind::E0103, import.span,
                      "cannot import `" + *import.path + "`: an imported file's name must end in `.sfn`");
          continue;
        }
        std::string key = canonical_key(path);
        if (loaded.count(key) != 0) continue;
        std::optional<source::FileId> imported = sources.find(path);
        if (!imported) {
          std::string reason;
          if (!readable(path, reason) || !(imported = sources.load(path, &reason))) {
            sink.report(Kind::E0103, import.span,
                        "cannot read imported file `" + *import.path + "` (" + path + "): " +
                            (reason.empty() ? "cannot read the file" : reason));
            continue;
          }
        }
        loaded.emplace(key, *imported);
        queue.push_back(*imported);
      } else if (import.module) {
        const std::string name = import.module->joined();
        const bool is_std = name.rfind("std.", 0) == 0 && name.size() > 4;
        const std::string display = "<std>/" + (is_std ? name.substr(4) : name) + ".sfn";
        if (loaded.count(display) != 0) continue;
        std::optional<std::string> text = is_std && std_modules ? std_modules(name) : std::nullopt;
        if (!text) {
          auto& d = sink.report(Kind::E0103, import.module->span,
                                "unknown standard library module `" + name + "`");
          std::string best;
          std::size_t best_distance = 0;
          for (const std::string& candidate : std_module_names) {
            std::size_t distance = common::edit_distance(name, candidate);
            if (best.empty() || distance < best_distance) {
              best = candidate;
              best_distance = distance;
            }
          }
          if (!best.empty() && best_distance <= std::max<std::size_t>(2, name.size() / 3)) {
            d.fixes.push_back(diagnostics::Fix{"did you mean `" + best + "`?",
                                               {diagnostics::TextEdit{import.module->span, best}}});
          } else if (!std_module_names.empty()) {
            std::string all;
            for (const std::string& candidate : std_module_names) {
              all += (all.empty() ? "`" : ", `") + candidate + "`";
            }
            d.notes.push_back(diagnostics::Note{"the standard library modules are " + all, {}});
          }
          continue;
        }
        std::optional<source::FileId> module = sources.find(display);
        if (!module) module = sources.add(display, std::move(*text));
        loaded.emplace(display, *module);
        queue.push_back(*module);
      }
    }
    program.files.push_back(std::move(file));
  }
  return program;
}

}  // namespace sfn::parse
