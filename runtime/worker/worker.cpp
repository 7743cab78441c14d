// The worker loop, invocations and durable timers (see worker.h). The hot path for a message to
// a local instance is: pop the Pending, find the cached instance, run the handler against a
// Txn, commit (moving shadow slots into place) and route its sends; no encoding and no
// allocation beyond the sent messages themselves.
#include "runtime/worker/worker.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common/bits.h"
#include "runtime/core/codec.h"
#include "runtime/core/text.h"
#include "runtime/core/value.h"

namespace sfn::runtime::worker {
namespace {

constexpr size_t kBatch = 1024;  // invocations between channel flushes
// State write-back happens when this many instances are dirty, when this much time has passed
// (checked on every loop turn, idle or not), and when the worker stops. The cache keeps every
// instance in memory, so writing back sooner would buy nothing but extra RocksDB writes: each
// longer interval coalesces more invocations per key into one Put. With the WAL off, state is
// only as durable as the last write-back (and, later, the last snapshot) anyway.
constexpr size_t kWriteBackInstances = 1 << 20;
constexpr std::chrono::milliseconds kWriteBackInterval(5000);

uint32_t align16(uint32_t n) { return bits::align_up(n, 16u); }

[[noreturn]] void invariant_failed(const char* what) {
  std::fprintf(stderr, "sfn runtime: internal error: %s\n", what);
  std::abort();
}

}  // namespace

Pending::Pending(const core::Module& module, uint32_t message_type, std::string_view address)
    : desc_(module.message(message_type)),
      message_type_(message_type),
      addr_off_(align16(desc_->size)),
      addr_len_(static_cast<uint32_t>(address.size())) {
  block_.reset(static_cast<char*>(std::aligned_alloc(16, align16(addr_off_ + addr_len_ + 1))));
  if (!block_) throw std::bad_alloc();
  core::message_init(desc_, block_.get());
  std::memcpy(block_.get() + addr_off_, address.data(), address.size());
}

Pending Pending::take(const core::Module& module, uint32_t message_type, std::string_view address, void* msg) {
  Pending p(module, message_type, address);
  core::message_destroy(p.desc_, p.block_.get());
  std::memcpy(p.block_.get(), msg, p.desc_->size);
  std::memset(msg, 0, p.desc_->size);
  return p;
}

Pending& Pending::operator=(Pending&& o) noexcept {
  reset();
  block_ = std::move(o.block_);
  desc_ = o.desc_;
  message_type_ = o.message_type_;
  addr_off_ = o.addr_off_;
  addr_len_ = o.addr_len_;
  counted_ = o.counted_;
  return *this;
}

void Pending::reset() {
  if (!block_) return;
  core::message_destroy(desc_, block_.get());
  block_.reset();
}

void Pending::Free::operator()(char* p) const { std::free(p); }

// The ctx of one handler invocation on a worker; reused for every invocation.
class WorkerInvocation final : public core::Invocation {
 public:
  struct Out {
    Pending msg;
    bool delayed = false;
    int64_t due = 0;
    std::string handle;
    uint32_t function = 0;  // of the target
  };

  explicit WorkerInvocation(Worker& w) : w_(w), txn_(w.backend_.get()) {}

  void start(state::Instance* inst, int64_t now) {
    inst_ = inst;
    now_ = now;
    raised_ = false;
    error_.clear();
    location_.clear();
    begin_budget(w_.hub_.budget);
    txn_.begin(inst, now);
  }

  bool stop_requested() override { return w_.hub_.interrupt.load(std::memory_order_relaxed); }

