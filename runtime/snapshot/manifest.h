// The MANIFEST of one snapshot (RUNTIME.md §3): what an epoch's snapshot holds and the proof
// that it is whole. An epoch is committed exactly when its MANIFEST exists: it is written last,
// with write + fsync + rename (io/durable_file.h), and lists every file of the snapshot with its
// size and CRC-32C, so a torn, partial or corrupted snapshot is recognised and not used.
//
// Format: one JSON object, then a line "crc32c <hex>" over the JSON text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "runtime/transport/result.h"

namespace sfn::runtime::snapshot {

struct FileSum {
  std::string path;  // relative to the snapshot directory
  std::uint64_t size = 0;
  std::uint32_t crc = 0;
};

struct Manifest {
  std::uint64_t epoch = 0;
  std::string program_version;  // the module's version hash
  std::string state_schema;     // the program's state schema (compatibility checks)
  unsigned workers = 0;
  std::uint32_t key_groups = 0;
  std::int64_t virtual_clock_ns = 0;                 // the virtual clock at the barrier
  std::map<std::string, std::uint64_t> ingress_offsets;  // next offset to read, per ingress
  // Per egress: the end of its log when the epoch began (every earlier epoch's egress is in it
  // by then), so a log that lost committed records is recognised at recovery.
  std::map<std::string, std::uint64_t> egress_offsets;
  std::int64_t created_unix_ms = 0;
  std::int64_t duration_ms = 0;  // barrier start to commit
  std::uint64_t bytes = 0;       // sum of the files' sizes
  std::vector<FileSum> files;
};

// Computes the checksums of every file under `dir` (except MANIFEST) into `m.files` and
// `m.bytes`, then writes `dir`/MANIFEST durably. Checksums of files already summed (same
// path name, size and modification time; SST files are immutable and hard-linked from snapshot
// to snapshot) are reused from `cache`, which the caller keeps between snapshots.
using ChecksumCache = std::map<std::string, std::pair<std::uint64_t, FileSum>>;
[[nodiscard]] transport::Status write_manifest(const std::filesystem::path& dir, Manifest& m, ChecksumCache* cache);

// Reads `dir`/MANIFEST and verifies its own checksum and, with `verify_files`, the size and
// CRC of every file it lists. Errors say which file is missing, short or corrupt.
[[nodiscard]] transport::Result<Manifest> read_manifest(const std::filesystem::path& dir, bool verify_files);

}  // namespace sfn::runtime::snapshot
