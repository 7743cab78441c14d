// The one CRC-checked frame format of the runtime's files (ingress/egress log segments, snapshot
// record files), little endian: u32 body length, u32 CRC-32C of the body, then the body: u64
// number (a log offset, or a record kind), u16 key length, key bytes, payload bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sfn::runtime::io {

inline constexpr std::size_t kFrameHeader = 8;         // length + crc
inline constexpr std::size_t kFrameBodyFixed = 8 + 2;  // number + key length
inline constexpr std::uint32_t kMaxFrameBody = 1u << 30;
inline constexpr std::size_t kMaxFrameKey = 0xffff;

// Appends the frame of one record to `out` (`key` at most kMaxFrameKey bytes).
void encode_frame(std::string& out, std::uint64_t number, std::string_view key, std::string_view payload);

// A decoded frame; views point into the buffer it was decoded from.
struct Frame {
  std::uint64_t number;
  std::string_view key;
  std::string_view payload;
  std::size_t size;  // bytes including the frame header
};

// Decodes the frame at the start of `bytes`; nullopt when it is incomplete or invalid.
std::optional<Frame> decode_frame(std::string_view bytes);

// CRC-32C (Castagnoli) of `data`, continuing from `crc` (0 to start).
std::uint32_t crc32c(std::string_view data, std::uint32_t crc = 0);

}  // namespace sfn::runtime::io
