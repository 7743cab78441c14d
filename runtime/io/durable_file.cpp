// Atomic, durable small files (durable_file.h).
#include "runtime/io/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sfn::runtime::io {
namespace fs = std::filesystem;
using transport::Error;
using transport::ErrorCode;
using transport::Result;
using transport::Status;

namespace {

Error sys_error(const std::string& what, const fs::path& path, int err) {
  return Error{ErrorCode::io_error, what + " " + path.string() + ": " + std::strerror(err)};
}

Status write_fully(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("writing", path, errno);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return transport::ok_status();
}

}  // namespace

Status fsync_directory(const fs::path& dir) {
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sys_error("opening directory", dir, errno);
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (r != 0) return sys_error("syncing directory", dir, err);
  return transport::ok_status();
}

Status write_file_durably(const fs::path& path, std::string_view data) {
  fs::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return sys_error("creating", tmp, errno);
  Status s = write_fully(fd, data, tmp);
  if (s && ::fsync(fd) != 0) s = sys_error("syncing", tmp, errno);
  if (::close(fd) != 0 && s) s = sys_error("closing", tmp, errno);
  if (s && ::rename(tmp.c_str(), path.c_str()) != 0) s = sys_error("renaming to", path, errno);
  if (!s) {
    ::unlink(tmp.c_str());
    return s;
  }
  return fsync_directory(path.parent_path());
}

Result<std::string> read_small_file(const fs::path& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error{ErrorCode::not_found, path.string() + " does not exist"};
    return sys_error("opening", path, errno);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return sys_error("reading", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > max_bytes) {
      ::close(fd);
      return Error{ErrorCode::corrupt, path.string() + " is larger than " + std::to_string(max_bytes) + " bytes"};
    }
  }
  ::close(fd);
  return out;
}

Error fs_error(const std::string& what, const fs::path& path, const std::error_code& ec) {
  return Error{ErrorCode::io_error, what + " " + path.string() + ": " + ec.message()};
}

}  // namespace sfn::runtime::io
