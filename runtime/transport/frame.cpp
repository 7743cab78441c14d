// Encoding and validating decoding of channel batches (see frame.h). Decoding treats the bytes
// as untrusted: in cluster mode they arrive over tcp from another process.
#include "runtime/transport/frame.h"

#include <cstring>
#include <string>

namespace sfn::runtime::transport {
namespace {

template <typename T>
void put(std::string& buf, T v) {
  char bytes[sizeof(T)];
  for (std::size_t i = 0; i < sizeof(T); ++i) bytes[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  buf.append(bytes, sizeof(T));
}

template <typename T>
T get(const char* p) {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<T>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

bool valid_kind(std::uint8_t k) { return k <= static_cast<std::uint8_t>(RecordKind::shutdown); }

}  // namespace

void BatchWriter::begin(SenderId sender, std::uint64_t seq) {
  buf_.clear();
  count_ = 0;
  payload_bytes_ = 0;
  put<std::uint32_t>(buf_, kBatchMagic);
  put<std::uint32_t>(buf_, sender);
  put<std::uint64_t>(buf_, seq);
  put<std::uint32_t>(buf_, 0);  // count, patched by finish()
}

void BatchWriter::add(RecordKind kind, std::uint64_t epoch, std::string_view payload) {
  buf_.push_back(static_cast<char>(kind));
  put<std::uint32_t>(buf_, static_cast<std::uint32_t>(payload.size()));
  if (kind != RecordKind::data) put<std::uint64_t>(buf_, epoch);
  buf_.append(payload.data(), payload.size());
  ++count_;
  payload_bytes_ += payload.size();
}

std::string_view BatchWriter::finish() {
  for (std::size_t i = 0; i < 4; ++i) buf_[16 + i] = static_cast<char>((count_ >> (8 * i)) & 0xff);
  return buf_;
}

Result<BatchHeader> peek_batch_header(std::string_view bytes) {
  if (bytes.size() < kBatchHeaderBytes || get<std::uint32_t>(bytes.data()) != kBatchMagic)
    return Error{ErrorCode::corrupt, "channel batch has no valid header (" + std::to_string(bytes.size()) + " bytes)"};
  BatchHeader h;
  h.sender = get<std::uint32_t>(bytes.data() + 4);
  h.seq = get<std::uint64_t>(bytes.data() + 8);
  h.count = get<std::uint32_t>(bytes.data() + 16);
  return h;
}

Result<BatchHeader> decode_batch(std::string_view bytes, const RecordHandler& handler) {
  auto header = peek_batch_header(bytes);
  if (!header) return header;
  const BatchHeader h = header.value();
  // Pass 1: validate every record boundary.
  std::size_t pos = kBatchHeaderBytes;
  for (std::uint32_t i = 0; i < h.count; ++i) {
    if (bytes.size() - pos < 5) return Error{ErrorCode::corrupt, "channel batch truncated in record header"};
    auto kind = static_cast<std::uint8_t>(bytes[pos]);
    if (!valid_kind(kind))
      return Error{ErrorCode::corrupt, "channel batch has unknown record kind " + std::to_string(kind)};
    std::uint64_t len = get<std::uint32_t>(bytes.data() + pos + 1);
    pos += 5;
    if (kind != static_cast<std::uint8_t>(RecordKind::data)) {
      if (bytes.size() - pos < 8) return Error{ErrorCode::corrupt, "channel batch truncated in marker"};
      pos += 8;
    }
    if (bytes.size() - pos < len) return Error{ErrorCode::corrupt, "channel batch truncated in record payload"};
    pos += len;
  }
  if (pos != bytes.size()) return Error{ErrorCode::corrupt, "channel batch has trailing bytes after its records"};
  // Pass 2: deliver.
  pos = kBatchHeaderBytes;
  RecordView view{RecordKind::data, h.sender, 0, {}};
  for (std::uint32_t i = 0; i < h.count; ++i) {
    view.kind = static_cast<RecordKind>(bytes[pos]);
    std::size_t len = get<std::uint32_t>(bytes.data() + pos + 1);
    pos += 5;
    view.epoch = 0;
    if (view.kind != RecordKind::data) {
      view.epoch = get<std::uint64_t>(bytes.data() + pos);
      pos += 8;
    }
    view.payload = bytes.substr(pos, len);
    pos += len;
    handler(view);
  }
  return h;
}

}  // namespace sfn::runtime::transport
