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

namespace sfn::runtime::io {

// A server endpoint as a client connects to it: the address and, for a server with CurveZMQ
// keys (`sfn run --curve-key`), this client's key pair and the server's public key
// (runtime/transport/security.h). Made implicitly from the address alone for a plain server.
struct ServerEndpoint {
  ServerEndpoint() = default;
  ServerEndpoint(std::string address_) : address(std::move(address_)) {}  // NOLINT: implicit by design
  ServerEndpoint(const char* address_) : address(address_) {}            // NOLINT: implicit by design
  ServerEndpoint(std::string address_, std::optional<transport::CurveClientKeys> curve_)
      : address(std::move(address_)), curve(std::move(curve_)) {}
  std::string address;
  std::optional<transport::CurveClientKeys> curve;
};

// Sizes of ingress records over the network (decision 110). A record's size is its data (the
// JSON text or Protobuf bytes as sent); its idempotency key may add up to 64 KiB (kMaxFrameKey).
// The in-process path (IoServer::ingest, `sfn run --input`) has no such limit.
inline constexpr std::size_t kDefaultMaxRecordBytes = 4u << 20;  // `sfn run --max-record-bytes`
inline constexpr std::size_t kMinMaxRecordBytes = 1u << 10;
inline constexpr std::size_t kMaxMaxRecordBytes = 1u << 30;      // what one log record can hold
// A batch request carries at most this many bytes of records, counting each record's data, key
// and kRecordFramingBytes; a larger record travels alone in its own request.
inline constexpr std::size_t kMaxBatchRequestBytes = 1u << 20;
inline constexpr std::size_t kRecordFramingBytes = 16;  // Protobuf tags and lengths of one record
// Room in a request for all but its record data: the ingress name, a single record's key (at
// most 64 KiB), the request id and framing.
inline constexpr std::size_t kRequestEnvelopeBytes = 128u << 10;

// The largest request the server's sockets receive (ZMQ_MAXMSGSIZE): one record at the limit or
// one full batch, with its envelope. ZeroMQ drops the connection of a peer that sends more,
// reading only the frame's header, so no such request is ever held in memory.
constexpr std::size_t max_request_bytes(std::size_t max_record_bytes) {
  return (max_record_bytes > kMaxBatchRequestBytes ? max_record_bytes : kMaxBatchRequestBytes) +
         kRequestEnvelopeBytes;
}

// The refusal of a record over the limit, the same from the server and from a client that knows
// the limit (too_large).
inline std::string record_too_large(std::size_t bytes, std::size_t max_record_bytes) {
  return "the record is " + std::to_string(bytes) + " bytes, more than the " + std::to_string(max_record_bytes) +
         " bytes the ingress endpoint accepts (sfn run --max-record-bytes)";
}

// How an ingress request's data is encoded.
enum class PayloadFormat : std::uint8_t {
  protobuf = 0,  // Protobuf wire format of the ingress message type
  json = 1,      // JSON text (LANGUAGE.md §10)
};

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

// One worker's line in `sfn status`.
struct WorkerStatus {
  std::uint32_t id = 0;
  std::uint32_t key_groups = 0;       // number of key groups it owns
  std::uint64_t queue_depth = 0;      // records waiting (inbox + outgoing backlog)
  std::uint64_t invocations = 0;      // handler invocations so far
  // Cluster mode (a worker process): its channel endpoint, how long ago the coordinator last
  // heard from it (-1: a worker thread of this process), and the bytes of its part of the last
  // snapshot it shipped to the coordinator and of all it shipped (SSTs stored before are named,
  // not sent).
  std::string endpoint;
  std::int64_t heartbeat_age_ms = -1;
  std::uint64_t last_snapshot_shipped_bytes = 0;
  std::uint64_t snapshot_shipped_bytes = 0;
};

// One log's line in `sfn status` (filled in by IoServer itself).
struct LogStatus {
  std::string name;
  std::uint64_t start_offset = 0;
  std::uint64_t end_offset = 0;
};

// The answer to `sfn status`. The core fills the runtime part; IoServer adds the logs.
struct StatusReport {
  std::uint64_t current_epoch = 0;          // the epoch being taken (0: none yet)
  std::uint64_t last_committed_epoch = 0;   // 0: no snapshot committed yet
  std::optional<std::chrono::system_clock::time_point> last_snapshot_time;
  std::int64_t last_snapshot_duration_ms = 0;  // barrier start to commit
  std::uint64_t last_snapshot_bytes = 0;       // size of its files
  std::string recovery;                        // what recovery did at start; empty: started empty
  std::string version;                         // the running program version's label
  std::uint64_t reloads = 0;                   // hot reloads since the start
  // The last reload's switch: from the request to the new version's workers running (0: none).
  double last_reload_pause_ms = 0;
  bool curve = false;                   // the endpoints use CurveZMQ keys (filled by the IoServer)
  std::uint64_t refused_clients = 0;    // clients its ZAP handler refused (filled by the IoServer)
  std::uint32_t key_groups = 0;             // G
  std::vector<WorkerStatus> workers;
  std::vector<LogStatus> ingresses;
  std::vector<LogStatus> egresses;
};

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

// One committed egress record as clients see it.
struct EgressRecord {
  std::uint64_t offset = 0;
  std::string json;  // the record's value as JSON text
};

}  // namespace sfn::runtime::io
