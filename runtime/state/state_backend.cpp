// RocksDB state backend with a hot in-memory cache and write-back batches (see
// state_backend.h). Every RocksDB Status is checked and turned into a runtime Status.
#include "runtime/state/state_backend.h"

#include <time.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdarg>
#include <cstring>
#include <deque>
#include <filesystem>
#include <map>
#include <thread>
#include <unordered_map>
#include <utility>

#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/statistics.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

#include "common/bits.h"
#include "runtime/core/codec.h"
#include "runtime/core/text.h"
#include "runtime/core/value.h"

namespace sfn::runtime::state {

class Db {
 public:
  std::unique_ptr<rocksdb::DB> db;
  std::shared_ptr<rocksdb::Statistics> stats;
  rocksdb::WriteBatch pending;  // timers and metadata waiting for the next write_back
  // What a snapshot writes (StateBackend::freeze), in batches of about kFrozenBatchBytes: one
  // batch growing to the size of the changed state would copy itself whenever it doubles, a
  // pause of milliseconds on the worker thread.
  // `frozen` is the owner's (the timers and metadata first), `frozen_background` the background
  // encoder's (StateBackend::encode_frozen_rest).
  std::deque<rocksdb::WriteBatch> frozen, frozen_background;
  static rocksdb::WriteBatch& last_batch(std::deque<rocksdb::WriteBatch>& batches) {
    if (batches.empty() || batches.back().GetDataSize() >= kFrozenBatchBytes) batches.emplace_back();
    return batches.back();
  }
  static constexpr size_t kFrozenBatchBytes = 256 << 10;
};

namespace {

using bits::align_up;
using bits::get_le32;
using bits::get_le64;
using bits::put_be32;
using bits::put_le64;

void instance_prefix(std::string& out, uint32_t kg, std::string_view address) {
  out.clear();
  put_be32(out, kg);
  out.push_back('S');
  put_be32(out, static_cast<uint32_t>(address.size()));
  out += address;
}

Status rocks_error(const char* what, const rocksdb::Status& s) {
  return Error(ErrorCode::io_error, std::string("state store: ") + what + ": " + s.ToString());
}

const std::string kMetaMessageTypes = "message_types";
const std::string kMetaStates = "states";

// The module's states, one "pkg/Type state" per line.
std::string state_names(const sfn_module& m) {
  std::string out;
  for (uint32_t f = 0; f < m.function_count; ++f)
    for (uint32_t i = 0; i < m.functions[f].state_count; ++i)
      out += std::string(m.functions[f].type_name) + " " + m.functions[f].states[i].name + "\n";
  return out;
}

// The module's message type names in number order, one per line.
std::string message_type_names(const sfn_module& m) {
  std::string out;
  for (uint32_t i = 0; i < m.message_count; ++i) (out += m.messages[i]->name) += '\n';
  return out;
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
    out.push_back(text.substr(at, nl - at));
  return out;
}

std::string meta_key(std::string_view name) {
  std::string k;
  put_be32(k, 0xFFFFFFFFu);
  k.push_back('M');
  k += name;
  return k;
}

}  // namespace

std::string state_key(uint32_t kg, std::string_view address, std::string_view state_name) {
  std::string k;
  instance_prefix(k, kg, address);
  k += state_name;
  return k;
}

std::string timer_key(uint32_t kg, std::string_view handle) {
  std::string k;
  put_be32(k, kg);
  k.push_back('T');
  k += handle;
  return k;
}

namespace {

// RocksDB's information log, kept off the disk: its LOG file in the database directory is one
// more thing a full disk breaks (and Debian's librocksdb, built with assertions, aborts the
// process on the next log line after a failed write: issue 23). Every error reaches us as a
// status, named with its file, so the log's lines are not needed.
class NoLogger : public rocksdb::Logger {
 public:
  NoLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::FATAL_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
  void Logv(const rocksdb::InfoLogLevel, const char*, va_list) override {}
};

// The options every state database is opened with (statistics apart).
rocksdb::Options store_options() {
  rocksdb::Options options;
  options.create_if_missing = true;
  // WAL off: a snapshot's checkpoint flushes the memtable while the worker waits, so smaller
  // memtables (flushed in the background as they fill) shorten that pause (64 MB -> 8 MB about
  // halved it; docs/PERFORMANCE.md "Snapshots").
  options.write_buffer_size = 8u << 20;
  options.max_open_files = 64;  // bounded, so a run's open files are predictable (worker/hub.cpp)
  options.info_log = std::make_shared<NoLogger>();
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // First touches of new instances are mostly misses: a memtable bloom filter makes them cheap.
  options.memtable_whole_key_filtering = true;
  options.memtable_prefix_bloom_size_ratio = 0.05;
  return options;
}

}  // namespace

Result<std::unique_ptr<StateBackend>> StateBackend::open(const std::string& dir, ModulePtr module) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(ErrorCode::io_error, "cannot create state directory " + dir + ": " + ec.message());
  std::unique_ptr<StateBackend> b(new StateBackend());
  b->module_ = std::move(module);
  b->db_ = std::make_unique<Db>();
  rocksdb::Options options = store_options();
  options.statistics = rocksdb::CreateDBStatistics();
  b->db_->stats = options.statistics;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) return Error(ErrorCode::io_error, "cannot open state store " + dir + ": " + s.ToString());
  b->db_->db.reset(raw);

  // Which program versions may use this database is decided before it is opened, against the
  // schema of the snapshot it was restored from (embedded/versions.h): states are stored by name
  // and read with the current types, so a compatible version reads them as they are; message
  // types are stored by number, renumbered here when the version numbers them differently.
  Status r = b->renumber_message_types();
  if (r) r = b->drop_removed_states();
  if (!r) return Error(r.error().code, "state store " + dir + ": " + r.error().message);
  const sfn_module& m = b->module_->desc();
  for (uint32_t f = 0; f < m.function_count; ++f) {
    FunctionLayout fl;
    uint32_t off = 0, max_align = 8;
    const sfn_function_desc& fn = m.functions[f];
    for (uint32_t i = 0; i < fn.state_count; ++i) {
      core::SlotLayout sl = core::slot_layout(fn.states[i].type);
      off = align_up(off, sl.align);
      fl.offsets.push_back(off);
      off += sl.size;
      max_align = std::max(max_align, sl.align);
      if (fn.states[i].expiry == SFN_EXPIRE_AFTER_CALL) fl.has_after_call = true;
      if (fn.states[i].expiry != SFN_EXPIRE_NONE) fl.has_expiry = true;
    }
    fl.block_size = align_up(std::max<uint32_t>(off, 1), 16);
    b->layouts_.push_back(std::move(fl));
  }
  return b;
}

