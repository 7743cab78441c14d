// Client side of the runtime's endpoints, used by `sfn send`, `sfn tail`, `sfn status` and
// `sfn state` (compiler/driver/client_commands.cpp) and by tests. Every call has a deadline: when
// nothing answers at the endpoint, it returns a timeout error naming the endpoint instead of
// hanging; a server that refuses this client's CurveZMQ key (or wants keys the client lacks)
// gives an io_error saying so at once. ZeroMQ and Protobuf stay inside runtime/io.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/io/protocol.h"
#include "runtime/io/record_log.h"

namespace sfn::runtime::io {

using namespace std::chrono_literals;

// Sends one record to `ingress` at the ROUTER `endpoint` and waits for the acknowledgement
// (the record's log offset; `duplicate` when the idempotency key was seen before). A record
// larger than a batch request (kMaxBatchRequestBytes) is checked against the server's limit first
// (one more round trip). Errors: timeout, not_found (unknown ingress), rejected (undecodable
// record; the server's message), too_large (over the server's --max-record-bytes).
Result<AppendResult> send_ingress(const ServerEndpoint& endpoint, std::string_view ingress,
                                  PayloadFormat format, std::string_view data,
                                  std::string_view idempotency_key,
                                  std::chrono::milliseconds timeout = 5s);

// Asks the control endpoint for the runtime's status.
Result<StatusReport> query_status(const ServerEndpoint& endpoint,
                                  std::chrono::milliseconds timeout = 5s);

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
Result<EgressPage> read_egress(const ServerEndpoint& control_endpoint, std::string_view egress,
                               std::uint64_t from, std::uint32_t max_records,
                               std::chrono::milliseconds timeout = 5s);

// Follows an egress: first the committed history from `from` (read over the control endpoint),
// then new records as they are published on the PUB endpoint. Gaps (a slow subscriber whose
// PUB messages were dropped by ZeroMQ) are refilled from the log, so every record is returned
// exactly once, in offset order. One thread at a time.
class EgressFollower {
 public:
  static Result<std::unique_ptr<EgressFollower>> open(const ServerEndpoint& egress_endpoint,
                                                      const ServerEndpoint& control_endpoint,
                                                      std::string egress, std::uint64_t from,
                                                      std::chrono::milliseconds timeout = 5s);
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

}  // namespace sfn::runtime::io
