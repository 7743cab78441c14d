// The memory layout of SFN values (runtime/include/sfn/abi.h describes it for readers): the size
// and alignment of each kind of slot, and where an optional's value and a map entry's value sit.
// One home (issue 21) for the compiler's IR lowering (compiler/ir), the LLVM backend
// (codegen/llvm) and the runtime (runtime/core/value.cpp), which must agree byte for byte.
// Header-only, constexpr.
#pragma once

#include <algorithm>
#include <cstdint>

#include "common/bits.h"

namespace sfn::abi_layout {

// The size and alignment of a value's slot.
struct Slot {
  std::uint32_t size = 0, align = 1;
  friend constexpr bool operator==(const Slot&, const Slot&) = default;
};

// The slots of the kinds whose layout does not depend on another type.
inline constexpr Slot kWord{8, 8};            // int, float, time, duration
inline constexpr Slot kBool{1, 1};            // bool (uint8_t)
inline constexpr Slot kEnum{4, 4};            // enum (int32_t)
inline constexpr Slot kString{16, 8};         // string, bytes, ref, timer: sfn_str {data, len}
inline constexpr Slot kCollection{24, 8};     // list, map: {data, len, cap}
inline constexpr Slot kMessagePointer{8, 8};  // T? of a message: a pointer, null for none

// The distance between consecutive elements of a list of `elem`.
constexpr std::uint32_t stride(Slot elem) { return bits::align_up(elem.size, elem.align); }

// T? of a non-message T: { uint8_t present; T value at optional_value_offset }.
constexpr std::uint32_t optional_value_offset(Slot inner) { return bits::align_up(1u, inner.align); }
constexpr Slot optional_slot(Slot inner) {
  return {bits::align_up(optional_value_offset(inner) + inner.size, inner.align), inner.align};
}

// A map entry: the key at 0, the value at `value_offset`; entries are `size` bytes apart.
struct MapEntry {
  std::uint32_t value_offset = 0, size = 0;
  friend constexpr bool operator==(const MapEntry&, const MapEntry&) = default;
};
constexpr MapEntry map_entry(Slot key, Slot value) {
  const std::uint32_t value_offset = bits::align_up(key.size, value.align);
  return {value_offset, bits::align_up(value_offset + value.size, std::max(key.align, value.align))};
}

}  // namespace sfn::abi_layout