Status StateBackend::renumber_message_types() {
  const std::string names = message_type_names(module_->desc());
  std::string stored;
  bool found = false;
  if (Status s = get_meta(kMetaMessageTypes, &stored, &found); !s) return s;
  if (found && stored == names) return ok_status();
  if (found) {
    std::unordered_map<std::string, uint32_t> now;
    for (uint32_t i = 0; i < module_->desc().message_count; ++i) now.emplace(module_->desc().messages[i]->name, i);
    written_types_ = split_lines(stored);
    for (const std::string& name : written_types_) {
      auto it = now.find(name);
      renumbering_.push_back(it == now.end() ? kUnknownMessageType : it->second);
    }
    if (Status s = renumber_timers(); !s) return s;
  }
  put_meta(kMetaMessageTypes, names);
  return write_back();
}

// Rewrites every stored timer with this module's number of its message type; takes out those of
// types it does not have. Timer keys are `kg | 'T' | handle`: one seek per key group present.
Status StateBackend::renumber_timers() {
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(rocksdb::ReadOptions()));
  for (uint64_t kg = 0; kg < 0xFFFFFFFFu;) {
    std::string prefix;
    put_be32(prefix, static_cast<uint32_t>(kg));
    it->Seek(prefix);
    if (!it->Valid() || it->key().size() < 4) break;
    kg = (uint64_t(uint8_t(it->key()[0])) << 24) | (uint8_t(it->key()[1]) << 16) | (uint8_t(it->key()[2]) << 8) |
         uint8_t(it->key()[3]);
    prefix.clear();
    put_be32(prefix, static_cast<uint32_t>(kg));
    prefix.push_back('T');
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      std::string v = it->value().ToString();
      uint32_t written = v.size() >= 16 ? get_le32(v.data() + 8) : kUnknownMessageType;
      if (written >= renumbering_.size()) return Error(ErrorCode::io_error, "corrupt timer record");
      if (renumbering_[written] == kUnknownMessageType) {
        uint32_t n = get_le32(v.data() + 12);
        if (v.size() < 16 + size_t(n)) return Error(ErrorCode::io_error, "corrupt timer record");
        TimerRecord t;
        t.handle = it->key().ToString().substr(prefix.size());
        t.due = static_cast<int64_t>(get_le64(v.data()));
        t.message_type = written;  // the writing version's number: written_message_name names it
        t.target = v.substr(16, n);
        t.payload = v.substr(16 + n);
        orphaned_timers_.push_back(std::move(t));
        db_->pending.Delete(it->key());
        continue;
      }
      for (int i = 0; i < 4; ++i) v[8 + i] = static_cast<char>(renumbering_[written] >> (8 * i));
      db_->pending.Put(it->key(), v);
    }
    ++kg;
  }
  if (!it->status().ok()) return rocks_error("scan timers", it->status());
  return ok_status();
}

// Deletes the values of states this version does not declare (and of function types it does
// not have): one scan of the state keys `kg | 'S' | u32 len | address | state name`, only when
// the recorded states differ (or none are recorded yet).
Status StateBackend::drop_removed_states() {
  const sfn_module& m = module_->desc();
  const std::string names = state_names(m);
  std::string stored;
  bool found = false;
  if (Status s = get_meta(kMetaStates, &stored, &found); !s) return s;
  if (found && stored == names) return ok_status();
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view k(it->key().data(), it->key().size());
    if (k.size() < 9 || k[4] != 'S') continue;
    const uint32_t len = (uint32_t(uint8_t(k[5])) << 24) | (uint32_t(uint8_t(k[6])) << 16) |
                         (uint32_t(uint8_t(k[7])) << 8) | uint8_t(k[8]);
    if (k.size() < 9 + size_t(len)) return Error(ErrorCode::io_error, "corrupt state key");
    const std::string_view address = k.substr(9, len), state = k.substr(9 + len);
    const size_t slash = address.find('/', address.find('/') + 1);
    const int f = slash == std::string_view::npos ? -1 : module_->function_index(address.substr(0, slash));
    bool keep = f >= 0 && state.empty();  // an instance's last-call time
    for (uint32_t i = 0; f >= 0 && !keep && i < m.functions[f].state_count; ++i)
      keep = state == m.functions[f].states[i].name;
    if (!keep) db_->pending.Delete(it->key());
  }
  if (!it->status().ok()) return rocks_error("scan states", it->status());
  put_meta(kMetaStates, names);
  return write_back();
}

