// ZeroMQ plumbing shared by the I/O server and the clients (zmq_util.h).
#include "runtime/io/zmq_util.h"

#include <atomic>
#include <cstring>

namespace sfn::runtime::io::detail {

Error zmq_error(const std::string& what, const std::string& endpoint, const zmq::error_t& e) {
  return Error{ErrorCode::io_error, what + " (" + endpoint + ") failed: " + e.what()};
}

Result<std::vector<zmq::message_t>> recv_multipart_nowait(zmq::socket_t& socket, const std::string& endpoint) {
  std::vector<zmq::message_t> parts;
  try {
    zmq::message_t part;
    if (!socket.recv(part, zmq::recv_flags::dontwait)) return parts;
    bool more = part.more();
    parts.push_back(std::move(part));
    while (more) {
      zmq::message_t next;
      // The rest of a multipart message is already here once its first part arrived.
      if (!socket.recv(next, zmq::recv_flags::none))
        return Error{ErrorCode::io_error, "incomplete multipart message on " + endpoint};
      more = next.more();
      parts.push_back(std::move(next));
    }
  } catch (const zmq::error_t& e) {
    return zmq_error("receiving", endpoint, e);
  }
  return parts;
}

Status send_multipart(zmq::socket_t& socket, std::vector<zmq::message_t>& parts, const std::string& endpoint) {
  try {
    for (std::size_t i = 0; i < parts.size(); ++i) {
      auto flags = i + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
      if (!socket.send(parts[i], flags))
        return Error{ErrorCode::would_block, "sending on " + endpoint + " would block"};
    }
  } catch (const zmq::error_t& e) {
    return zmq_error("sending", endpoint, e);
  }
  return transport::ok_status();
}

std::uint64_t next_request_id() {
  static std::atomic<std::uint64_t> id{1};
  return id++;
}

Error bad_reply(const std::string& endpoint) {
  return Error{ErrorCode::io_error, "the answer from " + endpoint +
                                        " is not a valid reply (is it an sfn endpoint of the "
                                        "right kind?)"};
}

Status check_endpoint(const std::string& endpoint) {
  for (const char* scheme : {"tcp://", "ipc://", "inproc://"})
    if (endpoint.starts_with(scheme) && endpoint.size() > std::string_view(scheme).size())
      return transport::ok_status();
  return Error{ErrorCode::invalid_argument,
               "`" + endpoint + "` is not a ZeroMQ endpoint (expected e.g. tcp://127.0.0.1:7100)"};
}

ClientSocket::ClientSocket(zmq::context_t& context, zmq::socket_type type, const ServerEndpoint& server)
    : server_(server), socket_(context, type), monitor_(context, zmq::socket_type::pair) {}

Result<ClientSocket> ClientSocket::connect(zmq::context_t& context, zmq::socket_type type, const ServerEndpoint& server,
                                           std::string_view what, const std::function<void(zmq::socket_t&)>& setup) {
  static std::atomic<std::uint64_t> counter{0};
  if (auto s = check_endpoint(server.address); !s) return s.error();
  try {
    ClientSocket client(context, type, server);
    client.socket_.set(zmq::sockopt::linger, 0);
    if (setup) setup(client.socket_);
    if (auto s = transport::secure_client_socket(client.socket_.handle(), server.address, server.curve); !s)
      return s.error();
    const std::string monitor = "inproc://sfn.handshake." + std::to_string(counter++);
    const int events = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL;
    if (zmq_socket_monitor(client.socket_.handle(), monitor.c_str(), events) != 0) throw zmq::error_t();
    client.monitor_.set(zmq::sockopt::linger, 0);
    client.monitor_.connect(monitor);
    client.socket_.connect(server.address);
    return client;
  } catch (const zmq::error_t& e) {
    return zmq_error("connecting to the " + std::string(what), server.address, e);
  }
}

Result<short> ClientSocket::poll(short events, std::chrono::milliseconds wait) {
  zmq::pollitem_t items[2] = {{socket_.handle(), 0, events, 0}, {monitor_.handle(), 0, ZMQ_POLLIN, 0}};
  try {
    zmq::poll(items, 2, wait);
  } catch (const zmq::error_t& e) {
    if (e.num() == EINTR) return short{0};
    return zmq_error("waiting", server_.address, e);
  }
  if (items[1].revents & ZMQ_POLLIN)
    if (auto refused = refusal()) return *refused;
  return items[0].revents;
}

// Reads one monitor event; the error when it says the server refused this client.
std::optional<Error> ClientSocket::refusal() {
  auto got = recv_multipart_nowait(monitor_, server_.address);
  if (!got || got->empty() || got->front().size() < 6) return std::nullopt;
  std::uint16_t event;
  std::uint32_t value;
  std::memcpy(&event, got->front().data(), sizeof event);
  std::memcpy(&value, static_cast<const char*>(got->front().data()) + 2, sizeof value);
  if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
    return Error{ErrorCode::io_error, "the server at " + server_.address + " refused this client's CurveZMQ key " +
                                          (server_.curve ? server_.curve->keys.public_key : "") + " (ZAP status " +
                                          std::to_string(value) +
                                          "): add the client's .pub to the server's --curve-peers"};
  if (value != ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH) return std::nullopt;
  return Error{ErrorCode::io_error,
               "the server at " + server_.address +
                   (server_.curve ? " does not use CurveZMQ keys (drop --curve-key and --server-key)"
                                  : " requires CurveZMQ keys: give --curve-key FILE and --server-key FILE.pub")};
}

Error no_answer(const ServerEndpoint& server, std::string_view what, std::chrono::milliseconds timeout,
                std::string_view detail) {
  return Error{ErrorCode::timeout, "no answer from " + server.address + " (" + std::string(what) + ") within " +
                                       std::to_string(timeout.count()) + " ms" + std::string(detail) +
                                       "; is an `sfn run` with that endpoint running" +
                                       (server.curve ? ", and is --server-key its public key?" : "?")};
}

Result<std::string> request_reply(zmq::context_t& context, const ServerEndpoint& server, std::string_view request,
                                  std::chrono::milliseconds timeout, std::string_view what) {
  auto client = ClientSocket::connect(context, zmq::socket_type::dealer, server, what);
  if (!client) return client.error();
  std::vector<zmq::message_t> parts;
  parts.emplace_back();
  parts.emplace_back(request.data(), request.size());
  auto writable = client->poll(ZMQ_POLLOUT, timeout);
  if (!writable) return writable.error();
  if (!(writable.value() & ZMQ_POLLOUT)) return no_answer(server, what, timeout, ": could not connect");
  if (auto s = send_multipart(client->socket(), parts, server.address); !s) return s.error();
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return no_answer(server, what, timeout);
    auto readable = client->poll(ZMQ_POLLIN, left);
    if (!readable) return readable.error();
    if (!(readable.value() & ZMQ_POLLIN)) continue;
    auto reply = recv_multipart_nowait(client->socket(), server.address);
    if (!reply) return reply.error();
    if (reply->empty()) continue;
    return std::string(reply->back().to_string_view());
  }
}

}  // namespace sfn::runtime::io::detail
