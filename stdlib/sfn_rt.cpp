// The extern "C" helper surface of compiled SFN code (sfn_rt.h). Error texts are the ones
// LANGUAGE.md and decision 31 fix; the std fns adapt the implementations of std_*.cpp (which
// report raised errors as SFN_RAISED, never by throwing) to one C shape.
#include "sfn_rt.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sfn_std.h"

namespace {

using sfn::abi::svc;

int raise(sfn_ctx* ctx, const std::string& text, const sfn_loc* loc) {
  return ctx->svc->raise(ctx, text.data(), text.size(), loc);
}

std::string format_value(const sfn_type* type, const void* value) {
  sfn_str out{};
  svc().value_format(type, value, &out);
  std::string result(sfn::abi::view(out));
  svc().value_destroy(&sfn::abi::kString, &out);
  return result;
}

// An argument of a std fn from the slot `p` points at.
template <class T>
decltype(auto) arg(void* p) {
  using V = std::remove_cvref_t<T>;
  if constexpr (std::is_reference_v<T>)
    return *static_cast<const V*>(p);
  else
    return V(*static_cast<const V*>(p));
}

template <class Out, class... Args, std::size_t... I>
int call_std(int (*f)(sfn::abi::Ctx&, const sfn_loc&, Out&, Args...), sfn_ctx* ctx, const sfn_loc* loc, void* out,
             void* const* args, std::index_sequence<I...>) {
  sfn::abi::Ctx c(ctx);
  return f(c, *loc, *static_cast<Out*>(out), arg<Args>(args[I])...);
}

template <class Out, class... Args>
int call_std(int (*f)(sfn::abi::Ctx&, const sfn_loc&, Out&, Args...), sfn_ctx* ctx, const sfn_loc* loc, void* out,
             void* const* args) {
  return call_std(f, ctx, loc, out, args, std::index_sequence_for<Args...>{});
}

}  // namespace

// The std fns: sfn_std_<module>_<name>.
// clang-format off
#define SFN_STD_FNS(X)                                                                              \
  X(strings, join) X(strings, repeat) X(strings, pad_left) X(strings, pad_right) X(strings, to_int) \
  X(strings, to_float) X(strings, index_of) X(strings, last_index_of) X(strings, char_count)        \
  X(strings, reverse) X(strings, count)                                                             \
  X(math, sqrt) X(math, pow) X(math, floor) X(math, ceil) X(math, round) X(math, trunc)             \
  X(math, clamp) X(math, hash) X(math, exp) X(math, ln) X(math, log10) X(math, pi) X(math, is_nan)  \
  X(math, is_finite)                                                                                \
  X(time, format) X(time, parse) X(time, start_of_day) X(time, add_days) X(time, weekday)           \
  X(time, year) X(time, month) X(time, day) X(time, days_between)
// clang-format on

