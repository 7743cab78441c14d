// The CRC-checked frame format (frame_codec.h).
#include "runtime/io/frame_codec.h"
#include "common/bits.h"

namespace sfn::runtime::io {
namespace {

using bits::get_le;

}  // namespace

void encode_frame(std::string& out, std::uint64_t number, std::string_view key, std::string_view payload) {
  std::size_t at = out.size();
  bits::put_le32(out, static_cast<std::uint32_t>(kFrameBodyFixed + key.size() + payload.size()));
  bits::put_le32(out, 0);  // crc, patched below
  bits::put_le64(out, number);
  out.push_back(static_cast<char>(key.size() & 0xff));
  out.push_back(static_cast<char>(key.size() >> 8));
  out.append(key);
  out.append(payload);
  std::uint32_t crc = crc32c(std::string_view(out).substr(at + kFrameHeader));
  for (int i = 0; i < 4; ++i) out[at + 4 + i] = static_cast<char>(crc >> (8 * i));
}

std::optional<Frame> decode_frame(std::string_view bytes) {
  if (bytes.size() < kFrameHeader) return std::nullopt;
  auto len = static_cast<std::uint32_t>(get_le(bytes.data(), 4));
  auto crc = static_cast<std::uint32_t>(get_le(bytes.data() + 4, 4));
  if (len < kFrameBodyFixed || len > kMaxFrameBody || bytes.size() - kFrameHeader < len) return std::nullopt;
  std::string_view body = bytes.substr(kFrameHeader, len);
  if (crc32c(body) != crc) return std::nullopt;
  std::size_t key_len = get_le(body.data() + 8, 2);
  if (key_len > len - kFrameBodyFixed) return std::nullopt;
  return Frame{get_le(body.data(), 8), body.substr(kFrameBodyFixed, key_len), body.substr(kFrameBodyFixed + key_len),
               kFrameHeader + len};
}

}  // namespace sfn::runtime::io
