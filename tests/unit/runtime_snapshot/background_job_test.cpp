// The snapshot's background job: one job at a time, its result taken once, the owner woken.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "runtime/snapshot/background_job.h"

namespace sfn::runtime::snapshot {
namespace {

TEST(BackgroundJobTest, RunsOffTheCallersThreadAndGivesItsResultOnce) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  int woken = 0;
  BackgroundJob job([&] {
    std::lock_guard<std::mutex> lock(mu);
    ++woken;
    cv.notify_all();
  });
  EXPECT_FALSE(job.busy());
  EXPECT_FALSE(job.take().has_value());
  std::thread::id ran_on;
  job.start([&] {
    ran_on = std::this_thread::get_id();
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return release; });
    return Error(ErrorCode::failed, "disk full");
  });
  EXPECT_TRUE(job.busy());
  EXPECT_FALSE(job.take().has_value());  // still running: held until released
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  Status s = job.wait();
  EXPECT_FALSE(s);
  EXPECT_EQ(s.error().message, "disk full");
  EXPECT_NE(ran_on, std::this_thread::get_id());
  EXPECT_FALSE(job.busy());
  EXPECT_FALSE(job.take().has_value());  // taken by wait()
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return woken > 0; });  // the owner is woken after the result is there
  EXPECT_EQ(woken, 1);
}

TEST(BackgroundJobTest, TakeReturnsTheResultOnceTheJobIsDone) {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  BackgroundJob job([&] {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
    cv.notify_all();
  });
  int runs = 0;
  for (int round = 0; round < 3; ++round) {
    done = false;
    job.start([&] {
      ++runs;
      return ok_status();
    });
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return done; });
    }
    std::optional<Status> s = job.take();
    ASSERT_TRUE(s.has_value());
    EXPECT_TRUE(*s);
    EXPECT_FALSE(job.take().has_value());
  }
  EXPECT_EQ(runs, 3);
  EXPECT_TRUE(job.wait());  // nothing started: ok at once
}

TEST(BackgroundJobTest, TheDestructorWaitsForAStartedJob) {
  std::atomic<bool> finished{false};
  {
    BackgroundJob job;
    job.start([&] {
      std::this_thread::yield();
      finished.store(true);
      return ok_status();
    });
  }
  EXPECT_TRUE(finished.load());
}

}  // namespace
}  // namespace sfn::runtime::snapshot
