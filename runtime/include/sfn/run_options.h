// The run options of RUNTIME.md §5 (--workers, --state-dir, --input, --output, --clock,
// --ingress, --egress, --control) as one command-line definition shared by `sfn run` and by the
// standalone executables `sfn build` produces, so `./app --input in.jsonl` and
// `sfn run app.sfn --input in.jsonl` accept the same options and behave the same.
#pragma once

#include <string>

#include "sfn/abi.h"
#include "sfn/runtime.h"

namespace CLI {
class App;
}

namespace sfn::runtime {

// What the run options parse into; `clock` is kept as text until run_parsed converts it.
struct RunCommandLine {
  RunOptions options;
  std::string clock = "real";              // real | virtual
  std::string until;                       // --until DURATION, parsed by run_parsed
  std::string checkpoint_interval = "1s";  // --checkpoint-interval, parsed by run_parsed
};

// Registers the run options on `app` (a CLI11 command), storing into `args`, which must outlive
// the parse.
void add_run_options(CLI::App& app, RunCommandLine& args);

// Runs `module` with the parsed options: applies the defaults (the control endpoint with
// --ingress), prints progress lines prefixed with `label` ("sfn run: ...") when stderr is a
// terminal or endpoints are open, reports errors and skipped input lines on stderr, and returns
// the exit status (0 ok, 2 unusable setup, 3 bad input lines were skipped).
int run_parsed(const ModulePtr& module, RunCommandLine& args, const std::string& label);

// The main() of a standalone program: parses argv (the run options, --help, --version), loads
// the module linked into the executable through `entry` and runs it with run_parsed.
int program_main(int argc, char** argv, sfn_module_entry_fn entry);

}  // namespace sfn::runtime
