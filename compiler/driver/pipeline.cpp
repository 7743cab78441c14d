// load_program: the front end, then the LLVM JIT or the C++ backend with the module cache.
#include "compiler/driver/pipeline.h"

#include <chrono>

#include "codegen/llvm/jit/jit.h"
#include "compiler/driver/frontend.h"
#include "compiler/driver/module_cache.h"

namespace sfn::driver {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

LoadResult failure(std::string error, int exit_code) {
  LoadResult r;
  r.error = std::move(error);
  r.exit_code = exit_code == 0 ? 2 : exit_code;
  return r;
}

LoadResult load_with_llvm(const std::string& path, const LoadOptions& options, std::unique_ptr<Frontend> fe = nullptr) {
  std::string error;
  int exit_code = 0;
  if (options.progress) options.progress("compiling " + path + " (LLVM JIT)");
  std::vector<std::string> files;
  Lowered lowered =
      fe ? lower_frontend(std::move(fe), path, error, exit_code, &files) : lower_file(path, error, exit_code, &files);
  if (!lowered) return failure(error, exit_code);
  const auto t0 = Clock::now();
  auto jitted = codegen::llvm_backend::jit::compile(*lowered.module, {options.opt_level});
  if (!jitted) return failure(jitted.error().message, 2);
  const codegen::llvm_backend::jit::Compiled& compiled = jitted.value();
  LoadResult r;
  r.compile_ms = ms_since(t0);
  r.lower_ms = compiled.lower_ms;
  r.optimize_ms = compiled.optimize_ms;
  r.codegen_ms = compiled.codegen_ms;
  auto module = runtime::load_module_linked(compiled.entry, compiled.keep_alive);
  if (!module) return failure(path + ": " + module.error().message, 2);
  r.module = std::move(module.value());
  r.frontend = std::move(lowered.frontend);
  r.files = std::move(files);
  return r;
}

LoadResult load_with_cpp(const std::string& path, const LoadOptions& options, std::unique_ptr<Frontend> fe = nullptr) {
  CompileOptions compile;
  compile.progress = options.progress;
  const auto t0 = Clock::now();
  CompileResult compiled = compile_module(path, compile, std::move(fe));
  if (!compiled.ok) return failure(compiled.error, compiled.exit_code);
  LoadResult r;
  r.compile_ms = ms_since(t0);
  auto module = runtime::load_module_file(compiled.path);
  if (!module) return failure(module.error().message, 2);
  r.module = std::move(module.value());
  r.frontend = std::move(compiled.frontend);
  return r;
}

}  // namespace

bool parse_backend(const std::string& name, Backend& out) {
  if (name == "llvm")
    out = Backend::llvm;
  else if (name == "cpp")
    out = Backend::cpp;
  else
    return false;
  return true;
}

LoadResult load_program(const std::string& sfn_path, const LoadOptions& options) {
  return options.backend == Backend::llvm ? load_with_llvm(sfn_path, options) : load_with_cpp(sfn_path, options);
}

LoadResult load_checked(std::unique_ptr<Frontend> frontend, const std::string& path, const LoadOptions& options) {
  if (options.backend == Backend::cpp) return load_with_cpp(path, options, std::move(frontend));
  return load_with_llvm(path, options, std::move(frontend));
}

LoadResult load_program_or_module(const std::string& file, const LoadOptions& options) {
  if (file.size() >= 4 && file.compare(file.size() - 4, 4, ".sfn") == 0) return load_program(file, options);
  LoadResult r;
  auto module = runtime::load_module_file(file);
  if (!module) {
    r.error = module.error().message;
    r.exit_code = 2;
    return r;
  }
  r.module = std::move(module.value());
  return r;
}

}  // namespace sfn::driver
