// The cluster's control connection (runtime/cluster): a ROUTER the coordinator process binds and
// a DEALER each worker process connects, carrying whole messages (opaque bytes). ZeroMQ stays
// behind this class. Sending is thread-safe (queued); poll() sends what is queued and receives,
// and is called by one thread, the socket's owner. A connected socket reconnects by itself
// when the other side restarts (ZeroMQ), so a restarted coordinator is found again.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "runtime/transport/result.h"

namespace sfn::runtime::io {

class ControlSocket {
 public:
  // Binds a ROUTER at `endpoint` (tcp://host:port).
  static transport::Result<std::unique_ptr<ControlSocket>> bind(const std::string& endpoint);
  // Connects a DEALER to `endpoint`.
  static transport::Result<std::unique_ptr<ControlSocket>> connect(const std::string& endpoint);
  ~ControlSocket();
  ControlSocket(const ControlSocket&) = delete;
  ControlSocket& operator=(const ControlSocket&) = delete;

  // Queues `body` for `peer` (the id poll() returned; ignored by a connected socket).
  void send(const std::string& peer, std::string body);
  // Sends what is queued, then waits up to `timeout` for one message: (peer id, body).
  std::optional<std::pair<std::string, std::string>> poll(std::chrono::milliseconds timeout);
  const std::string& endpoint() const;

 private:
  struct Impl;
  explicit ControlSocket(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::runtime::io
