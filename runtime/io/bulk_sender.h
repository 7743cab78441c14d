// The bulk ingress client (decision 033): streams many records to one ingress over one
// connection. Records are gathered into batch requests (several records per request), up to a
// window of requests is outstanding at once (many requests in flight; the window bounds the
// client's memory and the server's queue), and every record's result — its offset, the
// duplicate flag, or why it was refused — is handed to the caller as its request's reply
// arrives. The server acknowledges a batch only after its records are durable (fsync). A record
// larger than a batch request travels alone, once the server has told its record size limit; one
// over that limit is refused here with the server's words (too_large), since the server would drop
// its request unanswered (decision 110).
// Used by `sfn send --file` (import_json_lines, sfn/client.h) and the ingest benchmark. One thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/io/protocol.h"
#include "runtime/io/record_log.h"

namespace sfn::runtime::io {

using namespace std::chrono_literals;

// Called with each record's result, in the order the records were added. `tag` is the caller's
// name for the record (e.g. its line number). Errors: rejected (the record does not decode;
// the server's message), too_large (larger than the server accepts), not_found, invalid_argument,
// io_error (the server failed to append).
using BulkResultHandler = std::function<void(std::uint64_t tag, const Result<AppendResult>& result)>;

class BulkSender {
 public:
  // Connects a DEALER to the ingress ROUTER at `server`; fails only on a malformed endpoint or
  // key (a server that is not there shows as a timeout later, one refusing this client's key as
  // an io_error saying so).
  static Result<std::unique_ptr<BulkSender>> connect(const ServerEndpoint& server, std::string ingress,
                                                     BulkOptions options, BulkResultHandler on_result);
  ~BulkSender();
  BulkSender(const BulkSender&) = delete;
  BulkSender& operator=(const BulkSender&) = delete;

  // Adds one record; sends the current request once it is full. While the window is full it
  // waits for replies (handing their results over). An error ends the stream: timeout (no
  // reply within options.timeout), or the server refusing a whole request (not_found: unknown
  // ingress; invalid_argument: a malformed request, or a server that predates batches).
  [[nodiscard]] Status add(std::string_view data, std::string_view idempotency_key, std::uint64_t tag);
  // Sends the records gathered so far without waiting for the request to fill (e.g. before
  // the input would block), and hands over the results that have arrived.
  [[nodiscard]] Status flush();
  // Flushes and waits until every record's result has been handed over.
  [[nodiscard]] Status finish();
  // Records added whose result has not been handed over yet.
  std::uint64_t unacknowledged() const;

 private:
  struct Impl;
  explicit BulkSender(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::runtime::io
