// The byte layout of one channel batch (one ZeroMQ message): a fixed header naming the sender
// and the batch's sequence number on that channel, then the records, each a kind byte, a
// payload length and, for markers, the epoch. Little-endian throughout. Internal to
// runtime/transport; decisions/030 explains why this is not Protobuf.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/transport/channel.h"

namespace sfn::runtime::transport {

inline constexpr std::uint32_t kBatchMagic = 0x42'4E'46'53;  // "SFNB"
inline constexpr std::size_t kBatchHeaderBytes = 4 + 4 + 8 + 4;

// Accumulates one batch in a reusable buffer (no allocation once the buffer has grown).
class BatchWriter {
 public:
  // Starts a new batch from `sender` with sequence number `seq`, discarding any previous one.
  void begin(SenderId sender, std::uint64_t seq);
  // Appends one record.
  void add(RecordKind kind, std::uint64_t epoch, std::string_view payload);
  // Writes the record count into the header and returns the finished bytes.
  std::string_view finish();
  std::size_t records() const { return count_; }
  std::size_t payload_bytes() const { return payload_bytes_; }
  bool empty() const { return count_ == 0; }

 private:
  std::string buf_;
  std::uint32_t count_ = 0;
  std::size_t payload_bytes_ = 0;
};

// The header of a decoded batch.
struct BatchHeader {
  SenderId sender = 0;
  std::uint64_t seq = 0;
  std::uint32_t count = 0;
};

// Reads just the header of `bytes` (corrupt if it has none).
Result<BatchHeader> peek_batch_header(std::string_view bytes);

// Validates the whole batch in `bytes` first (never reading out of bounds), then calls
// `handler` for every record. A malformed batch delivers nothing and returns corrupt.
Result<BatchHeader> decode_batch(std::string_view bytes, const RecordHandler& handler);

}  // namespace sfn::runtime::transport
