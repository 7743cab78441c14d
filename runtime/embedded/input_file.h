// `sfn run --input FILE`: JSON lines `{"ingress":NAME,"value":{...},"at":DURATION?}`, appended
// to the ingress logs with the idempotency key `input:<hash of the file's text>:<run>:<line>`
// (decision 016), where <run> counts the runs of that file that completed on this state
// directory (`<state-dir>/io/inputs`). So a batch run killed (or stopped, or ended by --until)
// at any moment and started again with the same file resumes it, running every line exactly
// once; a file whose run completed runs anew. Records from `--input` and from clients take one
// path (IngressSource).
//
// Memory (decision 132): a regular file whose lines are in `at` order is read twice: once to
// check every line and hash the text (nothing kept per line), then again while the run runs,
// appending it to the logs in batches of kInputBatchLines as the records before them are taken
// (InputFeeder). A file that is not in `at` order, or cannot be read twice (a pipe), is held in
// memory and sorted, as before.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
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
// Lines appended to the ingress logs at a time (one write + one sync per log).
inline constexpr std::size_t kInputBatchLines = 16384;

struct InputLine {
  uint32_t ingress = 0;
  int64_t at_ns = 0;  // a line without `at` is due with the line before it
  std::string value;  // the JSON text of "value"
  std::size_t number = 0;
};

struct InputFile {
  std::string path;
  uint64_t hash = 0;             // of the whole text (the lines' idempotency keys)
  uint64_t bad = 0;              // lines reported as skipped
  uint64_t good = 0;             // lines to run
  uint64_t late = 0;             // good lines due at or after --until
  bool in_order = true;          // no line's `at` is earlier than a line before it
  bool held = false;             // `lines` holds the good lines (else they are read again)
  bool changed = false;          // the file changed between two readings (the run refuses it)
  std::vector<InputLine> lines;  // when held: the good lines, in delivery order (by `at`, stable)
};

// Reads and checks every line of `in`; bad lines are reported on stderr as
// `path:line: problem (line skipped)` and counted. Keeps the lines when `keep` (an input that
// cannot be read again), or re-reads `path` to keep them when the lines are not in `at` order.
// `until_ns` (< 0: none) counts the lines due at or after it.
InputFile read_input(const core::Module& m, const std::string& path, std::istream& in, bool keep, int64_t until_ns);

// Says how many lines are due at or after --until: the run stops before them (the next run of
// the file on the state directory runs them).
void report_late_lines(const InputFile& input);

// What the feeder did with the lines.
struct IngestCounts {
  uint64_t appended = 0;  // new in the logs
  uint64_t done = 0;      // processed before an interruption (a resumed run), not run again
  uint64_t refused = 0;   // refused by the ingress (reported, counted in input.bad)
};

// Appends the good lines, in delivery order and in batches, to the ingress logs with the keys
// of the file's current run and tells `source` when each is due.
class InputFeeder {
 public:
  InputFeeder(io::IoServer& server, const core::Module& m, InputFile& input, IngressSource& source);
  // Reads the file's run number and opens the file for its second reading. Errors when the runs
  // file or the input cannot be read.
  [[nodiscard]] transport::Status open(const std::filesystem::path& state_dir);
  // Appends the next batch; returns false once every line was appended or appending failed
  // (error() says why).
  bool feed();
  bool done() const { return done_; }
  // Lines given to the logs so far.
  uint64_t given() const { return seq_; }
  const IngestCounts& counts() const { return counts_; }
  // Why appending stopped early (a log or the file could not be read or written); "" if not.
  const std::string& error() const { return error_; }

 private:
  // The next good line in delivery order into `line`; false at the end.
  bool next(InputLine& line);
  void fail(const std::string& why);

  io::IoServer& server_;
  const core::Module& m_;
  InputFile& input_;
  IngressSource& source_;
  uint64_t run_ = 0;
  std::ifstream file_;      // the second reading (lines not held)
  uint64_t hash_ = 0;       // of the text read again, checked against the first reading's
  std::size_t number_ = 0;  // line number of the second reading
  int64_t at_ns_ = 0;       // the time of the line before (second reading)
  std::size_t next_held_ = 0;
  uint64_t seq_ = 0;  // lines given so far (their position in delivery order)
  bool done_ = false;
  IngestCounts counts_;
  std::string error_;
};

// Records that the file's current run completed (every line processed and committed), so the
// next run of the same file runs it anew.
[[nodiscard]] transport::Status record_completed_run(const std::filesystem::path& state_dir, const InputFile& input);

}  // namespace sfn::runtime
