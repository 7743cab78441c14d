// The C++ side of SFN programs compiled by the C++ backend: small inline helpers that generated
// code calls (namespace sfn::gen: owned locals, copies and moves, checked integer arithmetic,
// checked list/map access, optionals, interpolation), and the declarations of the standard
// library's extern fns (namespace sfn::stdlib, implemented in stdlib/*.cpp and linked into
// every module). Everything forwards to the runtime's service table (sfn/abi_cpp.h); runtime
// errors go through Ctx::raise with the source location the compiler passes in.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sfn/abi_cpp.h"
#include "sfn_rt.h"

namespace sfn::gen {

using abi::Ctx;
using abi::svc;

// Destroys a local value when it goes out of scope (also when a runtime error unwinds).
struct Owner {
  const sfn_type* type;
  void* slot;
  Owner(const sfn_type& t, void* s) : type(&t), slot(s) {}
  Owner(const Owner&) = delete;
  Owner& operator=(const Owner&) = delete;
  ~Owner() { svc().value_destroy(type, slot); }
};
// `SFN_LOCAL(sfn_str, text, kString);` declares a zeroed local and its owner.
#define SFN_LOCAL(CT, name, type) \
  CT name{};                      \
  ::sfn::gen::Owner name##_owner_ { type, &name }

// A map entry as abi.h lays it out (a C struct of key then value has exactly that layout).
template <class K, class V>
struct MapEntry {
  K key;
  V value;
};

// A string constant as a non-owning sfn_str (never destroyed).
inline sfn_str lit(const char* text, std::uint64_t len) { return sfn_str{const_cast<char*>(text), len}; }
// Address of a value (also of a temporary, valid until the end of the full expression).
template <class T>
const T* ptr(const T& x) {
  return &x;
}
inline void set(sfn_str& dst, const char* text, std::uint64_t len) { svc().str_assign(&dst, text, len); }

// dst = copy of src (deep; safe when src lives inside dst).
template <class T>
void copy(const sfn_type& t, T& dst, const std::type_identity_t<T>& src) {
  if (&dst == &src) return;
  T tmp{};
  svc().value_copy(&t, &tmp, &src);
  svc().value_destroy(&t, &dst);
  std::memcpy(static_cast<void*>(&dst), &tmp, sizeof(T));
}
// dst = src, leaving src zeroed (src must be a local the caller owns).
template <class T>
void move_into(const sfn_type& t, T& dst, T& src) {
  if (&dst == &src) return;
  svc().value_destroy(&t, &dst);
  std::memcpy(static_cast<void*>(&dst), &src, sizeof(T));
  std::memset(static_cast<void*>(&src), 0, sizeof(T));
}
// Writes the type's default (zero + message defaults) into dst, freeing its old value.
template <class T>
void init(const sfn_type& t, T& dst) {
  svc().value_destroy(&t, &dst);
  svc().value_init(&t, &dst);
}
template <class T>
bool equal(const sfn_type& t, const T& a, const T& b) {
  return svc().value_equal(&t, &a, &b) != 0;
}
template <class T>
int compare(const sfn_type& t, const T& a, const T& b) {
  return svc().value_compare(&t, &a, &b);
}

// ---- checked integer arithmetic (int, duration, time)
inline std::int64_t add(Ctx& c, std::int64_t a, std::int64_t b, const sfn_loc& l) {
  std::int64_t r;
  if (__builtin_add_overflow(a, b, &r)) c.raise("integer overflow", l);
  return r;
}
inline std::int64_t sub(Ctx& c, std::int64_t a, std::int64_t b, const sfn_loc& l) {
  std::int64_t r;
  if (__builtin_sub_overflow(a, b, &r)) c.raise("integer overflow", l);
  return r;
}
inline std::int64_t mul(Ctx& c, std::int64_t a, std::int64_t b, const sfn_loc& l) {
  std::int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) c.raise("integer overflow", l);
  return r;
}
inline std::int64_t div(Ctx& c, std::int64_t a, std::int64_t b, const sfn_loc& l) {
  if (b == 0) c.raise("division by zero", l);
  if (a == INT64_MIN && b == -1) c.raise("integer overflow", l);
  return a / b;
}
inline std::int64_t rem(Ctx& c, std::int64_t a, std::int64_t b, const sfn_loc& l) {
  if (b == 0) c.raise("remainder by zero", l);
  if (b == -1) return 0;
  return a % b;
}
inline std::int64_t neg(Ctx& c, std::int64_t a, const sfn_loc& l) {
  if (a == INT64_MIN) c.raise("integer overflow", l);
  return -a;
}
inline std::int64_t abs(Ctx& c, std::int64_t a, const sfn_loc& l) { return a < 0 ? neg(c, a, l) : a; }
inline std::int64_t to_int(Ctx& c, double x, const sfn_loc& l) {
  std::int64_t r = 0;
  if (sfn_rt_float_to_int(c.raw(), x, &r, &l) != SFN_OK) throw abi::Raised{};
  return r;
}
inline void from_bytes(Ctx& c, const sfn_str& b, sfn_str& out, const sfn_loc& l) {
  if (svc().str_from_bytes(&b, &out)) c.raise("invalid UTF-8", l);
}
// ---- the invocation budget (sfn/abi_services.h, decision 110)
#ifdef SFN_BENCH_WITHOUT_BUDGET
// Only to measure what the budget costs (tests/bench/runtime/counter_loop.sfn): the same
// generated code with the helpers compiled away. Such a module has no budget.
inline void tick(Ctx&, const sfn_loc&) {}
struct FnCall {
  FnCall(Ctx&, const sfn_loc&) {}
};
#else
[[gnu::cold, gnu::noinline]] inline void refuel(Ctx& c, const sfn_loc& l) {
  if (c.raw()->svc->refuel(c.raw(), &l) != SFN_OK) throw abi::Raised{};
}
// One unit of fuel: at every loop iteration and fn call.
inline void tick(Ctx& c, const sfn_loc& l) {
  if (__builtin_expect(--c.raw()->fuel < 0, 0)) refuel(c, l);
}
// The scope of a fn call: a unit of fuel and a level of depth, given back at scope end.
class FnCall {
 public:
  FnCall(Ctx& c, const sfn_loc& l) : ctx_(c.raw()) {
    tick(c, l);
    if (++ctx_->depth > ctx_->max_depth) {
      --ctx_->depth;
      sfn_rt_raise_depth(ctx_, &l);
      throw abi::Raised{};
    }
  }
  ~FnCall() { --ctx_->depth; }
  FnCall(const FnCall&) = delete;
  FnCall& operator=(const FnCall&) = delete;