  // Commits or discards; returns false when the invocation failed.
  bool finish(int rc) {
    const core::Module& m = w_.module_;
    std::string overrun = this->overrun();
    if (rc != SFN_OK || raised_ || !overrun.empty()) {
      txn_.abort();
      for (auto& [e, msg] : emits_) core::message_delete(m.egress_message(e), msg);
      sends_.clear();
      emits_.clear();
      cancels_.clear();
      if (!overrun.empty()) error_ = std::move(overrun);
      if (error_.empty()) error_ = "the handler failed without an error message";
      return false;
    }
    txn_.commit();
    for (auto& [e, msg] : emits_) {
      w_.egress_.push_back(make_egress_record(m, e, msg, w_.epoch_));
      w_.egress_.back().source = core::str_view(inst_->self);
      core::message_delete(m.egress_message(e), msg);
    }
    emits_.clear();
    for (Out& o : sends_) {
      w_.last_sends_.emplace_back(inst_->function, o.function);
      if (o.delayed) {
        state::TimerRecord t;
        t.handle = std::move(o.handle);
        t.due = o.due;
        t.target.assign(o.msg.address());
        t.message_type = o.msg.message_type();
        core::encode_proto(m.message(t.message_type), o.msg.message(), t.payload);
        o.msg.reset();
        w_.add_timer(inst_->key_group, std::move(t), true);
      } else {
        w_.route(std::move(o.msg));
      }
    }
    sends_.clear();
    for (std::string& h : cancels_) w_.cancel_timer(h);
    cancels_.clear();
    return true;
  }

  const std::string& error() const { return error_; }
  const std::string& location() const { return location_; }

  const sfn_str* self_address() override { return &inst_->self; }
  int64_t key_int() override { return inst_->int_key; }
  const sfn_str* key_str() override { return &inst_->key_str; }
  // Loading and copying stored state is the runtime's work: not charged to the memory budget.
  const void* state_get(uint32_t i) override {
    check_state(i);
    core::MemoryMeter::Pause pause;
    return txn_.get(i);
  }
  void* state_mut(uint32_t i) override {
    check_state(i);
    core::MemoryMeter::Pause pause;
    return txn_.mut(i);
  }
  void state_clear(uint32_t i) override {
    if (i != UINT32_MAX) check_state(i);
    core::MemoryMeter::Pause pause;
    txn_.clear(i);
  }

  int send(const sfn_str* address, uint32_t type, void* msg, int64_t delay, sfn_str* out_timer,
           const sfn_loc* loc) override {
    const core::Module& m = w_.module_;
    std::string_view addr = core::str_view(*address);
    if (type >= m.desc().message_count) invariant_failed("send of an unknown message type");
    Result<core::Address> parsed_address = m.parse_address(addr);
    if (!parsed_address) return raise("send: " + parsed_address.error().message, loc);
    const core::Address& parsed = parsed_address.value();
    if (!m.handler(parsed.function, type))
      return raise("send: function type `" + std::string(parsed.type_name) + "` has no handler for message " +
                       m.message(type)->name,
                   loc);
    if (!add_effect(sizeof(Out) + m.message(type)->size + addr.size() + 32)) return raise(overrun(), loc);
    Out o;
    o.msg = Pending::take(m, type, addr, msg);
    o.function = parsed.function;
    if (out_timer) {
      o.delayed = true;
      o.due = now_ + delay;
      o.handle =
          std::to_string(inst_->key_group) + "." + std::to_string(w_.index_) + "." + std::to_string(++w_.timer_seq_);
      w_.timer_seq_dirty_ = true;
      core::str_set(out_timer, o.handle);
    }
    sends_.push_back(std::move(o));
    return SFN_OK;
  }

  void cancel(const sfn_str* timer) override {
    if (add_effect(sizeof(std::string) + timer->len)) cancels_.emplace_back(core::str_view(*timer));
  }

  void emit(uint32_t egress, void* msg) override {
    const core::Module& m = w_.module_;
    if (egress >= m.desc().egress_count) invariant_failed("emit to an unknown egress");
    const sfn_message_desc* d = m.egress_message(egress);
    if (!add_effect(sizeof(emits_[0]) + d->size)) return core::message_destroy(d, msg);  // moved, and dropped
    void* copy = std::malloc(d->size);
    if (!copy) throw std::bad_alloc();
    std::memcpy(copy, msg, d->size);  // move
    std::memset(msg, 0, d->size);
    emits_.emplace_back(egress, copy);
  }

