// Implementation of the ABI value layout operations (see value.h). All memory is malloc/free,
// as abi.h promises compiled code; growth doubles capacity so pushes are amortised O(1).
#include "runtime/core/value.h"
#include "common/bits.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

namespace sfn::runtime::core {
namespace {

using bits::align_up;

thread_local MemoryMeter* t_meter = nullptr;

// What malloc takes for `n` bytes (glibc: 16-byte steps with an 8-byte header, 32 at least).
uint64_t chunk(uint64_t n) {
  if (n > UINT64_MAX / 2) return n;  // never allocated: refused, or malloc fails
  return n <= 24 ? 32 : (n + 8 + 15) & ~uint64_t{15};
}

// `n` bytes for a value, charged to the running meter. Null when the meter refuses them (or
// malloc fails inside an invocation, which exceeds the meter); a `fixed` box of a known small
// size is never refused. Outside an invocation a failed malloc throws, as it always did.
void* value_alloc(uint64_t n, bool fixed = false) {
  MemoryMeter* m = t_meter;
  if (m && !m->charge(chunk(n), fixed)) return nullptr;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p) return p;
  if (!m || fixed) throw std::bad_alloc();
  m->credit(chunk(n));
  m->exceed();
  return nullptr;
}

// Frees `p`, allocated by value_alloc (or grown by reserve) for `n` bytes.
void value_free(void* p, uint64_t n) {
  if (!p) return;
  if (t_meter) t_meter->credit(chunk(n));
  std::free(p);
}

// Slots handed out by map_slot and list_emplace_back when the meter refused to grow the map or
// list: the generated code writes into one as it would into the real slot, and the invocation
// is failing anyway. Each is used once and destroyed when the meter's scope ends.
struct Scratch {
  std::vector<std::pair<const sfn_type*, void*>> slots;
  void* take(const sfn_type* t) {
    const uint32_t size = align_up(std::max<uint32_t>(slot_layout(t).size, 1), 16);
    void* slot = std::aligned_alloc(16, size);
    if (!slot) throw std::bad_alloc();
    value_init(t, slot);
    slots.emplace_back(t, slot);
    return slot;
  }
  void clear() {
    for (auto& [t, slot] : slots) {
      value_destroy(t, slot);
      std::free(slot);
    }
    slots.clear();
  }
  ~Scratch() { clear(); }
};
thread_local Scratch t_scratch;

bool is_message_optional(const sfn_type* t) { return t->kind == SFN_OPTIONAL && t->elem->kind == SFN_MESSAGE; }

// Grows `data`/`cap` of a list or map so that `need` elements of `stride` fit; false when the
// running meter refuses the room (the list or map is unchanged).
template <class L>
bool reserve(L* l, uint64_t need, uint32_t stride) {
  if (need <= l->cap) return true;
  const uint64_t cap = std::max<uint64_t>(need, l->cap ? l->cap * 2 : 4);
  MemoryMeter* m = t_meter;
  if (m && !m->charge(chunk(cap * stride), false)) return false;
  void* data = std::realloc(l->data, cap * stride);
  if (!data) {
    if (!m) throw std::bad_alloc();
    m->credit(chunk(cap * stride));
    m->exceed();
    return false;
  }
  if (m && l->cap) m->credit(chunk(l->cap * stride));
  l->data = data;
  l->cap = cap;
  return true;
}

char* elem_ptr(void* data, uint64_t i, uint32_t stride) { return static_cast<char*>(data) + i * stride; }

// Index of the first entry whose key is >= key; `found` set when equal.
uint64_t map_lower_bound(const sfn_type* mt, const sfn_map* m, const void* key, bool* found) {
  uint32_t stride = map_entry_layout(mt->key, mt->elem).size;
  uint64_t lo = 0, hi = m->len;
  while (lo < hi) {
    uint64_t mid = (lo + hi) / 2;
    if (value_compare(mt->key, elem_ptr(m->data, mid, stride), key) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  *found = lo < m->len && value_compare(mt->key, elem_ptr(m->data, lo, stride), key) == 0;
  return lo;
}

template <class T>
int cmp3(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

void MemoryMeter::reset(uint64_t limit) {
  limit_ = limit;
  used_ = 0;
  paused_ = 0;
  exceeded_ = false;
}

bool MemoryMeter::charge(uint64_t bytes, bool fixed) {
  if (paused_ > 0) return true;
  if (exceeded_ && !fixed) return false;
  const bool fits = bytes <= limit_ && used_ + static_cast<int64_t>(bytes) <= static_cast<int64_t>(limit_);
  if (fits || fixed) used_ += static_cast<int64_t>(std::min<uint64_t>(bytes, limit_ + 1));
  if (fits) return true;
  exceed();
  return fixed;
}

void MemoryMeter::exceed() {
  exceeded_ = true;
  if (ctx_) ctx_->fuel = 0;  // the next loop iteration or fn call refuels, and fails
}

MemoryMeter* MemoryMeter::running() { return t_meter; }

MemoryMeter::Scope::Scope(MemoryMeter& meter) : outer_(t_meter) { t_meter = &meter; }

MemoryMeter::Scope::~Scope() {
  t_scratch.clear();
  t_meter = outer_;
}

MemoryMeter::Pause::Pause() : meter_(t_meter) {
  if (meter_) ++meter_->paused_;
}

MemoryMeter::Pause::~Pause() {
  if (meter_) --meter_->paused_;
}

bool memory_refused() { return t_meter && t_meter->exceeded_ && t_meter->paused_ == 0; }

const sfn_type kStringType{SFN_STRING, nullptr, nullptr, nullptr, nullptr, nullptr};

SlotLayout slot_layout(const sfn_type* t) {
  switch (t->kind) {
    case SFN_INT:
    case SFN_TIME:
    case SFN_DURATION:
    case SFN_FLOAT:
      return abi_layout::kWord;
    case SFN_BOOL:
      return abi_layout::kBool;
    case SFN_ENUM:
      return abi_layout::kEnum;
    case SFN_STRING:
    case SFN_BYTES:
    case SFN_REF:
    case SFN_TIMER:
      return abi_layout::kString;
    case SFN_LIST:
    case SFN_MAP:
      return abi_layout::kCollection;
    case SFN_OPTIONAL:
      if (t->elem->kind == SFN_MESSAGE) return abi_layout::kMessagePointer;
      return abi_layout::optional_slot(slot_layout(t->elem));
    case SFN_MESSAGE:
      return {t->message->size, t->message->align};
    default:
      return {8, 8};
  }
}

uint32_t list_stride(const sfn_type* elem) { return abi_layout::stride(slot_layout(elem)); }

MapEntryLayout map_entry_layout(const sfn_type* key, const sfn_type* value) {
  return abi_layout::map_entry(slot_layout(key), slot_layout(value));
}

uint32_t optional_value_offset(const sfn_type* inner) { return abi_layout::optional_value_offset(slot_layout(inner)); }

bool is_trivial(const sfn_type* t) {
  switch (t->kind) {
    case SFN_INT:
    case SFN_TIME:
    case SFN_DURATION:
    case SFN_FLOAT:
    case SFN_BOOL:
    case SFN_ENUM:
      return true;
    case SFN_OPTIONAL:
      return t->elem->kind != SFN_MESSAGE && is_trivial(t->elem);
    case SFN_MESSAGE:
      for (uint32_t i = 0; i < t->message->field_count; ++i)
        if (!is_trivial(t->message->fields[i].type)) return false;
      return true;
    default:
      return false;
  }
}

void message_init(const sfn_message_desc* d, void* msg) {
  std::memset(msg, 0, d->size);
  for (uint32_t i = 0; i < d->field_count; ++i) {
    const sfn_field_desc& f = d->fields[i];
    if (f.type->kind == SFN_MESSAGE) message_init(f.type->message, static_cast<char*>(msg) + f.offset);
  }
  if (d->init) d->init(msg);
}

void value_init(const sfn_type* t, void* slot) {
  if (t->kind == SFN_MESSAGE) return message_init(t->message, slot);
  std::memset(slot, 0, slot_layout(t).size);
}

void message_destroy(const sfn_message_desc* d, void* msg) {
  for (uint32_t i = 0; i < d->field_count; ++i) {
    const sfn_field_desc& f = d->fields[i];
    if (!is_trivial(f.type)) value_destroy(f.type, static_cast<char*>(msg) + f.offset);
  }
  std::memset(msg, 0, d->size);
}

void value_destroy(const sfn_type* t, void* slot) {
  switch (t->kind) {
    case SFN_STRING:
    case SFN_BYTES:
    case SFN_REF:
    case SFN_TIMER:
      str_free(static_cast<sfn_str*>(slot));
      return;
    case SFN_LIST: {
      auto* l = static_cast<sfn_list*>(slot);
      const uint32_t stride = list_stride(t->elem);
      if (!is_trivial(t->elem))
        for (uint64_t i = 0; i < l->len; ++i) value_destroy(t->elem, elem_ptr(l->data, i, stride));
      value_free(l->data, l->cap * stride);
      *l = sfn_list{};
      return;
    }
    case SFN_MAP: {
      auto* m = static_cast<sfn_map*>(slot);
      MapEntryLayout el = map_entry_layout(t->key, t->elem);
      bool kt = is_trivial(t->key), vt = is_trivial(t->elem);
      for (uint64_t i = 0; i < m->len; ++i) {
        char* e = elem_ptr(m->data, i, el.size);
        if (!kt) value_destroy(t->key, e);
        if (!vt) value_destroy(t->elem, e + el.value_offset);
      }
      value_free(m->data, m->cap * el.size);
      *m = sfn_map{};
      return;
    }
    case SFN_OPTIONAL:
      if (is_message_optional(t)) {
        void** p = static_cast<void**>(slot);
        if (*p) message_delete(t->elem->message, *p);
        *p = nullptr;
        return;
      }
      if (*static_cast<uint8_t*>(slot) && !is_trivial(t->elem))
        value_destroy(t->elem, static_cast<char*>(slot) + optional_value_offset(t->elem));
      std::memset(slot, 0, slot_layout(t).size);
      return;
    case SFN_MESSAGE:
      message_destroy(t->message, slot);
      return;
    default:
      std::memset(slot, 0, slot_layout(t).size);
      return;
  }
}

void* message_new(const sfn_message_desc* d) {
  void* p = value_alloc(d->size, true);
  message_init(d, p);
  return p;
}

void message_delete(const sfn_message_desc* d, void* msg) {
  if (!msg) return;
  message_destroy(d, msg);
  value_free(msg, d->size);
}

namespace {
// One cloner per kind of composite value (value_clone_into dispatches); `dst` is uninitialised.
void list_clone_into(const sfn_type* t, sfn_list* d, const sfn_list* s) {
  *d = sfn_list{};
  if (s->len == 0) return;
  uint32_t stride = list_stride(t->elem);
  d->data = value_alloc(s->len * stride);
  if (!d->data) return;  // refused: the empty list
  d->cap = s->len;
  if (is_trivial(t->elem)) {
    std::memcpy(d->data, s->data, s->len * stride);
  } else {
    std::memset(d->data, 0, s->len * stride);
    for (uint64_t i = 0; i < s->len; ++i)
      value_clone_into(t->elem, elem_ptr(d->data, i, stride), elem_ptr(s->data, i, stride));
  }
  d->len = s->len;
}

void map_clone_into(const sfn_type* t, sfn_map* d, const sfn_map* s) {
  *d = sfn_map{};
  if (s->len == 0) return;
  MapEntryLayout el = map_entry_layout(t->key, t->elem);
  d->data = value_alloc(s->len * el.size);
  if (!d->data) return;  // refused: the empty map
  std::memset(d->data, 0, s->len * el.size);
  d->cap = s->len;
  for (uint64_t i = 0; i < s->len; ++i) {
    char* de = elem_ptr(d->data, i, el.size);
    const char* se = elem_ptr(s->data, i, el.size);
    value_clone_into(t->key, de, se);
    value_clone_into(t->elem, de + el.value_offset, se + el.value_offset);
  }
  d->len = s->len;
}

void optional_clone_into(const sfn_type* t, void* dst, const void* src) {
  if (is_message_optional(t)) {
    const void* sp = *static_cast<void* const*>(src);
    void* copy = nullptr;
    if (sp) {
      copy = value_alloc(t->elem->message->size, true);
      value_clone_into(t->elem, copy, sp);
    }
    *static_cast<void**>(dst) = copy;
    return;
  }
  std::memset(dst, 0, slot_layout(t).size);
  if (*static_cast<const uint8_t*>(src)) {
    uint32_t off = optional_value_offset(t->elem);
    *static_cast<uint8_t*>(dst) = 1;
    value_clone_into(t->elem, static_cast<char*>(dst) + off, static_cast<const char*>(src) + off);
  }
}

void message_clone_into(const sfn_message_desc* d, void* dst, const void* src) {
  std::memset(dst, 0, d->size);
  for (uint32_t i = 0; i < d->field_count; ++i) {
    const sfn_field_desc& f = d->fields[i];
    value_clone_into(f.type, static_cast<char*>(dst) + f.offset, static_cast<const char*>(src) + f.offset);
  }
}
}  // namespace

void value_clone_into(const sfn_type* t, void* dst, const void* src) {
  switch (t->kind) {
    case SFN_STRING:
    case SFN_BYTES:
    case SFN_REF:
    case SFN_TIMER: {
      auto* d = static_cast<sfn_str*>(dst);
      *d = sfn_str{};
      str_set(d, str_view(*static_cast<const sfn_str*>(src)));
      return;
    }
    case SFN_LIST:
      list_clone_into(t, static_cast<sfn_list*>(dst), static_cast<const sfn_list*>(src));
      return;
    case SFN_MAP:
      map_clone_into(t, static_cast<sfn_map*>(dst), static_cast<const sfn_map*>(src));
      return;
    case SFN_OPTIONAL:
      optional_clone_into(t, dst, src);
      return;
    case SFN_MESSAGE:
      message_clone_into(t->message, dst, src);
      return;
    default:
      std::memcpy(dst, src, slot_layout(t).size);
      return;
  }
}

void value_copy(const sfn_type* t, void* dst, const void* src) {
  if (dst == src) return;
  if (is_trivial(t)) {
    std::memcpy(dst, src, slot_layout(t).size);
    return;
  }
  value_destroy(t, dst);
  value_clone_into(t, dst, src);
}

int value_compare(const sfn_type* t, const void* a, const void* b) {
  switch (t->kind) {
    case SFN_INT:
    case SFN_TIME:
    case SFN_DURATION:
      return cmp3(*static_cast<const int64_t*>(a), *static_cast<const int64_t*>(b));
    case SFN_FLOAT:
      return cmp3(*static_cast<const double*>(a), *static_cast<const double*>(b));
    case SFN_BOOL:
      return cmp3(*static_cast<const uint8_t*>(a), *static_cast<const uint8_t*>(b));
    case SFN_ENUM:
      return cmp3(*static_cast<const int32_t*>(a), *static_cast<const int32_t*>(b));
    case SFN_STRING:
    case SFN_BYTES:
    case SFN_REF:
    case SFN_TIMER: {
      int c = str_view(*static_cast<const sfn_str*>(a)).compare(str_view(*static_cast<const sfn_str*>(b)));
      return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    case SFN_LIST: {
      const auto* x = static_cast<const sfn_list*>(a);
      const auto* y = static_cast<const sfn_list*>(b);
      uint32_t stride = list_stride(t->elem);
      for (uint64_t i = 0; i < x->len && i < y->len; ++i)
        if (int c = value_compare(t->elem, elem_ptr(x->data, i, stride), elem_ptr(y->data, i, stride))) return c;
      return cmp3(x->len, y->len);
    }
    case SFN_MAP: {
      const auto* x = static_cast<const sfn_map*>(a);
      const auto* y = static_cast<const sfn_map*>(b);
      MapEntryLayout el = map_entry_layout(t->key, t->elem);
      for (uint64_t i = 0; i < x->len && i < y->len; ++i) {
        const char* ex = elem_ptr(x->data, i, el.size);
        const char* ey = elem_ptr(y->data, i, el.size);
        if (int c = value_compare(t->key, ex, ey)) return c;
        if (int c = value_compare(t->elem, ex + el.value_offset, ey + el.value_offset)) return c;
      }
      return cmp3(x->len, y->len);
    }
    case SFN_OPTIONAL: {
      if (is_message_optional(t)) {
        const void* x = *static_cast<void* const*>(a);
        const void* y = *static_cast<void* const*>(b);
        if (!x || !y) return cmp3(x != nullptr, y != nullptr);
        return value_compare(t->elem, x, y);
      }
      uint8_t px = *static_cast<const uint8_t*>(a), py = *static_cast<const uint8_t*>(b);
      if (!px || !py) return cmp3(px, py);
      uint32_t off = optional_value_offset(t->elem);
      return value_compare(t->elem, static_cast<const char*>(a) + off, static_cast<const char*>(b) + off);
    }
    case SFN_MESSAGE: {
      const sfn_message_desc* d = t->message;
      for (uint32_t i = 0; i < d->field_count; ++i) {
        const sfn_field_desc& f = d->fields[i];
        if (int c =
                value_compare(f.type, static_cast<const char*>(a) + f.offset, static_cast<const char*>(b) + f.offset))
          return c;
      }
      return 0;
    }
    default:
      return 0;
  }
}

// Structural, with IEEE `==` on every float inside (docs/language.md decision 36): a NaN anywhere
// makes two values unequal, as it makes two floats unequal.
bool value_equal(const sfn_type* t, const void* a, const void* b) {
  auto at = [](const void* p, uint64_t off) { return static_cast<const char*>(p) + off; };
  switch (t->kind) {
    case SFN_FLOAT:
      return *static_cast<const double*>(a) == *static_cast<const double*>(b);
    case SFN_LIST: {
      const auto* x = static_cast<const sfn_list*>(a);
      const auto* y = static_cast<const sfn_list*>(b);
      if (x->len != y->len) return false;
      uint32_t stride = list_stride(t->elem);
      for (uint64_t i = 0; i < x->len; ++i)
        if (!value_equal(t->elem, elem_ptr(x->data, i, stride), elem_ptr(y->data, i, stride))) return false;
      return true;
    }
    case SFN_MAP: {
      const auto* x = static_cast<const sfn_map*>(a);
      const auto* y = static_cast<const sfn_map*>(b);
      if (x->len != y->len) return false;
      MapEntryLayout el = map_entry_layout(t->key, t->elem);
      for (uint64_t i = 0; i < x->len; ++i) {
        const char* ex = elem_ptr(x->data, i, el.size);
        const char* ey = elem_ptr(y->data, i, el.size);
        if (value_compare(t->key, ex, ey) != 0 || !value_equal(t->elem, ex + el.value_offset, ey + el.value_offset))
          return false;
      }
      return true;
    }
    case SFN_OPTIONAL: {
      if (is_message_optional(t)) {
        const void* x = *static_cast<void* const*>(a);
        const void* y = *static_cast<void* const*>(b);
        return x && y ? value_equal(t->elem, x, y) : x == y;
      }
      uint8_t px = *static_cast<const uint8_t*>(a), py = *static_cast<const uint8_t*>(b);
      if (!px || !py) return px == py;
      uint32_t off = optional_value_offset(t->elem);
      return value_equal(t->elem, at(a, off), at(b, off));
    }
    case SFN_MESSAGE:
      for (uint32_t i = 0; i < t->message->field_count; ++i) {
        const sfn_field_desc& f = t->message->fields[i];
        if (!value_equal(f.type, at(a, f.offset), at(b, f.offset))) return false;
      }
      return true;
    default:
      return value_compare(t, a, b) == 0;
  }
}

void str_set(sfn_str* out, std::string_view text) {
  char* data = text.empty() ? nullptr : str_buffer(text.size());
  if (data) std::memcpy(data, text.data(), text.size());
  str_adopt(out, data, data ? text.size() : 0);  // refused: the empty string
}

void str_free(sfn_str* s) {
  value_free(s->data, s->len);
  *s = sfn_str{};
}

char* str_buffer(uint64_t n) { return static_cast<char*>(value_alloc(n)); }

void str_adopt(sfn_str* out, char* data, uint64_t n) {
  value_free(out->data, out->len);
  out->data = data;
  out->len = n;
}

void* list_emplace_back(const sfn_type* elem, sfn_list* l) {
  uint32_t stride = list_stride(elem);
  if (!reserve(l, l->len + 1, stride)) return t_scratch.take(elem);
  char* p = elem_ptr(l->data, l->len, stride);
  value_init(elem, p);
  ++l->len;
  return p;
}

void list_push(const sfn_type* lt, sfn_list* l, void* elem) {
  uint32_t stride = list_stride(lt->elem);
  if (!reserve(l, l->len + 1, stride)) return value_destroy(lt->elem, elem);  // refused: dropped
  SlotLayout sl = slot_layout(lt->elem);
  std::memcpy(elem_ptr(l->data, l->len, stride), elem, sl.size);
  std::memset(elem, 0, sl.size);
  ++l->len;
}

void list_pop(const sfn_type* lt, sfn_list* l, void* out) {
  sfn_type opt{SFN_OPTIONAL, lt->elem, nullptr, nullptr, nullptr, nullptr};
  const bool elem_optional = lt->elem->kind == SFN_OPTIONAL;  // `T??` is `T?`: out is an element
  value_destroy(elem_optional ? lt->elem : &opt, out);
  if (l->len == 0) return;
  uint32_t stride = list_stride(lt->elem);
  char* last = elem_ptr(l->data, l->len - 1, stride);
  SlotLayout sl = slot_layout(lt->elem);
  if (elem_optional) {
    std::memcpy(out, last, sl.size);
  } else if (lt->elem->kind == SFN_MESSAGE) {
    void* m = value_alloc(sl.size, true);
    std::memcpy(m, last, sl.size);
    *static_cast<void**>(out) = m;
  } else {
    *static_cast<uint8_t*>(out) = 1;
    std::memcpy(static_cast<char*>(out) + optional_value_offset(lt->elem), last, sl.size);
  }
  --l->len;
}

const char* list_insert(const sfn_type* lt, sfn_list* l, int64_t index, void* elem) {
  if (index < 0 || static_cast<uint64_t>(index) > l->len) return "list index out of range";
  uint32_t stride = list_stride(lt->elem);
  if (!reserve(l, l->len + 1, stride)) return kMemoryRefused;
  char* at = elem_ptr(l->data, index, stride);
  std::memmove(at + stride, at, (l->len - index) * stride);
  SlotLayout sl = slot_layout(lt->elem);
  std::memset(at, 0, stride);
  std::memcpy(at, elem, sl.size);
  std::memset(elem, 0, sl.size);
  ++l->len;
  return nullptr;
}

const char* list_remove_at(const sfn_type* lt, sfn_list* l, int64_t index) {
  if (index < 0 || static_cast<uint64_t>(index) >= l->len) return "list index out of range";
  uint32_t stride = list_stride(lt->elem);
  char* at = elem_ptr(l->data, index, stride);
  value_destroy(lt->elem, at);
  std::memmove(at, at + stride, (l->len - index - 1) * stride);
  --l->len;
  return nullptr;
}

void list_clear(const sfn_type* lt, sfn_list* l) { value_destroy(lt, l); }

const char* list_at(const sfn_type* lt, sfn_list* l, int64_t index, void** out) {
  if (index < 0 || static_cast<uint64_t>(index) >= l->len) return "list index out of range";
  *out = elem_ptr(l->data, index, list_stride(lt->elem));
  return nullptr;
}

int list_contains(const sfn_type* lt, const sfn_list* l, const void* elem) {
  uint32_t stride = list_stride(lt->elem);
  for (uint64_t i = 0; i < l->len; ++i)
    if (value_equal(lt->elem, elem_ptr(l->data, i, stride), elem)) return 1;
  return 0;
}

void list_concat(const sfn_type* lt, sfn_list* out, const sfn_list* a, const sfn_list* b) {
  sfn_list result{};
  uint32_t stride = list_stride(lt->elem);
  if (!reserve(&result, a->len + b->len, stride)) return value_destroy(lt, out);  // refused: the empty list
  std::memset(result.data, 0, (a->len + b->len) * stride);
  for (uint64_t i = 0; i < a->len; ++i)
    value_clone_into(lt->elem, elem_ptr(result.data, i, stride), elem_ptr(a->data, i, stride));
  for (uint64_t i = 0; i < b->len; ++i)
    value_clone_into(lt->elem, elem_ptr(result.data, a->len + i, stride), elem_ptr(b->data, i, stride));
  result.len = a->len + b->len;
  value_destroy(lt, out);
  *out = result;
}

void* map_find(const sfn_type* mt, sfn_map* m, const void* key) {
  bool found = false;
  uint64_t i = map_lower_bound(mt, m, key, &found);
  if (!found) return nullptr;
  MapEntryLayout el = map_entry_layout(mt->key, mt->elem);
  return elem_ptr(m->data, i, el.size) + el.value_offset;
}

void* map_slot(const sfn_type* mt, sfn_map* m, const void* key) {
  bool found = false;
  uint64_t i = map_lower_bound(mt, m, key, &found);
  MapEntryLayout el = map_entry_layout(mt->key, mt->elem);
  if (!found) {
    if (!reserve(m, m->len + 1, el.size)) return t_scratch.take(mt->elem);
    char* at = elem_ptr(m->data, i, el.size);
    std::memmove(at + el.size, at, (m->len - i) * el.size);
    std::memset(at, 0, el.size);
    value_clone_into(mt->key, at, key);
    value_init(mt->elem, at + el.value_offset);
    ++m->len;
  }
  return elem_ptr(m->data, i, el.size) + el.value_offset;
}

int map_remove(const sfn_type* mt, sfn_map* m, const void* key) {
  bool found = false;
  uint64_t i = map_lower_bound(mt, m, key, &found);
  if (!found) return 0;
  MapEntryLayout el = map_entry_layout(mt->key, mt->elem);
  char* at = elem_ptr(m->data, i, el.size);
  value_destroy(mt->key, at);
  value_destroy(mt->elem, at + el.value_offset);
  std::memmove(at, at + el.size, (m->len - i - 1) * el.size);
  --m->len;
  return 1;
}

void map_clear(const sfn_type* mt, sfn_map* m) { value_destroy(mt, m); }

namespace {
// Replaces `out` by copies of the map's keys (values == false) or values, in map order.
void map_column(const sfn_type* mt, const sfn_map* m, sfn_list* out, bool values) {
  const sfn_type* elem = values ? mt->elem : mt->key;
  sfn_type lt{SFN_LIST, elem, nullptr, nullptr, nullptr, nullptr};
  value_destroy(&lt, out);
  MapEntryLayout el = map_entry_layout(mt->key, mt->elem);
  for (uint64_t i = 0; i < m->len && !memory_refused(); ++i) {
    void* slot = list_emplace_back(elem, out);
    value_destroy(elem, slot);
    value_clone_into(elem, slot, elem_ptr(m->data, i, el.size) + (values ? el.value_offset : 0));
  }
}
}  // namespace

void map_keys(const sfn_type* mt, const sfn_map* m, sfn_list* out) { map_column(mt, m, out, false); }

void map_values(const sfn_type* mt, const sfn_map* m, sfn_list* out) { map_column(mt, m, out, true); }

}  // namespace sfn::runtime::core
