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

// Whether `path` can be read; otherwise an error saying why, in the words of strerror.
Status readable(const std::string& path) {
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Error(ErrorCode::not_found, std::strerror(ENOENT));
  if (fs::is_directory(st)) return Error(ErrorCode::invalid_argument, std::strerror(EISDIR));
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Error(ErrorCode::io_error, std::strerror(errno));
  std::fclose(f);
  return ok_status();
}

// `path` added to `sources`, or an error saying why it cannot be (never an empty sentence).
Result<source::FileId> read_file(source::SourceManager& sources, const std::string& path) {
  Status ok = readable(path);
  Result<source::FileId> read = ok ? sources.load(path) : Result<source::FileId>(ok.error());
  if (!read && read.error().message.empty()) return Error(read.error().code, "cannot read the file");
  return read;
}

std::string canonical_key(const std::string& path) {
  std::error_code ec;
  fs::path canonical = fs::weakly_canonical(path, ec);
  if (ec) return fs::absolute(path, ec).lexically_normal().string();
  return canonical.string();
}

// One load_program call: the files loaded so far (by canonical path or `<std>/` name) and the
// queue of files still to parse.
class Loader {
 public:
  Loader(source::SourceManager& sources, const StdModuleProvider& std_modules, diagnostics::DiagnosticSink& sink,
         const std::vector<std::string>& std_module_names)
      : sources_(sources), std_modules_(std_modules), sink_(sink), std_module_names_(std_module_names) {}

  ast::Program run(const std::string& root_path, source::FileId root) {
    ast::Program program;
    loaded_.emplace(canonical_key(root_path), root);
    queue_.push_back(root);
    while (!queue_.empty()) {
      const source::FileId id = queue_.front();
      queue_.pop_front();
      ast::File file = parse_file(sources_, id, sink_);
      for (const ast::Import& import : file.imports) {
        if (import.path)
          import_file(import, id);
        else if (import.module)
          import_module(import);
      }
      program.files.push_back(std::move(file));
    }
    return program;
  }

 private:
  // `import "path.sfn";` in file `from`.
  void import_file(const ast::Import& import, source::FileId from) {
    fs::path base = fs::path(sources_.file(from).path()).parent_path();
    std::string path = (base / *import.path).lexically_normal().string();
    if (fs::path(path).extension() != ".sfn") {  // never read (nor echo) what is not SFN
      sink_.report(Kind::E0103, import.span,
                   "cannot import `" + *import.path + "`: an imported file's name must end in `.sfn`");
      return;
    }
    std::string key = canonical_key(path);
    if (loaded_.count(key) != 0) return;
    std::optional<source::FileId> imported = sources_.find(path);
    if (!imported) {
      Result<source::FileId> read = read_file(sources_, path);
      if (!read) {
        sink_.report(Kind::E0103, import.span,
                     "cannot read imported file `" + *import.path + "` (" + path + "): " + read.error().message);
        return;
      }
      imported = read.value();
    }
    loaded_.emplace(key, *imported);
    queue_.push_back(*imported);
  }

  // `import std.name;`
  void import_module(const ast::Import& import) {
    const std::string name = import.module->joined();
    const bool is_std = name.rfind("std.", 0) == 0 && name.size() > 4;
    const std::string display = "<std>/" + (is_std ? name.substr(4) : name) + ".sfn";
    if (loaded_.count(display) != 0) return;
    std::optional<std::string> text = is_std && std_modules_ ? std_modules_(name) : std::nullopt;
    if (!text) {
      unknown_module(import, name);
      return;
    }
    std::optional<source::FileId> module = sources_.find(display);
    if (!module) module = sources_.add(display, std::move(*text));
    loaded_.emplace(display, *module);
    queue_.push_back(*module);
  }

  // E0103 with the closest std module name, or the list of them.
  void unknown_module(const ast::Import& import, const std::string& name) {
    auto& d = sink_.report(Kind::E0103, import.module->span, "unknown standard library module `" + name + "`");
    std::string best;
    std::size_t best_distance = 0;
    for (const std::string& candidate : std_module_names_) {
      std::size_t distance = common::edit_distance(name, candidate);
      if (best.empty() || distance < best_distance) {
        best = candidate;
        best_distance = distance;
      }
    }
    if (!best.empty() && best_distance <= std::max<std::size_t>(2, name.size() / 3)) {
      d.fixes.push_back(
          diagnostics::Fix{"did you mean `" + best + "`?", {diagnostics::TextEdit{import.module->span, best}}});
    } else if (!std_module_names_.empty()) {
      std::string all;
      for (const std::string& candidate : std_module_names_) {
        all += (all.empty() ? "`" : ", `") + candidate + "`";
      }
      d.notes.push_back(diagnostics::Note{"the standard library modules are " + all, {}});
    }
  }

  source::SourceManager& sources_;
  const StdModuleProvider& std_modules_;
  diagnostics::DiagnosticSink& sink_;
  const std::vector<std::string>& std_module_names_;
  std::map<std::string, source::FileId> loaded_;
  std::deque<source::FileId> queue_;
};

}  // namespace

Result<ast::Program> load_program(source::SourceManager& sources, const std::string& root_path,
                                  const StdModuleProvider& std_modules, diagnostics::DiagnosticSink& sink,
                                  const std::vector<std::string>& std_module_names) {
  std::optional<source::FileId> root = sources.find(root_path);
  if (!root) {
    Result<source::FileId> read = read_file(sources, root_path);
    if (!read) return read.error();
    root = read.value();
  }
  return Loader(sources, std_modules, sink, std_module_names).run(root_path, *root);
}

}  // namespace sfn::parse
