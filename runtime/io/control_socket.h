// The cluster's control connection (runtime/cluster): a ROUTER the coordinator process binds and
// a DEALER each worker process connects, carrying whole messages (opaque bytes). ZeroMQ stays
// behind this class. Sending is thread-safe (queued); poll() sends what is queued and receives,
// and is called by one thread, the socket's owner. A connected socket reconnects by itself
// when the other side restarts (ZeroMQ), so a restarted coordinator is found again.
//
// Security (decision 122): with keys the bound ROUTER is a CURVE server that accepts only the
// allowed public keys (its own ZAP handler) and tells, with each message, the public key the
// sender proved; a connecting DEALER with keys is a CURVE client of the coordinator's key.
// Without keys a bind to a non-loopback address is refused unless `insecure`.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "runtime/transport/result.h"
#include "runtime/transport/security.h"

namespace sfn::runtime::io {

// A message received: who sent it (the ROUTER's id of the peer; empty on a DEALER), its body,
// and the Z85 public key the peer proved (empty without CURVE).
struct ControlMessage {
  std::string peer;
  std::string body;
  std::string public_key;
};

class ControlSocket {
 public:
  // Binds a ROUTER at `endpoint` (tcp://host:port), secured by `security`.
  static transport::Result<std::unique_ptr<ControlSocket>> bind(const std::string& endpoint,
                                                                const transport::SecurityOptions& security);
  // Connects a DEALER to `endpoint`, a CURVE client when `keys` are given.
  static transport::Result<std::unique_ptr<ControlSocket>> connect(
      const std::string& endpoint, const std::optional<transport::CurveClientKeys>& keys);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // Queues `body` for `peer` (the id poll() returned; ignored by a connected socket).
  void send(const std::string& peer, std::string body);
  // Sends what is queued, then waits up to `timeout` for one message.
  std::optional<ControlMessage> poll(std::chrono::milliseconds timeout);
  const std::string& endpoint() const;
  // Peers the bound socket's ZAP handler refused (0 without keys).
  std::uint64_t refused_clients() const;

 private:
  struct Impl;
  explicit ControlSocket(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::runtime::io