 private:
  sfn_ctx* ctx_;
};
#endif

[[noreturn]] inline void index_error(Ctx& c, std::int64_t index, std::uint64_t len, const sfn_loc& l) {
  sfn_rt_raise_index(c.raw(), index, len, &l);
  throw abi::Raised{};
}
inline void remove_at(Ctx& c, const sfn_type& list_type, sfn_list& list, std::int64_t index, const sfn_loc& l) {
  if (index < 0 || static_cast<std::uint64_t>(index) >= list.len) index_error(c, index, list.len, l);
  c.check(svc().list_remove_at(&list_type, &list, index), l);
}
inline std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// ---- optionals: Optional<T> for non-message T, M* for messages
template <class T>
bool present(const abi::Optional<T>& o) {
  return o.present != 0;
}
template <class T>
bool present(const T* const& o) {
  return o != nullptr;
}
template <class T>
void wrap(const sfn_type& inner, abi::Optional<T>& dst, const std::type_identity_t<T>& src) {
  T tmp{};
  svc().value_copy(&inner, &tmp, &src);
  svc().value_destroy(&inner, &dst.value);
  std::memcpy(static_cast<void*>(&dst.value), &tmp, sizeof(T));
  dst.present = 1;
}
template <class M>
void wrap(const sfn_type& inner, M*& dst, const M& src) {
  sfn_rt_wrap_message(&inner, reinterpret_cast<void**>(&dst), &src);
}
template <class T>
void get(const sfn_type& inner, T& dst, const abi::Optional<T>& src) {
  copy(inner, dst, src.value);
}
template <class M>
void get(const sfn_type& inner, M& dst, const M* const& src) {
  copy(inner, dst, *src);
}
template <class O, class T>
void unwrap(Ctx& c, const sfn_type& inner, T& dst, const O& src, const sfn_loc& l) {
  if (!present(src)) c.raise("unwrap of none", l);
  get(inner, dst, src);
}

