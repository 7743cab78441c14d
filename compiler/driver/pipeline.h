// The pipeline from an SFN file to a module the runtime runs: front end -> IR -> a backend ->
// loaded module. The LLVM backend JIT-compiles in process (codegen/llvm/jit); the C++ backend
// goes through the system C++ compiler and the module cache (module_cache.h). `sfn run` and the
// tests call this library, so tests load programs in process.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sfn/runtime.h"

namespace sfn::driver {

enum class Backend { llvm, cpp };

struct Frontend;

// "llvm" / "cpp" <-> Backend; false for another name.
bool parse_backend(const std::string& name, Backend& out);

struct LoadOptions {
  Backend backend = Backend::llvm;
  unsigned opt_level = 2;  // LLVM backend: 0 or 2
  // Human-readable progress ("compiling greeter.sfn…"); may be null.
  std::function<void(const std::string&)> progress;
};

struct LoadResult {
  runtime::ModulePtr module;  // null on failure
  // On failure: what went wrong, as text for the user, or empty when it has already been
  // reported (diagnostics on stderr); `exit_code` is 1 for program errors, else 2.
  std::string error;
  int exit_code = 0;
  double compile_ms = 0;  // backend time (LLVM: lower + optimise + JIT; C++: compile or cache hit)
  double lower_ms = 0, optimize_ms = 0, codegen_ms = 0;  // LLVM: where compile_ms went
  // The checked program the module was compiled from (its schema, versions.h); set with `module`.
  std::shared_ptr<const Frontend> frontend;
  std::vector<std::string> files;  // the program's source files on disk (LLVM backend; root and imports)
};

// Compiles the program rooted at `sfn_path` with the chosen backend and loads it.
LoadResult load_program(const std::string& sfn_path, const LoadOptions& options = {});

// load_program for a front end already run on `sfn_path` (the LLVM backend lowers it instead of
// reading and checking the files again; the C++ backend goes through its cache as usual).
LoadResult load_checked(std::unique_ptr<Frontend> frontend, const std::string& sfn_path,
                        const LoadOptions& options = {});

// What `sfn run FILE` runs: an `.sfn` source through load_program, anything else as a compiled
// module (a shared object exporting `sfn_module_v1`; a load error is exit code 2).
LoadResult load_program_or_module(const std::string& file, const LoadOptions& options = {});

}  // namespace sfn::driver
