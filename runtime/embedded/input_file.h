// `sfn run --input FILE`: JSON lines `{"ingress":NAME,"value":{...},"at":DURATION?}`, appended
// to the ingress logs before anything runs, each with the idempotency key
// `input:<hash of the file's text>:<run>:<line>` (decision 016), where <run> counts the runs
// of that file that completed on this state directory (`<state-dir>/io/inputs`). So a batch run
// killed (or stopped, or ended by --until) at any moment and started again with the same file
// resumes it, running every line exactly once; a file whose run completed runs anew. Records
// from `--input` and from clients take one path (IngressSource).
#pragma once

#include <cstdint>
#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "runtime/core/module.h"
#include "runtime/embedded/ingress_source.h"
#include "runtime/io/io_server.h"
#include "runtime/transport/result.h"

namespace sfn::runtime {

// Longest input line read; a longer one is reported and skipped.
inline constexpr std::size_t kMaxInputLineBytes = 64u << 20;

struct InputLine {
  uint32_t ingress = 0;
  int64_t at_ns = 0;  // a line without `at` is due with the line before it
  std::string value;  // the JSON text of "value"
  std::size_t number = 0;
};

struct InputFile {
  std::string path;
  std::vector<InputLine> lines;  // the good lines, in delivery order (by `at`, stable)
  uint64_t hash = 0;             // of the whole text (the lines' idempotency keys)
  uint64_t bad = 0;              // lines reported as skipped
};

// Reads and checks every line of `in`; bad lines are reported on stderr as
// `path:line: problem (line skipped)` and counted.
InputFile read_input(const core::Module& m, const std::string& path, std::istream& in);

// Says how many lines are due at or after `until_ns`: they are logged like the others, and the
// run stops before them (the next run of the file on the state directory runs them).
void report_late_lines(const InputFile& input, int64_t until_ns);

// What ingest_input() did with the lines.
struct IngestCounts {
  uint64_t appended = 0;  // new in the logs
  uint64_t done = 0;      // processed before an interruption (a resumed run), not run again
  uint64_t refused = 0;   // refused by the ingress (reported, counted in input.bad)
};

// Appends the lines to the ingress logs (one write + one sync per log) with the keys of the
// file's current run and tells `source` when each is due. Errors when a log or the runs file
// cannot be read or written.
[[nodiscard]] transport::Result<IngestCounts> ingest_input(io::IoServer& server, const core::Module& m,
                                                           InputFile& input, IngressSource& source,
                                                           const std::filesystem::path& state_dir);

// Records that the file's current run completed (every line processed and committed), so the
// next run of the same file runs it anew.
[[nodiscard]] transport::Status record_completed_run(const std::filesystem::path& state_dir, const InputFile& input);

}  // namespace sfn::runtime
