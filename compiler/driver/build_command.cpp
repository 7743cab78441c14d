// `sfn build FILE.sfn --shared -o OUT.so`: compiles a program through the C++ backend (via the
// module cache) and copies the loadable module to OUT, for `sfn run OUT.so` or embedding.
#include <filesystem>
#include <iostream>

#include "compiler/driver/command.h"
#include "compiler/driver/module_cache.h"

namespace sfn::driver {
namespace {

void setup_build(CLI::App& app, int& exit_code) {
  static std::string file, output, flags = "-O2";
  static bool shared = false;
  auto* cmd = app.add_subcommand("build", "Compile a program with the C++ backend");
  cmd->add_option("file", file, "The program's root .sfn file")->required();
  cmd->add_option("-o,--output", output, "Where to write the result")->required();
  cmd->add_flag("--shared", shared, "Write a loadable module (.so) for `sfn run MODULE.so`");
  cmd->add_option("--cxxflags", flags, "Flags for the C++ compiler")->capture_default_str();
  cmd->callback([&exit_code] {
    if (!shared) {
      std::cerr << "error: standalone executables are not supported yet; use --shared\n";
      exit_code = 2;
      return;
    }
    CompileOptions options;
    options.flags = flags;
    options.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    CompileResult r = compile_module(file, options);
    if (!r.ok) {
      std::cerr << "error: " << r.error << "\n";
      exit_code = r.exit_code ? r.exit_code : 2;
      return;
    }
    std::error_code ec;
    std::filesystem::copy_file(r.so_path, output, std::filesystem::copy_options::overwrite_existing, ec);
    if (ec) {
      std::cerr << "error: cannot write " << output << ": " << ec.message() << "\n";
      exit_code = 2;
      return;
    }
    exit_code = 0;
  });
}

CommandRegistrar registrar(23, setup_build);

}  // namespace
}  // namespace sfn::driver