uint32_t StateBackend::renumbered_message_type(uint32_t written) const {
  if (renumbering_.empty()) return written < module_->desc().message_count ? written : kUnknownMessageType;
  return written < renumbering_.size() ? renumbering_[written] : kUnknownMessageType;
}

std::string StateBackend::written_message_name(uint32_t written) const {
  return written < written_types_.size() ? written_types_[written] : std::string();
}

StateBackend::~StateBackend() = default;

namespace {
// An instance's memory as the cache counts it: the Instance, its heap blocks (each with the
// allocator's overhead), the table slots it takes (two, at most half full) and its values'
// encoded size (their heap parts are about as large).
uint32_t instance_bytes(const Instance& inst, uint32_t states, uint32_t block_size, size_t value_bytes) {
  constexpr size_t kMallocOverhead = 16;
  size_t n = sizeof(Instance) + 2 * 16 + block_size + kMallocOverhead;
  if (inst.address.size() >= 16) n += inst.address.size() + 1 + kMallocOverhead;
  if (states > 0) n += states * (sizeof(int64_t) + 2) + 3 * kMallocOverhead;
  return static_cast<uint32_t>(std::min<size_t>(n + value_bytes, UINT32_MAX));
}
}  // namespace

StateSlots::StateSlots(const sfn_function_desc& fn, const FunctionLayout& layout)
    : mem_(static_cast<char*>(std::aligned_alloc(16, layout.block_size))), fn_(&fn), layout_(&layout) {
  if (!mem_) throw std::bad_alloc();
  std::memset(mem_.get(), 0, layout.block_size);
}

StateSlots& StateSlots::operator=(StateSlots&& o) noexcept {
  destroy();
  mem_ = std::move(o.mem_);
  fn_ = o.fn_;
  layout_ = o.layout_;
  return *this;
}

void StateSlots::destroy() {
  if (!mem_) return;
  for (uint32_t i = 0; i < fn_->state_count; ++i)
    core::value_destroy(fn_->states[i].type, mem_.get() + layout_->offsets[i]);
  mem_.reset();
}

void StateSlots::Free::operator()(char* p) const { std::free(p); }

void StateBackend::init_state(uint32_t function, uint32_t index, void* slot) const {
  const sfn_state_desc& st = module_->desc().functions[function].states[index];
  core::value_init(st.type, slot);
  if (st.init) st.init(slot);
}

Result<Instance*> StateBackend::instance(std::string_view address, const core::Address& parsed, uint32_t kg) {
  if (Instance* inst = cache_.find(address)) {
    ++hits_;
    inst->referenced = true;
    return inst;
  }
  ++misses_;
  return load(address, parsed, kg, true);
}

Result<Instance*> StateBackend::find(std::string_view address, const core::Address& parsed, uint32_t kg) {
  if (Instance* inst = cache_.find(address)) return inst;
  return load(address, parsed, kg, false);
}

Status StateBackend::instance_json(std::string_view address, uint32_t key_groups, int64_t now, std::string* out) {
  Result<core::Address> parsed_address = module_->parse_address(address);
  if (!parsed_address) return Error(ErrorCode::io_error, parsed_address.error().message);
  const core::Address& parsed = parsed_address.value();
  Result<Instance*> found = find(address, parsed, core::key_group_of(address, key_groups));
  if (!found) return found.error();
  Instance* inst = found.value();
  // docs/cli.md: no such instance is an error (exit 1), not a print of the initializers.
  if (!inst) return Error(ErrorCode::io_error, "no instance " + std::string(address) + " (it has never stored state)");
  const sfn_function_desc& fn = module_->desc().functions[parsed.function];
  const FunctionLayout& fl = layouts_[parsed.function];
  expire(inst, now);
  std::string json = "{";
  for (uint32_t i = 0; i < fn.state_count; ++i) {
    if (i) json.push_back(',');
    core::append_json_string(json, fn.states[i].name);
    json.push_back(':');
    core::append_json_value(json, fn.states[i].type, inst->block.get() + fl.offsets[i]);
  }
  json.push_back('}');
  *out = std::move(json);
  return ok_status();
}

