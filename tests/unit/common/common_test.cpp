// common/bits.h and common/abi_layout.h: the values the compiler, the LLVM backend and the runtime
// rely on agreeing (the layout rules of runtime/include/sfn/abi.h "Value layout").
#include <gtest/gtest.h>

#include <string>

#include "common/abi_layout.h"
#include "common/bits.h"

namespace sfn {
namespace {

using abi_layout::Slot;

TEST(Bits, Fnv1aMatchesTheReferenceValues) {
  static_assert(bits::fnv1a("") == 0xcbf29ce484222325ull);
  EXPECT_EQ(bits::fnv1a("a"), 0xaf63dc4c8601ec8cull);
  EXPECT_EQ(bits::fnv1a("foobar"), 0x85944171f73967e8ull);
  EXPECT_EQ(bits::fnv1a("bar", bits::fnv1a("foo")), bits::fnv1a("foobar"));  // continues a hash
  EXPECT_EQ(bits::fnv_fold(3, 5), (3 * bits::kFnvPrime) ^ 5);
}

TEST(Bits, AlignUp) {
  static_assert(bits::align_up(0u, 8u) == 0);
  static_assert(bits::align_up(1u, 8u) == 8);
  static_assert(bits::align_up(8u, 8u) == 8);
  static_assert(bits::align_up(17, 16) == 32);
  EXPECT_EQ(bits::align_up(std::uintptr_t{0x1001}, 16), 0x1010u);
}

TEST(Bits, LittleAndBigEndian) {
  std::string out;
  bits::put_le32(out, 0x01020304);
  bits::put_le64(out, 0x1122334455667788ull);
  bits::put_be32(out, 0x01020304);
  EXPECT_EQ(out.substr(0, 4), std::string("\x04\x03\x02\x01", 4));
  EXPECT_EQ(bits::get_le32(out.data()), 0x01020304u);
  EXPECT_EQ(bits::get_le64(out.data() + 4), 0x1122334455667788ull);
  EXPECT_EQ(out.substr(12), std::string("\x01\x02\x03\x04", 4));
}

TEST(AbiLayout, ScalarSlots) {
  static_assert(abi_layout::kWord == Slot{8, 8});
  static_assert(abi_layout::kBool == Slot{1, 1});
  static_assert(abi_layout::kEnum == Slot{4, 4});
  static_assert(abi_layout::kString == Slot{16, 8});
  static_assert(abi_layout::kCollection == Slot{24, 8});
  static_assert(abi_layout::kMessagePointer == Slot{8, 8});
}

TEST(AbiLayout, Optionals) {
  // bool? = {present, value}: 2 bytes; int? = {present, pad to 8, value}: 16 bytes.
  static_assert(abi_layout::optional_value_offset(abi_layout::kBool) == 1);
  static_assert(abi_layout::optional_slot(abi_layout::kBool) == Slot{2, 1});
  static_assert(abi_layout::optional_value_offset(abi_layout::kEnum) == 4);
  static_assert(abi_layout::optional_slot(abi_layout::kEnum) == Slot{8, 4});
  static_assert(abi_layout::optional_value_offset(abi_layout::kWord) == 8);
  static_assert(abi_layout::optional_slot(abi_layout::kWord) == Slot{16, 8});
  static_assert(abi_layout::optional_slot(abi_layout::kString) == Slot{24, 8});
  EXPECT_EQ(abi_layout::optional_slot(Slot{3, 1}), (Slot{4, 1}));  // a message of three bools
}

TEST(AbiLayout, MapEntriesAndStrides) {
  // map<bool, int>: key at 0, value at 8, entries 16 apart; map<string, bool>: value at 16, 24.
  static_assert(abi_layout::map_entry(abi_layout::kBool, abi_layout::kWord) == abi_layout::MapEntry{8, 16});
  static_assert(abi_layout::map_entry(abi_layout::kString, abi_layout::kBool) == abi_layout::MapEntry{16, 24});
  static_assert(abi_layout::map_entry(abi_layout::kEnum, abi_layout::kEnum) == abi_layout::MapEntry{4, 8});
  static_assert(abi_layout::stride(abi_layout::kBool) == 1);
  static_assert(abi_layout::stride(Slot{12, 8}) == 16);
  EXPECT_EQ(abi_layout::stride(abi_layout::optional_slot(abi_layout::kWord)), 16u);
}

}  // namespace
}  // namespace sfn
