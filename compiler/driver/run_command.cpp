// `sfn run`: runs a program in embedded mode (RUNTIME.md §5). Accepts an `.sfn` source, which
// is compiled by the chosen backend (pipeline.h: the LLVM JIT in process by default, or the C++
// backend through the module cache with `--backend cpp`), or a compiled module (a shared object
// exporting `sfn_module_v1`). The run options themselves are the runtime's (sfn/run_options.h),
// shared with the executables of `sfn build`. A program run from source records its schema in
// every snapshot and is checked for compatibility when it resumes another version's state
// (versions.h).
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "compiler/driver/command.h"
#include "compiler/driver/file_watch.h"
#include "compiler/driver/pipeline.h"
#include "compiler/driver/reload.h"
#include "compiler/driver/versions.h"
#include "sfn/run_options.h"

namespace sfn::driver {
namespace {

// `--watch`: a save of any of the program's files offers the new version (refusals on stderr).
std::unique_ptr<FileWatch> watch(const std::string& file, Reloader& reloader) {
  const std::vector<std::string> files = reloader.files();
  auto w = FileWatch::start(std::vector<std::filesystem::path>(files.begin(), files.end()), [&reloader, file] {
    std::string label;
    Status s = reloader.reload(file, &label);
    if (!s)
      std::cerr << "sfn run: the saved version was refused; " << reloader.label() << " goes on:\n" << s.error().message;
    else
      std::cerr << "sfn run: switching to " << label << "\n";
  });
  if (!w) {
    std::cerr << "error: --watch: " << w.error().message << "\n";
    return nullptr;
  }
  return std::move(w.value());
}

int run(const std::string& file, const std::string& backend_name, bool watching, runtime::RunCommandLine& args) {
  LoadOptions options;
  parse_backend(backend_name, options.backend);
  if (isatty(STDERR_FILENO))
    options.progress = [](const std::string& line) { std::cerr << "sfn run: " << line << std::endl; };
  LoadResult loaded = load_program_or_module(file, options);
  if (!loaded.module) {
    if (!loaded.error.empty()) std::cerr << "error: " << loaded.error << "\n";
    return loaded.exit_code;
  }
  std::error_code ec;
  args.options.program_path = std::filesystem::absolute(file, ec).string();
  if (!loaded.frontend) {
    if (watching) std::cerr << "error: --watch needs an .sfn program\n";
    return watching ? 2 : runtime::run_parsed(loaded.module, args, "sfn run");
  }
  attach_versions(args.options, loaded.frontend, file);
  options.progress = nullptr;
  Reloader reloader(file, loaded, options);
  args.options.version_label = reloader.label();
  args.options.reload = [&reloader](const std::string& path, std::string* label) {
    return reloader.reload(path, label);
  };
  std::unique_ptr<FileWatch> watcher;
  if (watching && !(watcher = watch(file, reloader))) return 2;
  return runtime::run_parsed(loaded.module, args, "sfn run");
}

void setup(CLI::App& app, int& exit_code) {
  static std::string file;
  static std::string backend = "llvm";
  static bool watching = false;
  static runtime::RunCommandLine args;
  CLI::App* cmd = app.add_subcommand("run", "Run a program in embedded mode (one process, W worker threads)");
  cmd->add_option("file", file, "The program: an .sfn source (compiled by --backend) or a compiled module (.so)")
      ->required();
  cmd->add_option("--backend", backend,
                  "How an .sfn source is compiled: llvm (JIT in process, the default) or cpp (the system C++ "
                  "compiler, cached)")
      ->check(CLI::IsMember({"llvm", "cpp"}))
      ->capture_default_str();
  cmd->add_flag("--watch", watching,
                "Hot reload: when the program or a file it imports is saved, check the new version (E0601) and "
                "switch to it between two epochs, keeping state; a refused version is reported and the running "
                "one goes on");
  runtime::add_run_options(*cmd, args);
  cmd->callback([&exit_code] { exit_code = run(file, backend, watching, args); });
}

CommandRegistrar registrar(20, setup);

}  // namespace
}  // namespace sfn::driver
