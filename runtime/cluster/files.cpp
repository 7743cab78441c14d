// Files over the control connection (files.h).
#include "runtime/cluster/files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/io/durable_file.h"
#include "runtime/io/frame_codec.h"

namespace sfn::runtime::cluster {
namespace fs = std::filesystem;
using transport::Error;
using transport::ErrorCode;
using transport::Result;
using transport::Status;

Result<std::uint64_t> send_file(const fs::path& path, const std::string& rel,
                                const std::function<void(proto::cluster::FileChunk&&)>& emit) {
  auto digest = io::read_file_chunks(path, kChunkBytes, [&](std::string_view bytes) {
    proto::cluster::FileChunk c;
    c.set_path(rel);
    c.set_data(bytes.data(), bytes.size());
    emit(std::move(c));
    return transport::ok_status();
  });
  if (!digest.ok()) return digest.error();
  proto::cluster::FileChunk last;  // no bytes: the whole file's size and checksum
  last.set_path(rel);
  last.set_last(true);
  last.set_size(digest->size);
  last.set_crc32c(digest->crc);
  emit(std::move(last));
  return digest->size;
}

FileReceiver::~FileReceiver() {
  for (auto& [rel, o] : open_) {
    ::close(o.fd);
    fs::path tmp = dir_ / rel;
    tmp += ".tmp";
    ::unlink(tmp.c_str());
  }
}

Status FileReceiver::add(const proto::cluster::FileChunk& c) {
  const fs::path target = dir_ / c.path();
  if (c.path().empty() || c.path().find("..") != std::string::npos || fs::path(c.path()).is_absolute())
    return Error{ErrorCode::invalid_argument, "a file named `" + c.path() + "` does not belong below " + dir_.string()};
  fs::path tmp = target;
  tmp += ".tmp";
  auto it = open_.find(c.path());
  if (it == open_.end()) {
    std::error_code ec;
    fs::create_directories(target.parent_path(), ec);
    if (ec) return io::fs_error("creating", target.parent_path(), ec);
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return io::sys_error("creating", tmp);
    it = open_.emplace(c.path(), Open{fd, 0, 0}).first;
  }
  Open& o = it->second;
  if (Status s = io::write_fully(o.fd, c.data(), tmp); !s) return s;
  o.crc = io::crc32c(c.data(), o.crc);
  o.size += c.data().size();
  bytes_ += c.data().size();
  if (!c.last()) return transport::ok_status();
  const Open done = o;
  open_.erase(it);
  Status s =
      done.size == c.size() && done.crc == c.crc32c()
          ? transport::ok_status()
          : Status(Error{ErrorCode::corrupt, "file " + c.path() + " arrived damaged (" + std::to_string(done.size) +
                                                 " bytes, expected " + std::to_string(c.size()) + ")"});
  if (s && ::fsync(done.fd) != 0) s = io::sys_error("syncing", tmp);
  ::close(done.fd);
  if (s && ::rename(tmp.c_str(), target.c_str()) != 0) s = io::sys_error("renaming to", target);
  if (!s) ::unlink(tmp.c_str());
  return s;
}

}  // namespace sfn::runtime::cluster
