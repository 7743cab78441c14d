// The engine of `sfn send INGRESS --file F.jsonl` (docs/cli.md): reads JSON lines from a file
// descriptor, one line at a time (memory stays bounded whatever the file's size), and streams
// them to an ingress with a BulkSender. A line that is not JSON is refused locally; the server
// refuses a line that does not decode as the ingress message type or is larger than it accepts
// (the BulkSender refuses such a line itself when it knows the limit); none stops the import.
// With a key prefix P, line i (1-based) carries the idempotency key `P:i`, so running the same
// import again after an interruption appends only what is missing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "runtime/io/bulk_sender.h"

namespace sfn::runtime::io {

struct ImportOptions {
  ServerEndpoint endpoint;
  std::string ingress;
  std::string key_prefix;  // empty: records carry no idempotency key
  BulkOptions bulk;
};

// What an import did so far. Every non-blank line is one record, and ends up appended,
// duplicate, refused, or (when the import stopped early) unacknowledged.
struct ImportCounts {
  std::uint64_t lines = 0;          // lines read, blank ones included
  std::uint64_t records = 0;        // non-blank lines
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