  int64_t now() override { return now_; }

  void log(std::string_view text) override {
    std::fprintf(stderr, "[%s] %.*s\n", inst_->address.c_str(), static_cast<int>(text.size()), text.data());
  }

  int raise(std::string_view message, const sfn_loc* loc) override {
    if (!raised_) {
      raised_ = true;
      error_.assign(message);
      if (loc && loc->file)
        location_ = std::string(loc->file) + ":" + std::to_string(loc->line) + ":" + std::to_string(loc->col);
    }
    return SFN_RAISED;
  }

 private:
  void check_state(uint32_t i) {
    if (i >= w_.module_.desc().functions[inst_->function].state_count) invariant_failed("state index out of range");
  }

  Worker& w_;
  state::Txn txn_;
  state::Instance* inst_ = nullptr;
  int64_t now_ = 0;
  bool raised_ = false;
  std::string error_, location_;
  std::vector<Out> sends_;
  std::vector<std::pair<uint32_t, void*>> emits_;
  std::vector<std::string> cancels_;
};

Worker::Worker(Hub& hub, unsigned index)
    : hub_(hub), module_(*hub.module), index_(index), align_(hub.workers + 1, index) {}

Worker::~Worker() = default;

Status Worker::open(const std::string& dir) {
  auto backend = state::StateBackend::open(dir, hub_.module);
  if (!backend) return Error(ErrorCode::failed, backend.error().message);
  backend_ = std::move(backend.value());
  inv_ = std::make_unique<WorkerInvocation>(*this);
  auto r = transport::Receiver::bind(hub_.transport, hub_.endpoint_of(index_), hub_.channel_options());
  if (!r) return Error(ErrorCode::failed, "worker " + std::to_string(index_) + ": " + r.error().message);
  receiver_ = std::move(r.value());
  writer_ = std::make_unique<snapshot::BackgroundJob>([waker = receiver_->waker()] { waker.wake(); });
  backend_->set_cache_limit(hub_.cache_bytes);
  std::string seq;
  bool found = false;
  Status s = backend_->get_meta("timer_seq", &seq, &found);
  if (!s) return s;
  if (found) timer_seq_ = std::strtoull(seq.c_str(), nullptr, 10);
  return backend_->load_timers(hub_.key_groups, [&](state::TimerRecord&& t) {
    uint32_t kg = static_cast<uint32_t>(std::strtoul(t.handle.c_str(), nullptr, 10));
    add_timer(kg, std::move(t), false);
  });
}

Status Worker::connect() {
  senders_.resize(hub_.workers);
  overflow_.resize(hub_.workers);
  for (unsigned w = 0; w < hub_.workers; ++w) {
    if (w == index_) continue;
    auto s =
        transport::Sender::connect(hub_.transport, hub_.sender_id(index_), hub_.endpoint_of(w), hub_.sender_options(w));
    if (!s) return Error(ErrorCode::failed, "worker " + std::to_string(index_) + ": " + s.error().message);
    senders_[w] = std::move(s.value());
  }
  return ok_status();
}

transport::Waker Worker::waker() const { return receiver_->waker(); }

uint32_t Worker::owned_key_groups() const {
  uint32_t n = 0;
  for (uint32_t g = 0; g < hub_.key_groups; ++g) n += hub_.owner(g) == index_;
  return n;
}

std::string Worker::fatal_error() const {
  std::lock_guard<std::mutex> lock(error_mu_);
  return fatal_;
}

void Worker::fail(const std::string& message) {
  {
    std::lock_guard<std::mutex> lock(error_mu_);
    if (fatal_.empty()) fatal_ = message;
  }
  hub_.report_failure();
}

void Worker::post(std::function<void(Worker&)> task) {
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    tasks_.push_back(std::move(task));
  }
  receiver_->waker().wake();
}