Result<Instance*> StateBackend::load(std::string_view address, const core::Address& parsed, uint32_t kg, bool create) {
  const sfn_function_desc& fn = module_->desc().functions[parsed.function];
  const FunctionLayout& fl = layouts_[parsed.function];
  auto inst = std::make_unique<Instance>();  // freed with what it holds on every early return
  inst->function = parsed.function;
  inst->key_group = kg;
  inst->address.assign(address);
  inst->int_key = parsed.int_key;
  inst->block = StateSlots(fn, fl);
  inst->written_at.assign(fn.state_count, 0);
  inst->present.assign(fn.state_count, 0);
  inst->dirty.assign(fn.state_count, 0);
  for (uint32_t i = 0; i < fn.state_count; ++i) init_state(parsed.function, i, inst->block.get() + fl.offsets[i]);

  // Read every state (and the last-call time) in one MultiGet.
  std::vector<std::string> keys;
  for (uint32_t i = 0; i < fn.state_count; ++i) keys.push_back(state_key(kg, address, fn.states[i].name));
  if (fl.has_after_call) keys.push_back(state_key(kg, address, ""));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values;
  bool any = false;
  size_t stored_bytes = 0;
  if (!keys.empty()) {
    std::vector<rocksdb::Status> st = db_->db->MultiGet(rocksdb::ReadOptions(), slices, &values);
    for (size_t i = 0; i < keys.size(); ++i) {
      if (st[i].IsNotFound()) continue;
      if (!st[i].ok()) return rocks_error("read", st[i]).error();
      any = true;
      const std::string& v = values[i];
      stored_bytes += v.size();
      if (v.size() < 8)  // stored state that cannot be read is an error, never a silent reset
        return Error(ErrorCode::io_error, "state store: corrupt record for " + std::string(address));
      if (i == fn.state_count) {
        inst->last_call = static_cast<int64_t>(get_le64(v.data()));
        inst->called = true;
        continue;
      }
      void* slot = inst->block.get() + fl.offsets[i];
      Status d = core::decode_value(fn.states[i].type, std::string_view(v).substr(8), slot);
      if (!d) {
        return Error(ErrorCode::io_error, "stored state " + std::string(fn.states[i].name) + " of " +
                                              std::string(address) + " cannot be read: " + d.error().message);
      }
      inst->written_at[i] = static_cast<int64_t>(get_le64(v.data()));
      inst->present[i] = 1;
    }
  }
  if (!create && !any) return static_cast<Instance*>(nullptr);
  inst->bytes = instance_bytes(*inst, fn.state_count, fl.block_size, stored_bytes);
  cache_bytes_ += inst->bytes;
  inst->referenced = true;
  Instance* p = cache_.insert(std::move(inst));
  p->self = sfn_str{const_cast<char*>(p->address.data()), p->address.size()};
  size_t key_at = parsed.type_name.size() + 1;
  p->key_str = sfn_str{const_cast<char*>(p->address.data()) + key_at, p->address.size() - key_at};
  return p;
}

void StateBackend::expire(Instance* inst, int64_t now) {
  const FunctionLayout& fl = layouts_[inst->function];
  if (!fl.has_expiry) return;
  const sfn_function_desc& fn = module_->desc().functions[inst->function];
  bool call_expired = inst->called && fl.has_after_call;
  for (uint32_t i = 0; i < fn.state_count; ++i) {
    const sfn_state_desc& st = fn.states[i];
    bool reset = false;
    if (st.expiry == SFN_EXPIRE_AFTER_WRITE)
      reset = inst->present[i] && inst->written_at[i] + st.expiry_ns <= now;
    else if (st.expiry == SFN_EXPIRE_AFTER_CALL)
      reset = call_expired && inst->last_call + st.expiry_ns <= now;
    if (!reset || !inst->present[i]) continue;
    preserve(inst);
    void* slot = inst->block.get() + fl.offsets[i];
    core::value_destroy(st.type, slot);
    init_state(inst->function, i, slot);
    inst->present[i] = 0;
    inst->dirty[i] = 1;
    mark_dirty(inst);
  }
}

void StateBackend::mark_dirty(Instance* inst) {
  if (inst->queued.load(std::memory_order_relaxed) == gen_) return;
  inst->queued.store(gen_, std::memory_order_relaxed);
  dirty_list_.push_back(inst);
}

namespace {
int64_t thread_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000 + t.tv_nsec / 1000;
}
}  // namespace

// `inst` is frozen (`queued` was the frozen generation) or being encoded by the background
// encoder (kEncoding): claim and encode it, or wait until the encoder is done with it.
void StateBackend::preserve_frozen(Instance* inst, uint32_t queued) {
  if (queued == frozen_gen_ &&
      inst->queued.compare_exchange_strong(queued, Instance::kEncoding, std::memory_order_acquire)) {
    encode_instance(inst, Into::frozen);
    return;
  }
  if (queued != Instance::kEncoding) return;  // encoded by the background encoder meanwhile
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t cpu0 = thread_cpu_us();
  for (int spins = 0; inst->queued.load(std::memory_order_acquire) == Instance::kEncoding; ++spins)
    if (spins >= 64) std::this_thread::yield();  // the encoder's thread may be waiting for this core
  const int64_t us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
  if (us < frozen_wait_us_) return;
  frozen_wait_us_ = us;
  frozen_wait_cpu_us_ = thread_cpu_us() - cpu0;
}

void StateBackend::encode_instance(Instance* inst, Into into) {
  const bool background = into == Into::frozen_background;
  rocksdb::WriteBatch& batch = into == Into::pending ? db_->pending
                               : background          ? Db::last_batch(db_->frozen_background)
                                                     : Db::last_batch(db_->frozen);
  std::string& key_buf = background ? bg_key_buf_ : key_buf_;
  std::string& value_buf = background ? bg_value_buf_ : value_buf_;
  const sfn_function_desc& fn = module_->desc().functions[inst->function];
  const FunctionLayout& fl = layouts_[inst->function];
  instance_prefix(key_buf, inst->key_group, inst->address);
  size_t prefix = key_buf.size(), encoded = 0;
  for (uint32_t i = 0; i < fn.state_count; ++i) {
    if (!inst->dirty[i]) continue;
    inst->dirty[i] = 0;
    key_buf.resize(prefix);
    key_buf += fn.states[i].name;
    if (!inst->present[i]) {
      batch.Delete(key_buf);
      continue;
    }
    value_buf.clear();
    put_le64(value_buf, static_cast<uint64_t>(inst->written_at[i]));
    core::encode_value(fn.states[i].type, inst->block.get() + fl.offsets[i], value_buf);
    batch.Put(key_buf, value_buf);
    encoded += value_buf.size();
  }
  if (encoded > 0) {  // values that grew make the instance count for more (never less until reloaded)
    const uint32_t est = instance_bytes(*inst, fn.state_count, fl.block_size, encoded);
    if (est > inst->bytes) {  // the background encoder's growth is counted at thaw()
      if (background)
        frozen_grown_bytes_ += est - inst->bytes;
      else
        cache_bytes_ += est - inst->bytes;
      inst->bytes = est;
    }
  }
  if (inst->last_call_dirty) {
    key_buf.resize(prefix);
    value_buf.clear();
    put_le64(value_buf, static_cast<uint64_t>(inst->last_call));
    batch.Put(key_buf, value_buf);
    inst->last_call_dirty = false;
  }
  inst->queued.store(0, std::memory_order_release);  // a waiting owner may change it now
}