// ---- lists and maps
template <class T>
T& at(Ctx& c, const sfn_type& list_type, const sfn_list& list, std::int64_t index, const sfn_loc& l) {
  if (index < 0 || static_cast<std::uint64_t>(index) >= list.len) index_error(c, index, list.len, l);
  void* p = nullptr;
  c.check(svc().list_at(&list_type, const_cast<sfn_list*>(&list), index, &p), l);
  return *static_cast<T*>(p);
}
template <class V, class K>
V& map_get(Ctx& c, const sfn_type& map_type, const sfn_map& map, const K& key, const sfn_loc& l) {
  void* p = svc().map_find(&map_type, const_cast<sfn_map*>(&map), &key);
  if (!p) {
    sfn_rt_raise_missing_key(c.raw(), &map_type, &key, &l);
    throw abi::Raised{};
  }
  return *static_cast<V*>(p);
}
template <class V, class K>
V& map_slot(const sfn_type& map_type, sfn_map& map, const K& key) {
  return *static_cast<V*>(svc().map_slot(&map_type, &map, &key));
}
template <class T>
void push(const sfn_type& list_type, sfn_list& list, const T& x) {
  T tmp{};
  svc().value_copy(list_type.elem, &tmp, &x);
  svc().list_push(&list_type, &list, &tmp);
}
template <class T>
void insert(Ctx& c, const sfn_type& list_type, sfn_list& list, std::int64_t i, const T& x, const sfn_loc& l) {
  if (i < 0 || static_cast<std::uint64_t>(i) > list.len) {
    sfn_rt_raise_insert_index(c.raw(), i, list.len, &l);
    throw abi::Raised{};
  }
  T tmp{};
  svc().value_copy(list_type.elem, &tmp, &x);
  const char* err = svc().list_insert(&list_type, &list, i, &tmp);
  if (err) {
    svc().value_destroy(list_type.elem, &tmp);
    c.raise(err, l);
  }
}
// An element of a list or map as the `T?` that first(), last() and get() return: wrapped, or
// copied as it is when the element is optional already (`T??` is `T?`).
template <class T>
void wrap_element(const sfn_type& elem, abi::Optional<T>& dst, const void* src) {
  if (elem.kind == SFN_OPTIONAL)
    copy(elem, dst, *static_cast<const abi::Optional<T>*>(src));
  else
    wrap(elem, dst, *static_cast<const T*>(src));
}
template <class M>
void wrap_element(const sfn_type& elem, M*& dst, const void* src) {
  if (elem.kind == SFN_OPTIONAL)
    copy(elem, dst, *static_cast<M* const*>(src));
  else
    wrap(elem, dst, *static_cast<const M*>(src));
}
template <class O>
void first(const sfn_type& list_type, const sfn_list& list, O& dst, bool last) {
  if (list.len == 0) return;
  void* p = nullptr;
  svc().list_at(&list_type, const_cast<sfn_list*>(&list), last ? static_cast<std::int64_t>(list.len) - 1 : 0, &p);
  wrap_element(*list_type.elem, dst, p);
}
template <class O, class K>
void map_get_opt(const sfn_type& map_type, const sfn_map& map, const K& key, O& dst) {
  if (void* p = svc().map_find(&map_type, const_cast<sfn_map*>(&map), &key)) wrap_element(*map_type.elem, dst, p);
}
template <class K, class V>
void put(const sfn_type& map_type, sfn_map& map, const K& key, const V& value) {
  copy(*map_type.elem, *static_cast<V*>(svc().map_slot(&map_type, &map, &key)), value);
}

// ---- strings
// One piece of an interpolated string: literal text, or a value formatted per LANGUAGE.md §10.
struct Piece {
  std::string_view text;
  const sfn_type* type = nullptr;
  const void* value = nullptr;
  Piece(std::string_view t) : text(t) {}
  Piece(const char* t) : text(t) {}
  template <class T>
  Piece(const sfn_type& ty, const T& v) : type(&ty), value(&v) {}
};
inline void interpolate(sfn_str& dst, std::initializer_list<Piece> pieces) {
  std::vector<sfn_rt_piece> parts;
  parts.reserve(pieces.size());
  for (const Piece& p : pieces)
    parts.push_back(p.type ? sfn_rt_piece{nullptr, 0, p.type, p.value}
                           : sfn_rt_piece{p.text.data(), p.text.size(), nullptr, nullptr});
  sfn_rt_interpolate(&dst, parts.data(), parts.size());
}
inline void format(const sfn_type& t, const void* value, sfn_str& dst) { svc().value_format(&t, value, &dst); }
// The status of a std fn call (SFN_OK or SFN_RAISED, already raised) as generated C++ unwinds.
inline void checked(int status) {
  if (status != SFN_OK) throw abi::Raised{};
}

}  // namespace sfn::gen

// The standard library (LANGUAGE.md §12; contracts in stdlib/std/*.sfn). Each function takes
// the invocation context and the caller's location (for its runtime errors), writes its result
// into `out` (a valid value it replaces) and returns SFN_OK, or SFN_RAISED after raising through
// the ctx: no C++ exception is thrown, so the same code serves the LLVM backend's C calls
// (sfn_rt.h). Generated C++ turns SFN_RAISED into its own unwinding with gen::checked.
namespace sfn::stdlib {

using abi::Ctx;
using IntOpt = abi::Optional<std::int64_t>;
using FloatOpt = abi::Optional<double>;

// A string result of `n` bytes that a std fn writes in place before handing it over. Its room is
// charged to the invocation's memory budget (str_assign without data, abi_services.h); when the
// budget refuses it, ok() is false and the invocation is failing (decision 110), so the fn
// raises kOverBudget, which the runtime reports as the budget's own error.
class Built {
 public:
  explicit Built(std::uint64_t n) : n_(n) {
    if (n) abi::svc().str_assign(&s_, nullptr, n);
  }
  ~Built() { abi::svc().value_destroy(&abi::kString, &s_); }
  Built(const Built&) = delete;
  Built& operator=(const Built&) = delete;
  bool ok() const { return s_.len == n_; }
  char* data() { return s_.data; }
  // out := the result (out's old value is freed with this).
  void into(sfn_str& out) { std::swap(out, s_); }

