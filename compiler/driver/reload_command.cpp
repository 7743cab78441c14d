// `sfn reload FILE`: hot reload of a running program (decision 093, docs/cli.md).
#include "compiler/driver/client_options.h"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "compiler/driver/command.h"
#include "sfn/client.h"

namespace sfn::driver {
namespace {

namespace io = sfn::runtime::io;

// `sfn reload FILE`: the running program compiles FILE, checks it against the running version and
// switches to it; waits until the new version runs (its label in `sfn status`).
int reload(const std::string& file, const io::ServerEndpoint& endpoint, std::chrono::milliseconds timeout) {
  std::error_code ec;
  const std::string path = std::filesystem::absolute(file, ec).string();
  auto label = io::request_reload(endpoint, path, timeout);
  if (!label) {
    if (label.error().code == ErrorCode::rejected) {
      const std::string& why = label.error().message;  // diagnostics, one per line
      std::cerr << why << (why.empty() || why.back() == '\n' ? "" : "\n")
                << "error: the new version was refused; the running one goes on\n";
      return 1;
    }
    return report(label.error());
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {  // the control endpoint restarts with the switch
    auto status = io::query_status(endpoint, std::chrono::milliseconds(500));
    if (status && status->version == label.value()) {
      std::cout << "running " << status->version << " (reloads: " << status->reloads << ")\n";
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the switch takes a snapshot and a restart
  }
  std::cerr << "error: " << label.value() << " was offered but did not start within the timeout\n";
  return 1;
}

void setup_reload(CLI::App& app, int& exit_code) {
  struct Args {
    std::string file, endpoint = io::kDefaultControlEndpoint, timeout = "30s";
    CurveArgs curve;
  };
  static Args args;
  auto* cmd = app.add_subcommand("reload", "Hot-reload a running program with a new version of its source")
                  ->footer(
                      "The running program (sfn run FILE.sfn) compiles FILE, checks it against the running\n"
                      "version (E0601) and switches to it between two epochs, keeping every instance's state.\n"
                      "Exit 0 once the new version runs; 1 when it was refused (its diagnostics on stderr;\n"
                      "the running version goes on) or did not start.");
  cmd->add_option("file", args.file, "The new version's root .sfn file")->required();
  cmd->add_option("--control,--endpoint", args.endpoint, "The running program's control endpoint")
      ->capture_default_str();
  add_connection_options(cmd, args.timeout, args.curve);
  cmd->callback([&exit_code] {
    auto connection = resolve_connection(args.endpoint, args.timeout, args.curve, exit_code);
    if (!connection) return;
    const auto& [server, timeout] = *connection;
    exit_code = reload(args.file, server, timeout);
  });
}

CommandRegistrar registrar(63, setup_reload);

}  // namespace
}  // namespace sfn::driver
