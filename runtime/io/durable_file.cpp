// Atomic, durable small files (durable_file.h).
#include "runtime/io/durable_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "runtime/io/frame_codec.h"

namespace sfn::runtime::io {
namespace fs = std::filesystem;
using transport::Error;
using transport::ErrorCode;
using transport::Result;
using transport::Status;

namespace {

// Reads `fd` to its end in chunks, handing each to `chunk`; an error names `path`.
template <typename F>
Status read_chunks(int fd, const fs::path& path, F chunk, std::size_t chunk_bytes = 1 << 16) {
  std::string buf(chunk_bytes, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("reading", path, errno);
    if (n == 0) return transport::ok_status();
    if (Status s = chunk(std::string_view(buf.data(), static_cast<std::size_t>(n))); !s) return s;
  }
}

}  // namespace

Result<FileDigest> read_file_chunks(const fs::path& path, std::size_t chunk_bytes,
                                    const std::function<Status(std::string_view)>& chunk) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return Error{ErrorCode::not_found, path.string() + " does not exist"};
    return sys_error("opening", path, errno);
  }
  FileDigest d;
  Status s = read_chunks(
      fd, path,
      [&](std::string_view bytes) {
        d.crc = crc32c(bytes, d.crc);
        d.size += bytes.size();
        return chunk(bytes);
      },
      chunk_bytes);
  ::close(fd);
  if (!s) return s.error();
  return d;
}

Result<FileDigest> digest_file(const fs::path& path) {
  return read_file_chunks(path, 1 << 16, [](std::string_view) { return transport::ok_status(); });
}

Result<FileDigest> copy_file_durably(const fs::path& from, const fs::path& to, bool sync_directory) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    if (errno == ENOENT) return Error{ErrorCode::not_found, from.string() + " does not exist"};
    return sys_error("opening", from, errno);
  }
  fs::path tmp = to;
  tmp += ".tmp";
  int out = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) {
    int err = errno;
    ::close(in);
    return sys_error("creating", tmp, err);
  }
  FileDigest d;
  Status s = read_chunks(in, from, [&](std::string_view bytes) {
    d.crc = crc32c(bytes, d.crc);
    d.size += bytes.size();
    return write_fully(out, bytes, tmp);
  });
  ::close(in);
  if (s && ::fsync(out) != 0) s = sys_error("syncing", tmp, errno);
  if (::close(out) != 0 && s) s = sys_error("closing", tmp, errno);
  if (s && ::rename(tmp.c_str(), to.c_str()) != 0) s = sys_error("renaming to", to, errno);
  if (!s) {
    ::unlink(tmp.c_str());
    return s.error();
  }
  if (sync_directory)
    if (Status ds = fsync_directory(to.parent_path()); !ds) return ds.error();
  return d;
}

Error sys_error(const std::string& what, const fs::path& path, int err) {
  return Error{ErrorCode::io_error, what + " " + path.string() + ": " + std::strerror(err < 0 ? errno : err)};
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

Status empty_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fs_error("creating", dir, ec);
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code rm;
    fs::remove_all(it->path(), rm);
    if (rm) return fs_error("removing", it->path(), rm);
  }
  if (ec) return fs_error("listing", dir, ec);
  return transport::ok_status();
}

Error fs_error(const std::string& what, const fs::path& path, const std::error_code& ec) {
  return Error{ErrorCode::io_error, what + " " + path.string() + ": " + ec.message()};
}

}  // namespace sfn::runtime::io
