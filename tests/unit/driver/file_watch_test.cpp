// FileWatch (compiler/driver/file_watch.h): saves by rename (as editors do), in-place writes,
// files added later (a new import) and saves to the target of a symbolic link each lead to one
// callback after the debounce period.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

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
    start({dir_ / "main.sfn"});
  }
  // (Re)starts the watch on `files`; events from before are not seen.
  void start(const std::vector<fs::path>& files) {
    watch_.reset();
    auto started = sfn::driver::FileWatch::start(
        files,
        [this] {
          std::lock_guard<std::mutex> lock(mu_);
          ++calls_;
          cv_.notify_all();
        },
        std::chrono::milliseconds(50));
    ASSERT_TRUE(started) << started.error().message;
    watch_ = std::move(started.value());
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

// Issue 23, item 14: a program file that is a symbolic link (to a file in another directory,
// through a second link) sees saves to its target, in place and by rename.
TEST_F(Watched, SavesToTheTargetOfASymlinkAreChanges) {
  fs::create_directories(dir_ / "real");
  write(dir_ / "real/prog.sfn", "v1");
  fs::create_symlink("../real/prog.sfn", dir_ / "lib/hop.sfn");
  fs::create_symlink("lib/hop.sfn", dir_ / "prog.sfn");
  start({dir_ / "prog.sfn"});
  write(dir_ / "real/prog.sfn", "v2");
  EXPECT_TRUE(calls_reach(1));
  write(dir_ / "real/.prog.sfn.swp", "v3");
  fs::rename(dir_ / "real/.prog.sfn.swp", dir_ / "real/prog.sfn");
  EXPECT_TRUE(calls_reach(2));
}

// A link re-pointed at another file (a change of the link) is followed: that file's saves count.
TEST_F(Watched, ARepointedSymlinkIsFollowed) {
  fs::create_directories(dir_ / "real");
  write(dir_ / "real/a.sfn", "a");
  write(dir_ / "real/b.sfn", "b");
  fs::create_symlink("real/a.sfn", dir_ / "prog.sfn");
  start({dir_ / "prog.sfn"});
  fs::create_symlink("real/b.sfn", dir_ / "prog.sfn.new");
  fs::rename(dir_ / "prog.sfn.new", dir_ / "prog.sfn");
  EXPECT_TRUE(calls_reach(1));
  write(dir_ / "real/b.sfn", "b2");
  EXPECT_TRUE(calls_reach(2));
}

}  // namespace
