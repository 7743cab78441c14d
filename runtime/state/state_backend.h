// The state backend of one worker: one RocksDB (WAL off: durability comes from flushes at
// shutdown and, later, from snapshots) under a hot in-memory cache of instances whose changed
// states are written back in one WriteBatch at the end of each processing batch. Invocations
// see their state through a Txn: writes go to a private shadow copy and take effect only on
// commit, so a failing invocation leaves no trace. Durable timers and small metadata live in
// the same database. RocksDB types never appear in this header.
//
// Key layout (all integers big-endian, so a key group is one contiguous key range):
//   state value : u32 key_group | 'S' | u32 len | address | state name
//   last call   : u32 key_group | 'S' | u32 len | address            (instances with `after call`)
//   timer       : u32 key_group | 'T' | handle
//   metadata    : u32 0xFFFFFFFF | 'M' | name
// A state value is u64 (little-endian) last-write time in ns, then the value encoded as the
// wrapper message {1: value} (core/codec.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/module.h"
#include "runtime/state/address_table.h"
#include "sfn/runtime.h"

namespace sfn::runtime::state {

class Db;  // the RocksDB handle (state_backend.cpp)

// Where each state of a function type lives in an instance block.
struct FunctionLayout {
  std::vector<uint32_t> offsets;
  uint32_t block_size = 0;
  bool has_after_call = false;
  bool has_expiry = false;
};

// The state slots of one instance, at FunctionLayout offsets: owns the memory (16-byte aligned,
// zeroed when made) and the values in it, which are destroyed with it. `fn` and `layout` must
// outlive it (the backend's, fixed once it is open).
class StateSlots {
 public:
  StateSlots() = default;
  StateSlots(const sfn_function_desc& fn, const FunctionLayout& layout);
  StateSlots(StateSlots&&) noexcept = default;
  StateSlots& operator=(StateSlots&& o) noexcept;
  ~StateSlots() { destroy(); }
  char* get() const { return mem_.get(); }

 private:
  void destroy();
  struct Free {
    void operator()(char* p) const;
  };
  std::unique_ptr<char, Free> mem_;
  const sfn_function_desc* fn_ = nullptr;
  const FunctionLayout* layout_ = nullptr;
};

// One cached instance. Stable in memory until evicted (StateBackend::shrink, between
// invocations).
struct Instance {
  uint32_t function = 0;
  uint32_t key_group = 0;
  std::string address;  // "pkg/Type/key"
  sfn_str self{};       // views `address` (never freed through the ABI)
  sfn_str key_str{};    // views the key part of `address`
  int64_t int_key = 0;
  StateSlots block;                 // the state slots
  std::vector<int64_t> written_at;  // per state: last write time (valid when present)
  std::vector<uint8_t> present;     // per state: holds a written value (not the initializer)
  std::vector<uint8_t> dirty;       // per state: changed since the last write-back
  int64_t last_call = 0;
  bool called = false;  // last_call is valid
  bool last_call_dirty = false;
  // The generation of the backend's dirty list this instance is in (0: none). A generation
  // that was frozen for a snapshot holds values the snapshot must get (StateBackend::freeze);
  // kEncoding while a thread encodes them (the owner and the background encoder claim a frozen
  // instance by changing it; the owner's change to it waits for the other's encoding).
  std::atomic<uint32_t> queued{0};
  static constexpr uint32_t kEncoding = UINT32_MAX;
  uint32_t position = 0;    // in the cache's table (AddressTable)
  uint32_t bytes = 0;       // what it counts for against the cache's bound (estimated)
  bool referenced = false;  // used since the eviction hand last passed (CLOCK)
};

// The cache's numbers (for status and tests).
struct CacheStats {
  uint64_t bytes = 0;  // estimated memory of the cached instances
  uint64_t instances = 0;
  uint64_t hits = 0;    // lookups of a message's instance found in memory
  uint64_t misses = 0;  // ... read from the database (or new)
  uint64_t evictions = 0;
};

// A scheduled delayed message, as persisted.
struct TimerRecord {
  std::string handle;  // "<key group>.<worker>.<seq>"
  int64_t due = 0;     // ns on the runtime clock
  std::string target;  // address
  uint32_t message_type = 0;
  std::string payload;  // Protobuf of the message
};

class StateBackend {
 public:
  // Opens (creating) the database in `dir`. Any version of the program may open it: whether a
  // version may resume the state is decided against the snapshot's schema before (versions.h).
  // The database records the states it was written with (metadata "states"); when this version
  // has other ones, the stored values of states and function types it does not declare are
  // deleted, so a state declared again later starts from its initializer. An `io_error` naming
  // `dir` when it cannot be created, opened or prepared.
  static Result<std::unique_ptr<StateBackend>> open(const std::string& dir, ModulePtr module);
  ~StateBackend();

  const core::Module& module() const { return *module_; }
  const FunctionLayout& layout(uint32_t function) const { return layouts_[function]; }

