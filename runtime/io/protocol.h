// Plain C++ views of the client protocol of RUNTIME.md §4 (the Protobuf messages live in
// runtime/proto/client.proto and never leave runtime/io): what the ingress accepts, what the
// control endpoint reports, what the egress publishes. Shared by the server (io_server.h), the
// clients (client.h, used by `sfn send/tail/status/state`) and the runtime core's callbacks.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "runtime/transport/result.h"
#include "runtime/transport/security.h"
#include "sfn/client.h"

namespace sfn::runtime::io {

// Sizes of ingress records over the network (decision 110). A record's size is its data (the
// JSON text or Protobuf bytes as sent); its idempotency key may add up to 64 KiB (kMaxFrameKey).
// The in-process path (IoServer::ingest, `sfn run --input`) has no such limit.
inline constexpr std::size_t kDefaultMaxRecordBytes = 4u << 20;  // `sfn run --max-record-bytes`
inline constexpr std::size_t kMinMaxRecordBytes = 1u << 10;
inline constexpr std::size_t kMaxMaxRecordBytes = 1u << 30;  // what one log record can hold
inline constexpr std::size_t kRecordFramingBytes = 16;       // Protobuf tags and lengths of one record
// Room in a request for all but its record data: the ingress name, a single record's key (at
// most 64 KiB), the request id and framing.
inline constexpr std::size_t kRequestEnvelopeBytes = 128u << 10;

// The largest request the server's sockets receive (ZMQ_MAXMSGSIZE): one record at the limit or
// one full batch, with its envelope. ZeroMQ drops the connection of a peer that sends more,
// reading only the frame's header, so no such request is ever held in memory.
constexpr std::size_t max_request_bytes(std::size_t max_record_bytes) {
  return (max_record_bytes > kMaxBatchRequestBytes ? max_record_bytes : kMaxBatchRequestBytes) + kRequestEnvelopeBytes;
}

// The refusal of a record over the limit, the same from the server and from a client that knows
// the limit (too_large).
inline std::string record_too_large(std::size_t bytes, std::size_t max_record_bytes) {
  return "the record is " + std::to_string(bytes) + " bytes, more than the " + std::to_string(max_record_bytes) +
         " bytes the ingress endpoint accepts (sfn run --max-record-bytes)";
}

// Why the validator refused an ingress record; sent back to the client.
struct IngressRejection {
  enum class Code : std::uint8_t { unknown_ingress, undecodable };
  Code code;
  std::string message;  // e.g. "field `name`: expected a string" — shown to the user as is
};

// Decides whether `data` is a valid record of ingress `ingress`. Returns the bytes to store in
// the ingress log (the runtime's canonical encoding, e.g. Protobuf after decoding JSON) or a
// rejection. Provided by the runtime core (only it knows the schemas); must be thread-safe
// (called from the I/O thread and from IoServer::ingest callers).
using IngressValidator = std::function<std::variant<std::string, IngressRejection>(
    std::string_view ingress, PayloadFormat format, std::string_view data)>;

// Produces the runtime part of a StatusReport; thread-safe.
using StatusProvider = std::function<StatusReport()>;

// Returns the state of the instance at `address` (`pkg/Type/key`) as a JSON object text, or an
// error (not_found for no such type/instance, invalid_argument for a malformed address).
// Thread-safe.
using StateProvider = std::function<transport::Result<std::string>(std::string_view address)>;

// Handles `sfn reload PATH`: compiles and checks the program at `path` and offers it to the run
// in progress; returns the new version's label, or the refusal (its diagnostics as the message).
// Called on the control thread; must not wait for the switch itself (the control endpoint is
// restarted by it). Thread-safe.
using ReloadHandler = std::function<transport::Result<std::string>(const std::string& path)>;

}  // namespace sfn::runtime::io
