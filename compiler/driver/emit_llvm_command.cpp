// `sfn emit llvm FILE [-O0|-O2]`: prints the program's LLVM IR as the LLVM backend produces it
// for the JIT (textual IR that llvm-as accepts). Diagnostics go to stderr.
#include <iostream>

#include "codegen/llvm/llvm_backend.h"
#include "compiler/driver/command.h"
#include "compiler/driver/frontend.h"

namespace sfn::driver {
namespace {

int emit_llvm(const std::string& file, unsigned opt_level) {
  std::string error;
  int exit_code = 0;
  Lowered lowered = lower_file(file, error, exit_code);
  if (!lowered) {
    if (!error.empty()) std::cerr << "error: " << error << "\n";
    return exit_code;
  }
  Result<std::string> text = codegen::llvm_backend::emit_llvm_ir(*lowered.module, {opt_level});
  if (!text) {
    std::cerr << "error: " << text.error().message << "\n";
    return 2;
  }
  std::cout << text.value();
  return 0;
}

void setup(CLI::App& app, int& exit_code) {
  static std::string file;
  static unsigned opt_level = 2;
  auto* cmd = emit_command(app)->add_subcommand("llvm", "Print the LLVM IR of the LLVM backend (the JIT's input)");
  cmd->add_option("file", file, "The program's root .sfn file")->required();
  cmd->add_option("-O", opt_level, "Optimisation level: -O0 or -O2")
      ->check(CLI::IsMember({0u, 2u}))
      ->capture_default_str();
  cmd->callback([&exit_code] { exit_code = emit_llvm(file, opt_level); });
}

CommandRegistrar registrar(23, setup);

}  // namespace
}  // namespace sfn::driver
