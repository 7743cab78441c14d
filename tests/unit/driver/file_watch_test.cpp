// FileWatch (compiler/driver/file_watch.h): saves by rename (as editors do), in-place writes,
// and files added later (a new import) each lead to one callback after the debounce period.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "compiler/driver/file_watch.h"

namespace {

namespace fs = std::filesystem;

class Watched : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("sfn_watch_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "lib");
    write(dir_ / "main.sfn", "v1");
    write(dir_ / "lib/util.sfn", "v1");
    std::string error;
    watch_ = sfn::driver::FileWatch::start({dir_ / "main.sfn"}, [this] {
      std::lock_guard<std::mutex> lock(mu_);
      ++calls_;
      cv_.notify_all();
    }, &error, std::chrono::milliseconds(50));
    ASSERT_TRUE(watch_) << error;
  }
  void TearDown() override {
    watch_.reset();
    fs::remove_all(dir_);
  }
  static void write(const fs::path& p, const std::string& text) { std::ofstream(p) << text; }
  // Waits until the callback ran `n` times in all (at most 10 s).
  bool calls_reach(int n) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return calls_ >= n; });
  }
  fs::path dir_;
  std::unique_ptr<sfn::driver::FileWatch> watch_;
  std::mutex mu_;
  std::condition_variable cv_;
  int calls_ = 0;
};

TEST_F(Watched, ASaveByRenameIsOneChange) {
  write(dir_ / ".main.sfn.swp", "v2");
  fs::rename(dir_ / ".main.sfn.swp", dir_ / "main.sfn");
  EXPECT_TRUE(calls_reach(1));
}

TEST_F(Watched, AnInPlaceWriteIsAChange) {
  write(dir_ / "main.sfn", "v2");
  EXPECT_TRUE(calls_reach(1));
  write(dir_ / "main.sfn", "v3");
  EXPECT_TRUE(calls_reach(2));
}

TEST_F(Watched, FilesAddedLaterAreWatched) {
  watch_->set_files({dir_ / "main.sfn", dir_ / "lib/util.sfn"});
  write(dir_ / "lib/util.sfn", "v2");
  EXPECT_TRUE(calls_reach(1));
}

}  // namespace
