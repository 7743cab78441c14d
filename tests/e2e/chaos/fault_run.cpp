// `fault_run W:N MODULE.so [sfn run options]`: `sfn run MODULE.so ...` with a FaultInjector
// (sfn/runtime.h) that makes worker W fail once, after its N-th invocation — how the chaos tests
// exercise the recovery from a failed worker thread without a hook in the production binary.
#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "sfn/run_options.h"
#include "sfn/runtime.h"

namespace {

class FailOnce : public sfn::runtime::FaultInjector {
 public:
  FailOnce(unsigned worker, uint64_t after) : worker_(worker), after_(after) {}
  bool fail_worker(unsigned worker, uint64_t invocations) override {
    return worker == worker_ && invocations == after_ && !failed_.exchange(true);
  }

 private:
  unsigned worker_;
  uint64_t after_;
  std::atomic<bool> failed_{false};
};

}  // namespace

int main(int argc, char** argv) {
  unsigned w = 0;
  unsigned long long n = 0;
  if (argc < 3 || std::sscanf(argv[1], "%u:%llu", &w, &n) != 2) {
    std::cerr << "usage: fault_run W:N MODULE.so [sfn run options]\n";
    return 2;
  }
  auto module = sfn::runtime::load_module_file(argv[2]);
  if (!module) {
    std::cerr << "fault_run: " << module.error().message << "\n";
    return 2;
  }
  CLI::App app("sfn run with an injected worker failure", "fault_run");
  sfn::runtime::RunCommandLine args;
  sfn::runtime::add_run_options(app, args);
  try {
    app.parse(argc - 2, argv + 2);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  args.options.program_path = std::filesystem::absolute(argv[2]).string();
  args.options.faults = std::make_shared<FailOnce>(w, n);
  return sfn::runtime::run_parsed(module.value(), args, "sfn run");
}
