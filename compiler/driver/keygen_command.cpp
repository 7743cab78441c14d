// `sfn keygen OUT [--force]`: writes a CurveZMQ key pair for `sfn run --curve-key` and the client
// commands (sfn/security.h, decision 122).
#include <iostream>
#include <string>

#include "compiler/driver/command.h"
#include "sfn/security.h"

namespace sfn::driver {
namespace {

void setup_keygen(CLI::App& app, int& exit_code) {
  static std::string out;
  static bool force = false;
  auto* cmd = app.add_subcommand("keygen", "Write a CurveZMQ key pair: OUT.key (secret) and OUT.pub (public)")
                  ->footer(
                      "OUT.key holds the secret key (mode 0600: give it to no one; a server uses it with\n"
                      "sfn run --curve-key, a client with --curve-key). OUT.pub holds the public key: put\n"
                      "a client's .pub in the server's --curve-peers directory, and give the server's .pub\n"
                      "to its clients (--server-key). Both are Z85 text after a comment line.\n"
                      "Exit status: 0 written, 1 the files could not be written, 2 usage error or a file\n"
                      "exists (without --force).");
  cmd->add_option("out", out, "Path and base name of the two files, e.g. keys/server")->required();
  cmd->add_flag("--force", force, "Replace existing OUT.key and OUT.pub");
  cmd->callback([&exit_code] {
    auto written = runtime::write_new_curve_key_pair(out, force);
    if (!written) {
      std::cerr << "error: " << written.error().message << "\n";
      exit_code = written.error().code == ErrorCode::invalid_argument ? 2 : 1;
      return;
    }
    exit_code = 0;
    std::cout << "wrote " << out << ".key (secret, mode 0600) and " << out << ".pub (public key " << written.value()
              << ")\n";
  });
}

CommandRegistrar registrar(64, setup_keygen);

}  // namespace
}  // namespace sfn::driver
