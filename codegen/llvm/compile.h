// Private to codegen/llvm: the host target and the steps from IR to an optimised LLVM module,
// shared by `emit_llvm_ir` (backend.cpp) and the JIT (jit/jit.cpp).
#pragma once

#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Target/TargetMachine.h>

#include <memory>
#include <string>

#include "codegen/llvm/llvm_backend.h"

namespace sfn::codegen::llvm_backend {

// The host's target machine (native target initialised once), or why LLVM cannot target it.
Result<std::unique_ptr<llvm::TargetMachine>> host_target_machine();

// Lowers `module` into a verified LLVM module for `tm`, or an internal error naming the file.
Result<std::unique_ptr<llvm::Module>> lower_to_llvm(const ir::Module& module, llvm::LLVMContext& context,
                                                    llvm::TargetMachine& tm);

// Runs the O0 or O2 module pipeline of PassBuilder.
void optimize(llvm::Module& module, llvm::TargetMachine& tm, unsigned opt_level);

}  // namespace sfn::codegen::llvm_backend
