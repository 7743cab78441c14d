// A loaded SFN module (sfn/abi.h) with the indexes the runtime needs on its hot path: function
// types by name, handlers by (function, message type), ingress and egress by name. Also
// addresses ("pkg/Type/key") and key groups. A Module is validated once at load, immutable
// afterwards and shared by all workers.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/core/value.h"
#include "sfn/abi.h"
#include "sfn/runtime.h"

namespace sfn::runtime::core {

// A parsed address. `type_name` and `key` view into the text it was parsed from.
struct Address {
  uint32_t function = 0;       // index into sfn_module.functions
  std::string_view type_name;  // "pkg/Name"
  std::string_view key;        // the key text ("Ann", "42")
  int64_t int_key = 0;         // for int-keyed function types
};

// Stable 64-bit hash of an address text: FNV-1a followed by the splitmix64 finalizer. Never
// changes between versions (state placement depends on it).
uint64_t address_hash(std::string_view address);
// hash(address) mod groups.
inline uint32_t key_group_of(std::string_view address, uint32_t groups) {
  return static_cast<uint32_t>(address_hash(address) % groups);
}
// The worker that owns key group `kg` of a run with `workers` workers.
inline unsigned worker_of(uint32_t kg, unsigned workers) { return kg % workers; }

// The egress index the runtime uses for dead letters: module egress_count.
// The dead-letter record's message type (runtime-defined): {address, message_type, message
// (JSON text), error, location, epoch}.
const sfn_message_desc* dead_letter_desc();
struct DeadLetter {
  sfn_str address;
  sfn_str message_type;
  sfn_str message;  // JSON text of the failed message
  sfn_str error;
  sfn_str location;  // "file:line:col"
  int64_t epoch;
};

class Module {
 public:
  // Validates `desc` and builds the indexes. `keep_alive` holds the dlopen handle, if any.
  // An invalid descriptor is an `incompatible` error naming the first problem.
  static Result<std::shared_ptr<const Module>> create(const sfn_module* desc, std::shared_ptr<void> keep_alive);

  const sfn_module& desc() const { return *desc_; }
  const std::string& package() const { return package_; }

  // Function type index by "pkg/Name"; -1 when unknown.
  int function_index(std::string_view type_name) const;
  int ingress_index(std::string_view name) const;
  // Module egresses 0..n-1, "dead_letters" = n; -1 when unknown.
  int egress_index(std::string_view name) const;
  uint32_t dead_letters_egress() const { return desc_->egress_count; }
  std::string_view egress_name(uint32_t egress) const;
  const sfn_message_desc* egress_message(uint32_t egress) const;

  // The handler of `function` for `message_type`, or null.
  sfn_handler_fn handler(uint32_t function, uint32_t message_type) const {
    return handlers_[function * desc_->message_count + message_type];
  }
  const sfn_message_desc* message(uint32_t message_type) const { return desc_->messages[message_type]; }
  const sfn_type* message_type(uint32_t message_type) const { return &message_types_[message_type]; }
  int message_index(const sfn_message_desc* desc) const;

  // Parses "pkg/Type/key" against this module (the Address views into `text`); an
  // `invalid_argument` error naming the address otherwise.
  Result<Address> parse_address(std::string_view text) const;

 private:
  // Validates function type `f` and indexes its handlers and name.
  Status add_function(uint32_t f);

  const sfn_module* desc_ = nullptr;
  std::shared_ptr<void> keep_alive_;
  std::string package_;
  struct NameHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  struct NameEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const { return a == b; }
  };
  std::unordered_map<std::string, uint32_t, NameHash, NameEq> functions_;
  std::vector<sfn_handler_fn> handlers_;
  std::vector<sfn_type> message_types_;
};

// The service table given to modules (value operations + invocation services dispatching to
// the Invocation behind the ctx).
const sfn_services* services();

// The budget of one invocation (decision 110). Fuel is handed to generated code in slices of kFuelSlice, so a run that
// is stopping is noticed between two slices (about a millisecond of a tight loop).
using Budget = InvocationBudget;  // sfn/runtime.h
inline constexpr int64_t kFuelSlice = int64_t{1} << 20;
inline constexpr uint32_t kMaxDepthLimit = 100'000;  // more overflows a worker thread's stack
// The range of --max-invocation-memory and --max-invocation-effects.
inline constexpr uint64_t kMinInvocationMemory = uint64_t{64} << 10;
inline constexpr uint64_t kMaxInvocationMemory = uint64_t{1} << 40;
inline constexpr uint64_t kMaxInvocationEffects = 1'000'000'000;
// "256 MiB", "64 KiB", "1000 bytes": a size as the budget options take it.
std::string size_text(uint64_t bytes);

// The runtime side of an `sfn_ctx`: implemented by the worker for handlers and by the ingress
// path for routes. The services in the table cast the ctx back to this class.
class Invocation : public sfn_ctx {
 public:
  Invocation() : meter_(this) {
    svc = services();
    begin_budget(Budget{});
  }
  virtual ~Invocation() = default;
  // Before each invocation: the whole budget, depth 0.
  void begin_budget(const Budget& b);
  // Runs generated code (a handler or a route) with this invocation's memory meter running.
  template <class F>
  int run(F&& body) {
    MemoryMeter::Scope scope(meter_);
    return body();
  }
  // The `refuel` service: the next slice of fuel, or a raise at `loc` when the budget is spent
  // or stop_requested().
  int refuel(const sfn_loc* loc);
  // Counts one effect (a send, timer, emit or cancel) and `bytes` it buffers against the budget;
  // false past the effects budget. Either overrun fails the invocation (overrun()).
  bool add_effect(uint64_t bytes);
  // Why the invocation fails whatever its code returned, or "": the memory budget refused an
  // allocation, or it had more effects than its budget. Reported instead of the error raised
  // after it (a refused value leaves empty values behind, which may raise other errors).
  std::string overrun() const;
  // The last invocation was aborted because the run is stopping: it is not the program's fault
  // (no dead letter) and runs again after a restart.
  bool interrupted() const { return interrupted_; }
  virtual bool stop_requested() { return false; }
  virtual const sfn_str* self_address() = 0;
  virtual int64_t key_int() = 0;
  virtual const sfn_str* key_str() = 0;
  virtual const void* state_get(uint32_t index) = 0;
  virtual void* state_mut(uint32_t index) = 0;
  virtual void state_clear(uint32_t index) = 0;
  virtual int send(const sfn_str* address, uint32_t message_type, void* msg, int64_t delay_ns, sfn_str* out_timer,
                   const sfn_loc* loc) = 0;
  virtual void cancel(const sfn_str* timer) = 0;
  virtual void emit(uint32_t egress, void* msg) = 0;
  virtual int64_t now() = 0;
  virtual void log(std::string_view text) = 0;
  virtual int raise(std::string_view message, const sfn_loc* loc) = 0;

 private:
  int64_t fuel_total_ = 0;  // the budget's fuel
  int64_t fuel_left_ = 0;   // beyond the current slice
  bool interrupted_ = false;
  MemoryMeter meter_;
  uint64_t effects_ = 0, max_effects_ = 0;
};

}  // namespace sfn::runtime::core
