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

std::unique_ptr<llvm::TargetMachine> host_target_machine(std::string& error) {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  const std::string triple = llvm::sys::getProcessTriple();
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target) return nullptr;
  llvm::TargetOptions options;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(triple, llvm::sys::getHostCPUName(), "", options,
                                                                      llvm::Reloc::PIC_, std::nullopt,
                                                                      llvm::CodeGenOptLevel::Default));
  if (!tm) error = "cannot create a target machine for " + triple;
  return tm;
}

std::unique_ptr<llvm::Module> lower_to_llvm(const ir::Module& module, llvm::LLVMContext& context,
                                            llvm::TargetMachine& tm, std::string& error) {
  auto out = std::make_unique<llvm::Module>(module.package.empty() ? "sfn" : module.package, context);
  out->setDataLayout(tm.createDataLayout());
  out->setTargetTriple(tm.getTargetTriple().str());
  ModuleLowering lowering(module, *out);
  if (!lowering.run(error)) {
    error = "internal compiler error: the LLVM backend cannot compile " + module.source_file + ": " + error;
    return nullptr;
  }
  std::string problems;
  llvm::raw_string_ostream os(problems);
  if (llvm::verifyModule(*out, &os)) {
    error = "internal error: the LLVM backend produced invalid IR for " + module.source_file + ": " + os.str();
    return nullptr;
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

bool emit_llvm_ir(const ir::Module& module, const Options& options, std::string& out, std::string& error) {
  auto tm = host_target_machine(error);
  if (!tm) return false;
  llvm::LLVMContext context;
  auto m = lower_to_llvm(module, context, *tm, error);
  if (!m) return false;
  optimize(*m, *tm, options.opt_level);
  llvm::raw_string_ostream os(out);
  m->print(os, nullptr);
  return true;
}

}  // namespace sfn::codegen::llvm_backend