 private:
  sfn_str s_{};
  std::uint64_t n_;
};
inline constexpr const char* kOverBudget = "invocation memory budget exhausted";

// std.strings
[[nodiscard]] int strings_join(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_list& xs, const sfn_str& sep);
[[nodiscard]] int strings_repeat(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_str& s, std::int64_t n);
[[nodiscard]] int strings_pad_left(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_str& s, std::int64_t width,
                                   const sfn_str& fill);
[[nodiscard]] int strings_pad_right(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_str& s, std::int64_t width,
                                    const sfn_str& fill);
[[nodiscard]] int strings_to_int(Ctx& c, const sfn_loc& l, IntOpt& out, const sfn_str& s);
[[nodiscard]] int strings_to_float(Ctx& c, const sfn_loc& l, FloatOpt& out, const sfn_str& s);
[[nodiscard]] int strings_index_of(Ctx& c, const sfn_loc& l, IntOpt& out, const sfn_str& s, const sfn_str& needle);
[[nodiscard]] int strings_last_index_of(Ctx& c, const sfn_loc& l, IntOpt& out, const sfn_str& s, const sfn_str& needle);
[[nodiscard]] int strings_char_count(Ctx& c, const sfn_loc& l, std::int64_t& out, const sfn_str& s);
[[nodiscard]] int strings_reverse(Ctx& c, const sfn_loc& l, sfn_str& out, const sfn_str& s);
[[nodiscard]] int strings_count(Ctx& c, const sfn_loc& l, std::int64_t& out, const sfn_str& s, const sfn_str& needle);

// std.math
[[nodiscard]] int math_sqrt(Ctx& c, const sfn_loc& l, double& out, double x);
[[nodiscard]] int math_pow(Ctx& c, const sfn_loc& l, double& out, double base, double exponent);
[[nodiscard]] int math_floor(Ctx& c, const sfn_loc& l, double& out, double x);
[[nodiscard]] int math_ceil(Ctx& c, const sfn_loc& l, double& out, double x);
[[nodiscard]] int math_round(Ctx& c, const sfn_loc& l, double& out, double x);
[[nodiscard]] int math_trunc(Ctx& c, const sfn_loc& l, double& out, double x);
[[nodiscard]] int math_clamp(Ctx& c, const sfn_loc& l, double& out, double x, double lo, double hi);
[[nodiscard]] int math_hash(Ctx& c, const sfn_loc& l, std::int64_t& out, const sfn_str& s);
[[nodiscard]] int math_exp(Ctx& c, const sfn_loc& l, double& out, double x);
[[nodiscard]] int math_ln(Ctx& c, const sfn_loc& l, double& out, double x);
[[nodiscard]] int math_log10(Ctx& c, const sfn_loc& l, double& out, double x);
[[nodiscard]] int math_pi(Ctx& c, const sfn_loc& l, double& out);
[[nodiscard]] int math_is_nan(Ctx& c, const sfn_loc& l, std::uint8_t& out, double x);
[[nodiscard]] int math_is_finite(Ctx& c, const sfn_loc& l, std::uint8_t& out, double x);

// std.time
[[nodiscard]] int time_format(Ctx& c, const sfn_loc& l, sfn_str& out, std::int64_t t, const sfn_str& pattern);
[[nodiscard]] int time_parse(Ctx& c, const sfn_loc& l, IntOpt& out, const sfn_str& s, const sfn_str& pattern);
[[nodiscard]] int time_start_of_day(Ctx& c, const sfn_loc& l, std::int64_t& out, std::int64_t t);
[[nodiscard]] int time_add_days(Ctx& c, const sfn_loc& l, std::int64_t& out, std::int64_t t, std::int64_t days);
[[nodiscard]] int time_weekday(Ctx& c, const sfn_loc& l, std::int64_t& out, std::int64_t t);
[[nodiscard]] int time_year(Ctx& c, const sfn_loc& l, std::int64_t& out, std::int64_t t);
[[nodiscard]] int time_month(Ctx& c, const sfn_loc& l, std::int64_t& out, std::int64_t t);
[[nodiscard]] int time_day(Ctx& c, const sfn_loc& l, std::int64_t& out, std::int64_t t);
[[nodiscard]] int time_days_between(Ctx& c, const sfn_loc& l, std::int64_t& out, std::int64_t a, std::int64_t b);

}  // namespace sfn::stdlib
