#include "runtime/snapshot/background_job.h"

#include <utility>

namespace sfn::runtime::snapshot {

BackgroundJob::BackgroundJob(std::function<void()> on_done) : on_done_(std::move(on_done)) {}

BackgroundJob::~BackgroundJob() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    quit_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundJob::start(std::function<Status()> job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = std::move(job);
    result_.reset();
    started_ = true;
  }
  if (!thread_.joinable()) thread_ = std::thread([this] { loop(); });
  cv_.notify_all();
}

bool BackgroundJob::busy() const {
  std::lock_guard<std::mutex> lock(mu_);
  return started_;
}

std::optional<Status> BackgroundJob::take() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!result_) return std::nullopt;
  started_ = false;
  return std::exchange(result_, std::nullopt);
}

Status BackgroundJob::wait() {
  std::unique_lock<std::mutex> lock(mu_);
  if (!started_) return ok_status();
  cv_.wait(lock, [&] { return result_.has_value(); });
  started_ = false;
  return *std::exchange(result_, std::nullopt);
}

// A job that is still queued when the owner goes away runs before the thread ends: the owner's
// destructor waits for it, so a job never outlives what it uses.
void BackgroundJob::loop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return quit_ || job_; });
    if (!job_) return;
    std::function<Status()> job = std::move(job_);
    job_ = nullptr;
    lock.unlock();
    Status s = job();
    lock.lock();
    result_ = std::move(s);
    cv_.notify_all();
    if (on_done_) {
      lock.unlock();
      on_done_();
      lock.lock();
    }
  }
}

}  // namespace sfn::runtime::snapshot