  // The cached instance for `address` (already parsed), loading it from disk on first use.
  // An error when stored data cannot be read; never null otherwise.
  Result<Instance*> instance(std::string_view address, const core::Address& parsed, uint32_t key_group);
  // An instance only if cached or stored (for `sfn state`); null when it never existed.
  Result<Instance*> find(std::string_view address, const core::Address& parsed, uint32_t key_group);
  // The state of the instance at `address` as a JSON object (expiry applied at `now`); an error
  // for a malformed address, unreadable stored state, or an instance that never stored state.
  Status instance_json(std::string_view address, uint32_t key_groups, int64_t now, std::string* out);

  // Applies `after write` / `after call` expiry of `inst` at time `now` (idempotent).
  void expire(Instance* inst, int64_t now);

  // Writes every changed state (and timers/metadata put since) in one WriteBatch, WAL off.
  // While a frozen set exists (below) nothing is written: the changes wait for the next call.
  Status write_back();

  // ---- asynchronous snapshots: copy-on-write of the changed instances (decision 130) ----
  // Freezes what a snapshot needs, in constant time: the instances changed since the last
  // write-back (their values as they are now) and the timers and metadata put since. Nothing is
  // copied yet: a frozen instance's values are encoded just before it next changes (Txn::commit,
  // expire) and encode_frozen_rest() encodes the others on another thread (or encode_frozen()
  // in steps, on the owning thread). Then write_frozen() writes them and takes the checkpoint on
  // any thread, while the owner goes on (reading, and changing instances: their changes wait in
  // the next generation), and thaw() ends the frozen set. One frozen set at a time.
  void freeze();
  // Encodes up to `max` frozen instances on the owning thread; true once every one is encoded.
  bool encode_frozen(size_t max);
  // Encodes every frozen instance not encoded yet; the one backend call allowed on another
  // thread while the owner goes on (from freeze() until it returns; meanwhile the owner does not
  // call encode_frozen). The owner's change to an instance being encoded waits for it (the
  // longest such wait: frozen_wait()). After it returns, encode_frozen(0) returns true.
  void encode_frozen_rest();
  // The longest time (wall and the owner thread's CPU time, us) a change of the owner waited for
  // the background encoding of its instance since the last freeze().
  std::pair<int64_t, int64_t> frozen_wait() const { return {frozen_wait_us_, frozen_wait_cpu_us_}; }
  // Writes the encoded frozen values into the database (sorted, as one SST file ingested: the
  // memtable is skipped) and a checkpoint of it into `dir` (must not exist; empty: no
  // checkpoint). Allowed off the owning thread, between the encode_frozen() that returned true
  // and thaw(); meanwhile write_back() writes nothing.
  Status write_frozen(const std::string& dir);
  // Ends the frozen set, once write_frozen returned. An error when the frozen values could not
  // be written (a failed checkpoint alone is not one), with the write's cause (the file, e.g. "No
  // space left on device"): the database is then behind the cache, and the owner must fail.
  Status thaw();
  bool frozen() const { return frozen_; }
  // Timers and metadata, written with the next write_back.
  void put_timer(uint32_t key_group, const TimerRecord& t);
  void delete_timer(uint32_t key_group, std::string_view handle);
  void put_meta(std::string_view name, std::string_view value);
  // Reads all stored timers (at start) / one metadata value (false when absent).
  Status load_timers(uint32_t key_groups, const std::function<void(TimerRecord&&)>& visit);
  Status get_meta(std::string_view name, std::string* value, bool* found);

  // Flushes memtables to disk (needed with the WAL off before a clean exit).
  Status flush();
  // Writes a RocksDB checkpoint (hard links) of the current state into `dir` (must not exist).
  Status checkpoint(const std::string& dir);

  // Marks `inst` for the next write_back.
  void mark_dirty(Instance* inst);

  // ---- the bounded cache (decision 131) ----
  // Bounds the estimated memory of the cached instances to `bytes` (0: no bound).
  void set_cache_limit(uint64_t bytes) { cache_limit_ = bytes; }
  // While the cache is over its bound, evicts idle instances (CLOCK: one not used since the hand
  // last passed) down to 90 % of it: changed ones are written back first, clean ones dropped;
  // they are read again, with the same values, write times and last-call time, on next use.
  // Only between invocations (it frees instances), and never while a frozen set exists.
  Status shrink();
  CacheStats cache_stats() const;
  // Payload bytes handed to RocksDB so far (sum of WriteBatch sizes) and RocksDB's own count
  // of bytes written to files (flush + compaction), for the benchmark.
  uint64_t batch_bytes() const { return batch_bytes_; }
  uint64_t db_bytes_written() const;
  size_t cached_instances() const { return cache_.size(); }
  size_t dirty_instances() const { return dirty_list_.size(); }

  // Writes the initializer of state `index` of `function` into raw memory `slot`.
  void init_state(uint32_t function, uint32_t index, void* slot) const;

  // Message types are numbered by their index in the module (declaration order); timers and
  // in-flight records carry that number. The database records the names in that order
  // (metadata "message_types"). When it was written by a version of the program that numbers
  // them differently, open() renumbers the stored timers by name, takes out those of message
  // types this version does not have (take_orphaned_timers), and this translates the numbers of
  // the in-flight records of the snapshot the database was restored from: the number in this
  // module, or kUnknownMessageType for a type it does not have (written_message_name names it).
  static constexpr uint32_t kUnknownMessageType = UINT32_MAX;
  uint32_t renumbered_message_type(uint32_t written) const;
  std::string written_message_name(uint32_t written) const;
  std::vector<TimerRecord> take_orphaned_timers() { return std::move(orphaned_timers_); }