void Worker::run_tasks() {
  std::vector<std::function<void(Worker&)>> tasks;
  {
    std::lock_guard<std::mutex> lock(tasks_mu_);
    tasks.swap(tasks_);
  }
  for (auto& t : tasks) t(*this);
}

void Worker::on_record(const transport::RecordView& rec) {
  if ((rec.sender >> 16) != (hub_.generation & 0xffffu)) return;  // a cut-off sender of an earlier generation
  const transport::SenderId from = rec.sender & 0xffff;
  if (rec.kind == transport::RecordKind::barrier) return on_barrier(from, rec.epoch);
  if (rec.kind != transport::RecordKind::data) return;
  // In flight for the snapshot being taken: sent before its sender's barrier, arrived after ours.
  if (align_.in_flight(from)) snapshot::append_message(snap_.in_flight, rec.payload);
  ++consumed_;  // the record itself; a message record is re-counted as created below
  accept_record(rec.payload, rec.sender < hub_.workers, from == hub_.workers && hub_.clock == ClockMode::virtual_time);
}

void Worker::restore(const std::vector<std::string>& records, uint64_t epoch) {
  epoch_ = epoch;
  for (const state::TimerRecord& t : backend_->take_orphaned_timers()) removed_type(t.target, t.message_type);
  std::string renumbered;
  for (const auto& r : records)
    if (renumber_record(r, renumbered)) accept_record(renumbered, false);
}

// An in-flight record of the snapshot numbers its message type as the version that wrote it
// did (StateBackend::renumbered_message_type). False when the type is gone (a dead letter).
bool Worker::renumber_record(const std::string& record, std::string& out) {
  RecordKind kind;
  uint32_t type;
  std::string_view target, payload;
  out = record;
  if (!decode_record(record, &kind, &type, &target, &payload) || kind != RecordKind::message) return true;
  uint32_t now = backend_->renumbered_message_type(type);
  if (now == state::StateBackend::kUnknownMessageType) {
    if (backend_->written_message_name(type).empty()) return true;  // malformed: accept_record says so
    removed_type(target, type);
    return false;
  }
  encode_record(out, kind, now, target, payload);
  return true;
}

void Worker::removed_type(std::string_view target, uint32_t written_type) {
  dead_letter(target, state::StateBackend::kUnknownMessageType, nullptr,
              "message type `" + backend_->written_message_name(written_type) +
                  "` does not exist in this version of the program (it was in flight when the state was saved)",
              "");
}

void Worker::dead_letter(std::string_view address, uint32_t type, const void* msg, std::string_view error,
                         std::string_view location) {
  egress_.push_back(make_dead_letter(module_, address, type, msg, error, location, epoch_));
  hub_.dead_letters.fetch_add(1, std::memory_order_relaxed);
}

void Worker::accept_record(std::string_view record, bool counted, bool hold) {
  RecordKind kind;
  uint32_t type;
  std::string_view target, payload;
  if (!decode_record(record, &kind, &type, &target, &payload) ||
      (kind == RecordKind::message && type >= module_.desc().message_count)) {
    fail("worker " + std::to_string(index_) + ": malformed channel record");
    return;
  }
  if (kind == RecordKind::cancel_timer) {
    cancel_timer(target);
    return;
  }
  Pending p(module_, type, target);
  Status s = core::decode_proto(module_.message(type), payload, p.message(), core::BadUtf8::repair);
  taken_ += counted && !s;
  if (!s) return dead_letter(target, type, p.message(), s.error().message, "");
  ++created_;
  p.set_counted(counted);
  (hold ? held_ : local_).push_back(std::move(p));
}

bool Worker::release_held() {
  if (held_.empty() || !local_.empty() || next_timer() <= hub_.now()) return false;
  local_.push_back(std::move(held_.front()));
  held_.pop_front();
  return true;
}

