// Program versions at restart (LANGUAGE.md §11, RUNTIME.md §3, docs/runtime.md "Versions at
// restart"): every snapshot's MANIFEST records the program version (hash of its source) and its
// schema (compiler/compat). A run resumes a snapshot written by the same schema or the same
// version; any other version only when the caller's compatibility check (RunOptions::
// check_schema) accepts the recorded schema. This runs before recovery changes anything on disk.
#pragma once

#include <filesystem>

#include "runtime/snapshot/manifest.h"
#include "runtime/transport/result.h"
#include "sfn/runtime.h"

namespace sfn::runtime {

// Whether a run of the program with version hash `version` and `options` may resume the
// snapshot `m` found in `snapshot_dir`. Errors name the snapshot, both versions and what to do.
[[nodiscard]] transport::Status accept_snapshot(const snapshot::Manifest& m, const std::filesystem::path& snapshot_dir,
                                                const std::string& version, const RunOptions& options);

}  // namespace sfn::runtime
