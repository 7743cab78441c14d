// The lock of a state directory: one run at a time. `<dir>/lock` holds the pid of the process
// that has it, under an flock(2) the kernel drops when that process ends (even by kill -9), so a
// stale file never blocks a later run and a second run learns who is using the directory.
#pragma once

#include <filesystem>

#include "sfn/runtime.h"

namespace sfn::runtime::state {

class DirLock {
 public:
  DirLock() = default;
  ~DirLock();
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

  // Takes the lock of `dir` (which must exist) for this object's lifetime. Fails with "state
  // directory DIR is in use by pid N" while another process holds it.
  Status acquire(const std::filesystem::path& dir);

 private:
  int fd_ = -1;
};

}  // namespace sfn::runtime::state
