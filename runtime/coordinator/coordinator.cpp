// Feeding, quiescence and virtual time for the embedded mode (see coordinator.h).
#include "runtime/coordinator/coordinator.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "runtime/core/codec.h"
#include "runtime/core/value.h"

namespace sfn::runtime::coordinator {
namespace {

constexpr size_t kFeedBatch = 4096;  // records fed per loop turn

// The ctx of an ingress route: pure code, so only `raise`, `now` and value services work.
class RouteInvocation final : public core::Invocation {
 public:
  explicit RouteInvocation(int64_t now) : now_(now) {}
  bool raised = false;
  std::string error, location;

  const sfn_str* self_address() override { return &empty_; }
  int64_t key_int() override { return 0; }
  const sfn_str* key_str() override { return &empty_; }
  const void* state_get(uint32_t) override { misuse("state access"); }
  void* state_mut(uint32_t) override { misuse("state access"); }
  void state_clear(uint32_t) override { misuse("state access"); }
  int send(const sfn_str*, uint32_t, void*, int64_t, sfn_str*, const sfn_loc* loc) override {
    return raise("send is not allowed in an ingress route", loc);
  }
  void cancel(const sfn_str*) override {}
  void emit(uint32_t, void*) override { raise("emit is not allowed in an ingress route", nullptr); }
  int64_t now() override { return now_; }
  void log(std::string_view text) override {
    std::fprintf(stderr, "[ingress] %.*s\n", static_cast<int>(text.size()), text.data());
  }
  int raise(std::string_view message, const sfn_loc* loc) override {
    if (!raised) {
      raised = true;
      error.assign(message);
      if (loc && loc->file)
        location = std::string(loc->file) + ":" + std::to_string(loc->line) + ":" + std::to_string(loc->col);
    }
    return SFN_RAISED;
  }

