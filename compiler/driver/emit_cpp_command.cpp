// `sfn emit cpp FILE`: prints the C++ the backend generates for a program that checks without
// errors (diagnostics go to stderr, exit 1), optionally into a file with a depfile for build
// systems (sfn_add_program in cmake/sfnConfig.cmake.in uses both), and `sfn emit ir FILE`, the
// lowered IR.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "codegen/cpp/cpp_backend.h"
#include "compiler/driver/command.h"
#include "compiler/driver/frontend.h"
#include "compiler/ir/lower.h"

namespace sfn::driver {
namespace {

// Writes `text` to `path` ("-" or empty: stdout); false with a message on stderr on failure.
bool write_output(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::cout << text;
    return true;
  }
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "error: cannot write `" << path << "`: " << std::strerror(errno) << "\n";
    return false;
  }
  return true;
}

// A Makefile-syntax depfile `target: dep1 dep2 ...` (what Ninja and CMake's DEPFILE read).
std::string depfile_text(const std::string& target, const std::vector<std::string>& files) {
  auto escape = [](const std::string& p) {
    std::string out;
    for (char c : p) {
      if (c == ' ' || c == '#') out += '\\';
      if (c == '$') out += '$';
      out += c;
    }
    return out;
  };
  std::string text = escape(target) + ":";
  for (const std::string& f : files) text += " " + escape(std::filesystem::absolute(f).lexically_normal().string());
  return text + "\n";
}

void setup_emit_cpp(CLI::App& app, int& exit_code) {
  static std::string cpp_file, ir_file, output, depfile;
  static bool line_directives = false;
  CLI::App* emit = emit_command(app);

  auto* cpp = emit->add_subcommand("cpp", "Print the C++ generated for the program (the C++ backend)");
  cpp->add_option("file", cpp_file, "The program's root .sfn file")->required();
  cpp->add_flag("--line-directives", line_directives, "Emit #line directives pointing at the .sfn source");
  cpp->add_option("-o,--output", output, "Write the C++ to this file instead of stdout");
  cpp->add_option("--depfile", depfile,
                  "Also write a Makefile-syntax dependency file listing the program's .sfn files (needs -o)");
  cpp->callback([&exit_code] {
    if (!depfile.empty() && (output.empty() || output == "-")) {
      std::cerr << "error: --depfile needs -o/--output (the depfile names the output file)\n";
      exit_code = 2;
      return;
    }
    std::string error;
    std::vector<std::string> files;
    auto module = lower_file(cpp_file, error, exit_code, &files);
    if (!module) {
      if (!error.empty()) std::cerr << "error: " << error << "\n";
      return;
    }
    codegen::cpp::Options options;
    options.line_directives = line_directives;
    Result<std::string> cpp = codegen::cpp::generate(*module.module, options);
    if (!cpp) {
      std::cerr << "error: " << cpp.error().message << "\n";
      exit_code = 2;
      return;
    }
    if (!write_output(output, cpp.value()) ||
        (!depfile.empty() && !write_output(depfile, depfile_text(output, files)))) {
      exit_code = 2;
      return;
    }
    exit_code = 0;
  });

  auto* irc = emit->add_subcommand("ir", "Print the program's backend-neutral IR (for debugging)");
  irc->add_option("file", ir_file, "The program's root .sfn file")->required();
  irc->callback([&exit_code] {
    std::string error;
    auto module = lower_file(ir_file, error, exit_code);
    if (!module) {
      if (!error.empty()) std::cerr << "error: " << error << "\n";
      return;
    }
    std::cout << ir::print_module(*module.module);
  });
}

CommandRegistrar registrar(22, setup_emit_cpp);

}  // namespace
}  // namespace sfn::driver
