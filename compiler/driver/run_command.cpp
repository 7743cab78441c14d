// `sfn run`: runs a program in embedded mode (RUNTIME.md §5). Accepts an `.sfn` source, which
// is compiled through the C++ backend into the module cache (module_cache.h), or a compiled
// module (a shared object exporting `sfn_module_v1`). The run options themselves are the
// runtime's (sfn/run_options.h), shared with the executables of `sfn build`.
#include <unistd.h>

#include <iostream>
#include <string>

#include "compiler/driver/command.h"
#include "compiler/driver/module_cache.h"
#include "sfn/run_options.h"

namespace sfn::driver {
namespace {

int run(const std::string& file, runtime::RunCommandLine& args) {
  std::string module_path = file;
  if (file.size() >= 4 && file.compare(file.size() - 4, 4, ".sfn") == 0) {
    // Source program: compile it through the C++ backend into the module cache (a second run
    // of unchanged sources reuses the cached shared object).
    CompileOptions compile;
    if (isatty(STDERR_FILENO)) compile.progress = [](const std::string& line) { std::cerr << "sfn run: " << line << std::endl; };
    CompileResult compiled = compile_module(file, compile);
    if (!compiled.ok) {
      if (!compiled.error.empty()) std::cerr << "error: " << compiled.error << "\n";
      return compiled.exit_code == 0 ? 2 : compiled.exit_code;
    }
    module_path = compiled.path;
  }
  std::string error;
  runtime::ModulePtr module = runtime::load_module_file(module_path, &error);
  if (!module) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  return runtime::run_parsed(module, args, "sfn run");
}

void setup(CLI::App& app, int& exit_code) {
  static std::string file;
  static runtime::RunCommandLine args;
  CLI::App* cmd = app.add_subcommand("run", "Run a program in embedded mode (one process, W worker threads)");
  cmd->add_option("file", file, "The program: an .sfn source (compiled through the C++ backend, cached) or a compiled module (.so)")->required();
  runtime::add_run_options(*cmd, args);
  cmd->callback([&exit_code] { exit_code = run(file, args); });
}

CommandRegistrar registrar(20, setup);

}  // namespace
}  // namespace sfn::driver
