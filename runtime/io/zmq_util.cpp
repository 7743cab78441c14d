// ZeroMQ plumbing shared by the I/O server and the clients (zmq_util.h).
#include "runtime/io/zmq_util.h"

#include <atomic>

namespace sfn::runtime::io::detail {

Error zmq_error(const std::string& what, const std::string& endpoint, const zmq::error_t& e) {
  return Error{ErrorCode::io_error, what + " (" + endpoint + ") failed: " + e.what()};
}

Result<std::vector<zmq::message_t>> recv_multipart_nowait(zmq::socket_t& socket,
                                                          const std::string& endpoint) {
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

Status send_multipart(zmq::socket_t& socket, std::vector<zmq::message_t>& parts,
                      const std::string& endpoint) {
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

Result<std::string> request_reply(zmq::context_t& context, const std::string& endpoint,
                                  std::string_view request, std::chrono::milliseconds timeout,
                                  std::string_view what) {
  if (auto s = check_endpoint(endpoint); !s) return s.error();
  try {
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    socket.connect(endpoint);
    std::vector<zmq::message_t> parts;
    parts.emplace_back();
    parts.emplace_back(request.data(), request.size());
    zmq::pollitem_t out{socket.handle(), 0, ZMQ_POLLOUT, 0};
    zmq::poll(&out, 1, timeout);
    if (!(out.revents & ZMQ_POLLOUT))
      return Error{ErrorCode::timeout, "no answer from " + endpoint + " (" + std::string(what) +
                                           "): could not connect within " +
                                           std::to_string(timeout.count()) + " ms"};
    if (auto s = send_multipart(socket, parts, endpoint); !s) return s.error();
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return Error{ErrorCode::timeout, "no answer from " + endpoint + " (" + std::string(what) +
                                             ") within " + std::to_string(timeout.count()) +
                                             " ms; is an `sfn run` with that endpoint running?"};
      zmq::pollitem_t in{socket.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&in, 1, left);
      if (!(in.revents & ZMQ_POLLIN)) continue;
      auto reply = recv_multipart_nowait(socket, endpoint);
      if (!reply) return reply.error();
      if (reply->empty()) continue;
      return std::string(reply->back().to_string_view());
    }
  } catch (const zmq::error_t& e) {
    return zmq_error(std::string(what), endpoint, e);
  }
}

}  // namespace sfn::runtime::io::detail
