// The public client API of the runtime's endpoints (RUNTIME.md §4, decision 032): what `sfn send`,
// `sfn tail`, `sfn status`, `sfn state` and `sfn reload` (compiler/driver) and tests use to talk
// to a running program. Everything else under runtime/io is private to the runtime.
//
// Every call has a deadline: when nothing answers at the endpoint, it returns a timeout error
// naming the endpoint instead of hanging; a server that refuses this client's CurveZMQ key (or wants keys the client
// lacks) gives an io_error saying so at once. ZeroMQ and Protobuf stay inside runtime/io.
//
// Bulk import, the engine of `sfn send INGRESS --file F.jsonl` (docs/cli.md): reads JSON lines
// from a file descriptor, one line at a time (memory stays bounded whatever the file's size), and streams
// them to an ingress with a BulkSender. A line that is not JSON is refused locally; the server
// refuses a line that does not decode as the ingress message type or is larger than it accepts
// (the BulkSender refuses such a line itself when it knows the limit); none stops the import.
// With a key prefix P, line i (1-based) carries the idempotency key `P:i`, so running the same
// import again after an interruption appends only what is missing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sfn/security.h"

namespace sfn::runtime::io {

using namespace std::chrono_literals;

// The endpoints `sfn run` binds by default.
inline constexpr const char* kDefaultIngressEndpoint = "tcp://127.0.0.1:7100";
inline constexpr const char* kDefaultEgressEndpoint = "tcp://127.0.0.1:7101";
inline constexpr const char* kDefaultControlEndpoint = "tcp://127.0.0.1:7102";

// A server endpoint as a client connects to it: the address and, for a server with CurveZMQ
// keys (`sfn run --curve-key`), this client's key pair and the server's public key
// (sfn/security.h). Made implicitly from the address alone for a plain server.
struct ServerEndpoint {
  ServerEndpoint() = default;
  ServerEndpoint(std::string address_) : address(std::move(address_)) {}  // NOLINT: implicit by design
  ServerEndpoint(const char* address_) : address(address_) {}             // NOLINT: implicit by design
  ServerEndpoint(std::string address_, std::optional<transport::CurveClientKeys> curve_)
      : address(std::move(address_)), curve(std::move(curve_)) {}
  std::string address;
  std::optional<transport::CurveClientKeys> curve;
};

// How an ingress request's data is encoded.
enum class PayloadFormat : std::uint8_t {
  protobuf = 0,  // Protobuf wire format of the ingress message type
  json = 1,      // JSON text (LANGUAGE.md §10)
};

// A batch request carries at most this many bytes of records, counting each record's data, key
// and kRecordFramingBytes; a larger record travels alone in its own request.
inline constexpr std::size_t kMaxBatchRequestBytes = 1u << 20;

// One worker's instance cache (decision 131): the estimated bytes of its cached instances and
// their number now, its bound (0: none), and since the run started the lookups of a message's
// instance found in memory (hits), read from the database or new (misses), and the instances
// evicted. A cluster's worker processes report it with their heartbeats.
struct CacheStatus {
  std::uint64_t bytes = 0;
  std::uint64_t instances = 0;
  std::uint64_t limit_bytes = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
  std::uint64_t evictions = 0;
};

// One worker's line in `sfn status`.
struct WorkerStatus {
  std::uint32_t id = 0;
  std::uint32_t key_groups = 0;   // number of key groups it owns
  std::uint64_t queue_depth = 0;  // records waiting (inbox + outgoing backlog)
  std::uint64_t invocations = 0;  // handler invocations so far
  // Cluster mode (a worker process): its channel endpoint, how long ago the coordinator last
  // heard from it (-1: a worker thread of this process), and the bytes of its part of the last
  // snapshot it shipped to the coordinator and of all it shipped (SSTs stored before are named,
  // not sent).
  std::string endpoint;
  std::int64_t heartbeat_age_ms = -1;
  std::uint64_t last_snapshot_shipped_bytes = 0;
  std::uint64_t snapshot_shipped_bytes = 0;
  CacheStatus cache;
};

// One log's line in `sfn status` (filled in by IoServer itself).
struct LogStatus {
  std::string name;
  std::uint64_t start_offset = 0;
  std::uint64_t end_offset = 0;
};

// The answer to `sfn status`. The core fills the runtime part; IoServer adds the logs.
struct StatusReport {
  std::uint64_t current_epoch = 0;         // the epoch being taken (0: none yet)
  std::uint64_t last_committed_epoch = 0;  // 0: no snapshot committed yet
  std::optional<std::chrono::system_clock::time_point> last_snapshot_time;
  std::int64_t last_snapshot_duration_ms = 0;  // barrier start to commit
  std::uint64_t last_snapshot_bytes = 0;       // size of its files
  std::string recovery;                        // what recovery did at start; empty: started empty
  std::string version;                         // the running program version's label
  std::uint64_t reloads = 0;                   // hot reloads since the start
  // The last reload's switch: from the request to the new version's workers running (0: none).
  double last_reload_pause_ms = 0;
  bool curve = false;                 // the endpoints use CurveZMQ keys (filled by the IoServer)
  std::uint64_t refused_clients = 0;  // clients its ZAP handler refused (filled by the IoServer)
  std::uint32_t key_groups = 0;       // G
  std::vector<WorkerStatus> workers;
  std::vector<LogStatus> ingresses;
  std::vector<LogStatus> egresses;
};

// One committed egress record as clients see it.
struct EgressRecord {
  std::uint64_t offset = 0;
  std::string json;  // the record's value as JSON text
};

// The acknowledgement of an append: the record's offset, and whether the key was a duplicate
// (then `offset` is the offset of the record first appended with that key).
struct AppendResult {
  std::uint64_t offset = 0;
  bool duplicate = false;
};

// Sends one record to `ingress` at the ROUTER `endpoint` and waits for the acknowledgement
// (the record's log offset; `duplicate` when the idempotency key was seen before). A record
// larger than a batch request (kMaxBatchRequestBytes) is checked against the server's limit first
// (one more round trip). Errors: timeout, not_found (unknown ingress), rejected (undecodable
// record; the server's message), too_large (over the server's --max-record-bytes).
Result<AppendResult> send_ingress(const ServerEndpoint& endpoint, std::string_view ingress, PayloadFormat format,
                                  std::string_view data, std::string_view idempotency_key,
                                  std::chrono::milliseconds timeout = 5s);

// Asks the control endpoint for the runtime's status.
Result<StatusReport> query_status(const ServerEndpoint& endpoint, std::chrono::milliseconds timeout = 5s);

// Asks the control endpoint for the state of the instance at `address` as JSON text.
Result<std::string> query_state(const ServerEndpoint& endpoint, std::string_view address,
                                std::chrono::milliseconds timeout = 5s);

// Asks the running program to reload the program at `path` (absolute; read by the server):
// the new version's label once it is checked and offered, or the refusal with its diagnostics
// (rejected).
Result<std::string> request_reload(const ServerEndpoint& endpoint, const std::string& path,
                                   std::chrono::milliseconds timeout = 30s);

// Reads up to `max_records` committed records of `egress` from offset `from` via the control
// endpoint. Also returns the log's end offset in `end_offset`.
struct EgressPage {
  std::vector<EgressRecord> records;
  std::uint64_t start_offset = 0;  // first offset still in the log
  std::uint64_t end_offset = 0;
};
Result<EgressPage> read_egress(const ServerEndpoint& control_endpoint, std::string_view egress, std::uint64_t from,
                               std::uint32_t max_records, std::chrono::milliseconds timeout = 5s);

// Follows an egress: first the committed history from `from` (read over the control endpoint),
// then new records as they are published on the PUB endpoint. Gaps (a slow subscriber whose
// PUB messages were dropped by ZeroMQ) are refilled from the log, so every record is returned
// exactly once, in offset order. One thread at a time.
class EgressFollower {
 public:
  static Result<std::unique_ptr<EgressFollower>> open(const ServerEndpoint& egress_endpoint,
                                                      const ServerEndpoint& control_endpoint, std::string egress,
                                                      std::uint64_t from, std::chrono::milliseconds timeout = 5s);
  ~EgressFollower();
  // Returns the next records (possibly none after `wait` passes without news). Errors when the
  // control endpoint stops answering or the egress is unknown.
  Result<std::vector<EgressRecord>> next(std::chrono::milliseconds wait);
  std::uint64_t next_offset() const;

