// Program versions at restart (versions.h) and read_recorded_program (sfn/runtime.h).
#include "runtime/embedded/versions.h"

#include "runtime/snapshot/store.h"

namespace sfn::runtime {
namespace fs = std::filesystem;
using transport::Error;
using transport::ErrorCode;

transport::Status accept_snapshot(const snapshot::Manifest& m, const fs::path& snapshot_dir, const std::string& version,
                                  const RunOptions& options) {
  if (!options.state_schema.empty() && m.state_schema == options.state_schema) return transport::ok_status();
  if (m.program_version == version) return transport::ok_status();
  const std::string where = "snapshot " + snapshot_dir.string() + " (epoch " + std::to_string(m.epoch) +
                            ") was written by program version " + m.program_version;
  const std::string instead = "; run that version on it, or use another --state-dir";
  if (m.state_schema.empty())
    return Error{ErrorCode::invalid_argument, where +
                                                  ", which recorded no schema, so its compatibility with this "
                                                  "version (" +
                                                  version + ") cannot be checked" + instead};
  if (options.state_schema.empty() || !options.check_schema)
    return Error{ErrorCode::invalid_argument, where + "; this module (version " + version +
                                                  ") carries no schema to "
                                                  "check compatibility with: run it from source (`sfn run FILE.sfn`)" +
                                                  instead};
  Status s = options.check_schema(m.state_schema);
  if (!s) return Error{ErrorCode::invalid_argument, where + ": " + s.error().message};
  return transport::ok_status();
}

Status read_recorded_program(const std::string& state_dir, RecordedProgram* out) {
  std::error_code ec;
  if (!fs::is_directory(state_dir, ec))
    return Error(ErrorCode::failed, "state directory " + state_dir + " does not exist");
  snapshot::SnapshotStore store(state_dir);
  std::vector<std::pair<std::uint64_t, std::string>> broken;
  std::optional<snapshot::Manifest> m = store.find_newest_valid(&broken);
  if (!m) {
    std::string why = "state directory " + state_dir + " has no committed snapshot (no " + store.root().string() +
                      "/<epoch>/MANIFEST that verifies)";
    for (const auto& [epoch, problem] : broken) why += "; " + problem;
    return Error(ErrorCode::failed, why);
  }
  out->epoch = m->epoch;
  out->snapshot = store.dir_of(m->epoch).string();
  out->program_version = m->program_version;
  out->state_schema = m->state_schema;
  return ok_status();
}

}  // namespace sfn::runtime
