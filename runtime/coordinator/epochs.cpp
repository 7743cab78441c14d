// Epoch begin, acknowledgement and commit (epochs.h).
#include "runtime/coordinator/epochs.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cstdio>

#include "runtime/snapshot/worker_file.h"

namespace sfn::runtime::coordinator {

Epochs::Epochs(worker::Hub& hub, snapshot::SnapshotStore& store, SnapshotOptions options, IngressHooks hooks,
               uint64_t next_epoch, uint64_t committed_epoch)
    : hub_(hub), store_(store), options_(std::move(options)), hooks_(std::move(hooks)), next_(next_epoch) {
  stats_.committed_epoch = committed_epoch;
}

uint64_t Epochs::begin(std::vector<EgressRecord> coordinator_egress) {
  last_begin_ = began_ = std::chrono::steady_clock::now();
  const uint64_t e = next_;
  for (auto& r : coordinator_egress) r.epoch = e;
  auto not_taken = [&](const transport::Error& why) -> uint64_t {  // the egress waits for the next epoch
    failed(e, why.message);
    carried_.insert(carried_.end(), coordinator_egress.begin(), coordinator_egress.end());
    std::error_code ec;
    std::filesystem::remove_all(store_.dir_of(e), ec);
    return 0;
  };
  if (auto s = store_.prepare(e); !s) return not_taken(s.error());
  snapshot::WorkerSnapshot mine;
  mine.egress = coordinator_egress;
  if (auto s = snapshot::write_worker_snapshot(store_.dir_of(e) / "coordinator.snap", mine); !s)
    return not_taken(s.error());
  pending_ = snapshot::Manifest{};
  pending_.epoch = e;
  pending_.program_version = hub_.module->desc().version_hash ? hub_.module->desc().version_hash : "";
  pending_.state_schema = options_.state_schema;
  pending_.workers = hub_.workers;
  pending_.key_groups = hub_.key_groups;
  pending_.virtual_clock_ns = hub_.clock == ClockMode::virtual_time ? hub_.now() : 0;
  if (hooks_.offsets) pending_.ingress_offsets = hooks_.offsets();
  if (hooks_.egress_offsets) pending_.egress_offsets = hooks_.egress_offsets();
  coordinator_egress_ = std::move(coordinator_egress);
  current_ = e;
  next_ = e + 1;
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.current_epoch = e;
  return e;
}

bool Epochs::poll() {
  if (!current_) return false;
  std::vector<worker::Hub::SnapshotAck> acks;
  {
    std::lock_guard<std::mutex> lock(hub_.mu);
    size_t mine = 0;
    for (const auto& a : hub_.acks) mine += a.epoch == current_;
    if (mine < hub_.workers) return false;
    acks.swap(hub_.acks);
  }
  std::sort(acks.begin(), acks.end(), [](const auto& a, const auto& b) { return a.worker < b.worker; });
  std::string error;
  for (const auto& a : acks)
    if (!a.error.empty() && error.empty()) error = a.error;
  if (error.empty())
    commit(acks);
  else
    abandon(error, acks);
  current_ = 0;
  return true;
}

void Epochs::commit(std::vector<worker::Hub::SnapshotAck>& acks) {
  const auto now = std::chrono::steady_clock::now();
  pending_.created_unix_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  pending_.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - began_).count();
  if (auto s = store_.commit(pending_, &checksums_); !s) return abandon(s.error().message, acks);
  std::vector<EgressRecord> out = std::move(carried_);
  carried_.clear();
  out.insert(out.end(), coordinator_egress_.begin(), coordinator_egress_.end());
  int64_t max_sync = 0, max_sync_cpu = 0;
  for (auto& a : acks) {
    max_sync = std::max(max_sync, a.sync_us);
    max_sync_cpu = std::max(max_sync_cpu, a.sync_cpu_us);
    for (auto& r : a.egress) out.push_back(std::move(r));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].epoch = current_;
    out[i].index = i;
  }
  hub_.publish(out);
  retained_offsets_[current_] = pending_.ingress_offsets;
  if (auto oldest = store_.retain(options_.retain); oldest.ok()) {
    retained_offsets_.erase(retained_offsets_.begin(), retained_offsets_.lower_bound(oldest.value()));
    if (hooks_.truncate && !retained_offsets_.empty()) hooks_.truncate(retained_offsets_.begin()->second);
  } else {
    std::fprintf(stderr, "sfn run: removing old snapshots: %s\n", oldest.error().message.c_str());
  }
  std::lock_guard<std::mutex> lock(stats_mu_);
  failed_in_a_row_ = 0;
  stats_.current_epoch = 0;
  stats_.committed_epoch = current_;
  stats_.last_duration_ms = pending_.duration_ms;
  stats_.last_bytes = pending_.bytes;
  stats_.last_bytes_new = pending_.bytes_new;
  stats_.last_max_sync_us = max_sync;
  if (stats_.recent_sync_us.size() == kRecentSnapshots) stats_.recent_sync_us.erase(stats_.recent_sync_us.begin());
  stats_.recent_sync_us.push_back(max_sync);
  if (stats_.recent_sync_cpu_us.size() == kRecentSnapshots)
    stats_.recent_sync_cpu_us.erase(stats_.recent_sync_cpu_us.begin());
  stats_.recent_sync_cpu_us.push_back(max_sync_cpu);
  ++stats_.committed;
  stats_.last_time = std::chrono::system_clock::now();
}

void Epochs::abandon(const std::string& why, std::vector<worker::Hub::SnapshotAck>& acks) {
  carried_.insert(carried_.end(), coordinator_egress_.begin(), coordinator_egress_.end());
  for (auto& a : acks) carried_.insert(carried_.end(), a.egress.begin(), a.egress.end());
  std::error_code ec;
  std::filesystem::remove_all(store_.dir_of(current_), ec);
  failed(current_, why);
}

// Reports a failed epoch with the room left where snapshots go (a full disk is the usual cause).
void Epochs::failed(uint64_t epoch, const std::string& why) {
  std::string text = "snapshot " + std::to_string(epoch) + " failed: " + why;
  struct statvfs fs{};
  if (::statvfs(store_.root().c_str(), &fs) == 0)
    text += " (" + std::to_string(static_cast<unsigned long long>(fs.f_bavail) * fs.f_frsize / 1024) +
            " KiB free where snapshots go, the last committed one took " + std::to_string(stats().last_bytes / 1024) +
            " KiB)";
  std::fprintf(stderr, "sfn run: %s\n", text.c_str());
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.current_epoch = 0;
  ++stats_.failed;
  ++failed_in_a_row_;
  last_failure_ = std::move(text);
}

std::string Epochs::failure(bool stop) const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  if (failed_in_a_row_ == 0 || (stop && failed_in_a_row_ < kMaxFailedInARow)) return "";
  return last_failure_;
}

SnapshotStats Epochs::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

}  // namespace sfn::runtime::coordinator
