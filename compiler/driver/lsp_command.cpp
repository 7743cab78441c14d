// `sfn lsp [--stdio]`: the language server on stdin/stdout (compiler/lsp).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include "compiler/driver/command.h"
#include "compiler/lsp/server.h"

namespace sfn::driver {
namespace {

void setup_lsp(CLI::App& app, int&) {
  static bool stdio = false;
  static int debounce_ms = 30;
  auto* cmd = app.add_subcommand("lsp", "Run the language server (LSP 3.17 over stdin/stdout)")
                  ->footer(
                      "Editors start it; see docs/editor.md.\nExit status: 0 after shutdown and exit, 1 when the input "
                      "ends without them.");
  cmd->add_flag("--stdio", stdio, "Talk over stdin/stdout (the default and only transport)");
  cmd->add_option("--debounce-ms", debounce_ms, "Quiet time after an edit before diagnostics are recomputed")
      ->capture_default_str();
  cmd->callback([] {
    lsp::Transport transport(STDIN_FILENO, STDOUT_FILENO);
    lsp::Server server(transport, std::chrono::milliseconds(debounce_ms));
    int status = server.run();
    // The server's input thread may still be blocked reading stdin; end the process here rather
    // than destroy the transport under it.
    std::fflush(stdout);
    std::_Exit(status);
  });
}

CommandRegistrar registrar(16, setup_lsp);

}  // namespace
}  // namespace sfn::driver
