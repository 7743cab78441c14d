// `sfn run`: runs a program in embedded mode (RUNTIME.md §5). Accepts an `.sfn` source, which
// is compiled through the C++ backend into the module cache (module_cache.h), or a compiled
// module (a shared object exporting `sfn_module_v1`). Argument parsing only: the work is
// compile_module and sfn::runtime::run_embedded.
#include <unistd.h>

#include <iostream>
#include <string>

#include "compiler/driver/command.h"
#include "compiler/driver/module_cache.h"
#include "sfn/runtime.h"

namespace sfn::driver {
namespace {

struct RunArgs {
  std::string file;
  unsigned workers = 0;
  std::string state_dir;
  std::string input;
  std::string output;
  std::string clock = "real";
  std::string ingress;
  std::string egress;
  std::string control;
};

int run(const RunArgs& a) {
  bool interactive = isatty(STDERR_FILENO);
  std::string module_path = a.file;
  if (a.file.size() >= 4 && a.file.compare(a.file.size() - 4, 4, ".sfn") == 0) {
    // Source program: compile it through the C++ backend into the module cache (a second run
    // of unchanged sources reuses the cached shared object).
    CompileOptions compile;
    if (interactive) compile.progress = [](const std::string& line) { std::cerr << "sfn run: " << line << std::endl; };
    CompileResult compiled = compile_module(a.file, compile);
    if (!compiled.ok) {
      if (!compiled.error.empty()) std::cerr << "error: " << compiled.error << "\n";
      return compiled.exit_code == 0 ? 2 : compiled.exit_code;
    }
    module_path = compiled.so_path;
  }
  std::string error;
  runtime::ModulePtr module = runtime::load_module_file(module_path, &error);
  if (!module) {
    std::cerr << "error: " << error << "\n";
    return 2;
  }
  runtime::RunOptions options;
  options.workers = a.workers;
  options.state_dir = a.state_dir;
  options.input_path = a.input;
  options.output_path = a.output;
  options.clock = a.clock == "virtual" ? runtime::ClockMode::virtual_time : runtime::ClockMode::real;
  options.ingress_endpoint = a.ingress;
  options.egress_endpoint = a.egress;
  options.control_endpoint = a.control;
  if (options.control_endpoint.empty() && !a.ingress.empty()) options.control_endpoint = "tcp://127.0.0.1:7102";
  if (interactive || !a.ingress.empty() || !a.egress.empty())
    options.progress = [](const std::string& line) { std::cerr << "sfn run: " << line << std::endl; };
  runtime::RunResult r = runtime::run_embedded(module, options);
  if (r.exit_code == 2) std::cerr << "error: " << r.error << "\n";
  if (r.bad_input_lines > 0)
    std::cerr << "sfn run: " << r.bad_input_lines << " input line" << (r.bad_input_lines == 1 ? " was" : "s were")
              << " skipped\n";
  if (options.progress)
    options.progress("done: " + std::to_string(r.invocations) + " invocations, " + std::to_string(r.dead_letters) +
                     " dead letters");
  return r.exit_code;
}

void setup(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run a program in embedded mode (one process, W worker threads)");
  cmd->add_option("file", args->file, "The program: an .sfn source (compiled through the C++ backend, cached) or a compiled module (.so)")->required();
  cmd->add_option("--workers", args->workers, "Worker threads (default: number of cores)")
      ->check(CLI::Range(1u, 1024u));
  cmd->add_option("--state-dir", args->state_dir, "Where state and logs live (default .sfn/<package>)");
  cmd->add_option("--input", args->input,
                  "Batch input: JSON lines {\"ingress\":NAME,\"value\":{...},\"at\":\"5m\"?}; exit when done")
      ->check(CLI::ExistingFile);
  cmd->add_option("--output", args->output, "Write egress lines {\"egress\":NAME,\"value\":{...}} here (default stdout)");
  cmd->add_option("--clock", args->clock, "real, or virtual: time jumps to the next timer or input when idle")
      ->check(CLI::IsMember({"real", "virtual"}));
  cmd->add_option("--ingress", args->ingress, "Ingress endpoint for `sfn send`, e.g. tcp://127.0.0.1:7100");
  cmd->add_option("--egress", args->egress, "Egress PUB endpoint for `sfn tail`, e.g. tcp://127.0.0.1:7101");
  cmd->add_option("--control", args->control,
                  "Control endpoint for `sfn state/status/tail` (default tcp://127.0.0.1:7102 with --ingress)");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

CommandRegistrar registrar(20, setup);

}  // namespace
}  // namespace sfn::driver
