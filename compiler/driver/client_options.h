// What the client commands (`sfn send`, `tail`, `state`, `status`, `reload`, and the cluster
// commands' timeouts) share: the --timeout and CurveZMQ key options, and how an error becomes an
// exit status (0 success, 1 no answer / refused / server error, 2 usage error, 3 the record was
// refused as undecodable or too large). Every call has a deadline, so a missing server gives an
// error naming the endpoint, not a hang.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sfn/client.h"

namespace sfn::driver {

// Parses "500ms", "5s", "2m" or a plain number of seconds; nullopt when malformed or <= 0.
std::optional<std::chrono::milliseconds> parse_timeout(const std::string& text);

// Adds `--timeout` (its default is the text in `timeout`) and the CurveZMQ key options
// (--curve-key, --server-key, or SFN_CURVE_KEY and SFN_SERVER_KEY) to `cmd`.
struct CurveArgs {
  std::string key, server_key;
};
void add_connection_options(CLI::App* cmd, std::string& timeout, CurveArgs& curve);

// A server to ask and how long to wait for its answers.
struct Connection {
  runtime::io::ServerEndpoint server;
  std::chrono::milliseconds timeout;
};
// `endpoint` with the keys of `curve` and the parsed `timeout`; nullopt after reporting a usage
// error (exit_code 2: a malformed timeout, a key file that cannot be used, one key option alone).
std::optional<Connection> resolve_connection(const std::string& endpoint, const std::string& timeout,
                                             const CurveArgs& curve, int& exit_code);

// Prints `error` and returns the exit status it deserves.
int report(const Error& error);

}  // namespace sfn::driver
