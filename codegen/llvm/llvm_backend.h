// The LLVM backend: SFN IR (compiler/ir) -> LLVM IR -> (jit/) machine code in process. It produces
// the same module the runtime loads from the C++ backend's shared objects (sfn/abi.h): the
// `sfn_module` descriptor with its messages, enums, function types, states, handlers, ingress
// routes and egresses, and `sfn_module_v1`. Generated code calls only the service table and the
// extern "C" helpers of stdlib/sfn_rt.h. LLVM types never leave codegen/llvm/.
#pragma once

#include <string>

#include "common/result.h"
#include "compiler/ir/ir.h"

namespace sfn::codegen::llvm_backend {

struct Options {
  unsigned opt_level = 2;  // 0: no optimisation; otherwise the -O2 pipeline of PassBuilder
};

// Lowers `module` for the host, optimises it and returns its textual LLVM IR (`sfn emit llvm`).
// An error for a construct the backend does not support yet.
[[nodiscard]] Result<std::string> emit_llvm_ir(const ir::Module& module, const Options& options);

}  // namespace sfn::codegen::llvm_backend
