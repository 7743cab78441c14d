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
  std::string path;  // relative to the snapshot directory: where a restore puts it
  std::uint64_t size = 0;
  std::uint32_t crc = 0;
  // Where the bytes are, relative to the store root (snapshots/), when they are a shared file
  // of the store (store.h: an immutable copy of a RocksDB SST file that several snapshots
  // list); empty when the file is in the snapshot directory itself at `path`.
  std::string stored;
};

struct Manifest {
  std::uint64_t epoch = 0;
  std::string program_version;  // the module's version hash
  std::string state_schema;     // the program's state schema (compatibility checks)
  unsigned workers = 0;
  std::uint32_t key_groups = 0;
  std::int64_t virtual_clock_ns = 0;                     // the virtual clock at the barrier
  std::map<std::string, std::uint64_t> ingress_offsets;  // next offset to read, per ingress
  // Per egress: the end of its log when the epoch began (every earlier epoch's egress is in it
  // by then), so a log that lost committed records is recognised at recovery.
  std::map<std::string, std::uint64_t> egress_offsets;
  std::int64_t created_unix_ms = 0;
  std::int64_t duration_ms = 0;  // barrier start to commit
  std::uint64_t bytes = 0;       // sum of the files' sizes
  std::uint64_t bytes_new = 0;   // of which copied into the store by this snapshot
  std::vector<FileSum> files;
};

// Writes `dir`/MANIFEST durably with `m` as it is (its files summed by the caller:
// SnapshotStore::commit).
[[nodiscard]] transport::Status write_manifest(const std::filesystem::path& dir, const Manifest& m);

// Reads `dir`/MANIFEST and verifies its own checksum and, with `verify_files`, the size and
// CRC of every file it lists (a shared file in `dir`'s parent, the store root). Errors say
// which file is missing, short or corrupt.
[[nodiscard]] transport::Result<Manifest> read_manifest(const std::filesystem::path& dir, bool verify_files);

}  // namespace sfn::runtime::snapshot
