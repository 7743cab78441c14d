// Values in the layout of the module ABI (sfn/abi.h): slot sizes, default initialisation,
// destruction, deep copy, structural equality and ordering, and the list/map/string operations
// that generated code calls through the service table. Everything here is driven by `sfn_type`
// descriptors, so the runtime handles any program's values without knowing the program.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/abi_layout.h"
#include "sfn/abi.h"

namespace sfn::runtime::core {

// Size and alignment of a slot of some type (common/abi_layout.h computes them).
using SlotLayout = abi_layout::Slot;

// The slot layout of `type` per the rules in abi.h.
SlotLayout slot_layout(const sfn_type* type);
// Stride of one element of a list<elem>.
uint32_t list_stride(const sfn_type* elem);
// Layout of one map<K,V> entry: key at 0, value at `value_offset`, entries `size` apart.
using MapEntryLayout = abi_layout::MapEntry;
MapEntryLayout map_entry_layout(const sfn_type* key, const sfn_type* value);
// For T? where T is not a message: offset of the value after the presence byte.
uint32_t optional_value_offset(const sfn_type* inner);
// True when the type's slot owns no heap memory (copy = memcpy, destroy = nothing).
bool is_trivial(const sfn_type* type);
// True for string-like kinds represented as sfn_str (string, bytes, ref, timer).
inline bool is_text_kind(uint32_t kind) {
  return kind == SFN_STRING || kind == SFN_BYTES || kind == SFN_REF || kind == SFN_TIMER;
}

// Writes the default value into raw memory of `type`'s slot.
void value_init(const sfn_type* type, void* slot);
// Initialises a message's raw memory (zero, nested messages, then desc->init).
void message_init(const sfn_message_desc* desc, void* msg);
// Frees everything the slot owns and zeroes it.
void value_destroy(const sfn_type* type, void* slot);
void message_destroy(const sfn_message_desc* desc, void* msg);
// Deep-copies `src` into `dst`, which holds a valid value (it is destroyed first).
void value_copy(const sfn_type* type, void* dst, const void* src);
// Deep-copies `src` into zeroed/raw memory `dst`.
void value_clone_into(const sfn_type* type, void* dst, const void* src);
// Structural equality; floats (also inside lists, maps, optionals, messages) compare as IEEE `==`.
bool value_equal(const sfn_type* type, const void* a, const void* b);
// Total order used by map keys and comparisons: -1, 0, 1. Defined for every kind (lists and
// messages compare lexicographically), so maps of any key kind stay sorted.
int value_compare(const sfn_type* type, const void* a, const void* b);

// Allocates a zeroed, default-initialised message on the heap (malloc) / frees one.
void* message_new(const sfn_message_desc* desc);
void message_delete(const sfn_message_desc* desc, void* msg);

// ---- the memory budget of an invocation (decision 110)
// While generated code runs, the value operations on its thread charge what they allocate to
// the invocation's meter and credit what they free, as malloc's chunk sizes (so the meter
// follows resident memory for small strings too). An allocation the budget cannot hold is
// refused: nothing is allocated, the result is its type's empty value (a refused push drops
// its element; map_slot and list_emplace_back hand out a scratch slot), the meter is exceeded
// and the invocation's fuel is zeroed, so the invocation fails at its next loop iteration or fn
// call, or at its end, and becomes a dead letter. Outside an invocation nothing is counted.
class MemoryMeter {
 public:
  // `ctx`: whose fuel is zeroed when the meter is exceeded.
  explicit MemoryMeter(sfn_ctx* ctx) : ctx_(ctx) {}
  // Before each invocation: `limit` bytes, nothing used.
  void reset(uint64_t limit);
  uint64_t limit() const { return limit_; }
  bool exceeded() const { return exceeded_; }
  // Net bytes charged since reset() (negative when the invocation freed older values).
  int64_t used() const { return used_; }
  // `bytes` more; false (and exceeded) when they do not fit. A `fixed` charge (a small box of a
  // known size) is never refused, only counted. Charges are free while paused.
  bool charge(uint64_t bytes, bool fixed);
  void credit(uint64_t bytes) { used_ -= static_cast<int64_t>(bytes); }
  // Marks the meter exceeded (also when malloc itself fails inside the invocation).
  void exceed();
  // The meter running on this thread, or null.
  static MemoryMeter* running();

  // For its scope, value operations on this thread charge `meter` (generated code runs).
  class Scope {
   public:
    explicit Scope(MemoryMeter& meter);
    ~Scope();
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    MemoryMeter* outer_;
  };
  // For its scope, the running meter (if any) charges nothing but still credits what is freed:
  // the runtime's own work inside an invocation (loading and copying stored state).
  class Pause {
   public:
    Pause();
    ~Pause();
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;

   private:
    MemoryMeter* meter_;
  };

 private:
  sfn_ctx* ctx_;
  uint64_t limit_ = 0;
  int64_t used_ = 0;
  int paused_ = 0;
  bool exceeded_ = false;
  friend bool memory_refused();
};
// True when a meter runs on this thread and is exceeded: value operations refuse everything, so
// a loop building a result may stop early.
bool memory_refused();
// The error text of list_insert when the meter refused to grow the list.
inline constexpr const char* kMemoryRefused = "invocation memory budget exhausted";

// sfn_str helpers.
inline std::string_view str_view(const sfn_str& s) { return {s.data ? s.data : "", s.len}; }
void str_set(sfn_str* out, std::string_view text);
void str_free(sfn_str* s);
// `n` (> 0) fresh bytes for a string to be written in place and then given to str_adopt, charged to
// the running meter; null when it refuses them.
char* str_buffer(uint64_t n);
// Replaces `out` with `n` bytes at `data` (from str_buffer; null with n == 0 for the empty string).
void str_adopt(sfn_str* out, char* data, uint64_t n);

// list/map operations (contracts in abi_services.h).
void list_push(const sfn_type* list_type, sfn_list* list, void* elem);
void list_pop(const sfn_type* list_type, sfn_list* list, void* out_optional);
const char* list_insert(const sfn_type* list_type, sfn_list* list, int64_t index, void* elem);
const char* list_remove_at(const sfn_type* list_type, sfn_list* list, int64_t index);
void list_clear(const sfn_type* list_type, sfn_list* list);
const char* list_at(const sfn_type* list_type, sfn_list* list, int64_t index, void** out);
int list_contains(const sfn_type* list_type, const sfn_list* list, const void* elem);
void list_concat(const sfn_type* list_type, sfn_list* out, const sfn_list* a, const sfn_list* b);
// Appends room for one zeroed element at the end and returns it (decoders fill it in place).
void* list_emplace_back(const sfn_type* elem, sfn_list* list);

void* map_find(const sfn_type* map_type, sfn_map* map, const void* key);
void* map_slot(const sfn_type* map_type, sfn_map* map, const void* key);
int map_remove(const sfn_type* map_type, sfn_map* map, const void* key);
void map_clear(const sfn_type* map_type, sfn_map* map);
void map_keys(const sfn_type* map_type, const sfn_map* map, sfn_list* out);
void map_values(const sfn_type* map_type, const sfn_map* map, sfn_list* out);

// The module's types for lists of strings etc. that services return.
extern const sfn_type kStringType;

}  // namespace sfn::runtime::core
