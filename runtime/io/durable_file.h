// Small files that must never be half-written (layouts, offsets, clocks, manifests): written to
// a temporary name, fsynced, renamed over the old one, and the directory fsynced, so after a
// crash the file holds either the old or the new content, never a mix. Every failure is a
// Status naming the file and the system error.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>

#include "runtime/transport/result.h"

namespace sfn::runtime::io {

// Replaces `path` with `data` atomically and durably (see above).
[[nodiscard]] transport::Status write_file_durably(const std::filesystem::path& path, std::string_view data);

// Fsyncs a directory, so renames and new files in it survive a crash.
[[nodiscard]] transport::Status fsync_directory(const std::filesystem::path& dir);

// The io_error for a failed system call: "<what> <path>: <strerror(err)>" (errno by default).
[[nodiscard]] transport::Error sys_error(const std::string& what, const std::filesystem::path& path, int err = -1);

// Writes all of `data` to `fd` (retrying short writes and EINTR); errors name `path`.
[[nodiscard]] transport::Status write_fully(int fd, std::string_view data, const std::filesystem::path& path);

// The io_error for a failed filesystem operation: "<what> <path>: <system message>".
[[nodiscard]] transport::Error fs_error(const std::string& what, const std::filesystem::path& path,
                                        const std::error_code& ec);

// The size and CRC-32C of a file's bytes.
struct FileDigest {
  std::uint64_t size = 0;
  std::uint32_t crc = 0;
};

// Reads `path` to its end in chunks of at most `chunk_bytes`, handing each to `chunk` (an error
// it returns ends the reading); returns the digest of the whole file.
[[nodiscard]] transport::Result<FileDigest> read_file_chunks(
    const std::filesystem::path& path, std::size_t chunk_bytes,
    const std::function<transport::Status(std::string_view)>& chunk);

// Reads `path` whole and returns its digest.
[[nodiscard]] transport::Result<FileDigest> digest_file(const std::filesystem::path& path);

// Copies `from` to `to` the way write_file_durably writes (temporary name, fsync, rename; the
// directory fsynced when `sync_directory`), and returns the digest of the bytes copied. A full
// disk is an io_error naming `to`; `to` is then left as it was.
[[nodiscard]] transport::Result<FileDigest> copy_file_durably(const std::filesystem::path& from,
                                                              const std::filesystem::path& to,
                                                              bool sync_directory = true);

// Empties directory `dir` (created when missing), keeping the directory itself: it may be a
// mount point, or a link the operator made to another disk.
[[nodiscard]] transport::Status empty_directory(const std::filesystem::path& dir);

// The content of `path` (at most `max_bytes`); not_found when it does not exist, io_error when
// it cannot be read, corrupt when it is larger than `max_bytes`.
[[nodiscard]] transport::Result<std::string> read_small_file(const std::filesystem::path& path,
                                                             std::size_t max_bytes = 1 << 20);

}  // namespace sfn::runtime::io