void Worker::route(Pending&& p) {
  std::string_view addr = p.address();
  unsigned owner = hub_.owner(core::key_group_of(addr, hub_.key_groups));
  ++created_;
  ++sent_;
  if (owner == index_) {
    p.set_counted(true);
    local_.push_back(std::move(p));
    return;
  }
  payload_buf_.clear();
  core::encode_proto(module_.message(p.message_type()), p.message(), payload_buf_);
  encode_record(record_buf_, RecordKind::message, p.message_type(), addr, payload_buf_);
  p.reset();
  send_remote(owner, record_buf_);
}

void Worker::send_remote(unsigned owner, const std::string& record) {
  if (!overflow_[owner].empty()) {
    overflow_[owner].push_back({record, 0});
    return;
  }
  auto s = senders_[owner]->append(record);
  if (s.ok()) return;
  if (s.error().code == transport::ErrorCode::would_block) {
    overflow_[owner].push_back({record, 0});
    return;
  }
  fail("worker " + std::to_string(index_) + ": channel to worker " + std::to_string(owner) + ": " + s.error().message);
}

bool Worker::drain_overflow() {
  bool pending = false;
  for (unsigned w = 0; w < overflow_.size(); ++w) {
    auto& q = overflow_[w];
    while (!q.empty()) {
      const OutRecord& r = q.front();
      auto s = r.barrier ? senders_[w]->append_marker(transport::RecordKind::barrier, r.barrier)
                         : senders_[w]->append(r.record);
      if (!s.ok()) break;
      q.pop_front();
    }
    if (!q.empty()) pending = true;
  }
  return pending;
}

void Worker::cancel_timer(std::string_view handle) {
  uint32_t kg = static_cast<uint32_t>(std::strtoul(std::string(handle).c_str(), nullptr, 10));
  if (kg >= hub_.key_groups) return;  // not a handle we made: a no-op, as for unknown timers
  unsigned owner = hub_.owner(kg);
  if (owner != index_) {
    ++created_;
    encode_record(record_buf_, RecordKind::cancel_timer, 0, handle, "");
    send_remote(owner, record_buf_);
    return;
  }
  auto it = timers_.find(std::string(handle));
  if (it == timers_.end()) return;
  backend_->delete_timer(it->second.first, handle);
  timers_.erase(it);  // the heap entry is skipped when it comes up
}

void Worker::add_timer(uint32_t kg, state::TimerRecord&& t, bool persist) {
  if (persist) backend_->put_timer(kg, t);
  timer_heap_.push(TimerEntry{t.due, ++timer_order_, t.handle});
  std::string handle = t.handle;
  timers_.emplace(std::move(handle), std::make_pair(kg, std::move(t)));
}

int64_t Worker::next_timer() const {
  // The heap may hold cancelled entries; they only make the estimate early, never late.
  return timer_heap_.empty() ? INT64_MAX : timer_heap_.top().due;
}

int64_t Worker::timer_room() {
  if (hub_.max_in_flight == 0) return INT64_MAX;
  hub_.in_flight[index_].net.store(static_cast<int64_t>(sent_ - taken_), std::memory_order_relaxed);
  return static_cast<int64_t>(hub_.max_in_flight / 2) - hub_.messages_in_flight();
}

void Worker::note_in_flight(uint64_t sent) {
  if (hub_.max_in_flight == 0) return;
  hub_.in_flight[index_].net.store(static_cast<int64_t>(sent_ - taken_), std::memory_order_relaxed);
  // The total is read every 64th invocation, or once this worker sent an eighth of the bound (at
  // most 1024) since the last read, and after every invocation while it is crowded.
  const uint64_t stride = std::clamp<uint64_t>(hub_.max_in_flight / 8, 1, 1024);
  if (crowded_ || ++checks_ % 64 == 0 || sent_ - sent_at_check_ >= stride) {
    sent_at_check_ = sent_;
    const int64_t total = hub_.messages_in_flight();
    crowded_ = total > static_cast<int64_t>(hub_.max_in_flight / 2);
    if (crowded_) crowded_sends_.add(last_sends_);
    if (sent > 0 && total > static_cast<int64_t>(hub_.max_in_flight) && !hub_.overloaded.load()) hub_.report_overload();
  }
  last_sends_.clear();
}

