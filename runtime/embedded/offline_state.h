// `sfn state ADDRESS --state-dir DIR [--epoch E]`: an instance's state as of a committed
// snapshot, read with no program running. The snapshot (the newest one that verifies, or epoch
// E) is never changed: the owning worker's checkpoint is restored into a scratch directory
// (SST files hard-linked) and read there with the program's module, which decodes the states.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "runtime/transport/result.h"
#include "sfn/runtime.h"

namespace sfn::runtime {

// The state of `address` as a JSON object, from epoch `epoch`'s snapshot (0: the newest that
// verifies). Errors name what is missing: no snapshot, a damaged one, no such instance.
[[nodiscard]] transport::Result<std::string> read_snapshot_state(const ModulePtr& module,
                                                                 const std::filesystem::path& state_dir,
                                                                 std::string_view address, uint64_t epoch);

}  // namespace sfn::runtime
