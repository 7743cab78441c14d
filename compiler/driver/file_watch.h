// Watching a program's source files for saves (`sfn run --watch`, hot reload). Editors save by
// writing a temporary file and renaming it over the old one, so the directories are watched
// (inotify) and an event for a watched file name — written and closed, moved in, created or
// deleted — counts. A file reached through symbolic links is watched under every name of the
// chain, the target included, and the chain is followed again after each change (a re-pointed
// link). After a change, the callback runs once the files have been quiet for the debounce
// period (an editor's save is several events). Linux only (inotify).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace sfn::driver {

class FileWatch {
 public:
  // Starts a thread watching `files` (their directories); `changed` runs on that thread. An
  // `io_error` when inotify cannot be used or a directory cannot be watched.
  [[nodiscard]] static Result<std::unique_ptr<FileWatch>> start(
      const std::vector<std::filesystem::path>& files, std::function<void()> changed,
      std::chrono::milliseconds debounce = std::chrono::milliseconds(100));
  // Watches these files from now on (a new version may import other files). Thread-safe.
  void set_files(const std::vector<std::filesystem::path>& files);
  // Stops and joins the thread.
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

 private:
  struct Impl;
  explicit FileWatch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::driver
