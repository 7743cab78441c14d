// `sfn build FILE.sfn -o OUT`: compiles a program through the C++ backend (via the module cache)
// into a standalone executable — the runtime, the standard library and sfn_main linked in, so
// `OUT --input in.jsonl` behaves like `sfn run FILE.sfn --input in.jsonl` — or, with --shared,
// into a loadable module for `sfn run OUT.so`.
#include <unistd.h>

#include <iostream>

#include "compiler/driver/command.h"
#include "compiler/driver/module_cache.h"

namespace sfn::driver {
namespace {

void setup_build(CLI::App& app, int& exit_code) {
  static std::string file, output, flags = "-O2";
  static bool shared = false, verbose = false;
  auto* cmd = app.add_subcommand(
      "build", "Compile a program with the C++ backend into a standalone executable (accepting the `run` options)");
  cmd->add_option("file", file, "The program's root .sfn file")->required();
  cmd->add_option("-o,--output", output, "Where to write the executable (or module)")->required();
  cmd->add_flag("--shared", shared, "Write a loadable module (.so) for `sfn run MODULE.so` instead");
  cmd->add_flag("-v,--verbose", verbose, "Show the C++ compiler command (or the cached result used)");
  cmd->add_option("--cxxflags", flags, "Flags for the C++ compiler")->capture_default_str();
  cmd->callback([&exit_code] {
    if (output.empty()) {
      std::cerr << "error: -o/--output needs a file name\n";
      exit_code = 2;
      return;
    }
    CompileOptions options;
    options.kind = shared ? OutputKind::shared_module : OutputKind::executable;
    options.output = output;
    options.flags = flags;
    options.verbose = verbose;
    if (verbose || isatty(STDERR_FILENO))
      options.progress = [](const std::string& line) { std::cerr << "sfn build: " << line << "\n"; };
    CompileResult r = compile_module(file, options);
    if (!r.ok) {
      if (!r.error.empty()) std::cerr << "error: " << r.error << "\n";
      exit_code = r.exit_code ? r.exit_code : 2;
      return;
    }
    exit_code = 0;
  });
}

CommandRegistrar registrar(23, setup_build);

}  // namespace
}  // namespace sfn::driver
