// The cluster's control connection (control_socket.h).
#include "runtime/io/control_socket.h"

#include <deque>
#include <mutex>
#include <vector>
#include <zmq.hpp>

#include "runtime/io/zmq_util.h"
#include "runtime/transport/context_impl.h"

namespace sfn::runtime::io {

using transport::Error;
using transport::ErrorCode;
using transport::Result;

struct ControlSocket::Impl {
  transport::TransportContext context;  // with keys, its ZAP handler outlives the socket
  zmq::socket_t socket;
  bool router = false;
  bool curve = false;  // messages carry the public key their sender proved
  std::string endpoint;
  std::mutex mu;
  std::deque<std::pair<std::string, std::string>> outbox;  // guarded by mu

  Impl(zmq::socket_type type, std::string ep)
      : socket(context.impl().context, type), router(type == zmq::socket_type::router), endpoint(std::move(ep)) {
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::sndhwm, 100000);
    socket.set(zmq::sockopt::rcvhwm, 100000);
    if (router) socket.set(zmq::sockopt::router_mandatory, false);
  }
  void flush() {
    std::deque<std::pair<std::string, std::string>> out;
    {
      std::lock_guard<std::mutex> lock(mu);
      out.swap(outbox);
    }
    for (auto& [peer, body] : out) {
      std::vector<zmq::message_t> parts;
      if (router) parts.emplace_back(peer.data(), peer.size());
      parts.emplace_back(body.data(), body.size());
      (void)detail::send_multipart(socket, parts, endpoint);  // a gone peer: its messages are dropped
    }
  }
};

ControlSocket::ControlSocket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ControlSocket::~ControlSocket() = default;

Result<std::unique_ptr<ControlSocket>> ControlSocket::bind(const std::string& endpoint,
                                                           const transport::SecurityOptions& security) {
  if (auto s = detail::check_endpoint(endpoint); !s) return s.error();
  auto impl = std::make_unique<Impl>(zmq::socket_type::router, endpoint);
  if (auto s = impl->context.secure(security); !s) return s.error();
  if (auto s = impl->context.impl().prepare_server(impl->socket, endpoint, "cluster endpoint"); !s) return s.error();
  impl->curve = security.keys.has_value() && transport::uses_curve(endpoint);
  try {
    impl->socket.bind(endpoint);
  } catch (const zmq::error_t& e) {
    return detail::zmq_error("binding the cluster endpoint", endpoint, e);
  }
  return std::unique_ptr<ControlSocket>(new ControlSocket(std::move(impl)));
}

Result<std::unique_ptr<ControlSocket>> ControlSocket::connect(const std::string& endpoint,
                                                              const std::optional<transport::CurveClientKeys>& keys) {
  if (auto s = detail::check_endpoint(endpoint); !s) return s.error();
  auto impl = std::make_unique<Impl>(zmq::socket_type::dealer, endpoint);
  if (auto s = transport::secure_client_socket(impl->socket.handle(), endpoint, keys); !s) return s.error();
  try {
    impl->socket.connect(endpoint);
  } catch (const zmq::error_t& e) {
    return detail::zmq_error("connecting to the coordinator at", endpoint, e);
  }
  return std::unique_ptr<ControlSocket>(new ControlSocket(std::move(impl)));
}

void ControlSocket::send(const std::string& peer, std::string body) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->outbox.emplace_back(peer, std::move(body));
}

std::optional<ControlMessage> ControlSocket::poll(std::chrono::milliseconds timeout) {
  impl_->flush();
  zmq::pollitem_t item{impl_->socket.handle(), 0, ZMQ_POLLIN, 0};
  try {
    if (zmq::poll(&item, 1, timeout) <= 0) return std::nullopt;
  } catch (const zmq::error_t&) {
    return std::nullopt;  // EINTR: the caller polls again
  }
  auto parts = detail::recv_multipart_nowait(impl_->socket, impl_->endpoint);
  if (!parts.ok() || parts->empty()) return std::nullopt;
  ControlMessage m{impl_->router ? parts->front().to_string() : std::string(), parts->back().to_string(), {}};
  if (impl_->curve) {
    try {
      m.public_key = parts->back().gets("User-Id");  // the ZAP handler's answer: the proven key
    } catch (const zmq::error_t&) {
      return std::nullopt;  // not authenticated: cannot happen on a CURVE server; dropped
    }
  }
  return m;
}

const std::string& ControlSocket::endpoint() const { return impl_->endpoint; }

std::uint64_t ControlSocket::refused_clients() const { return impl_->context.refused_clients(); }

}  // namespace sfn::runtime::io
