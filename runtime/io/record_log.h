// The durable append-only record log behind every ingress and egress (RUNTIME.md §4). A log is a
// directory of segment files `<first offset>.seg`; each record is framed as length + CRC-32C
// + offset + idempotency key + payload, so a torn write is detected and cut off on open.
// Offsets are record numbers (0, 1, 2, ...) that never get reused, also across
// truncate_before(). Appends are thread-safe and durable on return: concurrent appenders share
// one fdatasync (group commit), and append_batch() writes many records with one write and one
// sync. With idempotency keys enabled, a record whose key was already appended is acknowledged
// with the original offset and not appended again; the key set survives restarts and
// truncation (keys of truncated records move to a `keys` file written atomically).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/transport/result.h"
#include "sfn/client.h"

namespace sfn::runtime::io {

using transport::Error;
using transport::ErrorCode;
using transport::Result;
using transport::Status;

// How a log behaves; fixed for the life of the open log.
struct LogOptions {
  bool idempotency_keys = false;            // remember keys and deduplicate (ingress logs)
  std::uint64_t segment_bytes = 64u << 20;  // roll to a new segment file beyond this size
};

// One record to append. An empty key means "no key"; a key is stored with the record (read() returns
// it) and deduplicates only in logs with idempotency keys.
struct AppendRequest {
  std::string_view payload;
  std::string_view idempotency_key;
};

// What open() found and repaired.
struct RecoveryInfo {
  std::uint64_t torn_bytes_truncated = 0;  // bytes cut off the tail of the last segment
  std::uint64_t records = 0;               // records present after recovery
};

// Called by read() for each record; the views are valid only during the call. Return false to
// stop reading early.
using RecordVisitor = std::function<bool(std::uint64_t offset, std::string_view payload, std::string_view key)>;

class RecordLog {
 public:
  // Opens (creating if needed) the log in `dir`. Verifies every record; a bad or incomplete
  // record at the tail of the last segment (a torn write) is truncated away; corruption anywhere
  // else is an error (corrupt), never silently skipped.
  static Result<std::unique_ptr<RecordLog>> open(const std::filesystem::path& dir, const LogOptions& options = {});
  ~RecordLog();
  RecordLog(const RecordLog&) = delete;
  RecordLog& operator=(const RecordLog&) = delete;

  // Appends one record and returns once it is on disk (fdatasync). Thread-safe; concurrent
  // calls share syncs. After an I/O failure the log refuses all further appends (io_error):
  // the runtime must reopen it, which recovers the last durable state.
  Result<AppendResult> append(std::string_view payload, std::string_view idempotency_key = {});

  // Appends several records with one write and one sync; results are in request order.
  // Duplicate keys inside the batch are deduplicated against each other too.
  std::vector<Result<AppendResult>> append_batch(std::span<const AppendRequest> requests);

  // Calls `visitor` for durable records from `from` (clamped up to start_offset()) in order,
  // stopping after `max_records` or at end_offset(). Returns the number of records visited.
  // Thread-safe with appends and truncation.
  Result<std::size_t> read(std::uint64_t from, std::size_t max_records, const RecordVisitor& visitor) const;

  // Waits until end_offset() > offset or `timeout` passes; returns whether it is.
  bool wait_beyond(std::uint64_t offset, std::chrono::milliseconds timeout) const;

  // Drops records before `offset` (rounded down to a segment boundary: whole segments are
  // deleted); a later start_offset() tells what remains. Their idempotency keys stay known.
  Status truncate_before(std::uint64_t offset);

  // The offset of the record appended with idempotency key `key`, if any (logs with keys).
  std::optional<std::uint64_t> find_key(std::string_view key) const;

  // The first readable offset and one past the last durable record.
  std::uint64_t start_offset() const;
  std::uint64_t end_offset() const;
  // fdatasync calls made by appends so far; with group commit it grows slower than appends.
  std::uint64_t syncs() const;
  const RecoveryInfo& recovery() const;
  const std::filesystem::path& dir() const;

 private:
  struct Impl;
  explicit RecordLog(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::runtime::io