 private:
  struct Impl;
  explicit EgressFollower(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Bulk import: how `sfn send --file` streams records (decision 033).
struct BulkOptions {
  PayloadFormat format = PayloadFormat::json;
  std::size_t records_per_request = 1024;  // a request is sent once it holds this many
  // ... or before it would hold more than this many bytes of records (data, key and
  // kRecordFramingBytes each; at most kMaxBatchRequestBytes, which every server receives)
  std::size_t max_request_bytes = kMaxBatchRequestBytes;
  std::size_t max_requests_in_flight = 8;  // the window
  std::chrono::milliseconds timeout = 5s;  // the longest wait for a reply
};

struct ImportOptions {
  ServerEndpoint endpoint;
  std::string ingress;
  std::string key_prefix;  // empty: records carry no idempotency key
  BulkOptions bulk;
};

// What an import did so far. Every non-blank line is one record, and ends up appended,
// duplicate, refused, or (when the import stopped early) unacknowledged.
struct ImportCounts {
  std::uint64_t lines = 0;    // lines read, blank ones included
  std::uint64_t records = 0;  // non-blank lines
  std::uint64_t appended = 0;
  std::uint64_t duplicates = 0;     // acknowledged with the offset of an earlier record
  std::uint64_t refused = 0;        // not JSON, does not decode, too large, or the server failed
  std::uint64_t server_errors = 0;  // of the refused: the server's fault, not the line's
};

struct ImportReport {
  ImportCounts counts;
  std::optional<Error> stopped;  // why the import ended before the end of its input
  std::chrono::duration<double> elapsed{};
};

struct ImportHooks {
  // A refused line: its 1-based number and the reason (the server's message for records that
  // do not decode). Called in the order the refusals become known.
  std::function<void(std::uint64_t line, const std::string& reason)> refused;
  // Called after each group of results; for progress lines.
  std::function<void(const ImportCounts& counts)> progress;
};

// Reads `fd` to its end (or until the import stops) and sends every non-blank line.
ImportReport import_json_lines(int fd, const ImportOptions& options, const ImportHooks& hooks);

}  // namespace sfn::runtime::io