 private:
  StateBackend() = default;
  Status renumber_message_types();
  Status renumber_timers();
  Status drop_removed_states();
  Result<Instance*> load(std::string_view address, const core::Address& parsed, uint32_t key_group, bool create);
  // Where encode_instance puts an instance's values: the pending batch (write_back), the
  // owner's frozen batches, or the background encoder's (encode_frozen_rest).
  enum class Into { pending, frozen, frozen_background };
  // Encodes `inst`'s dirty values and clears them.
  void encode_instance(Instance* inst, Into into);
  // Before `inst` changes: a frozen instance's values go to the frozen batch first.
  void preserve(Instance* inst) {
    if (frozen_gen_ == 0) return;
    const uint32_t q = inst->queued.load(std::memory_order_acquire);
    if (q != 0 && (q == frozen_gen_ || q == Instance::kEncoding)) preserve_frozen(inst, q);
  }
  void preserve_frozen(Instance* inst, uint32_t queued);
  friend class Txn;

  ModulePtr module_;
  std::unique_ptr<Db> db_;
  std::vector<FunctionLayout> layouts_;
  AddressTable<Instance> cache_;
  uint64_t cache_limit_ = 0, cache_bytes_ = 0;
  size_t hand_ = 0;  // the eviction hand's position in cache_.items()
  uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
  std::vector<Instance*> dirty_list_;  // of generation gen_
  uint32_t gen_ = 1;
  // The frozen set: its generation (0: none yet), its instances, the next one to encode.
  bool frozen_ = false;
  std::string frozen_write_error_;  // set by write_frozen (any thread) when it failed, read by thaw
  uint32_t frozen_gen_ = 0;
  std::vector<Instance*> frozen_list_;
  size_t frozen_next_ = 0;
  int64_t frozen_wait_us_ = 0, frozen_wait_cpu_us_ = 0;
  std::atomic<uint64_t> frozen_grown_bytes_{0};  // cache bytes the background encoder found
  uint64_t batch_bytes_ = 0;
  std::string key_buf_, value_buf_;
  std::string bg_key_buf_, bg_value_buf_;   // the background encoder's
  std::vector<std::string> written_types_;  // the writing version's message types, when they differ
  std::vector<uint32_t> renumbering_;       // written number -> number here (kUnknownMessageType)
  std::vector<TimerRecord> orphaned_timers_;
};

// Key encodings (exposed for tests and the snapshot code).
std::string state_key(uint32_t key_group, std::string_view address, std::string_view state_name);
std::string timer_key(uint32_t key_group, std::string_view handle);

// Rescaling (docs/decisions/114-rescaling.md). The metadata a worker keeps its timer handle
// counter in: handles are "<key group>.<worker>.<seq>" with seq from this counter.
inline constexpr std::string_view kTimerSeqMeta = "timer_seq";

struct RescaleStats {
  uint64_t keys = 0;   // keys copied (state values, last calls, timers, metadata)
  uint64_t bytes = 0;  // their keys' and values' bytes
};

// Builds the databases of `to.size()` workers from those of `from.size()` workers over the same
// `key_groups` key groups, owned as core::worker_of says. Each `from` entry is a directory
// holding a database (a restored checkpoint; opened read-only, never changed); each `to` entry
// must not exist or be empty. A new database holds the key ranges of the key groups its worker
// now owns, each copied from the old database that owned it, and the old databases' metadata
// merged: kTimerSeqMeta the largest of all (so a new worker never mints a timer handle that was
// minted before), every other name equal in all of them (else an error naming it).
Status rebuild_for_workers(const std::vector<std::string>& from, const std::vector<std::string>& to,
                           uint32_t key_groups, RescaleStats* stats);

// The invocation view of one instance's state (see the file comment). Reused across
// invocations by a worker; begin() must be followed by exactly one commit() or abort().
class Txn {
 public:
  explicit Txn(StateBackend* backend) : backend_(backend) {}
  ~Txn();
  void begin(Instance* inst, int64_t now);
  const void* get(uint32_t index);
  void* mut(uint32_t index);
  // index == UINT32_MAX clears every state.
  void clear(uint32_t index);
  void commit();
  void abort();
  Instance* instance() const { return inst_; }

 private:
  void* shadow(uint32_t index);
  void release_shadows(bool apply);
  StateBackend* backend_;
  Instance* inst_ = nullptr;
  int64_t now_ = 0;
  std::vector<char> shadow_block_;  // same layout as the instance block
  char* shadow_base_ = nullptr;
  std::vector<uint8_t> shadowed_;  // per state: shadow holds the working value
  std::vector<uint8_t> cleared_;   // per state: reset to initializer in this txn
  std::vector<uint32_t> touched_;
};

}  // namespace sfn::runtime::state
