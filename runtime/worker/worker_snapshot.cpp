// A worker's part of a barrier snapshot (RUNTIME.md §3), non-blocking Chandy-Lamport over the
// channels, taken asynchronously (decision 130). On the first barrier of epoch e (from any
// incoming channel) the worker freezes its changed state (copy-on-write, state_backend.h),
// notes how many messages wait in its queue, closes the epoch's egress, forwards the barrier on
// every outgoing channel at once and keeps processing. While it processes, a background job
// encodes the frozen instances (the worker encodes one itself before changing it) and the worker
// records the queued messages as it pops them; then a second job writes the frozen state and
// takes the RocksDB checkpoint (timers live in the same database).
// Until the barrier of e has arrived on an incoming channel, the records arriving on it are
// recorded too (they were sent before the sender's snapshot, so no snapshot reflects them
// otherwise). When every barrier is in and the checkpoint is written, the record file is written
// and the coordinator is told; it commits the epoch when every worker has.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <iterator>

#include "runtime/core/codec.h"
#include "runtime/worker/worker.h"

namespace sfn::runtime::worker {

void Worker::send_barrier(unsigned to, uint64_t epoch) {
  if (!overflow_[to].empty()) {
    overflow_[to].push_back({"", epoch});
    return;
  }
  auto s = senders_[to]->append_marker(transport::RecordKind::barrier, epoch);
  if (s.ok()) return;
  if (s.error().code == transport::ErrorCode::would_block) {
    overflow_[to].push_back({"", epoch});
    return;
  }
  fail("worker " + std::to_string(index_) + ": channel to worker " + std::to_string(to) + ": " + s.error().message);
}

namespace {
int64_t micros_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
}

int64_t thread_cpu_us() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<int64_t>(t.tv_sec) * 1'000'000 + t.tv_nsec / 1000;
}
}  // namespace

void Worker::Snapshot::stopped(std::chrono::steady_clock::time_point wall, int64_t cpu) {
  const int64_t us = micros_since(wall);
  if (us < sync_us) return;
  sync_us = us;
  sync_cpu_us = thread_cpu_us() - cpu;
}

void Worker::Snapshot::reset() {
  constexpr size_t kKeptBytes = 8u << 20;
  std::string q = std::move(queued), f = std::move(in_flight);
  *this = Snapshot{};
  q.clear();
  f.clear();
  if (q.capacity() <= kKeptBytes) queued = std::move(q);
  if (f.capacity() <= kKeptBytes) in_flight = std::move(f);
}

void Worker::on_barrier(transport::SenderId from, uint64_t epoch) {
  using Step = snapshot::BarrierAlignment::Step;
  if (align_.epoch() == 0 && epoch < epoch_) return;  // an epoch taken before a recovery
  const Step step = align_.on_barrier(from, epoch);
  if (step == Step::started || step == Step::started_and_complete) begin_snapshot(epoch);
  if (step == Step::complete || step == Step::started_and_complete) {
    snap_.aligned = true;
    advance_snapshot();
  }
}

void Worker::begin_snapshot(uint64_t epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  const int64_t cpu0 = thread_cpu_us();
  settle_snapshot();  // the coordinator starts one epoch at a time: nothing to wait for
  snap_.reset();
  snap_.epoch = epoch;
  // State and timers: everything processed so far, nothing after.
  if (timer_seq_dirty_) {
    backend_->put_meta("timer_seq", std::to_string(timer_seq_));
    timer_seq_dirty_ = false;
  }
  backend_->freeze();
  last_write_back_ = t0;
  // Messages waiting in the local queue were sent before the barrier and are not processed yet:
  // recorded as they are popped (record_queued), first in the record file. Held ingress records
  // (virtual clock) join them, after the messages already queued.
  std::move(held_.begin(), held_.end(), std::back_inserter(local_));
  held_.clear();
  snap_.queued_left = local_.size();
  // The epoch's egress is closed: what is emitted from now on belongs to the next one.
  for (auto& r : egress_) r.epoch = epoch;
  snap_.egress = std::move(egress_);
  egress_.clear();
  epoch_ = epoch + 1;
  for (unsigned w = 0; w < senders_.size(); ++w) {
    if (!senders_[w]) continue;
    send_barrier(w, epoch);
    // Hand the barrier over now: an idle worker does not flush until it has work again.
    if (auto f = senders_[w]->flush(); !f.ok()) fail("worker " + std::to_string(index_) + ": " + f.error().message);
  }
  snap_.stopped(t0, cpu0);
  // The background encoding starts once the barrier is on its way and processing goes on: the
  // woken thread may take this core at once.
  writer_->start([this] {
    backend_->encode_frozen_rest();
    return ok_status();
  });
}

