// Bit-level helpers every layer shares (issue 21: one home each): the FNV-1a hash, rounding up to
// an alignment, and fixed-width little- and big-endian integers in byte strings. Header-only.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace sfn::bits {

// FNV-1a, 64 bits: a fast, stable (never changes between versions or machines) hash of bytes,
// e.g. for version hashes and cache keys. Not for anything an adversary chooses to collide.
inline constexpr std::uint64_t kFnvOffset = 0xcbf29ce484222325ull;
inline constexpr std::uint64_t kFnvPrime = 0x100000001b3ull;

constexpr std::uint64_t fnv1a_byte(std::uint64_t h, unsigned char c) { return (h ^ c) * kFnvPrime; }

// The hash of `bytes`, continuing from `h` (to hash several pieces as one).
constexpr std::uint64_t fnv1a(std::string_view bytes, std::uint64_t h = kFnvOffset) {
  for (char c : bytes) h = fnv1a_byte(h, static_cast<unsigned char>(c));
  return h;
}

// Folds the 64-bit value `v` into the running hash `h` (FNV's multiply, then xor: a hash of a
// sequence of hashes, e.g. of a file's lines).
constexpr std::uint64_t fnv_fold(std::uint64_t h, std::uint64_t v) { return h * kFnvPrime ^ v; }

// `n` rounded up to a multiple of `a` (a > 0; both non-negative).
template <std::integral T, std::integral U>
constexpr std::common_type_t<T, U> align_up(T n, U a) {
  using R = std::common_type_t<T, U>;
  return (static_cast<R>(n) + static_cast<R>(a) - 1) / static_cast<R>(a) * static_cast<R>(a);
}

// Appends the `n` low bytes of `v`, least significant first.
inline void put_le(std::string& out, std::uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline void put_le32(std::string& out, std::uint32_t v) { put_le(out, v, 4); }
inline void put_le64(std::string& out, std::uint64_t v) { put_le(out, v, 8); }

// Reads an `n`-byte little-endian integer at `p`.
inline std::uint64_t get_le(const char* p, int n) {
  std::uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= std::uint64_t(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}
inline std::uint32_t get_le32(const char* p) { return static_cast<std::uint32_t>(get_le(p, 4)); }
inline std::uint64_t get_le64(const char* p) { return get_le(p, 8); }

// Appends `v` most significant byte first (keys that sort by number, e.g. RocksDB key prefixes).
inline void put_be32(std::string& out, std::uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace sfn::bits
