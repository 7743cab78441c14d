// The options and exit statuses the client commands share (client_options.h).
#include "compiler/driver/client_options.h"

#include <iostream>

namespace sfn::driver {

namespace io = sfn::runtime::io;

// Parses "500ms", "5s", "2m" or a plain number of seconds; nullopt when malformed or <= 0.
std::optional<std::chrono::milliseconds> parse_timeout(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(used);
  double ms = 0;
  if (unit == "ms")
    ms = value;
  else if (unit == "s" || unit.empty())
    ms = value * 1000;
  else if (unit == "m")
    ms = value * 60000;
  else
    return std::nullopt;
  if (!(ms >= 1) || ms > 24 * 3600 * 1000.0) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

void add_connection_options(CLI::App* cmd, std::string& timeout, CurveArgs& curve) {
  cmd->add_option("--timeout", timeout, "How long to wait for an answer (e.g. 500ms, 5s, 1m; default " + timeout + ")");
  cmd->add_option("--curve-key", curve.key,
                  "This client's CurveZMQ secret key file (sfn keygen OUT writes OUT.key), for a server run "
                  "with --curve-key; its OUT.pub must be in the server's --curve-peers")
      ->envname("SFN_CURVE_KEY");
  cmd->add_option("--server-key", curve.server_key,
                  "The server's CurveZMQ public key file (the .pub of its --curve-key)")
      ->envname("SFN_SERVER_KEY");
}

std::optional<Connection> resolve_connection(const std::string& endpoint, const std::string& timeout,
                                             const CurveArgs& curve, int& exit_code) {
  auto t = parse_timeout(timeout);
  if (!t) {
    std::cerr << "error: --timeout `" << timeout << "` is not a duration like 500ms, 5s or 1m\n";
    exit_code = 2;
    return std::nullopt;
  }
  auto keys = runtime::transport::load_client_keys(curve.key, curve.server_key);
  if (!keys) {
    std::cerr << "error: " << keys.error().message << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  return Connection{io::ServerEndpoint(endpoint, std::move(keys.value())), *t};
}

// Prints `error` and returns the exit status it deserves.
int report(const Error& error) {
  std::cerr << "error: " << error.message << "\n";
  switch (error.code) {
    case ErrorCode::invalid_argument:
      return 2;
    case ErrorCode::rejected:
    case ErrorCode::too_large:
      return 3;
    default:
      return 1;
  }
}

}  // namespace sfn::driver