Status StateBackend::write_back() {
  if (frozen_) return ok_status();
  rocksdb::WriteBatch& batch = db_->pending;
  for (Instance* inst : dirty_list_) encode_instance(inst, Into::pending);
  dirty_list_.clear();
  if (batch.Count() == 0) return ok_status();
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  batch_bytes_ += batch.GetDataSize();
  rocksdb::Status s = db_->db->Write(wo, &batch);
  batch.Clear();
  if (!s.ok()) return rocks_error("write", s);
  return ok_status();
}

Status StateBackend::shrink() {
  if (cache_limit_ == 0 || cache_bytes_ <= cache_limit_ || frozen_) return ok_status();
  if (!dirty_list_.empty()) {
    if (Status s = write_back(); !s) return s;
  }
  const uint64_t target = cache_limit_ / 10 * 9;
  const auto& items = cache_.items();
  const size_t steps = 2 * items.size();  // two turns of the hand at most
  for (size_t seen = 0; cache_bytes_ > target && !items.empty() && seen < steps; ++seen) {
    if (hand_ >= items.size()) hand_ = 0;
    Instance* inst = items[hand_].get();
    if (inst->queued.load(std::memory_order_relaxed) != 0 || inst->referenced) {
      inst->referenced = false;
      ++hand_;
      continue;
    }
    cache_bytes_ -= inst->bytes;
    ++evictions_;
    cache_.erase(inst);  // the last instance takes its place: the hand looks at it next
  }
  return ok_status();
}

CacheStats StateBackend::cache_stats() const {
  return CacheStats{cache_bytes_, cache_.size(), hits_, misses_, evictions_};
}

// ---- The frozen batches as one SST file (write_frozen) ----

namespace {

// One Put or Delete of the frozen batches, viewing the batch's memory (which does not change
// until thaw): the key's first 8 bytes big-endian (most comparisons end there), then the key.
struct FrozenEntry {
  uint64_t head = 0;
  rocksdb::Slice key, value;
  uint32_t order = 0;  // position in the batches: of two entries for one key, the later wins
  bool erase = false;
};

class CollectEntries : public rocksdb::WriteBatch::Handler {
 public:
  explicit CollectEntries(std::vector<FrozenEntry>* out) : out_(out) {}
  void Put(const rocksdb::Slice& key, const rocksdb::Slice& value) override { add(key, value, false); }
  void Delete(const rocksdb::Slice& key) override { add(key, rocksdb::Slice(), true); }

 private:
  void add(const rocksdb::Slice& key, const rocksdb::Slice& value, bool erase) {
    FrozenEntry e;
    for (size_t i = 0; i < 8; ++i) e.head = (e.head << 8) | (i < key.size() ? uint8_t(key[i]) : 0);
    e.key = key;
    e.value = value;
    e.order = static_cast<uint32_t>(out_->size());
    e.erase = erase;
    out_->push_back(e);
  }
  std::vector<FrozenEntry>* out_;
};

bool entry_less(const FrozenEntry& a, const FrozenEntry& b) {
  if (a.head != b.head) return a.head < b.head;
  const int c = a.key.compare(b.key);
  return c < 0 || (c == 0 && a.order < b.order);
}

// The frozen batches' entries in key order; of two for one key, the later one only.
Status sorted_frozen(Db& db, std::vector<FrozenEntry>* out) {
  out->clear();
  size_t count = 0;
  for (auto* batches : {&db.frozen, &db.frozen_background})
    for (const rocksdb::WriteBatch& batch : *batches) count += batch.Count();
  out->reserve(count);
  CollectEntries collect(out);
  for (auto* batches : {&db.frozen, &db.frozen_background}) {
    for (rocksdb::WriteBatch& batch : *batches) {
      rocksdb::Status s = batch.Iterate(&collect);
      if (!s.ok()) return rocks_error("read the frozen batch", s);
    }
  }
  std::sort(out->begin(), out->end(), entry_less);
  size_t kept = 0;
  for (size_t i = 0; i < out->size(); ++i) {
    if (i + 1 < out->size() && (*out)[i + 1].key == (*out)[i].key) continue;
    (*out)[kept++] = (*out)[i];
  }
  out->resize(kept);
  return ok_status();
}

// Moves the finished SST file `file` into `db` (level 0 when it overlaps what is there; its
// sequence number is kept in RocksDB's MANIFEST, so the file is never rewritten). The file is
// gone afterwards either way. Snapshots (ingest_frozen) and rescaling (build_worker_db).
rocksdb::Status ingest_moved(rocksdb::DB& db, const std::string& file) {
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;
  ingest.write_global_seqno = false;
  rocksdb::Status s = db.IngestExternalFile({file}, ingest);
  std::error_code ec;
  std::filesystem::remove(file, ec);  // moved by the ingestion; left when it failed
  return s;
}

// Writes the frozen batches into the database without its memtable (decision 130): their
// entries sorted, written as one SST file and ingested (moved in; it lands in level 0 and is
// compacted like a flushed memtable). Nothing stays in the memtable for the checkpoint to flush,
// and the write costs a sort instead of a skip-list insert per key.
Status ingest_frozen(Db& db) {
  std::vector<FrozenEntry> entries;  // views of batches that thaw() frees
  if (Status s = sorted_frozen(db, &entries); !s) return s;
  if (entries.empty()) return ok_status();  // RocksDB refuses an empty SST file
  const std::string file = db.db->GetName() + "/frozen.sst.tmp";
  // The page cache keeps the file: the worker reads it and the snapshot's commit copies it next.
  rocksdb::SstFileWriter sst(rocksdb::EnvOptions(), store_options(), nullptr, false);
  rocksdb::Status s = sst.Open(file);
  for (size_t i = 0; s.ok() && i < entries.size(); ++i)
    s = entries[i].erase ? sst.Delete(entries[i].key) : sst.Put(entries[i].key, entries[i].value);
  if (s.ok()) s = sst.Finish();
  if (s.ok()) s = ingest_moved(*db.db, file);
  if (!s.ok()) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    return rocks_error("write the snapshot's state", s);
  }
  return ok_status();
}

}  // namespace

