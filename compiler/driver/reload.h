// Hot reload from the driver (issue 9): compiles a new version of the running program, checks it
// against the running version with the compatibility check (E0601, compiler/compat) and offers
// it to the run in progress (runtime offer_version), which switches between two epochs.
// `sfn run --watch` calls it when a source file is saved, `sfn reload FILE` through the control
// endpoint (RunOptions::reload).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "compiler/driver/frontend.h"
#include "compiler/driver/pipeline.h"
#include "sfn/runtime.h"

namespace sfn::driver {

class Reloader {
 public:
  // `loaded` is the version the run starts with, compiled from `path`.
  Reloader(const std::string& path, const LoadResult& loaded, LoadOptions options);

  // Compiles and checks `path`; offers it when it is a compatible program without errors and
  // sets `label`; otherwise returns the refusal: the diagnostics, as text. Thread-safe.
  Status reload(const std::string& path, std::string* label);

  // Called with a compatible version's path, source files and module just before it is offered
  // (a cluster's coordinator hands the files to its workers, which compile them themselves).
  std::function<void(const std::string& path, const std::vector<std::string>& files, const runtime::ModulePtr&)>
      before_offer;

  // The running version's label and source files (root and imports).
  std::string label() const;
  std::vector<std::string> files() const;

 private:
  // Compiles the version and its ProgramVersion; the refusal text on failure.
  Status prepare(const std::string& path, runtime::ProgramVersion* version, std::vector<std::string>* files);

  LoadOptions options_;
  mutable std::mutex mu_;
  std::string schema_;  // the running version's (or the one being switched to)
  std::string label_;
  std::vector<std::string> files_;
};

// How a version is named in status and messages: "greeter.sfn@3f2a9c01" (file and source hash).
std::string version_label(const std::string& path, const runtime::ModulePtr& module);

}  // namespace sfn::driver
