// The public C++ API of the SFN runtime: load a compiled module, run it in embedded mode, and
// the shapes shared with runtime/io (envelopes, egress records). The embedded mode plugs the
// ingress/egress endpoints of runtime/io (io_server.h) in itself: it gives them the validator,
// status and state callbacks. Everything else under runtime/ is private to the runtime; the
// driver includes only this header and sfn/abi.h.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "sfn/abi.h"

namespace sfn::runtime {

namespace core {
class Module;
}

// A loaded module: the descriptor plus the indexes the runtime derives from it. Shared by all
// workers; immutable once loaded.
using ModulePtr = std::shared_ptr<const core::Module>;

// Loads a module from a shared object exporting `sfn_module_v1` (dlopen). Errors name the file
// and what is wrong (missing file, missing symbol, ABI version, invalid descriptor).
[[nodiscard]] Result<ModulePtr> load_module_file(const std::string& path);
// Wraps a module linked into the process (the C++ backend's standalone executables, tests), or
// code whose lifetime `keep_alive` owns (the LLVM JIT's code of one program): the module holds it
// until the last user of the module lets go.
[[nodiscard]] Result<ModulePtr> load_module_linked(sfn_module_entry_fn entry,
                                                   std::shared_ptr<void> keep_alive = nullptr);
// The module's version hash (of its program's source text; sfn_module.version_hash), "" when the
// module carries none.
std::string module_version_hash(const ModulePtr& module);

// One message between instances: the target address "pkg/Type/key", the message type (index
// into sfn_module.messages), and its Protobuf wire encoding. This is what crosses the
// transport between workers and what the ingress log stores (with target empty: the route
// computes it at delivery).
struct Envelope {
  std::string target;
  uint32_t message_type = 0;
  std::string payload;
};

// One committed egress record: the egress name (a module egress or "dead_letters"), the
// record as one JSON object (LANGUAGE.md §10) and in Protobuf wire format, the epoch, and the
// address of the instance whose invocation emitted it (for a dead letter: the failed target's).
struct EgressRecord {
  std::string egress;
  std::string source;
  std::string json;
  std::string payload;
  uint64_t epoch = 0;
  uint64_t index = 0;  // position among the committed egress of its epoch (all egresses)
};

enum class ClockMode { real, virtual_time };

// The default of --max-in-flight (decision 110): messages sent by handlers (or fired by timers)
// and not yet processed, over the whole run; twice the default effects budget, so one invocation
// at its budget never reaches it alone.
inline constexpr uint64_t kDefaultMaxInFlight = 2'000'000;

// The budget of each invocation (decision 110): loop iterations plus fn calls (--max-fuel),
// nested fn calls (--max-depth, at most 100,000), bytes its values may allocate
// (--max-invocation-memory) and sends, timers, emits and cancels it may buffer
// (--max-invocation-effects).
struct InvocationBudget {
  int64_t fuel = 100'000'000;
  uint32_t max_depth = 1000;
  uint64_t max_memory = uint64_t{256} << 20;
  uint64_t max_effects = 1'000'000;
};

// The options of `sfn run` (RUNTIME.md §5).
class WorkerSet;  // runtime/embedded/worker_set.h

// Fault injection for tests (decision 143): the run asks it after every invocation of every
// worker; when it answers true, that worker fails as a failed write-back would (the run stops
// without a last snapshot and recovers in place). Called from the worker threads: thread-safe.
// The production run has none (RunOptions::faults is null).
class FaultInjector {
 public:
  virtual ~FaultInjector() = default;
  // Whether `worker` fails now, after its `invocations`-th invocation.
  virtual bool fail_worker(unsigned worker, uint64_t invocations) = 0;
};

struct RunOptions {
  unsigned workers = 0;         // 0: as recorded in state_dir, else 1 with input_path, else cores
  std::string state_dir;        // default ".sfn/<package>"
  std::string input_path;       // --input: JSON lines; empty: none
  std::string program_path;     // the program run (recorded in <state-dir>/program); may be empty
  std::string output_path;      // --output: egress lines go there instead of stdout
  bool egress_sources = false;  // --egress-sources: egress lines name the emitting instance
  ClockMode clock = ClockMode::real;
  int64_t until_ns = -1;  // --until: virtual time (ns since the epoch) to stop at; -1: none
  // Where the virtual clock stands after a stop at until_ns (-1: at until_ns). `sfn test` stops
  // just past an instant (until = t + 1 ns, so everything due at t runs) and keeps the clock at t.
  int64_t until_clock_ns = -1;
  int64_t checkpoint_interval_ns = 1'000'000'000;  // --checkpoint-interval (20ms .. 1h)
  size_t retain = 3;                               // --retain: committed snapshots kept
  bool allow_republish = false;  // --allow-republish: recover although the egress logs hold later epochs
  // Cluster mode (`sfn coordinator`, runtime/cluster): makes the workers of each run (one
  // generation) — worker processes; empty: worker threads of this process.
  std::function<std::unique_ptr<WorkerSet>()> worker_set;
  std::string ingress_endpoint;  // --ingress: ZeroMQ ROUTER endpoint (runtime/io); empty: none
  std::string egress_endpoint;   // --egress: ZeroMQ PUB endpoint (runtime/io); empty: none
  std::string control_endpoint;  // status/state endpoint for `sfn status/state`; empty: none
  bool insecure = false;         // --insecure: endpoints may bind non-loopback addresses without authentication
  std::string metrics_address;   // --metrics HOST:PORT: Prometheus text at GET /metrics; empty: none
  size_t max_record_bytes = 0;   // --max-record-bytes: largest ingress record over the network; 0: runtime/io's default
  std::string curve_key;         // --curve-key: the endpoints' CurveZMQ secret key file; empty: no keys
  std::string curve_peers;       // --curve-peers: directory of the allowed clients' *.pub files
  uint32_t key_groups = 128;
  InvocationBudget budget;  // --max-fuel, --max-depth, --max-invocation-memory, --max-invocation-effects
  uint64_t max_in_flight = kDefaultMaxInFlight;  // --max-in-flight: past it the run stops with exit 1
  // --cache-size: bound on the memory of cached instance state, shared evenly by the workers;
  // 0: a quarter of the machine's physical memory (default_cache_bytes).
  uint64_t cache_bytes = 0;
  // Tests only: fails workers on purpose (FaultInjector); null: never.
  std::shared_ptr<FaultInjector> faults;
  // The program's schema (compiler/compat: what its persisted data and in-flight messages
  // depend on), recorded in every snapshot's MANIFEST; empty when unknown (a module run without
  // its source).
  std::string state_schema;
  // Decides whether state written by another version of the program may be resumed. Called at
  // start, before anything in the state directory changes, with the schema the newest committed
  // snapshot records, when it differs from `state_schema` (`sfn run` runs the compatibility
  // check, compiler/compat, and prints its E0601 diagnostics). An error refuses the state
  // directory: the run ends with exit status 2 and the message. Null, or no recorded schema:
  // only a snapshot of the same program version (or the same schema) is resumed.
  std::function<Status(const std::string& recorded_schema)> check_schema;
  // Progress lines for a terminal ("running with 2 workers"); null: silent.
  std::function<void(const std::string&)> progress;
  // `sfn reload PATH` on the control endpoint (hot reload): compiles and checks the program at
  // PATH and offers it (offer_version); returns the new version's label in `label`, or the
  // refusal with its diagnostics. Null: the run cannot be reloaded.
  std::function<Status(const std::string& path, std::string* label)> reload;
  // How status and messages name the program version this run starts with.
  std::string version_label;
  // Where committed egress goes; null: JSON lines on stdout or --output.
  std::function<void(const EgressRecord&)> egress_sink;
};

// The result of a run: exit status per the driver's convention (0 ok, 2 unusable setup,
// 3 bad input lines were skipped) and counters for reports.
struct RunResult {
  int exit_code = 0;
  uint64_t bad_input_lines = 0;
  uint64_t invocations = 0;
  uint64_t dead_letters = 0;
  std::string error;  // set when exit_code == 2
  // Snapshots (for reports and benchmarks): how many committed, the longest stop of processing
  // in a worker for each of the last 4096, and how long recovery took at start.
  uint64_t snapshots = 0;
  std::vector<int64_t> snapshot_sync_us;
  std::vector<int64_t> snapshot_sync_cpu_us;  // the same in the worker thread's CPU time
  // The instance caches at the end of the run (summed over the workers; decision 131).
  uint64_t cache_bytes = 0, cache_instances = 0, cache_hits = 0, cache_misses = 0, cache_evictions = 0;
  int64_t recovery_ms = 0;
};

// What the newest committed snapshot of a state directory records about the program that wrote
// it (RUNTIME.md §3).
struct RecordedProgram {
  uint64_t epoch = 0;           // the snapshot's epoch
  std::string snapshot;         // its directory
  std::string program_version;  // the module's version hash (of its source text)
  std::string state_schema;     // the program's schema; empty when none was recorded
};
// Reads, without changing anything on disk, the newest snapshot under `state_dir` whose MANIFEST
// and files verify. An error names the directory when it does not exist or holds no committed
// snapshot, and lists the newer snapshots that do not verify.
[[nodiscard]] Status read_recorded_program(const std::string& state_dir, RecordedProgram* out);

// `sfn state ADDRESS --state-dir DIR [--epoch E]`: the state of the instance at `address`
// ("pkg/Type/key") as one JSON object, from epoch `epoch`'s snapshot of `state_dir` (0: the newest
// that verifies), read with no program running and without changing the snapshot (the owning
// worker's checkpoint is restored into a scratch directory, SST files hard-linked). Errors name
// what is missing: no state directory, no snapshot, a damaged one, no such instance.
[[nodiscard]] Result<std::string> read_instance_state(const ModulePtr& module, const std::string& state_dir,
                                                      std::string_view address, uint64_t epoch = 0);

// The program `sfn run` recorded in `state_dir` (DIR/program: the path it was started with);
// not_found when the directory names none.
[[nodiscard]] Result<std::string> recorded_program_path(const std::string& state_dir);

// How the runtime writes values in JSON (LANGUAGE.md §10), for tools that build the records
// they compare with its output: a duration ("1h30m"), a time (RFC 3339 UTC), bytes (base64).
std::string duration_text(int64_t ns);
std::string time_text(int64_t unix_ns);
std::string base64_text(std::string_view bytes);

// Hot reload (issue 9): a new version of the program, ready to run.
struct ProgramVersion {
  ModulePtr module;
  std::string label;  // how status and messages name it, e.g. "greeter.sfn (3f2a9c01)"
  // What RunOptions holds for it: the schema recorded in snapshots, and the compatibility check
  // of state written by another version (see RunOptions).
  std::string state_schema;
  std::function<Status(const std::string& recorded_schema)> check_schema;
};

// Thread-safe: offers `version` to the run in progress, which switches to it between two epochs:
// it takes a snapshot, stops its workers and resumes from that snapshot with the new version, so
// every invocation runs wholly in one version, records in flight are neither lost nor doubled
// and instances keep their state. Returns at once (an error when no run is in progress or
// another version is being switched to); `done`, when given, is called with the outcome once the
// new version runs or could not start (the old version then goes on). The caller checks
// compatibility first.
Status offer_version(ProgramVersion version, std::function<void(const Status&)> done = {});

// Runs `module` in embedded mode until the input is exhausted and no work is left (with
// --input), or until `request_stop()` (e.g. SIGINT) otherwise.
RunResult run_embedded(const ModulePtr& module, const RunOptions& options);
// The default bound of the instance caches of a run (all workers together): a quarter of the
// machine's physical memory.
uint64_t default_cache_bytes();
// Asks a run in progress to finish its current batch, persist its state and return.
void request_stop();
// A stop was asked for (request_stop, SIGINT or SIGTERM during a run).
bool stop_requested();

}  // namespace sfn::runtime