bool Worker::fire_due_timers() {
  bool fired = false;
  int64_t now = hub_.now();
  if (timer_heap_.empty() || timer_heap_.top().due > now) return false;
  for (int64_t room = timer_room(); room > 0 && !timer_heap_.empty() && timer_heap_.top().due <= now; --room) {
    TimerEntry e = timer_heap_.top();
    timer_heap_.pop();
    auto it = timers_.find(e.handle);
    if (it == timers_.end()) continue;  // cancelled
    state::TimerRecord& t = it->second.second;
    backend_->delete_timer(it->second.first, e.handle);
    Pending p(module_, t.message_type, t.target);
    Status s = core::decode_proto(module_.message(t.message_type), t.payload, p.message(), core::BadUtf8::repair);
    timers_.erase(it);
    if (!s) {
      dead_letter(p.address(), p.message_type(), p.message(), s.error().message, "");
      continue;
    }
    route(std::move(p));
    fired = true;
  }
  return fired;
}

void Worker::process(const Pending& p) {
  ++consumed_;
  taken_ += p.counted();
  std::string_view addr = p.address();
  Result<core::Address> parsed_address = module_.parse_address(addr);
  if (!parsed_address) return dead_letter(addr, p.message_type(), p.message(), parsed_address.error().message, "");
  const core::Address& parsed = parsed_address.value();
  sfn_handler_fn handler = module_.handler(parsed.function, p.message_type());
  if (!handler) {
    return dead_letter(addr, p.message_type(), p.message(),
                       "no handler for message " + std::string(module_.message(p.message_type())->name) + " in `" +
                           std::string(parsed.type_name) + "`",
                       "");
  }
  Result<state::Instance*> found = backend_->instance(addr, parsed, core::key_group_of(addr, hub_.key_groups));
  if (!found) return dead_letter(addr, p.message_type(), p.message(), found.error().message, "");
  state::Instance* inst = found.value();
  inv_->start(inst, hub_.now());
  int rc = inv_->run([&] { return handler(static_cast<sfn_ctx*>(inv_.get()), p.message()); });
  const uint64_t n = invocations_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (inv_->interrupted()) return interrupted(addr);
  const uint64_t sent_before = sent_;
  if (!inv_->finish(rc)) dead_letter(addr, p.message_type(), p.message(), inv_->error(), inv_->location());
  note_in_flight(sent_ - sent_before);
  if (hub_.faults && hub_.faults->fail_worker(index_, n))
    fail("worker " + std::to_string(index_) + ": injected failure");
}

// The run stopped during this invocation: its effects are discarded, it is no dead letter, and
// the worker takes nothing more (the run ends without a last snapshot, see Hub::interrupt).
void Worker::interrupted(std::string_view address) {
  inv_->finish(SFN_RAISED);
  hub_.interrupted.store(true);
  hub_.cv.notify_all();
  std::fprintf(stderr,
               "sfn run: stopped during an invocation of %.*s at %s; it runs again from the last snapshot "
               "when the run restarts\n",
               static_cast<int>(address.size()), address.data(), inv_->location().c_str());
}

void Worker::end_batch(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (force || backend_->dirty_instances() >= kWriteBackInstances || now - last_write_back_ >= kWriteBackInterval) {
    if (timer_seq_dirty_) {
      backend_->put_meta("timer_seq", std::to_string(timer_seq_));
      timer_seq_dirty_ = false;
    }
    Status s = backend_->write_back();
    if (!s) fail(s.error().message);
    last_write_back_ = now;
  }
  if (Status s = backend_->shrink(); !s) fail(s.error().message);
  publish_cache_stats();
  drain_overflow();
  for (auto& sender : senders_) {
    if (!sender) continue;
    auto r = sender->flush();
    if (!r.ok()) fail("worker " + std::to_string(index_) + ": " + r.error().message);
  }
  queue_depth_.store(local_.size() + held_.size(), std::memory_order_relaxed);
}

