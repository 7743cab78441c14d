// `sfn fmt FILE... | -`: rewrites files in the canonical layout (compiler/fmt), or with
// `--check` lists those that would change.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "compiler/diagnostics/render.h"
#include "compiler/driver/command.h"
#include "compiler/fmt/format.h"

namespace sfn::driver {
namespace {

struct FmtArgs {
  std::vector<std::string> files;
  bool check = false;
};

// Replaces `path` by `text` through a temporary file in the same folder (never half-written).
bool write_file(const std::string& path, const std::string& text) {
  std::string tmp = path + ".sfn-fmt.tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out.flush()) return false;
  }
  std::error_code ec;
  std::filesystem::permissions(tmp, std::filesystem::status(path, ec).permissions(), ec);
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

// Formats one file (or stdin for "-"); returns its exit status (0, 1 changes/errors, 2 unreadable).
int format_one(const std::string& name, bool check) {
  std::string text;
  if (name == "-") {
    Result<std::string> read = source::read_source(std::cin);
    if (!read) {
      std::cerr << "error: cannot read stdin: " << read.error().message << "\n";
      return 2;
    }
    text = std::move(read.value());
  } else {
    std::ifstream in(name, std::ios::binary);
    std::error_code ec;
    if (!in || std::filesystem::is_directory(name, ec)) {
      std::cerr << "error: cannot read `" << name << "`\n";
      return 2;
    }
    Result<std::string> read = source::read_source(in);
    if (!read) {
      std::cerr << "error: cannot read `" << name << "`: " << read.error().message << "\n";
      return 2;
    }
    text = std::move(read.value());
  }
  source::SourceManager sources;
  source::FileId id = sources.add(name == "-" ? "<stdin>" : name, text);
  diagnostics::DiagnosticSink sink;
  formatter::FormatResult result = formatter::format_file(sources, id, sink);
  if (!result.text) {
    bool color = isatty(STDERR_FILENO);
    for (const auto& d : sink.diagnostics()) std::cerr << diagnostics::render_text(d, sources, color) << "\n";
    if (!result.internal_error.empty()) std::cerr << "error: " << name << ": " << result.internal_error << "\n";
    return 1;
  }
  bool changed = *result.text != text;
  if (check) {
    if (changed) std::cout << (name == "-" ? "<stdin>" : name) << "\n";
    return changed ? 1 : 0;
  }
  if (name == "-") {
    std::cout << *result.text;
  } else if (changed && !write_file(name, *result.text)) {
    std::cerr << "error: cannot write `" << name << "`\n";
    return 2;
  }
  return 0;
}

void setup_fmt(CLI::App& app, int& exit_code) {
  static FmtArgs args;
  auto* cmd = app.add_subcommand("fmt", "Format .sfn files in the canonical layout")
                  ->footer(
                      "`-` reads stdin and writes stdout. A file with syntax errors is left "
                      "untouched.\nExit status: 0 done (with --check: nothing to change), 1 "
                      "files to change or syntax errors, 2 unreadable file.");
  cmd->add_option("files", args.files, "The files to format, or - for stdin")->required();
  cmd->add_flag("--check", args.check, "Only list the files that would change (exit 1 if any)");
  cmd->callback([&exit_code] {
    for (const std::string& file : args.files) exit_code = std::max(exit_code, format_one(file, args.check));
  });
}

CommandRegistrar registrar(15, setup_fmt);

}  // namespace
}  // namespace sfn::driver
