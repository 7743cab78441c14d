// The snapshots of one state directory: <state-dir>/snapshots/<epoch, 20 digits>/ holding
// worker-<i>/ (a RocksDB checkpoint), worker-<i>.snap (worker_file.h) and MANIFEST, written
// last (manifest.h). Finds the newest snapshot that verifies, restores workers' databases from
// it, and keeps the newest N.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
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

  // The epochs with a snapshot directory, newest first.
  std::vector<std::uint64_t> epochs() const;

  // Epoch `e`'s MANIFEST, once it and every file it lists verify; changes nothing.
  [[nodiscard]] transport::Result<Manifest> verified(std::uint64_t epoch) const;

  // The newest snapshot whose MANIFEST and files verify; nullopt when there is none. Every
  // newer one that does not verify is reported through `report` (one sentence each) and
  // renamed to <epoch>.broken, so it is kept for inspection but never used again.
  [[nodiscard]] transport::Result<std::optional<Manifest>> newest_valid(
      const std::function<void(const std::string&)>& report);

  // Replaces the live database directory `live` of worker `w` with the checkpoint of `epoch`:
  // SST files are hard-linked (immutable), the others copied.
  [[nodiscard]] transport::Status restore_worker_db(std::uint64_t epoch, unsigned worker,
                                                    const std::filesystem::path& live) const;

  // Deletes all but the newest `keep` committed snapshots; returns the oldest kept epoch.
  [[nodiscard]] transport::Result<std::uint64_t> retain(std::size_t keep);

 private:
  std::filesystem::path root_;
};

}  // namespace sfn::runtime::snapshot