void StateBackend::freeze() {
  frozen_ = true;
  frozen_gen_ = gen_++;
  if (gen_ == 0 || gen_ == Instance::kEncoding) gen_ = 1;  // 0 means "in no list"
  frozen_list_.swap(dirty_list_);
  dirty_list_.clear();
  frozen_next_ = 0;
  frozen_wait_us_ = frozen_wait_cpu_us_ = 0;
  db_->frozen.clear();
  db_->frozen_background.clear();
  db_->frozen.push_back(std::move(db_->pending));  // timers and metadata put so far
  db_->pending.Clear();
}

void StateBackend::encode_frozen_rest() {
  for (; frozen_next_ < frozen_list_.size(); ++frozen_next_) {
    Instance* inst = frozen_list_[frozen_next_];
    uint32_t queued = frozen_gen_;
    if (inst->queued.compare_exchange_strong(queued, Instance::kEncoding, std::memory_order_acquire))
      encode_instance(inst, Into::frozen_background);
  }
}

bool StateBackend::encode_frozen(size_t max) {
  for (size_t n = 0; n < max && frozen_next_ < frozen_list_.size(); ++n) preserve(frozen_list_[frozen_next_++]);
  if (frozen_next_ < frozen_list_.size()) return false;
  frozen_list_.clear();
  return true;
}

Status StateBackend::write_frozen(const std::string& dir) {
  if (Status s = ingest_frozen(*db_); !s) {
    frozen_write_error_ = s.error().message;
    return s;
  }
  return dir.empty() ? ok_status() : checkpoint(dir);
}

Status StateBackend::thaw() {
  frozen_gen_ = 0;
  for (const auto* batches : {&db_->frozen, &db_->frozen_background})
    for (const rocksdb::WriteBatch& batch : *batches) batch_bytes_ += batch.GetDataSize();
  db_->frozen.clear();
  db_->frozen_background.clear();
  cache_bytes_ += frozen_grown_bytes_.exchange(0);
  frozen_ = false;
  if (frozen_write_error_.empty()) return ok_status();
  // The cause names the file (a full disk: "No space left on device").
  return Error(ErrorCode::io_error, std::exchange(frozen_write_error_, {}));
}

void StateBackend::put_timer(uint32_t kg, const TimerRecord& t) {
  std::string v;
  put_le64(v, static_cast<uint64_t>(t.due));
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(t.message_type >> (8 * i));
  v.append(b, 4);
  uint32_t n = static_cast<uint32_t>(t.target.size());
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(n >> (8 * i));
  v.append(b, 4);
  v += t.target;
  v += t.payload;
  db_->pending.Put(timer_key(kg, t.handle), v);
}

void StateBackend::delete_timer(uint32_t kg, std::string_view handle) { db_->pending.Delete(timer_key(kg, handle)); }

void StateBackend::put_meta(std::string_view name, std::string_view value) { db_->pending.Put(meta_key(name), value); }

Status StateBackend::get_meta(std::string_view name, std::string* value, bool* found) {
  rocksdb::Status s = db_->db->Get(rocksdb::ReadOptions(), meta_key(name), value);
  *found = s.ok();
  if (s.ok() || s.IsNotFound()) return ok_status();
  return rocks_error("read", s);
}

Status StateBackend::load_timers(uint32_t key_groups, const std::function<void(TimerRecord&&)>& visit) {
  std::unique_ptr<rocksdb::Iterator> it(db_->db->NewIterator(rocksdb::ReadOptions()));
  for (uint32_t kg = 0; kg < key_groups; ++kg) {
    std::string prefix;
    put_be32(prefix, kg);
    prefix.push_back('T');
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      rocksdb::Slice v = it->value();
      if (v.size() < 16) return Error(ErrorCode::io_error, "state store: corrupt timer record");
      TimerRecord t;
      t.handle = it->key().ToString().substr(prefix.size());
      t.due = static_cast<int64_t>(get_le64(v.data()));
      t.message_type = get_le32(v.data() + 8);
      uint32_t n = get_le32(v.data() + 12);
      if (v.size() < 16 + static_cast<size_t>(n) || t.message_type >= module_->desc().message_count)
        return Error(ErrorCode::io_error, "state store: corrupt timer record");
      t.target.assign(v.data() + 16, n);
      t.payload.assign(v.data() + 16 + n, v.size() - 16 - n);
      visit(std::move(t));
    }
  }
  if (!it->status().ok()) return rocks_error("scan timers", it->status());
  return ok_status();
}

