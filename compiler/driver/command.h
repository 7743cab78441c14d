// The `sfn` driver's command registry. Each subcommand lives in its own file in this folder and
// registers itself with a static CommandRegistrar, so adding a command never edits main.cpp.
#pragma once

#include <CLI/CLI.hpp>

namespace sfn::driver {

// Adds one subcommand to `app`. The subcommand's callback must store the process exit status
// in `exit_code` (0 success, 1 program errors, 2 usage errors/unreadable files, 3 bad input lines).
using CommandSetup = void (*)(CLI::App& app, int& exit_code);

// Registers `setup` to run when the driver builds its command line. `order` sorts `sfn help`.
struct CommandRegistrar {
  CommandRegistrar(int order, CommandSetup setup);
};

// The shared `emit` parent command (`sfn emit ast|proto|graph|...`), created on first use.
CLI::App* emit_command(CLI::App& app);

}  // namespace sfn::driver
