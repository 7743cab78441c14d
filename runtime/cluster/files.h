// Files over the cluster's control connection (private to runtime/cluster): a worker's part of
// a snapshot to the coordinator, a checkpoint to restore from the coordinator to a worker. A file
// travels as chunks (proto FileChunk) in order, then an empty last one with its size and CRC-32C,
// which the receiver checks before the file is renamed into place and synced.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "cluster.pb.h"
#include "runtime/transport/result.h"

namespace sfn::runtime::cluster {

inline constexpr std::size_t kChunkBytes = 1u << 20;

// Sends `path` as chunks named `rel` through `emit`; returns the bytes sent.
[[nodiscard]] transport::Result<std::uint64_t> send_file(const std::filesystem::path& path, const std::string& rel,
                                                         const std::function<void(proto::cluster::FileChunk&&)>& emit);

// Writes the chunks it is given below `dir` (each file as <rel>.tmp until its last chunk).
class FileReceiver {
 public:
  explicit FileReceiver(std::filesystem::path dir) : dir_(std::move(dir)) {}
  ~FileReceiver();
  FileReceiver(const FileReceiver&) = delete;
  FileReceiver& operator=(const FileReceiver&) = delete;
  // Takes one chunk; an error names the file (a short or corrupt file, a failed write).
  [[nodiscard]] transport::Status add(const proto::cluster::FileChunk& chunk);
  std::uint64_t bytes() const { return bytes_; }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  struct Open {
    int fd = -1;
    std::uint64_t size = 0;
    std::uint32_t crc = 0;
  };
  std::filesystem::path dir_;
  std::map<std::string, Open> open_;
  std::uint64_t bytes_ = 0;
};

}  // namespace sfn::runtime::cluster
