// `sfn state ADDRESS`: an instance's state as JSON, from the running program (--endpoint) or
// from a committed snapshot with no program running (--state-dir, docs/cli.md).
#include "compiler/driver/client_options.h"

#include <chrono>
#include <cstdint>
#include <iostream>
#include <string>
#include "compiler/driver/pipeline.h"
#include "sfn/runtime.h"

#include "compiler/driver/command.h"
#include "sfn/client.h"

namespace sfn::driver {
namespace {

namespace io = sfn::runtime::io;

// `sfn state ADDRESS --state-dir DIR`: reads a snapshot with no program running; the program
// that decodes the states is --program or the one `sfn run` recorded in DIR/program.
int offline_state(const std::string& address, const std::string& dir, uint64_t epoch, std::string program) {
  if (program.empty()) {
    auto recorded = runtime::recorded_program_path(dir);
    if (!recorded.ok()) {
      std::cerr << "error: " << dir << " does not name the program that wrote it (" << recorded.error().message
                << "); give it with --program FILE (.sfn or a module from sfn build --shared)\n";
      return 2;
    }
    program = recorded.value();
  }
  LoadResult loaded = load_program_or_module(program, {});
  if (!loaded.module) {
    if (!loaded.error.empty()) std::cerr << "error: " << program << ": " << loaded.error << "\n";
    return loaded.exit_code;
  }
  auto state = runtime::read_instance_state(loaded.module, dir, address, epoch);
  if (!state) return report(state.error());
  std::cout << state.value() << "\n";
  return 0;
}

void setup_state(CLI::App& app, int& exit_code) {
  struct Args {
    std::string address, endpoint = io::kDefaultControlEndpoint, timeout = "5s", state_dir, program;
    uint64_t epoch = 0;
    CurveArgs curve;
  };
  static Args args;
  auto* cmd = app.add_subcommand("state", "Print an instance's state as JSON")
                  ->footer(
                      "ADDRESS is pkg/Type/key, e.g. shop/Cart/alice. The state comes from the running\n"
                      "program at the control endpoint, or with --state-dir from a committed snapshot\n"
                      "of a state directory, read with no program running (nothing in it changes).");
  cmd->add_option("address", args.address, "The instance address, pkg/Type/key")->required();
  cmd->add_option("--endpoint", args.endpoint, "The control endpoint")->capture_default_str();
  auto* dir = cmd->add_option("--state-dir", args.state_dir, "Read a snapshot of this state directory instead");
  cmd->add_option("--epoch", args.epoch, "With --state-dir: the snapshot of this epoch (default: the newest valid)")
      ->needs(dir);
  cmd->add_option("--program", args.program,
                  "With --state-dir: the program (.sfn or .so) that decodes the state (default: the one sfn run "
                  "recorded in the state directory)")
      ->needs(dir);
  add_connection_options(cmd, args.timeout, args.curve);
  cmd->callback([&exit_code] {
    if (!args.state_dir.empty()) {
      exit_code = offline_state(args.address, args.state_dir, args.epoch, args.program);
      return;
    }
    auto connection = resolve_connection(args.endpoint, args.timeout, args.curve, exit_code);
    if (!connection) return;
    const auto& [server, timeout] = *connection;
    auto state = io::query_state(server, args.address, timeout);
    if (!state) {
      exit_code = report(state.error());
      return;
    }
    std::cout << state.value() << "\n";
    exit_code = 0;
  });
}

CommandRegistrar registrar(62, setup_state);

}  // namespace
}  // namespace sfn::driver
