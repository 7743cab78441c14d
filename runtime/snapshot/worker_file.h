// What one worker adds to a snapshot besides its RocksDB checkpoint (RUNTIME.md §3): the
// messages in flight at its barrier — its unprocessed queue when the first barrier arrived and
// the records that arrived on each channel before that channel's barrier — and the egress of
// the epoch, which becomes visible when the epoch commits and is kept here so that a crash
// between commit and publication republishes it on recovery. Stored as CRC frames
// (io/frame_codec.h) in one file written durably.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/transport/result.h"
#include "sfn/runtime.h"

namespace sfn::runtime::snapshot {

struct WorkerSnapshot {
  std::vector<std::string> messages;  // channel records (worker/hub.h encode_record), in order
  std::vector<EgressRecord> egress;   // in emission order
};

std::string encode_worker_snapshot(const WorkerSnapshot& ws);
// The same bytes built as a worker records them (no string per record): append_message frames
// one message record onto `out`; append_egress then adds the egress frames.
void append_message(std::string& out, std::string_view record);
void append_egress(std::string& out, const std::vector<EgressRecord>& egress);
// Errors name `what` (the file) and the first bad frame.
[[nodiscard]] transport::Result<WorkerSnapshot> decode_worker_snapshot(std::string_view bytes, const std::string& what);

[[nodiscard]] transport::Status write_worker_snapshot(const std::filesystem::path& path, const WorkerSnapshot& ws);
// Writes a file built with append_message / append_egress.
[[nodiscard]] transport::Status write_worker_snapshot(const std::filesystem::path& path, std::string_view bytes);
[[nodiscard]] transport::Result<WorkerSnapshot> read_worker_snapshot(const std::filesystem::path& path);

}  // namespace sfn::runtime::snapshot
