// The old version's schema, the check against it, and the restart hook of `sfn run` (versions.h).
#include "compiler/driver/versions.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "compiler/diagnostics/render.h"

namespace sfn::driver {
namespace {

Result<OldSchema> from_state_dir(const std::string& dir) {
  runtime::RecordedProgram recorded;
  if (Status s = runtime::read_recorded_program(dir, &recorded); !s)
    return Error(ErrorCode::not_found, s.error().message + ": nothing to compare with");
  const std::string where = "state directory " + dir + " (snapshot epoch " + std::to_string(recorded.epoch) + ")";
  if (recorded.state_schema.empty())
    return Error(ErrorCode::not_found,
                 "snapshot " + recorded.snapshot + " records no program schema (written by program version " +
                     recorded.program_version + " without one): its compatibility cannot be checked");
  Result<compat::Schema> parsed = compat::parse_schema(recorded.state_schema);
  if (!parsed) return Error(ErrorCode::incompatible, "snapshot " + recorded.snapshot + ": " + parsed.error().message);
  OldSchema out;
  out.schema = std::move(parsed.value());
  out.description = where;
  return out;
}

Result<OldSchema> from_program(const std::string& path) {
  auto fe = run_frontend(path, {});
  if (!fe->read_error.empty()) return Error(ErrorCode::io_error, "cannot read `" + path + "`: " + fe->read_error);
  if (fe->sink.has_errors() || !fe->checked || fe->checked->has_errors)
    return Error(ErrorCode::invalid_argument,
                 "the old program `" + path + "` has errors (`sfn check " + path + "` shows them)");
  OldSchema out;
  out.schema = compat::extract_schema(*fe->checked);
  out.description = "`" + path + "`";
  return out;
}

}  // namespace

Result<OldSchema> load_old_schema(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec) ? from_state_dir(path) : from_program(path);
}

std::size_t check_against(Frontend& fe, const compat::Schema& old) {
  std::size_t errors = compat::check_compatible(old, *fe.checked, fe.sink);
  fe.sink.sort_by_location();
  return errors;
}

void attach_versions(runtime::RunOptions& options, std::shared_ptr<const Frontend> fe, const std::string& path) {
  if (!fe || !fe->checked) return;  // no checked program: only the same version resumes
  options.state_schema = compat::schema_text(*fe->checked);
  options.check_schema = [fe, path](const std::string& recorded) -> Status {
    diagnostics::DiagnosticSink sink;
    compat::Verdict verdict = compat::check_compatible(recorded, *fe->checked, sink);
    if (!verdict.unreadable.empty()) return Error(ErrorCode::failed, verdict.unreadable);
    sink.sort_by_location();
    const bool color = isatty(STDERR_FILENO);
    for (const auto& d : sink.diagnostics()) std::cerr << diagnostics::render_text(d, fe->sources, color) << "\n";
    if (verdict.accepted()) return ok_status();
    return Error(ErrorCode::failed,
                 "`" + path + "` is not compatible with it (" + std::to_string(verdict.errors) + " error" +
                     (verdict.errors == 1 ? "" : "s") + " E0601 above); nothing was " +
                     "changed: run the old version, make the change compatible, or use another --state-dir");
  };
}

}  // namespace sfn::driver
