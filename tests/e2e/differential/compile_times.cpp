// Prints the in-process compile time of each program given on the command line with both
// backends (docs/PERFORMANCE.md): the LLVM JIT (lower + -O2 + codegen) and, with --cpp, the C++
// backend (the system C++ compiler, or a cache hit). Not a test: timings are machine-dependent.
#include <cstdio>
#include <cstring>

#include "compiler/driver/pipeline.h"

int main(int argc, char** argv) {
  bool cpp = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--cpp") == 0) {
      cpp = true;
      continue;
    }
    for (auto backend : {sfn::driver::Backend::llvm, sfn::driver::Backend::cpp}) {
      if (backend == sfn::driver::Backend::cpp && !cpp) continue;
      sfn::driver::LoadOptions options;
      options.backend = backend;
      auto r = sfn::driver::load_program(argv[i], options);
      if (!r.module) {
        std::fprintf(stderr, "%s: %s\n", argv[i], r.error.c_str());
        return 1;
      }
      std::printf("%-45s %-4s %8.1f ms", argv[i], backend == sfn::driver::Backend::llvm ? "llvm" : "cpp", r.compile_ms);
      if (backend == sfn::driver::Backend::llvm)
        std::printf("  (lower %.1f, -O%u %.1f, codegen %.1f)", r.lower_ms, options.opt_level, r.optimize_ms,
                    r.codegen_ms);
      std::printf("\n");
    }
  }
  return 0;
}
