// The host target, verification, the PassBuilder pipeline and `sfn emit llvm`.
#include <llvm/IR/Verifier.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>

#include <mutex>

#include "codegen/llvm/compile.h"
#include "codegen/llvm/lowering.h"

namespace sfn::codegen::llvm_backend {

Result<std::unique_ptr<llvm::TargetMachine>> host_target_machine() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  const std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) return Error(ErrorCode::failed, error);
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(triple, llvm::sys::getHostCPUName(), "", options,
                                                                      llvm::Reloc::PIC_, std::nullopt,
                                                                      llvm::CodeGenOptLevel::Default));
  if (!tm) return Error(ErrorCode::failed, "cannot create a target machine for " + triple);
  return tm;
}

Result<std::unique_ptr<llvm::Module>> lower_to_llvm(const ir::Module& module, llvm::LLVMContext& context,
                                                    llvm::TargetMachine& tm) {
  auto out = std::make_unique<llvm::Module>(module.package.empty() ? "sfn" : module.package, context);
  out->setDataLayout(tm.createDataLayout());
  out->setTargetTriple(tm.getTargetTriple().str());
  ModuleLowering lowering(module, *out);
  if (std::string error; !lowering.run(error)) {
    return Error(ErrorCode::failed,
                 "internal compiler error: the LLVM backend cannot compile " + module.source_file + ": " + error);
  }
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*out, &os)) {
    return Error(ErrorCode::failed,
                 "internal error: the LLVM backend produced invalid IR for " + module.source_file + ": " + os.str());
  }
  return out;
}

void optimize(llvm::Module& module, llvm::TargetMachine& tm, unsigned opt_level) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PassBuilder pb(&tm);
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::ModulePassManager mpm = opt_level == 0 ? pb.buildO0DefaultPipeline(llvm::OptimizationLevel::O0)
                                               : pb.buildPerModuleDefaultPipeline(llvm::OptimizationLevel::O2);
  mpm.run(module, mam);
}

Result<std::string> emit_llvm_ir(const ir::Module& module, const Options& options) {
  auto tm = host_target_machine();
  if (!tm) return tm.error();
  llvm::LLVMContext context;
  auto m = lower_to_llvm(module, context, *tm.value());
  if (!m) return m.error();
  optimize(*m.value(), *tm.value(), options.opt_level);
  std::string out;
  llvm::raw_string_ostream os(out);
  m.value()->print(os, nullptr);
  os.flush();
  return out;
}

}  // namespace sfn::codegen::llvm_backend
