// ZeroMQ helpers private to runtime/io: multipart receive/send with every error turned into a
// transport::Error, and the client's one-shot request/reply with a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "runtime/io/protocol.h"
#include "runtime/transport/result.h"

namespace sfn::runtime::io::detail {

using transport::Error;
using transport::ErrorCode;
using transport::Result;
using transport::Status;

// Turns a ZeroMQ exception into an io_error naming what was done and where.
Error zmq_error(const std::string& what, const std::string& endpoint, const zmq::error_t& e);

// Receives one whole multipart message without waiting; an empty vector means none was ready.
Result<std::vector<zmq::message_t>> recv_multipart_nowait(zmq::socket_t& socket, const std::string& endpoint);

// Sends the parts as one multipart message (blocking only as ZeroMQ's own queue requires).
Status send_multipart(zmq::socket_t& socket, std::vector<zmq::message_t>& parts, const std::string& endpoint);

// A client's socket connected to a server, with a ZeroMQ monitor on its handshakes: a server
// refusing this client's CURVE key, or speaking another security mechanism, ends a wait at once
// with an error saying so instead of a timeout.
class ClientSocket {
 public:
  // A socket of `type` (linger 0, then `setup`) connected to `server`; a CURVE client when it
  // has keys. `what` names the endpoint in errors ("ingress endpoint").
  static Result<ClientSocket> connect(zmq::context_t& context, zmq::socket_type type, const ServerEndpoint& server,
                                      std::string_view what, const std::function<void(zmq::socket_t&)>& setup = {});
  zmq::socket_t& socket() { return socket_; }
  // Waits up to `wait` for `events` (ZMQ_POLLIN, ZMQ_POLLOUT) on the socket; returns those
  // that happened (0 after the wait), or why the server refused this client.
  Result<short> poll(short events, std::chrono::milliseconds wait);

 private:
  ClientSocket(zmq::context_t& context, zmq::socket_type type, const ServerEndpoint& server);
  std::optional<Error> refusal();

  ServerEndpoint server_;
  zmq::socket_t socket_;
  zmq::socket_t monitor_;  // PAIR receiving the socket's handshake failure events
};

// What a client waiting in vain tells: nothing answered at `server` within `timeout` (with CURVE
// keys, also the likely cause: a server key that is not the server's).
Error no_answer(const ServerEndpoint& server, std::string_view what, std::chrono::milliseconds timeout,
                std::string_view detail = {});

// Connects a DEALER to `server`, sends [empty, request] and waits up to `timeout` for the
// reply's last frame. A timeout error says that nothing answered at the endpoint; a refused
// handshake (ClientSocket) is an io_error saying why.
Result<std::string> request_reply(zmq::context_t& context, const ServerEndpoint& server, std::string_view request,
                                  std::chrono::milliseconds timeout, std::string_view what);

// A process-wide unique request id (1, 2, ...), echoed by the server in its reply.
std::uint64_t next_request_id();

// The error for an answer that does not parse as the expected reply.
Error bad_reply(const std::string& endpoint);

// Checks that `endpoint` looks like tcp://, ipc:// or inproc:// (a clear error otherwise).
Status check_endpoint(const std::string& endpoint);

}  // namespace sfn::runtime::io::detail
