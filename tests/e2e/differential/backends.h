// Runs one SFN program in process through both backends (sfn_pipeline) and compares what the
// runtime sees: the module descriptors (schema, defaults applied by the init functions, states,
// handlers, routes, egresses) and the egress of a batch run. Shared by the differential test and
// the random program test.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "compiler/driver/pipeline.h"

namespace sfn::testing {

// The egress of `module` run on `input` (JSON lines; empty path: no input) with a virtual clock
// and one worker in a fresh state directory under `scratch`, as the lines `sfn run` prints.
// `error` is set when the run does not exit 0.
std::vector<std::string> run_batch(const runtime::ModulePtr& module, const std::filesystem::path& input,
                                   const std::filesystem::path& scratch, std::string& error);

// A stable text dump of a loaded module's descriptor, including the default value of every
// message and the initial value of every state (formatted), for comparing backends.
std::string describe(const runtime::ModulePtr& module);

// Loads `source` with `backend`; on failure null with `error` set.
runtime::ModulePtr load(const std::filesystem::path& source, driver::Backend backend, std::string& error);

// Egress of both backends for `source` (run in its own folder, as `sfn run NAME.sfn` is, so
// source locations match expected.jsonl) and their descriptors.
struct BothBackends {
  std::vector<std::string> llvm, cpp;
  std::string llvm_descriptor, cpp_descriptor;
  std::string error;  // a backend failed to compile, load or run
};
BothBackends run_both(const std::filesystem::path& source, const std::filesystem::path& input);

// A line diff ("- " only in `want`, "+ " only in `got`), for failure messages.
std::string diff_lines(const std::vector<std::string>& want, const std::vector<std::string>& got);

}  // namespace sfn::testing