Status StateBackend::flush() {
  rocksdb::Status s = db_->db->Flush(rocksdb::FlushOptions());
  if (!s.ok()) return rocks_error("flush", s);
  return ok_status();
}

Status StateBackend::checkpoint(const std::string& dir) {
  rocksdb::Checkpoint* cp = nullptr;
  rocksdb::Status s = rocksdb::Checkpoint::Create(db_->db.get(), &cp);
  if (!s.ok()) return rocks_error("checkpoint", s);
  std::unique_ptr<rocksdb::Checkpoint> owned(cp);
  s = owned->CreateCheckpoint(dir);
  if (!s.ok()) return rocks_error("checkpoint", s);
  return ok_status();
}

uint64_t StateBackend::db_bytes_written() const {
  return db_->stats->getTickerCount(rocksdb::FLUSH_WRITE_BYTES) +
         db_->stats->getTickerCount(rocksdb::COMPACT_WRITE_BYTES);
}

// ---- Rescaling (rebuild_for_workers) ----

namespace {

using DbPtr = std::unique_ptr<rocksdb::DB>;

Status open_read_only(const std::string& dir, DbPtr* out) {
  rocksdb::Options options = store_options();
  options.create_if_missing = false;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(options, dir, &raw);
  if (!s.ok()) return rocks_error(("open " + dir).c_str(), s);
  out->reset(raw);
  return ok_status();
}

rocksdb::ReadOptions scan_options() {
  rocksdb::ReadOptions ro;
  ro.fill_cache = false;  // one sequential pass: nothing is read twice
  ro.readahead_size = 4u << 20;
  return ro;
}

// The metadata of every old database merged (see rebuild_for_workers), by key.
Status merged_metadata(const std::vector<DbPtr>& from, std::map<std::string, std::string>* out) {
  const std::string prefix = meta_key("");
  uint64_t max_seq = 0;
  bool any_seq = false;
  for (size_t i = 0; i < from.size(); ++i) {
    std::unique_ptr<rocksdb::Iterator> it(from[i]->NewIterator(scan_options()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string name = it->key().ToString().substr(prefix.size());
      const std::string value = it->value().ToString();
      if (name == kTimerSeqMeta) {
        uint64_t seq = 0;
        auto r = std::from_chars(value.data(), value.data() + value.size(), seq);
        if (r.ec != std::errc() || r.ptr != value.data() + value.size())
          return Error(ErrorCode::io_error,
                       "state store " + std::to_string(i) + ": corrupt timer counter \"" + value + "\"");
        max_seq = std::max(max_seq, seq);
        any_seq = true;
        continue;
      }
      auto [at, inserted] = out->emplace(it->key().ToString(), value);
      if (!inserted && at->second != value)
        return Error(ErrorCode::io_error, "the workers' state stores disagree on their metadata \"" + name +
                                              "\": they were not written by one run of one program");
    }
    if (!it->status().ok()) return rocks_error("scan metadata", it->status());
  }
  if (any_seq) (*out)[meta_key(kTimerSeqMeta)] = std::to_string(max_seq);
  return ok_status();
}

// Appends the key range of key group `kg` of `db` to `sst`.
Status copy_key_group(rocksdb::DB& db, uint32_t kg, rocksdb::SstFileWriter& sst, RescaleStats* stats) {
  std::string prefix;
  put_be32(prefix, kg);
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(scan_options()));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
    rocksdb::Status s = sst.Put(it->key(), it->value());
    if (!s.ok()) return rocks_error("write key group", s);
    ++stats->keys;
    stats->bytes += it->key().size() + it->value().size();
  }
  if (!it->status().ok()) return rocks_error("scan key group", it->status());
  return ok_status();
}

// Writes new worker `w`'s key groups (each from the old database that owned it) and `meta` in
// key order into the SST file `file`; `*entries` counts them.
Status write_worker_sst(const std::vector<DbPtr>& from, const std::string& file, unsigned w, unsigned workers,
                        uint32_t key_groups, const std::map<std::string, std::string>& meta, RescaleStats* stats,
                        uint64_t* entries) {
  rocksdb::SstFileWriter sst(rocksdb::EnvOptions(), store_options());
  rocksdb::Status s = sst.Open(file);
  if (!s.ok()) return rocks_error(("create " + file).c_str(), s);
  const uint64_t before = stats->keys;
  for (uint32_t kg = 0; kg < key_groups; ++kg) {
    if (core::worker_of(kg, workers) != w) continue;
    rocksdb::DB& old = *from[core::worker_of(kg, static_cast<unsigned>(from.size()))];
    if (Status c = copy_key_group(old, kg, sst, stats); !c) return c;
  }
  for (const auto& [key, value] : meta) {
    if (s = sst.Put(key, value); !s.ok()) return rocks_error("write metadata", s);
    ++stats->keys;
    stats->bytes += key.size() + value.size();
  }
  *entries = stats->keys - before;
  if (*entries == 0) return ok_status();  // RocksDB refuses an empty SST file: nothing to ingest
  if (s = sst.Finish(); !s.ok()) return rocks_error(("finish " + file).c_str(), s);
  return ok_status();
}

