// Reading an instance's state from a snapshot with no program running (sfn/runtime.h,
// read_instance_state).
#include <filesystem>
#include <string>

#include "sfn/runtime.h"

#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <vector>

#include "runtime/core/module.h"
#include "runtime/core/text.h"
#include "runtime/embedded/layout.h"
#include "runtime/io/durable_file.h"
#include "runtime/snapshot/store.h"
#include "runtime/state/state_backend.h"

namespace sfn::runtime {
namespace {

namespace fs = std::filesystem;

Result<snapshot::Manifest> choose_snapshot(const snapshot::SnapshotStore& store, uint64_t epoch) {
  const std::vector<uint64_t> all = store.epochs();
  if (epoch && std::find(all.begin(), all.end(), epoch) == all.end()) {
    std::string have;
    for (uint64_t e : all) have += (have.empty() ? "" : ", ") + std::to_string(e);
    return Error{ErrorCode::not_found, "no snapshot of epoch " + std::to_string(epoch) + " in " +
                                           store.root().string() + " (there are: " + (have.empty() ? "none" : have) +
                                           ")"};
  }
  if (epoch) return store.verified(epoch);
  std::vector<std::pair<uint64_t, std::string>> broken;
  if (auto newest = store.find_newest_valid(&broken)) return std::move(*newest);
  std::string problems;
  for (const auto& [e, why] : broken) problems += "\n  " + why;
  return Error{ErrorCode::not_found, "no committed snapshot in " + store.root().string() +
                                         (problems.empty() ? std::string(" (the program never took one)") : problems)};
}

// A scratch directory removed when it goes out of scope.
struct Scratch {
  fs::path path =
      fs::temp_directory_path() / ("sfn-state-" + std::to_string(::getpid()) + "-" +
                                   std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

Result<std::string> read_instance_state(const ModulePtr& module, const std::string& state_dir_text,
                                        std::string_view address, uint64_t epoch) {
  const fs::path state_dir(state_dir_text);
  auto layout = read_layout(state_dir);
  if (!layout.ok()) return layout.error();
  if (!layout.value()) return Error{ErrorCode::not_found, state_dir.string() + " is not a state directory (no layout)"};
  snapshot::SnapshotStore store(state_dir);
  auto manifest = choose_snapshot(store, epoch);
  if (!manifest.ok()) return manifest.error();
  const uint32_t kg = core::key_group_of(address, manifest->key_groups);
  const unsigned owner = core::worker_of(kg, manifest->workers);
  Scratch scratch;
  if (auto s = store.restore_worker_db(manifest.value(), owner, scratch.path); !s) return s.error();
  auto backend = state::StateBackend::open(scratch.path.string(), module);
  if (!backend) return Error{ErrorCode::io_error, backend.error().message};
  // Expiry as of the snapshot: its virtual clock, or (real clock) the time it was taken.
  const int64_t now =
      manifest->virtual_clock_ns > 0 ? manifest->virtual_clock_ns : manifest->created_unix_ms * 1'000'000;
  std::string json;
  Status s = backend.value()->instance_json(address, manifest->key_groups, now, &json);
  if (!s)
    return Error{ErrorCode::not_found,
                 s.error().message + " in the snapshot of epoch " + std::to_string(manifest->epoch)};
  return json;
}

Result<std::string> recorded_program_path(const std::string& state_dir) {
  auto recorded = io::read_small_file(fs::path(state_dir) / "program", 4096);
  if (!recorded.ok()) return recorded.error();
  return recorded.value().substr(0, recorded.value().find('\n'));
}

std::string duration_text(int64_t ns) {
  std::string out;
  core::append_duration(out, ns);
  return out;
}

std::string time_text(int64_t unix_ns) {
  std::string out;
  core::append_time(out, unix_ns);
  return out;
}

std::string base64_text(std::string_view bytes) {
  std::string out;
  core::append_base64(out, bytes);
  return out;
}

}  // namespace sfn::runtime
