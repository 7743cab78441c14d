// What a unit test needs to call the standard library's functions directly (sfn_std.h): an
// invocation that records a raise and nothing else, and an owned sfn_str.
#pragma once

#include <string>
#include <string_view>

#include "runtime/core/module.h"
#include "runtime/core/value.h"
#include "sfn_rt.h"

namespace sfn::runtime::core {

// The invocation std fns run in: a raise is recorded, nothing else is used.
class Probe final : public Invocation {
 public:
  std::string raised;

  const sfn_str* self_address() override { return &empty_; }
  int64_t key_int() override { return 0; }
  const sfn_str* key_str() override { return &empty_; }
  const void* state_get(uint32_t) override { return nullptr; }
  void* state_mut(uint32_t) override { return nullptr; }
  void state_clear(uint32_t) override {}
  int send(const sfn_str*, uint32_t, void*, int64_t, sfn_str*, const sfn_loc*) override { return SFN_RAISED; }
  void cancel(const sfn_str*) override {}
  void emit(uint32_t, void*) override {}
  int64_t now() override { return 0; }
  void log(std::string_view) override {}
  int raise(std::string_view message, const sfn_loc*) override {
    raised.assign(message);
    return SFN_RAISED;
  }

 private:
  sfn_str empty_{};
};

// An owned sfn_str.
struct Text {
  sfn_str s{};
  explicit Text(std::string_view v = {}) { str_set(&s, v); }
  ~Text() { str_free(&s); }
  Text(const Text&) = delete;
  Text& operator=(const Text&) = delete;
  std::string_view view() const { return str_view(s); }
};

}  // namespace sfn::runtime::core
