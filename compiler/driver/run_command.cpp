// `sfn run`: runs a program in embedded mode (RUNTIME.md §5). Accepts an `.sfn` source, which
// is compiled by the chosen backend (pipeline.h: the LLVM JIT in process by default, or the C++
// backend through the module cache with `--backend cpp`), or a compiled module (a shared object
// exporting `sfn_module_v1`). The run options themselves are the runtime's (sfn/run_options.h),
// shared with the executables of `sfn build`.
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "compiler/driver/command.h"
#include "compiler/driver/pipeline.h"
#include "sfn/run_options.h"

namespace sfn::driver {
namespace {

int run(const std::string& file, const std::string& backend_name, runtime::RunCommandLine& args) {
  LoadOptions options;
  parse_backend(backend_name, options.backend);
  if (isatty(STDERR_FILENO)) options.progress = [](const std::string& line) { std::cerr << "sfn run: " << line << std::endl; };
  LoadResult loaded = load_program_or_module(file, options);
  if (!loaded.module) {
    if (!loaded.error.empty()) std::cerr << "error: " << loaded.error << "\n";
    return loaded.exit_code;
  }
  std::error_code ec;
  args.options.program_path = std::filesystem::absolute(file, ec).string();
  return runtime::run_parsed(loaded.module, args, "sfn run");
}

void setup(CLI::App& app, int& exit_code) {
  static std::string file;
  static std::string backend = "llvm";
  static runtime::RunCommandLine args;
  CLI::App* cmd = app.add_subcommand("run", "Run a program in embedded mode (one process, W worker threads)");
  cmd->add_option("file", file, "The program: an .sfn source (compiled by --backend) or a compiled module (.so)")->required();
  cmd->add_option("--backend", backend,
                  "How an .sfn source is compiled: llvm (JIT in process, the default) or cpp (the system C++ "
                  "compiler, cached)")
      ->check(CLI::IsMember({"llvm", "cpp"}))
      ->capture_default_str();
  runtime::add_run_options(*cmd, args);
  cmd->callback([&exit_code] { exit_code = run(file, backend, args); });
}

CommandRegistrar registrar(20, setup);

}  // namespace
}  // namespace sfn::driver