 private:
  [[noreturn]] void misuse(const char* what) {
    std::fprintf(stderr, "sfn runtime: internal error: %s in an ingress route\n", what);
    std::abort();
  }
  int64_t now_;
  sfn_str empty_{};
};

}  // namespace

Result<std::string> route_record(const core::Module& module, int64_t now, uint32_t ingress, std::string_view payload,
                                 EgressRecord* dead_letter) {
  const sfn_ingress_desc& in = module.desc().ingresses[ingress];
  const sfn_message_desc* d = module.message(in.message_type);
  void* msg = core::message_new(d);
  Status s = core::decode_proto(d, payload, msg, core::BadUtf8::repair);  // the ingress log
  bool ok = s.ok();
  std::string address, error, location;
  sfn_str out{};
  if (!ok) {
    error = s.error().message;
  } else {
    RouteInvocation inv(now);
    int rc = inv.run([&] { return in.route(static_cast<sfn_ctx*>(&inv), msg, &out); });
    if (rc != SFN_OK || inv.raised || !inv.overrun().empty()) {
      ok = false;
      error = !inv.overrun().empty() ? inv.overrun() : inv.error.empty() ? "the ingress route failed" : inv.error;
      location = inv.location;
    } else {
      address.assign(core::str_view(out));
      Result<core::Address> parsed = module.parse_address(address);
      if (!parsed) {
        ok = false;
        error = "ingress " + std::string(in.name) + ": " + parsed.error().message;
      } else if (!module.handler(parsed->function, in.message_type)) {
        ok = false;
        error = "ingress " + std::string(in.name) + ": `" + std::string(parsed->type_name) +
                "` has no handler for message " + d->name;
      }
    }
  }
  if (!ok)
    *dead_letter =
        worker::make_dead_letter(module, ok ? address : core::str_view(out), in.message_type, msg, error, location, 0);
  core::str_free(&out);
  core::message_delete(d, msg);
  if (!ok) return Error(ErrorCode::rejected, error);
  return address;
}

Coordinator::Coordinator(worker::Hub& hub) : hub_(hub) {}
Coordinator::~Coordinator() = default;

Status Coordinator::connect() {
  for (unsigned w = 0; w < hub_.workers; ++w) {
    auto s = transport::Sender::connect(hub_.transport, hub_.sender_id(hub_.workers), hub_.endpoint_of(w),
                                        hub_.sender_options(w));
    if (!s) return Error(ErrorCode::failed, "coordinator: " + s.error().message);
    senders_.push_back(std::move(s.value()));
  }
  return ok_status();
}

MemorySource::MemorySource(std::vector<InputRecord> records) : records_(std::move(records)) {
  std::stable_sort(records_.begin(), records_.end(),
                   [](const InputRecord& a, const InputRecord& b) { return a.at_ns < b.at_ns; });
}

int64_t Coordinator::next_due(int64_t start) {
  const InputRecord* r = source_ ? source_->peek() : nullptr;
  return r ? start + r->at_ns : INT64_MAX;
}

void Coordinator::feed_due(int64_t start, int64_t now, size_t max, std::unique_lock<std::mutex>& lock) {
  batch_.clear();  // keeps its memory between batches
  while (batch_.size() < max && next_due(start) <= now) {
    batch_.push_back(std::move(*source_->peek()));
    source_->pop();
  }
  feed(batch_, lock);
}

void Coordinator::wake_all() {
  for (auto& w : hub_.wakers) w.wake();
}

// Called with `lock` held; releases it while routing and sending. Routes every record, counts
// the routed ones as created and marks their workers busy (under the lock, before any record can
// arrive), then appends them to the channels and flushes until every batch is handed over.
void Coordinator::feed(const std::vector<InputRecord>& records, std::unique_lock<std::mutex>& lock) {
  if (records.empty()) return;
  const core::Module& m = *hub_.module;
  lock.unlock();
  // The routed records, framed one after another into one buffer that keeps its memory between
  // calls: no allocation per record beyond the message the route decodes.
  routed_.clear();
  routed_buf_.clear();
  std::vector<EgressRecord> dead;
  for (const InputRecord& r : records) {
    EgressRecord dl;
    Result<std::string> routed_to = route_record(m, hub_.now(), r.ingress, r.payload, &dl);
    if (!routed_to) {
      dead.push_back(std::move(dl));
      continue;
    }
    const std::string& address = routed_to.value();
    unsigned owner = hub_.owner(core::key_group_of(address, hub_.key_groups));
    worker::encode_record(record_buf_, worker::RecordKind::message, m.desc().ingresses[r.ingress].message_type, address,
                          r.payload);
    routed_.push_back(Routed{owner, routed_buf_.size(), record_buf_.size()});
    routed_buf_ += record_buf_;
  }
  if (!dead.empty()) {
    hub_.dead_letters.fetch_add(dead.size(), std::memory_order_relaxed);
    for (auto& d : dead) d.epoch = epochs_ ? epochs_->epoch() : worker::kFirstEpoch;
    if (epochs_)
      egress_.insert(egress_.end(), std::make_move_iterator(dead.begin()), std::make_move_iterator(dead.end()));
    else
      hub_.publish(dead);
  }
  lock.lock();
  for (const Routed& r : routed_) hub_.progress[r.owner].idle = false;
  created_ += routed_.size();
  fed_ += routed_.size();
  hub_.progress[hub_.workers] = worker::Progress{true, created_, 0, INT64_MAX};
  lock.unlock();
  send_routed();
  lock.lock();
}

// Appends the routed records to their workers' channels (waiting for room when a channel is
// full) and flushes until every batch is handed over.
void Coordinator::send_routed() {
  const std::string_view all = routed_buf_;
  for (const Routed& r : routed_) {
    transport::Sender& s = *senders_[r.owner];
    for (;;) {
      auto a = s.append(all.substr(r.offset, r.size));
      if (a.ok()) break;
      if (a.error().code != transport::ErrorCode::would_block) {
        std::fprintf(stderr, "sfn run: channel to worker %u: %s\n", r.owner, a.error().message.c_str());
        break;
      }
      (void)s.flush_blocking(std::chrono::milliseconds(100));  // backpressure: wait for room
    }
  }
  for (auto& s : senders_) {
    for (;;) {
      auto f = s->flush_blocking(std::chrono::milliseconds(100));
      if (f.ok()) break;
      if (f.error().code != transport::ErrorCode::timeout) {
        std::fprintf(stderr, "sfn run: channel: %s\n", f.error().message.c_str());
        break;
      }
    }
  }
}

void Coordinator::start_epoch() {
  uint64_t e = epochs_->begin(std::move(egress_));
  egress_.clear();
  if (!e) return;
  for (auto& s : senders_) {
    if (auto a = s->append_marker(transport::RecordKind::barrier, e); !a.ok())
      std::fprintf(stderr, "sfn run: channel: %s\n", a.error().message.c_str());
    for (;;) {
      auto f = s->flush_blocking(std::chrono::milliseconds(100));
      if (f.ok() || f.error().code != transport::ErrorCode::timeout) break;
    }
  }
}

bool Coordinator::snapshots_failing() const { return epochs_ && !epochs_->failure(true).empty(); }

void Coordinator::drive_snapshots(bool periodic) {
  if (!epochs_) return;
  epochs_->poll();
  if (periodic && !epochs_->in_progress() && epochs_->due()) start_epoch();
}

void Coordinator::final_snapshot(std::unique_lock<std::mutex>& lock) {
  if (!epochs_) return;
  bool started = false;
  for (;;) {
    if (hub_.failed.load() || hub_.interrupted.load()) return;  // its acknowledgement may never come
    lock.unlock();
    bool ended = epochs_->poll();
    if (!epochs_->in_progress()) {
      if (started && ended) {
        lock.lock();
        return;
      }
      if (!started) {
        start_epoch();
        started = true;
        if (!epochs_->in_progress()) {  // could not begin (reported)
          lock.lock();
          return;
        }
      }
    }
    lock.lock();
    hub_.cv.wait_for(lock, std::chrono::milliseconds(10));
  }
}

void Coordinator::run(const std::atomic<bool>& stop) {
  const bool gate = hub_.clock == ClockMode::virtual_time;
  // Input `at` times count from the run's start on the real clock, and from the epoch on the
  // virtual clock, which resumes where the state directory's last run stopped (decision 34):
  // lines due before that run at once, in order.
  const int64_t start = gate ? 0 : hub_.now();
  std::unique_lock<std::mutex> lock(hub_.mu);
  hub_.progress[hub_.workers] = worker::Progress{true, 0, 0, INT64_MAX};
  for (;;) {
    if (stop.load() || hub_.failed.load() || snapshots_failing()) {
      interrupted_ = true;
      break;
    }
    const bool endless = source_ && source_->endless();
    lock.unlock();
    drive_snapshots(!gate || endless);
    if (source_) source_->poll();
    lock.lock();
    int64_t now = hub_.now();
    // On both clocks every record due now is fed at once, in batches; under the virtual clock the
    // workers hold them and take each when the work before it is done (worker.h, `held_`).
    feed_due(start, now, kFeedBatch, lock);
    const int64_t next_input = next_due(start);
    bool all_idle = true;
    uint64_t created = 0, consumed = 0;
    int64_t next_timer = INT64_MAX;
    for (unsigned w = 0; w <= hub_.workers; ++w) {
      const worker::Progress& p = hub_.progress[w];
      all_idle = all_idle && p.idle;
      created += p.created;
      consumed += p.consumed;
      next_timer = std::min(next_timer, p.next_timer);
    }
    bool quiescent = all_idle && created == consumed;
    if (quiescent) {
      if (next_input <= now) continue;  // more than a batch was due
      int64_t next = std::min(next_timer, next_input);
      if (gate && until_ != INT64_MAX && next >= until_ && !endless) {
        hub_.virtual_now.store(std::max(now, until_clock_), std::memory_order_release);
        break;
      }
      if (next == INT64_MAX) {
        if (!source_ || source_->finished()) break;  // input done, nothing in flight, no timer
        hub_.cv.wait_for(lock, std::chrono::milliseconds(10));
        continue;
      }
      if (gate) {
        if (next > now) hub_.virtual_now.store(next, std::memory_order_release);
        for (unsigned w = 0; w < hub_.workers; ++w) hub_.progress[w].idle = false;
        lock.unlock();
        wake_all();
        lock.lock();
        continue;
      }
      int64_t wait_ns = std::max<int64_t>(0, next - now);
      hub_.cv.wait_for(lock, std::chrono::nanoseconds(std::min<int64_t>(wait_ns, 50'000'000)));
      continue;
    }
    int64_t wait_ns = 50'000'000;
    if (next_input <= now)
      wait_ns = 0;  // more records are due now
    else if (!gate && next_input != INT64_MAX)
      wait_ns = std::clamp<int64_t>(next_input - now, 0, wait_ns);
    if (endless) wait_ns = std::min<int64_t>(wait_ns, 10'000'000);
    hub_.cv.wait_for(lock, std::chrono::nanoseconds(wait_ns));
  }
  if (stop.load()) hub_.interrupt.store(true);  // invocations still running abort (Hub::interrupt)
  if (!hub_.failed.load() && !snapshots_failing()) final_snapshot(lock);  // a failed worker's state is not snapshotted
  hub_.stop = true;
  lock.unlock();
  wake_all();
}

}  // namespace sfn::runtime::coordinator