void Worker::record_queued(const Pending& p) {
  payload_buf_.clear();
  core::encode_proto(module_.message(p.message_type()), p.message(), payload_buf_);
  encode_record(record_buf_, RecordKind::message, p.message_type(), p.address(), payload_buf_);
  snapshot::append_message(snap_.queued, record_buf_);
  --snap_.queued_left;
}

void Worker::advance_snapshot() {
  if (snap_.epoch == 0) return;
  if (!snap_.encoded) {
    if (!writer_->take()) return;                // the background encoding runs
    snap_.encoded = backend_->encode_frozen(0);  // nothing is left
    // A change of a frozen instance the encoder was encoding waited for it: a stop too.
    const auto [wait_us, wait_cpu_us] = backend_->frozen_wait();
    if (wait_us > snap_.sync_us) {
      snap_.sync_us = wait_us;
      snap_.sync_cpu_us = wait_cpu_us;
    }
    const uint64_t epoch = snap_.epoch;
    writer_->start([this, epoch] {
      std::error_code ec;  // a worker process's own store has no epoch directory yet (runtime/cluster)
      std::filesystem::create_directories(hub_.snapshots->dir_of(epoch), ec);
      return backend_->write_frozen(hub_.snapshots->worker_db(epoch, index_).string());
    });
  }
  if (!snap_.written) {
    std::optional<Status> s = writer_->take();
    if (!s) return;
    snap_.written = true;
    if (!*s) snap_.error = "worker " + std::to_string(index_) + ": " + s->error().message;
    if (Status t = backend_->thaw(); !t) fail("worker " + std::to_string(index_) + ": " + t.error().message);
  }
  if (snap_.aligned && snap_.queued_left == 0) finish_snapshot();
}

void Worker::settle_snapshot() {
  if (snap_.epoch == 0 || snap_.written) return;
  if (!snap_.encoded) {
    (void)writer_->wait();  // the background encoding
    backend_->encode_frozen(SIZE_MAX);
    snap_.encoded = true;
    writer_->start([this] { return backend_->write_frozen(""); });
  }
  (void)writer_->wait();  // a failed checkpoint of an abandoned snapshot does not matter; a failed write does
  snap_.written = true;
  if (Status t = backend_->thaw(); !t) fail("worker " + std::to_string(index_) + ": " + t.error().message);
}

void Worker::finish_snapshot() {
  if (snap_.error.empty()) {
    snap_.queued += snap_.in_flight;  // the queued records first, as they were before the barrier
    snapshot::append_egress(snap_.queued, snap_.egress);
    auto w = snapshot::write_worker_snapshot(hub_.snapshots->worker_file(snap_.epoch, index_), snap_.queued);
    if (!w.ok()) snap_.error = "worker " + std::to_string(index_) + ": " + w.error().message;
  }
  Hub::SnapshotAck ack{snap_.epoch,   index_,           std::move(snap_.egress), std::move(snap_.error),
                       snap_.sync_us, snap_.sync_cpu_us};
  snap_.reset();
  hub_.ack_snapshot(std::move(ack));
}

}  // namespace sfn::runtime::worker
