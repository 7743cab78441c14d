// Inline C++ wrappers over the SFN module ABI (sfn/abi.h) for the C++ backend and hand-written
// modules. They add no behaviour: each call forwards to the service table. A runtime error is
// turned into a C++ exception (`Raised`) *inside the module* so generated code can be written
// as straight-line C++; the entry-point adapters (`handler_entry`, `route_entry`) catch it and
// return SFN_RAISED, so no exception ever crosses the C boundary.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "sfn/abi.h"

namespace sfn::abi {

// The service table of this module (each shared object has its own copy). Set by the module's
// `sfn_module_v1` before anything else runs; see SFN_DEFINE_MODULE_ENTRY.
inline const sfn_services* g_services = nullptr;
inline const sfn_services& svc() { return *g_services; }

// Thrown by the wrappers after `raise`; caught by the entry adapters below.
struct Raised {};

// `T?` for a non-message T, laid out as abi.h requires: presence byte, then the value.
template <class T>
struct Optional {
  uint8_t present;
  T value;
};

// Type descriptors of the scalar types, for the generic value operations.
inline constexpr sfn_type kInt{SFN_INT, nullptr, nullptr, nullptr, nullptr, nullptr};
inline constexpr sfn_type kFloat{SFN_FLOAT, nullptr, nullptr, nullptr, nullptr, nullptr};
inline constexpr sfn_type kBool{SFN_BOOL, nullptr, nullptr, nullptr, nullptr, nullptr};
inline constexpr sfn_type kString{SFN_STRING, nullptr, nullptr, nullptr, nullptr, nullptr};
inline constexpr sfn_type kBytes{SFN_BYTES, nullptr, nullptr, nullptr, nullptr, nullptr};
inline constexpr sfn_type kTime{SFN_TIME, nullptr, nullptr, nullptr, nullptr, nullptr};
inline constexpr sfn_type kDuration{SFN_DURATION, nullptr, nullptr, nullptr, nullptr, nullptr};
inline constexpr sfn_type kTimer{SFN_TIMER, nullptr, nullptr, nullptr, nullptr, nullptr};
inline constexpr sfn_type message_type(const sfn_message_desc* m) {
  return sfn_type{SFN_MESSAGE, nullptr, nullptr, m, nullptr, nullptr};
}

// Views and assignment of sfn_str.
inline std::string_view view(const sfn_str& s) { return {s.data ? s.data : "", s.len}; }
inline void assign(sfn_str& s, std::string_view text) { svc().str_assign(&s, text.data(), text.size()); }
inline void destroy(const sfn_type& t, void* slot) { svc().value_destroy(&t, slot); }
// string(x) per LANGUAGE.md §10.
inline std::string format(const sfn_type& t, const void* value) {
  sfn_str out{};
  svc().value_format(&t, value, &out);
  std::string result(view(out));
  svc().value_destroy(&kString, &out);
  return result;
}

// An owned string local (destroyed at scope end).
struct Str {
  sfn_str s{};
  Str() = default;
  explicit Str(std::string_view text) { assign(s, text); }
  Str(const Str&) = delete;
  Str& operator=(const Str&) = delete;
  ~Str() { svc().value_destroy(&kString, &s); }
  std::string_view view() const { return abi::view(s); }
};

// The invocation context as seen by generated C++.
class Ctx {
 public:
  explicit Ctx(sfn_ctx* ctx) : ctx_(ctx) {}
  sfn_ctx* raw() const { return ctx_; }

  const sfn_str& self() const { return *ctx_->svc->self(ctx_); }
  int64_t key_int() const { return ctx_->svc->key_int(ctx_); }
  std::string_view key_str() const { return view(*ctx_->svc->key_str(ctx_)); }

  template <class T>
  const T& get(uint32_t state) const {
    return *static_cast<const T*>(ctx_->svc->state_get(ctx_, state));
  }
  template <class T>
  T& mut(uint32_t state) {
    return *static_cast<T*>(ctx_->svc->state_mut(ctx_, state));
  }
  void clear(uint32_t state) { ctx_->svc->state_clear(ctx_, state); }
  void clear_all() { ctx_->svc->state_clear(ctx_, UINT32_MAX); }

  // Moves `msg`. `loc` (the send statement) is named in the dead letter if the send raises.
  template <class M>
  void send(const sfn_str& address, uint32_t message_type, M& msg, const sfn_loc* loc = nullptr) {
    if (ctx_->svc->send(ctx_, &address, message_type, &msg, loc) != SFN_OK) throw Raised{};
  }
  template <class M>
  void send_after(const sfn_str& address, uint32_t message_type, M& msg, int64_t delay_ns, sfn_str& out_timer,
                  const sfn_loc* loc = nullptr) {
    if (ctx_->svc->send_after(ctx_, &address, message_type, &msg, delay_ns, &out_timer, loc) != SFN_OK) throw Raised{};
  }
  void cancel(const sfn_str& timer) { ctx_->svc->cancel(ctx_, &timer); }
  template <class M>
  void emit(uint32_t egress, M& msg) {
    ctx_->svc->emit(ctx_, egress, &msg);
  }
  int64_t now() const { return ctx_->svc->now(ctx_); }
  void log(std::string_view text) { ctx_->svc->log(ctx_, text.data(), text.size()); }

  // Raises a runtime error without throwing and returns SFN_RAISED (for code that reports
  // errors as status codes, such as the standard library's extern fns).
  [[nodiscard]] int raised(std::string_view message, const sfn_loc& loc) {
    return ctx_->svc->raise(ctx_, message.data(), message.size(), &loc);
  }
  // Raises a runtime error; never returns normally.
  [[noreturn]] void raise(std::string_view message, const sfn_loc& loc) {
    (void)raised(message, loc);
    throw Raised{};
  }
  // Raises `error` when non-null (for value operations returning an error text).
  void check(const char* error, const sfn_loc& loc) {
    if (error) raise(error, loc);
  }

 private:
  sfn_ctx* ctx_;
};

// Adapts `Body(Ctx&, const M&)` to an sfn_handler_fn.
template <class M, void (*Body)(Ctx&, const M&)>
int handler_entry(sfn_ctx* ctx, const void* msg) {
  Ctx c(ctx);
  try {
    Body(c, *static_cast<const M*>(msg));
    return SFN_OK;
  } catch (const Raised&) {
    return SFN_RAISED;
  }
}

// Adapts `Body(Ctx&, const M&, sfn_str& out)` to an sfn_route_fn.
template <class M, void (*Body)(Ctx&, const M&, sfn_str&)>
int route_entry(sfn_ctx* ctx, const void* msg, sfn_str* out) {
  Ctx c(ctx);
  try {
    Body(c, *static_cast<const M*>(msg), *out);
    return SFN_OK;
  } catch (const Raised&) {
    return SFN_RAISED;
  }
}

}  // namespace sfn::abi

// Defines the exported entry `sfn_module_v1` returning `descriptor` (an sfn_module object).
#define SFN_DEFINE_MODULE_ENTRY(descriptor)                                                                         \
  extern "C" __attribute__((visibility("default"))) const sfn_module* sfn_module_v1(const sfn_services* services) { \
    ::sfn::abi::g_services = services;                                                                              \
    return &(descriptor);                                                                                           \
  }
