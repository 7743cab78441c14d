// A worker's part of a barrier snapshot (RUNTIME.md §3), non-blocking Chandy-Lamport over the
// channels. On the first barrier of epoch e (from any incoming channel) the worker writes its
// state back and takes a RocksDB checkpoint (timers live in the same database), records its
// unprocessed queue, closes the epoch's egress, forwards the barrier on every outgoing channel
// at once and keeps processing. Until the barrier of e has arrived on an incoming channel, the
// records arriving on it are recorded too (they were sent before the sender's snapshot, so no
// snapshot reflects them otherwise). When every barrier is in, the record file is written and
// the coordinator is told; it commits the epoch when every worker has.
#include <chrono>
#include <filesystem>

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

void Worker::on_barrier(transport::SenderId from, uint64_t epoch) {
  using Step = snapshot::BarrierAlignment::Step;
  if (align_.epoch() == 0 && epoch < epoch_) return;  // an epoch taken before a recovery
  const Step step = align_.on_barrier(from, epoch);
  if (step == Step::started || step == Step::started_and_complete) begin_snapshot(epoch);
  if (step == Step::complete || step == Step::started_and_complete) finish_snapshot();
}

void Worker::begin_snapshot(uint64_t epoch) {
  const auto t0 = std::chrono::steady_clock::now();
  snap_ = Snapshot{};
  snap_.epoch = epoch;
  // State and timers: everything processed so far, nothing after.
  if (timer_seq_dirty_) {
    backend_->put_meta("timer_seq", std::to_string(timer_seq_));
    timer_seq_dirty_ = false;
  }
  Status s = backend_->write_back();
  std::error_code ec;  // a worker process's own store has no epoch directory yet (runtime/cluster)
  std::filesystem::create_directories(hub_.snapshots->dir_of(epoch), ec);
  if (s) s = backend_->checkpoint(hub_.snapshots->worker_db(epoch, index_).string());
  if (!s) snap_.error = "worker " + std::to_string(index_) + ": " + s.message();
  last_write_back_ = std::chrono::steady_clock::now();
  // Messages waiting in the local queue were sent before the barrier and are not processed yet.
  std::string payload, record;
  for (const Pending& p : local_) {
    payload.clear();
    core::encode_proto(module_.message(p.message_type()), p.message(), payload);
    encode_record(record, RecordKind::message, p.message_type(), p.address(), payload);
    snap_.file.messages.push_back(record);
  }
  // The epoch's egress is closed: what is emitted from now on belongs to the next one.
  for (auto& r : egress_) r.epoch = epoch;
  snap_.file.egress = std::move(egress_);
  egress_.clear();
  epoch_ = epoch + 1;
  for (unsigned w = 0; w < senders_.size(); ++w) {
    if (!senders_[w]) continue;
    send_barrier(w, epoch);
    // Hand the barrier over now: an idle worker does not flush until it has work again.
    if (auto f = senders_[w]->flush(); !f.ok()) fail("worker " + std::to_string(index_) + ": " + f.error().message);
  }
  snap_.sync_us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0).count();
}

void Worker::finish_snapshot() {
  if (snap_.error.empty()) {
    auto w = snapshot::write_worker_snapshot(hub_.snapshots->worker_file(snap_.epoch, index_), snap_.file);
    if (!w.ok()) snap_.error = "worker " + std::to_string(index_) + ": " + w.error().message;
  }
  Hub::SnapshotAck ack{snap_.epoch, index_, std::move(snap_.file.egress), std::move(snap_.error), snap_.sync_us};
  snap_ = Snapshot{};
  hub_.ack_snapshot(std::move(ack));
}

}  // namespace sfn::runtime::worker
