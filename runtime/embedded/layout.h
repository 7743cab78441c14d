// The layout of a state directory: how many workers and key groups its state is split into,
// recorded in <state-dir>/layout as "workers W\nkey_groups G\n" when the directory is created
// (written durably) and checked on every later start: the key groups never change; another
// number of workers rescales the state (rescale.h), and is recorded once it did. A layout file
// that does not parse is an error naming the file, never a silent default.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>

#include "runtime/transport/result.h"

namespace sfn::runtime {

struct Layout {
  unsigned workers = 0;
  uint32_t key_groups = 0;
};

// The layout recorded in `dir`; nullopt when there is none (a new state directory).
[[nodiscard]] transport::Result<std::optional<Layout>> read_layout(const std::filesystem::path& dir);

// Checks `want` against `recorded` (the same key groups), or records `want` when nothing is
// recorded.
[[nodiscard]] transport::Status check_layout(const std::filesystem::path& dir, const std::optional<Layout>& recorded,
                                             const Layout& want);

// Records `now` (durably) unless it is recorded already: after recovery, which rescaled the state
// to `now.workers` when the snapshot had another number.
[[nodiscard]] transport::Status record_layout(const std::filesystem::path& dir, const Layout& now);

}  // namespace sfn::runtime
