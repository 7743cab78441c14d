// The runtime's outside world: the ingress and egress logs of one running program and the three
// ZeroMQ endpoints clients use (RUNTIME.md §4): a ROUTER accepting ingress records (acknowledged
// with their log offset only after fsync), a PUB publishing committed egress records, and a
// ROUTER control endpoint answering status, state and egress-read requests via the core's
// callbacks. One I/O thread serves the ingress ROUTER and the PUB; it drains every pending
// ingress request — single records and batches of records (decision 033) — before appending
// them with one write + one sync per log (group commit), and answers only after that sync. The control
// endpoint has its own thread, so slow status/state providers never delay ingress acks. The core reads ingress logs
// (ingress_log()) to feed workers and hands committed egress to commit_egress().
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/io/protocol.h"
#include "runtime/io/record_log.h"
#include "runtime/transport/security.h"

namespace sfn::runtime::io {

// Default loopback endpoints of `sfn run` and the client commands (docs/cli.md).

struct IoServerOptions {
  // Logs live in <log_dir>/ingress/<name>/ and <log_dir>/egress/<name>/. Names must match
  // [A-Za-z0-9_.-]+ (they become directory names).
  std::filesystem::path log_dir;
  std::vector<std::string> ingress_names;
  std::vector<std::string> egress_names;  // include "dead_letters"
  // Endpoints to bind; an empty string binds nothing (e.g. `--input` runs need no sockets).
  std::string ingress_endpoint;
  std::string egress_endpoint;
  std::string control_endpoint;
  // The endpoints' security (runtime/transport/security.h, decision 122): with keys, tcp://
  // and ipc:// endpoints are CURVE servers accepting only `security.peers`; without keys, tcp
  // endpoints must be loopback addresses (127.x.x.x, localhost, [::1]) unless
  // `security.insecure` (`--insecure`).
  transport::SecurityOptions security;
  // The largest record (its data) a client may send to the ingress endpoint (decision 110,
  // kMinMaxRecordBytes .. kMaxMaxRecordBytes): a larger one is refused with too_large naming both
  // sizes, and a request larger than max_request_bytes() of it is dropped by ZeroMQ unread (the
  // peer is disconnected). ingest() and ingest_batch() (in process) have no such limit.
  std::size_t max_record_bytes = kDefaultMaxRecordBytes;
  IngressValidator validator;  // required
  StatusProvider status;       // optional: without it status replies carry only the logs
  StateProvider state;         // optional: without it state requests get an error reply
  ReloadHandler reload;        // optional: without it reload requests get an error reply
  LogOptions ingress_log_options{.idempotency_keys = true};
  LogOptions egress_log_options{.idempotency_keys = false};
};

class IoServer {
 public:
  // Opens (recovering) every log, binds the endpoints and starts the I/O thread. Fails with a
  // message naming the endpoint or directory on bind/open errors (e.g. address in use, a
  // non-loopback tcp address without keys or security.insecure).
  static Result<std::unique_ptr<IoServer>> start(IoServerOptions options);
  // Stops the I/O thread and closes sockets and logs.
  ~IoServer();
  IoServer(const IoServer&) = delete;
  IoServer& operator=(const IoServer&) = delete;

  // Validates and durably appends one ingress record, exactly as a client request would (used
  // for `sfn run --input`). Thread-safe. Errors: not_found (unknown ingress), rejected
  // (validator refused; the message is the validator's), io_error.
  Result<AppendResult> ingest(std::string_view ingress, PayloadFormat format, std::string_view data,
                              std::string_view idempotency_key = {});

  // One record for ingest_batch().
  struct IngestRequest {
    std::string_view ingress;
    PayloadFormat format = PayloadFormat::json;
    std::string_view data;
    std::string_view idempotency_key;
  };

  // Like ingest() for many records at once, with one write + one fsync per ingress log instead
  // of one per record (use it for `--input` files). Results are in request order; records of
  // one ingress are appended in request order.
  std::vector<Result<AppendResult>> ingest_batch(std::span<const IngestRequest> requests);

  // The log of an ingress/egress, or nullptr for an unknown name. Valid while the server lives.
  RecordLog* ingress_log(std::string_view name) const;
  RecordLog* egress_log(std::string_view name) const;

  // Durably appends committed egress records (JSON texts) to `egress`'s log, then publishes
  // them on the PUB endpoint. Call once the snapshot covering them has committed. `keys` (one
  // per record, or none) are stored with the records (not deduplicated: egress logs do not
  // remember keys); the runtime names each record's epoch and position with it, so recovery
  // can tell from a log's last record what was published. Returns the offset of the first
  // record. Thread-safe.
  Result<std::uint64_t> commit_egress(std::string_view egress, std::span<const std::string> json,
                                      std::span<const std::string> keys = {});

  // The endpoints actually bound (after tcp://*:0 style wildcards are resolved).
  const std::string& ingress_endpoint() const;
  const std::string& egress_endpoint() const;
  const std::string& control_endpoint() const;
  // Clients the endpoints' ZAP handler refused (unknown CurveZMQ keys; 0 without keys).
  std::uint64_t refused_clients() const;

 private:
  struct Impl;
  explicit IoServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::runtime::io
