// Compiling, checking and offering new versions of a running program (see reload.h).
#include "compiler/driver/reload.h"

#include <filesystem>
#include <iostream>

#include "compiler/compat/compat.h"
#include "compiler/diagnostics/render.h"
#include "compiler/driver/versions.h"
#include "sfn/runtime.h"

namespace sfn::driver {
namespace {

// Every diagnostic of `sink` as text (no colour), for the reload reply and stderr.
std::string render_all(const diagnostics::DiagnosticSink& sink, const source::SourceManager& sources) {
  std::string out;
  for (const auto& d : sink.diagnostics()) out += diagnostics::render_text(d, sources, false) + "\n";
  return out;
}

}  // namespace

std::string version_label(const std::string& path, const runtime::ModulePtr& module) {
  const std::string hash = runtime::module_version_hash(module);
  return std::filesystem::path(path).filename().string() + "@" + (hash.empty() ? "?" : hash.substr(0, 8));
}

Reloader::Reloader(const std::string& path, const LoadResult& loaded, LoadOptions options)
    : options_(std::move(options)), label_(version_label(path, loaded.module)), files_(loaded.files) {
  if (loaded.frontend && loaded.frontend->checked) schema_ = compat::schema_text(*loaded.frontend->checked);
  if (files_.empty()) files_.push_back(path);
}

Status Reloader::prepare(const std::string& path, runtime::ProgramVersion* version, std::vector<std::string>* files) {
  std::unique_ptr<Frontend> fe = run_frontend(path, DiagnosticOptions{});
  if (!fe->read_error.empty()) return Error(ErrorCode::failed, read_error_text(path, fe->read_error) + "\n");
  if (fe->sink.has_errors() || !fe->checked) return Error(ErrorCode::failed, render_all(fe->sink, fe->sources));
  {
    std::lock_guard<std::mutex> lock(mu_);
    diagnostics::DiagnosticSink sink;
    compat::Verdict verdict = compat::check_compatible(schema_, *fe->checked, sink);
    if (!verdict.unreadable.empty()) return Error(ErrorCode::failed, verdict.unreadable);
    sink.sort_by_location();
    if (!verdict.accepted()) return Error(ErrorCode::failed, render_all(sink, fe->sources));
    if (!sink.diagnostics().empty()) std::cerr << render_all(sink, fe->sources);  // warnings (W0602)
  }
  LoadResult loaded = load_checked(std::move(fe), path, options_);
  if (!loaded.module)
    return Error(ErrorCode::failed, loaded.error.empty() ? "the program does not compile" : loaded.error);
  runtime::RunOptions o;
  if (loaded.frontend) attach_versions(o, loaded.frontend, path);
  *version = runtime::ProgramVersion{loaded.module, version_label(path, loaded.module), o.state_schema, o.check_schema};
  *files = loaded.files.empty() ? std::vector<std::string>{path} : loaded.files;
  return ok_status();
}

Status Reloader::reload(const std::string& path, std::string* label) {
  runtime::ProgramVersion version;
  std::vector<std::string> files;
  if (Status s = prepare(path, &version, &files); !s) return s;
  *label = version.label;
  if (version.label == this->label()) {  // the same program: nothing to switch (issue 23)
    std::cerr << "sfn run: " << version.label << " is the version running; nothing to switch\n";
    return ok_status();
  }
  const std::string schema = version.state_schema, new_label = version.label;
  if (before_offer) before_offer(path, files, version.module);
  return runtime::offer_version(std::move(version), [this, schema, new_label, files](const Status& s) {
    if (!s) {
      std::cerr << "sfn run: " << new_label << " could not start: " << s.error().message << "\n";
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    schema_ = schema;
    label_ = new_label;
    files_ = files;
    std::cerr << "sfn run: now running " << new_label << "\n";
  });
}

std::string Reloader::label() const {
  std::lock_guard<std::mutex> lock(mu_);
  return label_;
}

std::vector<std::string> Reloader::files() const {
  std::lock_guard<std::mutex> lock(mu_);
  return files_;
}

}  // namespace sfn::driver
