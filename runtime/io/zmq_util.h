// ZeroMQ helpers private to runtime/io: multipart receive/send with every error turned into a
// transport::Error, and the client's one-shot request/reply with a deadline.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "runtime/transport/result.h"

namespace sfn::runtime::io::detail {

using transport::Error;
using transport::ErrorCode;
using transport::Result;
using transport::Status;

// Turns a ZeroMQ exception into an io_error naming what was done and where.
Error zmq_error(const std::string& what, const std::string& endpoint, const zmq::error_t& e);

// Receives one whole multipart message without waiting; an empty vector means none was ready.
Result<std::vector<zmq::message_t>> recv_multipart_nowait(zmq::socket_t& socket,
                                                          const std::string& endpoint);

// Sends the parts as one multipart message (blocking only as ZeroMQ's own queue requires).
Status send_multipart(zmq::socket_t& socket, std::vector<zmq::message_t>& parts,
                      const std::string& endpoint);

// Connects a DEALER to `endpoint`, sends [empty, request] and waits up to `timeout` for the
// reply's last frame. A timeout error says that nothing answered at `endpoint`.
Result<std::string> request_reply(zmq::context_t& context, const std::string& endpoint,
                                  std::string_view request, std::chrono::milliseconds timeout,
                                  std::string_view what);

// A process-wide unique request id (1, 2, ...), echoed by the server in its reply.
std::uint64_t next_request_id();

// The error for an answer that does not parse as the expected reply.
Error bad_reply(const std::string& endpoint);

// Checks that `endpoint` looks like tcp://, ipc:// or inproc:// (a clear error otherwise).
Status check_endpoint(const std::string& endpoint);

}  // namespace sfn::runtime::io::detail
