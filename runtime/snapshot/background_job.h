// One job at a time on a thread of its own: the part of a worker's snapshot that runs while the
// worker goes on processing (writing the frozen state, flushing, checkpointing; decision 130).
// The owner starts a job, polls for its result on its own thread (take), or waits for it; the
// job's thread calls `on_done` after each job, so an idle owner can be woken to take it.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>

#include "sfn/runtime.h"

namespace sfn::runtime::snapshot {

class BackgroundJob {
 public:
  explicit BackgroundJob(std::function<void()> on_done = {});
  // Waits for the running job, then ends the thread.
  ~BackgroundJob();
  BackgroundJob(const BackgroundJob&) = delete;
  BackgroundJob& operator=(const BackgroundJob&) = delete;

  // Runs `job` on the thread (started on first use). A job may start only when the previous
  // one's result was taken (busy() is false).
  void start(std::function<Status()> job);
  // A job was started and its result not taken yet.
  bool busy() const;
  // The finished job's result, once; nullopt while it runs or when no job was started.
  std::optional<Status> take();
  // Blocks until the started job finishes and returns its result (ok when none was started).
  Status wait();

 private:
  void loop();

  std::function<void()> on_done_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::function<Status()> job_;   // guarded by mu_: the job to run, until the thread takes it
  std::optional<Status> result_;  // guarded by mu_
  bool started_ = false;          // guarded by mu_: a job whose result is not taken yet
  bool quit_ = false;             // guarded by mu_
  std::thread thread_;
};

}  // namespace sfn::runtime::snapshot
