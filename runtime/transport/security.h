// Security of the runtime's ZeroMQ sockets (decision 122): CurveZMQ keys, the ZAP handler that
// decides who may connect, and the rule that refuses an unauthenticated bind to a non-loopback
// address. Every socket that binds or connects outside the process goes through
// secure_server_socket() or secure_client_socket(): worker channels (runtime/transport), the
// client endpoints and their clients (runtime/io).
//
// Keys are CurveZMQ (Curve25519) keys as Z85 text, 40 characters for 32 bytes. Key files are
// text: '#' comment lines, blank lines, and one key line. `sfn keygen OUT` writes OUT.key (the
// secret key, mode 0600) and OUT.pub (the public key); the public key is derived from the secret
// one when OUT.key is loaded. A server (a bound socket) proves itself with its secret key and
// accepts only clients whose public key is in its allowed set (a directory of *.pub files); a
// client needs its own key pair and the server's public key. ZeroMQ types stay in the .cpp: a
// socket or context is passed as libzmq's `void*` handle (socket_t::handle(), context_t::handle()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/transport/result.h"
#include "sfn/security.h"

namespace sfn::runtime::transport {

// Characters of a CurveZMQ key in Z85 text.
inline constexpr std::size_t kCurveKeyTextSize = 40;

// A fresh random key pair (libsodium through libzmq).
Result<CurveKeyPair> generate_curve_keys();

// Writes `base`.key (comment line + secret key, created with mode 0600) and `base`.pub (comment
// line + public key, mode 0644), each written whole to a temporary name and fsynced before it
// takes its name. Without `overwrite`, an existing file of either name is an error (checked
// before anything is written; invalid_argument).
Status write_curve_keys(const std::string& base, const CurveKeyPair& keys, bool overwrite);

// Reads a secret key file (OUT.key) and derives its public key. Errors name the file: missing or
// unreadable, readable or writable by other users (refused, with the chmod that fixes it), a
// public key file given instead, no key line or several, a key that is not 40 characters of
// Z85 (invalid_argument for all but unreadable files).
Result<CurveKeyPair> load_curve_secret_key(const std::string& path);

// Reads a public key file (OUT.pub). Errors as for load_curve_secret_key, a secret key file
// given instead included; no permission check.
Result<std::string> load_curve_public_key(const std::string& path);

// The public keys of every `*.pub` file in `dir` (other files are ignored), sorted. An error
// names the directory when it cannot be read or holds no `*.pub` file, or the first bad file.
Result<std::vector<std::string>> load_curve_peers(const std::string& dir);

// The security of one process's servers (bound sockets) and of the channels it opens.
struct SecurityOptions {
  // This process's key pair (--curve-key); none: plain ZeroMQ, nothing is authenticated.
  std::optional<CurveKeyPair> keys;
  // The public keys allowed to connect to this process's servers (--curve-peers).
  std::vector<std::string> peers;
  std::string peers_source;  // where `peers` came from, for log lines (the directory)
  // Without keys, a bind to a non-loopback address is refused unless this is set (--insecure).
  bool insecure = false;
};

// `sfn run --curve-key KEY --curve-peers DIR [--insecure]` as SecurityOptions: both files or
// neither (invalid_argument naming the missing one). Errors of the loaders above.
Result<SecurityOptions> load_server_security(const std::string& key_file, const std::string& peers_dir, bool insecure);

// Whether binding `endpoint` stays on this machine: inproc://, ipc://, and tcp:// on 127.0.0.0/8,
// [::1] or localhost. Anything else (0.0.0.0, *, an interface name, another address) is not.
bool is_local_endpoint(std::string_view endpoint);

// Whether `endpoint` names a network transport of ZeroMQ (tcp, udp, pgm, epgm, norm, ws, wss,
// tipc, vmci): the binds the --insecure rule is about. Unknown schemes are left to ZeroMQ.
bool is_network_endpoint(std::string_view endpoint);

// Whether a socket on `endpoint` gets CURVE when keys are configured: every transport that
// leaves the process (tcp://, ipc://), never inproc://.
bool uses_curve(std::string_view endpoint);

// The --insecure rule alone: without keys (or on a transport that cannot carry CURVE), a bind of
// a non-local network endpoint is refused (invalid_argument naming `role` and saying to configure
// keys or pass --insecure) unless `options.insecure`. For checking an endpoint before it binds.
Status check_bind(const std::string& endpoint, const SecurityOptions& options, std::string_view role);

// Prepares `socket` (libzmq handle, not bound yet) to bind `endpoint` as a server of `role`
// ("ingress endpoint", "channel receiver", ...): with keys and a tcp/ipc endpoint, a CURVE server
// with the secret key (clients are then checked by the context's ZapHandler, which must be
// running); without keys, a non-local network endpoint is refused (invalid_argument saying to configure
// keys or pass --insecure) unless `options.insecure`.
Status secure_server_socket(void* socket, const std::string& endpoint, const SecurityOptions& options,
                            std::string_view role);

// Prepares `socket` (libzmq handle, not connected yet) to connect to `endpoint`: with `keys`
// and a tcp/ipc endpoint, a CURVE client proving `keys.keys` and expecting the server to hold
// the secret key of `keys.server_key`. Without keys, nothing changes.
Status secure_client_socket(void* socket, const std::string& endpoint, const std::optional<CurveClientKeys>& keys);

// The ZAP handler (ZeroMQ RFC 27) of one ZeroMQ context: a thread answering the authentication
// requests of the context's CURVE servers at inproc://zeromq.zap.01. A CURVE client whose public
// key is allowed passes (its Z85 key becomes the connection's User-Id); every other request is
// refused (status 400) and counted, and the first refusal of each key is logged as one line.
// Start it before any CURVE server of the context binds (a CURVE server without a ZAP handler
// would accept every client); stop it (destroy it) before the context terminates.
class ZapHandler {
 public:
  using Log = std::function<void(const std::string& line)>;
  // `allowed`: Z85 public keys; `allowed_source` names them in log lines (e.g. the directory);
  // `log` gets each log line (default: stderr, prefixed "sfn: ").
  static Result<std::unique_ptr<ZapHandler>> start(void* zmq_context, const std::vector<std::string>& allowed,
                                                   std::string allowed_source, Log log = {});
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  std::uint64_t accepted() const;  // requests answered 200
  std::uint64_t refused() const;   // requests answered 400 (or 500: malformed)

  struct Impl;

 private:
  explicit ZapHandler(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::runtime::transport
