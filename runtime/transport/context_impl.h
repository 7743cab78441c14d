// The inside of a TransportContext (channel.h), for runtime/transport and runtime/io only: the
// ZeroMQ context and the security its sockets get (security.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "runtime/transport/channel.h"
#include "runtime/transport/security.h"

namespace sfn::runtime::transport {

struct TransportContext::Impl {
  zmq::context_t context{1};
  SecurityOptions security;
  std::unique_ptr<ZapHandler> zap;  // declared after `context`: stopped before it terminates

  // Applies the bind rule and, with keys, CURVE to a socket about to bind `endpoint`.
  Status prepare_server(zmq::socket_t& socket, const std::string& endpoint, std::string_view role) const {
    return secure_server_socket(socket.handle(), endpoint, security, role);
  }
};

}  // namespace sfn::runtime::transport
