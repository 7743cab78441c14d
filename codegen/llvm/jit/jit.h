// The in-process JIT of the LLVM backend (ORC LLJIT). Every compiled program gets its own
// versioned JITDylib ("sfn.v1", "sfn.v2", ...) whose code and data a ResourceTracker frees when
// the last owner of the returned keep-alive lets go, so a later hot reload can load a new version
// beside the running one and free the old one once nothing runs it. One JIT per process,
// created on first use; compiling is serialised, running the code is not.
#pragma once

#include <memory>
#include <string>

#include "codegen/llvm/llvm_backend.h"
#include "sfn/abi.h"

namespace sfn::codegen::llvm_backend::jit {

struct Compiled {
  sfn_module_entry_fn entry = nullptr;                   // `sfn_module_v1` of the compiled program
  std::shared_ptr<void> keep_alive;                      // owns the code: the JITDylib goes with the last copy
  std::string dylib;                                     // the JITDylib's name, e.g. "sfn.v3"
  double lower_ms = 0, optimize_ms = 0, codegen_ms = 0;  // where the compile time went
};

// Lowers, optimises and JIT-compiles `module`. An error when the backend does not support a
// construct of the program or LLVM fails.
[[nodiscard]] Result<Compiled> compile(const ir::Module& module, const Options& options);

}  // namespace sfn::codegen::llvm_backend::jit
