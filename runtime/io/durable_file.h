// Small files that must never be half-written (layouts, offsets, clocks, manifests): written to
// a temporary name, fsynced, renamed over the old one, and the directory fsynced, so after a
// crash the file holds either the old or the new content, never a mix. Every failure is a
// Status naming the file and the system error.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "runtime/transport/result.h"

namespace sfn::runtime::io {

// Replaces `path` with `data` atomically and durably (see above).
[[nodiscard]] transport::Status write_file_durably(const std::filesystem::path& path, std::string_view data);

// Fsyncs a directory, so renames and new files in it survive a crash.
[[nodiscard]] transport::Status fsync_directory(const std::filesystem::path& dir);

// The io_error for a failed filesystem operation: "<what> <path>: <system message>".
[[nodiscard]] transport::Error fs_error(const std::string& what, const std::filesystem::path& path,
                                       const std::error_code& ec);

// The content of `path` (at most `max_bytes`); not_found when it does not exist, io_error when
// it cannot be read, corrupt when it is larger than `max_bytes`.
[[nodiscard]] transport::Result<std::string> read_small_file(const std::filesystem::path& path,
                                                             std::size_t max_bytes = 1 << 20);

}  // namespace sfn::runtime::io