extern "C" {

void sfn_rt_init(const sfn_services* services) { sfn::abi::g_services = services; }

int sfn_rt_raise_index(sfn_ctx* ctx, int64_t index, uint64_t len, const sfn_loc* loc) {
  return raise(ctx, "index " + std::to_string(index) + " out of range for list of length " + std::to_string(len), loc);
}

int sfn_rt_raise_insert_index(sfn_ctx* ctx, int64_t index, uint64_t len, const sfn_loc* loc) {
  return raise(ctx,
               "index " + std::to_string(index) + " out of range for insert into list of length " + std::to_string(len),
               loc);
}

int sfn_rt_raise_missing_key(sfn_ctx* ctx, const sfn_type* map_type, const void* key, const sfn_loc* loc) {
  std::string k = format_value(map_type->key, key);
  if (map_type->key->kind == SFN_STRING) k = "\"" + k + "\"";
  return raise(ctx, "key " + k + " not found in map", loc);
}

int sfn_rt_raise_depth(sfn_ctx* ctx, const sfn_loc* loc) {
  return raise(ctx, "recursion deeper than " + std::to_string(ctx->max_depth), loc);
}

int sfn_rt_raise_text(sfn_ctx* ctx, const char* text, const sfn_loc* loc) {
  return ctx->svc->raise(ctx, text, std::strlen(text), loc);
}

int sfn_rt_float_to_int(sfn_ctx* ctx, double x, int64_t* out, const sfn_loc* loc) {
  // In range: -2^63 <= x < 2^63 (both bounds exact doubles); truncates toward zero.
  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
    return raise(ctx, "invalid conversion: float " + format_value(&sfn::abi::kFloat, &x) + " out of range for int",
                 loc);
  *out = static_cast<int64_t>(x);
  return SFN_OK;
}

double sfn_rt_min_float(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  if (a == b) return std::signbit(a) ? a : b;
  return a < b ? a : b;
}

double sfn_rt_max_float(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  if (a == b) return std::signbit(a) ? b : a;
  return a < b ? b : a;
}

// Through the value operations, so the box is charged to the invocation's memory budget.
void sfn_rt_wrap_message(const sfn_type* inner, void** dst, const void* src) {
  const sfn_type optional{SFN_OPTIONAL, inner, nullptr, nullptr, nullptr, nullptr};
  void* box = nullptr;
  svc().value_copy(&optional, &box, &src);  // a copy first: `src` may live inside *dst
  svc().value_destroy(&optional, dst);
  *dst = box;
}

// Formatted pieces first, then the result built in place at its size (a few long strings must
// not need their sum twice).
void sfn_rt_interpolate(sfn_str* dst, const sfn_rt_piece* pieces, uint64_t count) {
  std::vector<std::string> formatted(count);
  std::vector<std::string_view> parts(count);
  uint64_t n = 0;
  for (uint64_t i = 0; i < count; ++i) {
    const sfn_rt_piece& p = pieces[i];
    if (!p.type)
      parts[i] = std::string_view(p.text, p.len);
    else if (p.type->kind == SFN_STRING)
      parts[i] = sfn::abi::view(*static_cast<const sfn_str*>(p.value));
    else
      parts[i] = formatted[i] = format_value(p.type, p.value);
    n += parts[i].size();
  }
  sfn::stdlib::Built b(n);
  if (!b.ok()) return svc().str_assign(dst, nullptr, 0);  // refused: the invocation is failing
  char* at = b.data();
  for (std::string_view part : parts) {
    if (!part.empty()) std::memcpy(at, part.data(), part.size());
    at += part.size();
  }
  b.into(*dst);
}

#define SFN_STD_DEFINE(mod, name)                                                              \
  int sfn_std_##mod##_##name(sfn_ctx* ctx, const sfn_loc* loc, void* out, void* const* args) { \
    return call_std(sfn::stdlib::mod##_##name, ctx, loc, out, args);                           \
  }
SFN_STD_FNS(SFN_STD_DEFINE)
#undef SFN_STD_DEFINE

sfn_rt_std_fn sfn_rt_std_lookup(const char* module, const char* name) {
  struct Entry {
    const char* module;
    const char* name;
    sfn_rt_std_fn fn;
  };
#define SFN_STD_ENTRY(mod, name) {#mod, #name, sfn_std_##mod##_##name},
  static const Entry entries[] = {SFN_STD_FNS(SFN_STD_ENTRY)};
#undef SFN_STD_ENTRY
  for (const auto& e : entries)
    if (std::strcmp(e.module, module) == 0 && std::strcmp(e.name, name) == 0) return e.fn;
  return nullptr;
}

const sfn_rt_symbol* sfn_rt_symbols(uint64_t* count) {
#define SFN_RT_SYMBOL(fn) {#fn, reinterpret_cast<void*>(&fn)},
#define SFN_STD_SYMBOL(mod, name) SFN_RT_SYMBOL(sfn_std_##mod##_##name)
  static const sfn_rt_symbol symbols[] = {
      SFN_RT_SYMBOL(sfn_rt_init) SFN_RT_SYMBOL(sfn_rt_raise_index) SFN_RT_SYMBOL(sfn_rt_raise_insert_index)
          SFN_RT_SYMBOL(sfn_rt_raise_missing_key) SFN_RT_SYMBOL(sfn_rt_raise_text) SFN_RT_SYMBOL(sfn_rt_raise_depth)
              SFN_RT_SYMBOL(sfn_rt_float_to_int) SFN_RT_SYMBOL(sfn_rt_min_float) SFN_RT_SYMBOL(sfn_rt_max_float)
                  SFN_RT_SYMBOL(sfn_rt_wrap_message) SFN_RT_SYMBOL(sfn_rt_interpolate) SFN_STD_FNS(SFN_STD_SYMBOL)};
#undef SFN_STD_SYMBOL
#undef SFN_RT_SYMBOL
  *count = sizeof symbols / sizeof symbols[0];
  return symbols;
}

}  // extern "C"
