// ORC LLJIT with one JITDylib per compiled program. Generated code resolves the helpers of
// stdlib/sfn_rt.h through absolute symbols (sfn_rt_symbols) and the C library (malloc, memcpy,
// fmod...) through the process's own symbols.
#include "codegen/llvm/jit/jit.h"

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/Support/Error.h>

#include <chrono>
#include <mutex>

#include "codegen/llvm/compile.h"
#include "sfn_rt.h"

namespace sfn::codegen::llvm_backend::jit {
namespace {

using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::string text(llvm::Error e) { return llvm::toString(std::move(e)); }

class Jit {
 public:
  // The process's JIT, or why LLVM cannot target the host.
  static Result<Jit*> get() {
    static std::once_flag once;
    static Jit* jit = nullptr;  // never destroyed: code may run until the process exits
    static Status init = ok_status();
    std::call_once(once, [] {
      auto j = std::unique_ptr<Jit>(new Jit());
      init = j->init();
      if (init) jit = j.release();
    });
    if (!init) return init.error();
    return jit;
  }

  Result<Compiled> compile(const ir::Module& module, const Options& options) {
    std::lock_guard<std::mutex> lock(mu_);
    Compiled out;
    auto t0 = Clock::now();
    auto context = std::make_unique<llvm::LLVMContext>();
    auto lowered = lower_to_llvm(module, *context, *tm_);
    if (!lowered) return lowered.error();
    std::unique_ptr<llvm::Module> m = std::move(lowered.value());
    out.lower_ms = ms_since(t0);
    t0 = Clock::now();
    optimize(*m, *tm_, options.opt_level);
    out.optimize_ms = ms_since(t0);
    t0 = Clock::now();
    out.dylib = "sfn.v" + std::to_string(next_version_++);
    auto jd = jit_->getExecutionSession().createJITDylib(out.dylib);
    if (!jd) return fail(jd.takeError());
    if (auto e = jd->define(helper_symbols())) return fail(std::move(e));
    auto process =
        llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(jit_->getDataLayout().getGlobalPrefix());
    if (!process) return fail(process.takeError());
    jd->addGenerator(std::move(*process));
    auto tracker = jd->createResourceTracker();
    if (auto e = jit_->addIRModule(tracker, llvm::orc::ThreadSafeModule(std::move(m), std::move(context))))
      return fail(std::move(e));
    auto entry = jit_->lookup(*jd, SFN_MODULE_ENTRY_SYMBOL);
    if (!entry) return fail(entry.takeError());
    out.codegen_ms = ms_since(t0);
    out.entry = entry->toPtr<sfn_module_entry_fn>();
    out.keep_alive = release_on_drop(&*jd, tracker);
    return out;
  }

 private:
  Jit() = default;

  Status init() {
    auto tm = host_target_machine();
    if (!tm) return tm.error();
    tm_ = std::move(tm.value());
    auto jtmb = llvm::orc::JITTargetMachineBuilder::detectHost();
    if (!jtmb) return fail(jtmb.takeError());
    // The IR is already optimised (-O2 pipeline, backend.cpp); instruction selection and register
    // allocation run at their fast level: a quarter of the compile time for about 10% on a tight
    // loop and nothing measurable on the counter benchmark (decision 092, docs/PERFORMANCE.md).
    jtmb->setCodeGenOptLevel(llvm::CodeGenOptLevel::None);
    auto jit = llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*jtmb)).create();
    if (!jit) return fail(jit.takeError());
    jit_ = std::move(*jit);
    return ok_status();
  }

  std::unique_ptr<llvm::orc::MaterializationUnit> helper_symbols() {
    llvm::orc::SymbolMap symbols;
    std::uint64_t count = 0;
    const sfn_rt_symbol* table = sfn_rt_symbols(&count);
    for (std::uint64_t i = 0; i < count; ++i)
      symbols[jit_->mangleAndIntern(table[i].name)] = {llvm::orc::ExecutorAddr::fromPtr(table[i].address),
                                                       llvm::JITSymbolFlags::Exported | llvm::JITSymbolFlags::Callable};
    return llvm::orc::absoluteSymbols(std::move(symbols));
  }

  // Frees the program's code and data, then its JITDylib, when the last owner lets go.
  std::shared_ptr<void> release_on_drop(llvm::orc::JITDylib* jd, llvm::orc::ResourceTrackerSP tracker) {
    return std::shared_ptr<void>(static_cast<void*>(jd), [this, tracker](void* p) {
      std::lock_guard<std::mutex> lock(mu_);
      llvm::consumeError(tracker->remove());
      llvm::consumeError(jit_->getExecutionSession().removeJITDylib(*static_cast<llvm::orc::JITDylib*>(p)));
    });
  }

  static Error fail(llvm::Error e) { return Error(ErrorCode::failed, "LLVM JIT: " + text(std::move(e))); }

  std::mutex mu_;
  std::unique_ptr<llvm::TargetMachine> tm_;
  std::unique_ptr<llvm::orc::LLJIT> jit_;
  std::uint64_t next_version_ = 1;
};

}  // namespace

Result<Compiled> compile(const ir::Module& module, const Options& options) {
  Result<Jit*> jit = Jit::get();
  if (!jit) return jit.error();
  return jit.value()->compile(module, options);
}

}  // namespace sfn::codegen::llvm_backend::jit
