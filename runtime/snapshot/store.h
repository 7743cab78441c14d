// The snapshots of one state directory: <state-dir>/snapshots/<epoch, 20 digits>/ holding
// worker-<i>/ (a RocksDB checkpoint), worker-<i>.snap (worker_file.h) and MANIFEST, written
// last (manifest.h). Finds the newest snapshot that verifies, restores workers' databases from
// it, and keeps the newest N.
//
// A snapshot shares no bytes with the live databases: RocksDB checkpoints hard-link SST files,
// so commit() moves each SST into the store's shared files (snapshots/files/, a private copy
// made once, when a snapshot first lists it: SST files are immutable) and keeps only the copy;
// a restore copies back, checking every byte against the MANIFEST. A damaged live database can
// thus never reach a snapshot, and a damaged snapshot file is found before it is used. Shared
// files no retained MANIFEST lists are deleted by retain(). (docs/decisions/111.)
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/snapshot/manifest.h"
#include "runtime/transport/result.h"

namespace sfn::runtime::snapshot {

class SnapshotStore {
 public:
  explicit SnapshotStore(std::filesystem::path state_dir);

  const std::filesystem::path& root() const { return root_; }
  // The directory of epoch `e` (created by prepare()).
  std::filesystem::path dir_of(std::uint64_t epoch) const;
  // Where worker `w`'s checkpoint and record file of epoch `e` go.
  std::filesystem::path worker_db(std::uint64_t epoch, unsigned worker) const;
  std::filesystem::path worker_file(std::uint64_t epoch, unsigned worker) const;

  // Creates an empty directory for epoch `e` (removing a leftover of an earlier attempt).
  [[nodiscard]] transport::Status prepare(std::uint64_t epoch);

  // Commits epoch `m.epoch` once everything is in its directory: SST files (and any other
  // file linked to a live one) become private copies, every file is summed into `m.files`,
  // `m.bytes` and `m.bytes_new`, and the MANIFEST is written last. Copies and sums of files
  // seen by an earlier commit are reused from `cache` (kept by the caller between commits).
  struct CachedFile {
    std::uint64_t stamp = 0;  // the linked file's inode, size and modification time
    FileSum sum;
  };
  using Cache = std::map<std::string, CachedFile>;  // by path in the snapshot directory
  [[nodiscard]] transport::Status commit(Manifest& m, Cache* cache);

  // The epochs with a snapshot directory, newest first.
  std::vector<std::uint64_t> epochs() const;

  // Epoch `e`'s MANIFEST, once it and every file it lists verify; changes nothing.
  [[nodiscard]] transport::Result<Manifest> verified(std::uint64_t epoch) const;

  // The newest snapshot whose MANIFEST and files verify; nullopt when there is none. Every
  // newer one that does not verify is reported through `report` (one sentence each) and
  // renamed to <epoch>.broken, so it is kept for inspection but never used again.
  [[nodiscard]] transport::Result<std::optional<Manifest>> newest_valid(
      const std::function<void(const std::string&)>& report);
  // The same without changing anything on disk (for checks that only look): the newer snapshots
  // that do not verify are listed in `broken` (epoch and why), newest first, when given.
  [[nodiscard]] std::optional<Manifest> find_newest_valid(
      std::vector<std::pair<std::uint64_t, std::string>>* broken) const;

  // Replaces the live database directory `live` of worker `w` with a copy of its checkpoint in
  // snapshot `m`, each file checked against its size and checksum as it is copied.
  [[nodiscard]] transport::Status restore_worker_db(const Manifest& m, unsigned worker,
                                                    const std::filesystem::path& live) const;

  // Deletes all but the newest `keep` committed snapshots, then the shared files no kept
  // snapshot lists; returns the oldest kept epoch.
  [[nodiscard]] transport::Result<std::uint64_t> retain(std::size_t keep);

 private:
  // Makes the file `rel` of epoch `e`'s directory private to the snapshot and sums it.
  [[nodiscard]] transport::Result<FileSum> seal_file(std::uint64_t e, const std::string& rel, Cache* cache,
                                                     std::uint64_t* copied);
  // Deletes the shared files that no snapshot still in the store lists.
  [[nodiscard]] transport::Status collect_shared_files() const;

  std::filesystem::path root_;
};

}  // namespace sfn::runtime::snapshot
