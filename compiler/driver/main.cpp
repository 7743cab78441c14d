// Entry point of the `sfn` command: builds the CLI11 application from every registered
// command, adds `help [COMMAND]` and `--version`, and returns the command's exit status.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <utility>
#include <vector>

#include "compiler/driver/command.h"

namespace sfn::driver {
namespace {

std::vector<std::pair<int, CommandSetup>>& registry() {
  static std::vector<std::pair<int, CommandSetup>> commands;
  return commands;
}

}  // namespace

CommandRegistrar::CommandRegistrar(int order, CommandSetup setup) { registry().emplace_back(order, setup); }

CLI::App* emit_command(CLI::App& app) {
  for (auto* sub : app.get_subcommands({})) {
    if (sub->get_name() == "emit") return sub;
  }
  auto* emit = app.add_subcommand("emit", "Print an intermediate form of a program");
  emit->require_subcommand(1);
  return emit;
}

}  // namespace sfn::driver

int main(int argc, char** argv) {
  using namespace sfn::driver;
  CLI::App app{"sfn: compiler and runtime for stateful functions"};
  app.name("sfn");
  app.set_version_flag("--version", std::string("sfn ") + SFN_VERSION);
  app.require_subcommand(0, 1);

  int exit_code = 0;
  auto& commands = registry();
  std::stable_sort(commands.begin(), commands.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [order, setup] : commands) setup(app, exit_code);

  // `sfn help` and `sfn help COMMAND` print the same text as `--help`.
  std::string help_topic;
  std::string top_help;  // rendered before parsing: afterwards CLI11 prints the selected command's help
  auto* help = app.add_subcommand("help", "Show help for sfn or for one command");
  help->add_option("command", help_topic, "The command to describe");
  help->callback([&] {
    if (help_topic.empty()) {
      std::cout << top_help;
      return;
    }
    for (auto* sub : app.get_subcommands({})) {
      if (sub->get_name() == help_topic) {
        std::cout << sub->help("sfn");
        return;
      }
    }
    std::cerr << "error: unknown command `" << help_topic << "` (see `sfn help`)\n";
    exit_code = 2;
  });

  top_help = app.help();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  if (app.get_subcommands().empty()) {
    std::cout << app.help();
    return 0;
  }
  return exit_code;
}