// Builds the database of new worker `w` of `workers` in `dir`: one SST file written in key
// order (write_worker_sst), ingested (moved) into a new database.
Status build_worker_db(const std::vector<DbPtr>& from, const std::string& dir, unsigned w, unsigned workers,
                       uint32_t key_groups, const std::map<std::string, std::string>& meta, RescaleStats* stats) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(ErrorCode::io_error, "cannot create state directory " + dir + ": " + ec.message());
  const std::string file = dir + "/rescaled.sst.tmp";
  uint64_t entries = 0;
  if (Status s = write_worker_sst(from, file, w, workers, key_groups, meta, stats, &entries); !s) return s;
  rocksdb::Options create = store_options();
  create.error_if_exists = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(create, dir, &raw);
  if (!s.ok()) return rocks_error(("create " + dir).c_str(), s);
  DbPtr db(raw);
  if (entries > 0) {
    if (s = ingest_moved(*db, file); !s.ok()) return rocks_error(("ingest " + file).c_str(), s);
  }
  if (s = db->Close(); !s.ok()) return rocks_error(("close " + dir).c_str(), s);
  std::filesystem::remove(file, ec);  // moved by the ingestion; left only when there was nothing to ingest
  return ok_status();
}

}  // namespace

Status rebuild_for_workers(const std::vector<std::string>& from, const std::vector<std::string>& to,
                           uint32_t key_groups, RescaleStats* stats) {
  if (from.empty() || to.empty() || from.size() > key_groups || to.size() > key_groups)
    return Error(ErrorCode::io_error, "rescaling needs between 1 and " + std::to_string(key_groups) + " workers");
  std::vector<DbPtr> dbs(from.size());
  for (size_t i = 0; i < from.size(); ++i)
    if (Status s = open_read_only(from[i], &dbs[i]); !s) return s;
  std::map<std::string, std::string> meta;
  if (Status s = merged_metadata(dbs, &meta); !s) return s;
  for (size_t w = 0; w < to.size(); ++w)
    if (Status s = build_worker_db(dbs, to[w], static_cast<unsigned>(w), static_cast<unsigned>(to.size()), key_groups,
                                   meta, stats);
        !s)
      return s;
  return ok_status();
}

// ---- Txn ----

Txn::~Txn() {
  if (inst_) abort();
}

void Txn::begin(Instance* inst, int64_t now) {
  inst_ = inst;
  now_ = now;
  backend_->expire(inst, now);
  const FunctionLayout& fl = backend_->layout(inst->function);
  if (shadow_block_.size() < fl.block_size + 16) shadow_block_.resize(fl.block_size + 16);
  shadow_base_ = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(shadow_block_.data()) + 15) & ~uintptr_t(15));
  size_t n = backend_->module().desc().functions[inst->function].state_count;
  if (shadowed_.size() < n) {
    shadowed_.resize(n, 0);
    cleared_.resize(n, 0);
  }
}

void* Txn::shadow(uint32_t i) {
  const FunctionLayout& fl = backend_->layout(inst_->function);
  return shadow_base_ + fl.offsets[i];
}

const void* Txn::get(uint32_t i) {
  if (shadowed_[i]) return shadow(i);
  return inst_->block.get() + backend_->layout(inst_->function).offsets[i];
}

void* Txn::mut(uint32_t i) {
  void* s = shadow(i);
  if (!shadowed_[i]) {
    const sfn_type* t = backend_->module().desc().functions[inst_->function].states[i].type;
    core::value_clone_into(t, s, inst_->block.get() + backend_->layout(inst_->function).offsets[i]);
    shadowed_[i] = 1;
    touched_.push_back(i);
  }
  cleared_[i] = 0;
  return s;
}

void Txn::clear(uint32_t index) {
  uint32_t n = backend_->module().desc().functions[inst_->function].state_count;
  for (uint32_t i = (index == UINT32_MAX ? 0 : index); i < n && (index == UINT32_MAX || i == index); ++i) {
    const sfn_type* t = backend_->module().desc().functions[inst_->function].states[i].type;
    void* s = shadow(i);
    if (shadowed_[i])
      core::value_destroy(t, s);
    else
      touched_.push_back(i);
    backend_->init_state(inst_->function, i, s);
    shadowed_[i] = 1;
    cleared_[i] = 1;
  }
}

void Txn::release_shadows(bool apply) {
  const sfn_function_desc& fn = backend_->module().desc().functions[inst_->function];
  const FunctionLayout& fl = backend_->layout(inst_->function);
  for (uint32_t i : touched_) {
    const sfn_type* t = fn.states[i].type;
    void* s = shadow(i);
    if (apply) {
      void* slot = inst_->block.get() + fl.offsets[i];
      core::value_destroy(t, slot);
      std::memcpy(slot, s, core::slot_layout(t).size);  // move
      inst_->present[i] = cleared_[i] ? 0 : 1;
      inst_->written_at[i] = now_;
      inst_->dirty[i] = 1;
    } else {
      core::value_destroy(t, s);
    }
    shadowed_[i] = 0;
    cleared_[i] = 0;
  }
  touched_.clear();
}

void Txn::commit() {
  bool wrote = !touched_.empty();
  if (wrote || backend_->layout(inst_->function).has_after_call) backend_->preserve(inst_);
  release_shadows(true);
  if (backend_->layout(inst_->function).has_after_call) {
    inst_->last_call = now_;
    inst_->called = true;
    inst_->last_call_dirty = true;
    wrote = true;
  }
  if (wrote) backend_->mark_dirty(inst_);
  inst_ = nullptr;
}

void Txn::abort() {
  release_shadows(false);
  inst_ = nullptr;
}

}  // namespace sfn::runtime::state
