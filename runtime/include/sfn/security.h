// The public face of the runtime's CurveZMQ security (decision 122) for the `sfn` driver:
// what `sfn keygen` needs and the key pair a client of the endpoints (sfn/client.h) loads,
// without the transport's own headers.
#pragma once

#include <optional>
#include <string>

#include "common/result.h"

namespace sfn::runtime {

// Generates a key pair and writes `base`.key (secret, mode 0600) and `base`.pub; returns the
// public key. Errors: invalid_argument when a file exists and not `overwrite`, io_error when
// they cannot be written.
[[nodiscard]] Result<std::string> write_new_curve_key_pair(const std::string& base, bool overwrite);

}  // namespace sfn::runtime

namespace sfn::runtime::transport {

// A CurveZMQ key pair, each key as Z85 text.
struct CurveKeyPair {
  std::string public_key;
  std::string secret_key;
};

// What a client needs to talk to a CURVE server: its own key pair and the server's public key.
struct CurveClientKeys {
  CurveKeyPair keys;
  std::string server_key;
};

// A client's `--curve-key KEY --server-key SERVER.pub`: both files or neither (nullopt).
Result<std::optional<CurveClientKeys>> load_client_keys(const std::string& key_file,
                                                        const std::string& server_key_file);

}  // namespace sfn::runtime::transport