void Worker::run() {
  auto handler = [this](const transport::RecordView& rec) { on_record(rec); };
  bool idle = false;
  for (;;) {
    run_tasks();
    if (hub_.stopping() || hub_.interrupted.load()) break;
    advance_snapshot();
    bool backlog = drain_overflow();
    for (auto& sender : senders_)
      if (sender && (sender->backlog_batches() > 0 || sender->open_records() > 0)) backlog = true;
    bool has_work = !local_.empty() || !held_.empty() || backlog || next_timer() <= hub_.now();
    std::chrono::milliseconds wait(0);
    if (!has_work) {
      end_batch(false);
      // Re-check after the flush: it may have left a backlog.
      bool still_backlog = false;
      for (auto& sender : senders_)
        if (sender && sender->backlog_batches() > 0) still_backlog = true;
      if (!still_backlog && !drain_overflow()) {
        // Report on every idle turn: the coordinator marks workers busy when it moves virtual
        // time, and expects each to report again.
        hub_.report_idle(index_, created_, consumed_, next_timer());
        idle = true;
        wait = std::chrono::milliseconds(100);
        if (hub_.clock == ClockMode::real && next_timer() != INT64_MAX) {
          int64_t ms = (next_timer() - hub_.now()) / 1'000'000 + 1;
          wait = std::chrono::milliseconds(std::max<int64_t>(0, std::min<int64_t>(ms, 100)));
        }
      } else {
        wait = std::chrono::milliseconds(1);
      }
    }
    size_t before = local_.size();
    uint64_t consumed_before = consumed_;
    auto r = receiver_->receive(wait, handler, 64);
    if (!r.ok()) fail("worker " + std::to_string(index_) + ": " + r.error().message);
    bool got = local_.size() != before || consumed_ != consumed_before;
    if (idle && (got || next_timer() <= hub_.now())) {
      hub_.report_busy(index_);
      idle = false;
    }
    if (idle) continue;
    fire_due_timers();
    for (size_t n = 0;
         n < kBatch && (!local_.empty() || release_held()) && !hub_.interrupted.load(std::memory_order_relaxed) &&
         !hub_.failed.load(std::memory_order_relaxed);
         ++n) {
      Pending p = std::move(local_.front());
      local_.pop_front();
      if (snap_.queued_left > 0) record_queued(p);
      process(p);
    }
    end_batch(false);
  }
  settle_snapshot();
  end_batch(true);
  Status s = backend_->flush();
  if (!s) fail(s.error().message);
}

void Worker::publish_cache_stats() {
  const state::CacheStats c = backend_->cache_stats();
  cache_.bytes.store(c.bytes, std::memory_order_relaxed);
  cache_.instances.store(c.instances, std::memory_order_relaxed);
  cache_.hits.store(c.hits, std::memory_order_relaxed);
  cache_.misses.store(c.misses, std::memory_order_relaxed);
  cache_.evictions.store(c.evictions, std::memory_order_relaxed);
}

state::CacheStats Worker::cache_stats() const {
  return state::CacheStats{cache_.bytes.load(std::memory_order_relaxed),
                           cache_.instances.load(std::memory_order_relaxed),
                           cache_.hits.load(std::memory_order_relaxed), cache_.misses.load(std::memory_order_relaxed),
                           cache_.evictions.load(std::memory_order_relaxed)};
}

Status Worker::state_json(std::string_view address, std::string* out) {
  return backend_->instance_json(address, hub_.key_groups, hub_.now(), out);
}

}  // namespace sfn::runtime::worker
