#include "runtime/state/dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace sfn::runtime::state {

DirLock::~DirLock() {
  if (fd_ >= 0) ::close(fd_);
}

Status DirLock::acquire(const std::filesystem::path& dir) {
  const std::string path = (dir / "lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Error(ErrorCode::io_error, "cannot open " + path + ": " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char pid[32] = {};
    ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    if (err != EWOULDBLOCK) return Error(ErrorCode::io_error, "cannot lock " + path + ": " + std::strerror(err));
    std::string holder = n > 0 ? std::string(pid, static_cast<size_t>(n)) : std::string("unknown");
    return Error(ErrorCode::io_error, "state directory " + dir.string() + " is in use by pid " + holder +
                                          " (another run; stop it or use another --state-dir)");
  }
  const std::string mine = std::to_string(::getpid());
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, mine.data(), mine.size(), 0) != static_cast<ssize_t>(mine.size())) {
    const int err = errno;
    ::close(fd);
    return Error(ErrorCode::io_error, "cannot write " + path + ": " + std::strerror(err));
  }
  fd_ = fd;
  return ok_status();
}

}  // namespace sfn::runtime::state
