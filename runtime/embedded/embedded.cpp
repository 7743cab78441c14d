// Embedded mode (`sfn run`): one process with W worker threads, the coordinator on the calling
// thread, batch input from --input, egress lines to stdout/--output, and, when endpoints are
// requested, the ingress/egress/control endpoints of runtime/io. State lives under
// <state-dir>/worker-<i>; the layout (workers, key groups) is recorded in <state-dir>/layout:
// the key groups must match on restart, another number of workers rescales (rescale.h).
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include <malloc.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "runtime/coordinator/coordinator.h"
#include "runtime/core/codec.h"
#include "runtime/core/text.h"
#include "runtime/core/value.h"
#include "runtime/worker/worker.h"
#include "sfn/runtime.h"

#include "runtime/embedded/ingress_source.h"
#include "runtime/embedded/input_file.h"
#include "runtime/embedded/layout.h"
#include "runtime/embedded/recovery.h"
#include "runtime/embedded/run_metrics.h"
#include "runtime/embedded/worker_set.h"
#include "runtime/io/durable_file.h"
#include "runtime/io/io_server.h"
#include "runtime/state/dir_lock.h"

namespace sfn::runtime {
namespace {

std::atomic<double> g_last_reload_pause_ms{0};  // the last hot reload: offer to the new version running
std::atomic<bool> g_stop{false};                // SIGINT/SIGTERM or request_stop(): end the run
std::atomic<bool> g_interrupt{false};           // the coordinator's stop flag: a stop or a pending reload

extern "C" void on_signal(int) {
  g_stop.store(true);
  g_interrupt.store(true);
}

namespace fs = std::filesystem;

// Decodes a JSON value (text) of ingress `ingress` into canonical Protobuf bytes.
Status json_to_payload(const core::Module& m, uint32_t ingress, std::string_view json, std::string* payload) {
  const sfn_message_desc* d = m.message(m.desc().ingresses[ingress].message_type);
  void* msg = core::message_new(d);
  Status s = core::decode_json(d, json, msg);
  if (s) core::encode_proto(d, msg, *payload);
  core::message_delete(d, msg);
  return s;
}

// The validator of ingress records: JSON or Protobuf of the ingress message type, stored as
// canonical Protobuf.
io::IngressValidator make_validator(const core::Module& m) {
  return [&m](std::string_view ingress, io::PayloadFormat format,
              std::string_view data) -> std::variant<std::string, io::IngressRejection> {
    int i = m.ingress_index(ingress);
    if (i < 0)
      return io::IngressRejection{io::IngressRejection::Code::unknown_ingress,
                                  "unknown ingress `" + std::string(ingress) + "`"};
    std::string payload;
    Status s = ok_status();
    if (format == io::PayloadFormat::json) {
      s = json_to_payload(m, static_cast<uint32_t>(i), data, &payload);
    } else {
      const sfn_message_desc* d = m.message(m.desc().ingresses[i].message_type);
      void* msg = core::message_new(d);
      s = core::decode_proto(d, data, msg);
      if (s) core::encode_proto(d, msg, payload);
      core::message_delete(d, msg);
    }
    if (!s) return io::IngressRejection{io::IngressRejection::Code::undecodable, s.error().message};
    return payload;
  };
}

// Appends committed egress to the logs, keyed "<epoch>:<index>", one append per run of records
// of the same egress. When an append fails, `records` keeps those before the run whose append
// failed (the ones in their logs) and the error names the egress.
Status commit_to_logs(io::IoServer& srv, std::vector<EgressRecord>& records) {
  for (size_t i = 0; i < records.size();) {
    size_t j = i;
    std::vector<std::string> json, keys;
    for (; j < records.size() && records[j].egress == records[i].egress; ++j) {
      json.push_back(records[j].json);
      keys.push_back(egress_key(records[j].epoch, records[j].index));
    }
    auto r = srv.commit_egress(records[i].egress, json, keys);
    if (!r.ok()) {
      Error failed(r.error().code, "egress log of `" + records[i].egress + "`: " + r.error().message);
      records.resize(i);
      return failed;
    }
    i = j;
  }
  return ok_status();
}

// Per egress, the (epoch, index) of the last record its log holds; (0, 0) for an empty log.
std::map<std::string, std::pair<uint64_t, uint64_t>> published_positions(io::IoServer& srv, const core::Module& m) {
  std::map<std::string, std::pair<uint64_t, uint64_t>> out;
  for (uint32_t i = 0; i <= m.desc().egress_count; ++i) {
    std::string name(m.egress_name(i));
    io::RecordLog* log = srv.egress_log(name);
    if (!log || log->end_offset() == log->start_offset()) continue;
    (void)log->read(log->end_offset() - 1, 1, [&](uint64_t, std::string_view, std::string_view key) {
      uint64_t e = 0, idx = 0;
      if (parse_egress_key(key, &e, &idx)) out[name] = {e, idx};
      return true;
    });
  }
  return out;
}

// glibc's malloc gives each thread that contends for an arena a new one (up to 8 per core),
// keeps what is freed in each for reuse, and after a large block is freed serves blocks of up to
// its size from the heap instead of mapping them (the "dynamic mmap threshold"). Instances loaded
// and evicted by the workers, messages and egress freed by other threads than the ones that made
// them, and the snapshot's 256 KB batches then spread freed memory over the arenas: RSS grew to
// two to three times the live heap (1,000,000 greeter instances through a 16 MB cache: 552 MB RSS
// for a heap that peaked at 97 MB; decision 132). Two arenas, a fixed 128 KB mmap threshold (large
// blocks go back to the system when freed) and a trim once a second bound it. Fixing the mmap
// threshold also fixes the trim threshold at its 128 KB default, and trimming the heap's top on
// every free that crosses it cost 50 % more time (1,000,000 greeter records: 37.6 s against
// 24.7 s): it is set to 64 MB, the once-a-second trim does the rest.
void tune_malloc() {
  ::mallopt(M_ARENA_MAX, 2);
  ::mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  ::mallopt(M_TRIM_THRESHOLD, 64 << 20);
}

// Returns the pages malloc holds free to the system once a second while a run runs (a trim of
// a few hundred MB of heap takes a few milliseconds).
class Trimmer {
 public:
  Trimmer() : thread_([this] { loop(); }) {}
  ~Trimmer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) ::malloc_trim(0);
  }
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// Everything one run of embedded mode owns, in construction order.
class EmbeddedRun {
 public:
  // `attempt` > 0: a recovery or a reload (the output is appended to, not replaced); `started`
  // runs once the workers are about to start; `metrics` (optional) reads the run while it runs.
  EmbeddedRun(const ModulePtr& module, const RunOptions& options, RunResult& result, int attempt, uint64_t reloads,
              std::function<void()> started, RunMetricsSource* metrics)
      : module_(module),
        m_(*module),
        options_(options),
        result_(result),
        attempt_(attempt),
        reloads_(reloads),
        started_(std::move(started)),
        metrics_(metrics) {}

  // Runs to the end; an error when the run could not be set up (unusable).
  Status run();
  // A worker failed: the run stopped without a last snapshot.
  bool worker_failed() const { return hub_ && hub_->failed.load(); }
  // The messages in flight passed --max-in-flight: recovering in process would do the same again.
  bool overloaded() const { return hub_ && hub_->overloaded.load(); }
  // The run was stopped (a signal, a reload, a failure) before its work was done.
  bool interrupted() const { return coord_ && coord_->interrupted(); }
  // Committed egress could not be written to its log (e.g. a full disk): recovering in process
  // would not help; the records are published by a later run (from the snapshot).
  bool egress_failed() const { return !egress_error_.empty(); }

 private:
  Status prepare_dir();
  Status open_output();
  Status read_input_file();
  Status start_io(const Recovered& rec);
  Status open_source(const Recovered& rec);
  Status check_logs(const Recovered& rec);
  Status check_republish(const Recovered& rec) const;
  Status take_input();
  void finish_input();
  void install_sinks();
  using Positions = std::map<std::string, std::pair<uint64_t, uint64_t>>;
  void republish(Recovered& rec, const Positions& done);
  io::StatusReport status() const;
  RunNumbers numbers() const;
  void run_threads();
  void start_epochs(const Recovered& rec);
  void fail(const std::string& error, bool print);
  void report_errors();
  void collect_results();

  ModulePtr module_;
  const core::Module& m_;
  const RunOptions& options_;
  RunResult& result_;
  const int attempt_;
  const uint64_t reloads_;  // before this run (status shows them with its own switch)
  std::function<void()> started_;
  RunMetricsSource* metrics_;
  fs::path dir_;
  state::DirLock lock_;  // released after everything declared below it has closed
  unsigned workers_ = 1;
  uint32_t groups_ = 128;
  std::ofstream out_file_;
  std::mutex out_mu_;
  std::unique_ptr<worker::Hub> hub_;
  std::unique_ptr<snapshot::SnapshotStore> store_;
  std::unique_ptr<WorkerSet> ws_;
  std::unique_ptr<coordinator::Coordinator> coord_;
  std::unique_ptr<io::IoServer> server_;
  std::unique_ptr<IngressSource> source_;
  InputFile input_;
  std::unique_ptr<InputFeeder> feeder_;
  std::unique_ptr<coordinator::Epochs> epochs_;
  std::string recovery_summary_;
  std::string output_error_;  // the first failed write of egress lines
  std::string egress_error_;  // the first failed append of committed egress to its log
  std::map<std::string, std::pair<uint64_t, uint64_t>> published_;  // per egress log: its last (epoch, index)
};

Status EmbeddedRun::prepare_dir() {
  dir_ = options_.state_dir.empty() ? fs::path(".sfn") / m_.package() : fs::path(options_.state_dir);
  // Default worker count (docs/decisions/013-default-workers.md): the layout the state directory
  // was created with, else 1 for batch input (deterministic output), else one per core.
  auto recorded = read_layout(dir_);
  if (!recorded.ok()) return recorded.error();
  workers_ = options_.workers;
  if (!workers_ && recorded.value()) workers_ = recorded.value()->workers;
  if (!workers_) workers_ = options_.input_path.empty() ? std::max(1u, std::thread::hardware_concurrency()) : 1;
  groups_ = options_.key_groups ? options_.key_groups : recorded.value() ? recorded.value()->key_groups : 128;
  if (workers_ > groups_)
    return Error(ErrorCode::invalid_argument,
                 "--workers must not exceed the number of key groups (" + std::to_string(groups_) + ")");
  if (Status s = worker::reserve_open_files(workers_); !s) return s;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return Error(ErrorCode::io_error, "cannot create state directory " + dir_.string() + ": " + ec.message());
  if (Status s = lock_.acquire(dir_); !s) return s;
  return check_layout(dir_, recorded.value(), Layout{workers_, groups_});
}

Status EmbeddedRun::open_output() {
  if (options_.output_path.empty()) return ok_status();
  out_file_.open(options_.output_path, attempt_ > 0 ? std::ios::app : std::ios::trunc);
  if (!out_file_) return Error(ErrorCode::io_error, "cannot write output file " + options_.output_path);
  return ok_status();
}

io::StatusReport EmbeddedRun::status() const {
  io::StatusReport r;
  r.key_groups = groups_;
  r.workers = ws_->status();
  if (epochs_) {
    coordinator::SnapshotStats st = epochs_->stats();
    r.current_epoch = st.current_epoch;
    r.last_committed_epoch = st.committed_epoch;
    r.last_snapshot_time = st.last_time;
    r.last_snapshot_duration_ms = st.last_duration_ms;
    r.last_snapshot_bytes = st.last_bytes;
  }
  r.recovery = recovery_summary_;
  r.version = options_.version_label;
  r.reloads = reloads_;
  r.last_reload_pause_ms = g_last_reload_pause_ms.load();
  return r;
}

// The run's part of /metrics (run_metrics.h); read on the metrics server's thread while it runs.
RunNumbers EmbeddedRun::numbers() const {
  RunNumbers n;
  for (const io::WorkerStatus& w : ws_->status()) {
    n.m.workers.push_back({w.id, w.invocations, w.queue_depth, w.key_groups, std::nullopt, w.snapshot_shipped_bytes});
    if (w.heartbeat_age_ms >= 0)
      n.m.workers.back().heartbeat_age_seconds = static_cast<double>(w.heartbeat_age_ms) / 1000;
    n.m.cache.bytes += w.cache.bytes;
    n.m.cache.instances += w.cache.instances;
    n.m.cache.limit_bytes += w.cache.limit_bytes;
    n.m.cache.hits += w.cache.hits;
    n.m.cache.misses += w.cache.misses;
    n.m.cache.evictions += w.cache.evictions;
  }
  n.m.dead_letters = hub_->dead_letters.load();
  const coordinator::SnapshotStats st = epochs_->stats();
  n.m.current_epoch = st.current_epoch;
  n.m.committed_epoch = st.committed_epoch;
  n.m.last_snapshot_duration_seconds = static_cast<double>(st.last_duration_ms) / 1000;
  n.m.last_snapshot_bytes = st.last_bytes;
  n.m.last_snapshot_new_bytes = st.last_bytes_new;
  n.m.snapshots_committed = st.committed;
  n.m.snapshots_failed = st.failed;
  n.last_snapshot = st.last_time;
  for (uint32_t i = 0; i < m_.desc().ingress_count; ++i) {
    const std::string name = m_.desc().ingresses[i].name;
    n.m.ingresses.push_back({name, server_->ingress_log(name)->end_offset()});
  }
  for (uint32_t i = 0; i <= m_.desc().egress_count; ++i) {
    const std::string name(m_.egress_name(i));
    n.m.egresses.push_back({name, server_->egress_log(name)->end_offset()});
  }
  n.m.reloads = reloads_;
  n.m.last_reload_pause_seconds = g_last_reload_pause_ms.load() / 1000;
  return n;
}

// The ingress logs (always: `--input` records go through them too) and the endpoints; the
// coordinator reads its records from the logs, from the recovered offsets.
Status EmbeddedRun::start_io(const Recovered& rec) {
  io::IoServerOptions io_opts;
  io_opts.log_dir = dir_ / "io";
  for (uint32_t i = 0; i < m_.desc().ingress_count; ++i) io_opts.ingress_names.push_back(m_.desc().ingresses[i].name);
  for (uint32_t i = 0; i <= m_.desc().egress_count; ++i) io_opts.egress_names.emplace_back(m_.egress_name(i));
  io_opts.ingress_endpoint = options_.ingress_endpoint;
  io_opts.egress_endpoint = options_.egress_endpoint;
  io_opts.control_endpoint = options_.control_endpoint;
  if (options_.max_record_bytes != 0) io_opts.max_record_bytes = options_.max_record_bytes;
  auto security = transport::load_server_security(options_.curve_key, options_.curve_peers, options_.insecure);
  if (!security) return security.error();
  io_opts.security = std::move(security.value());
  io_opts.validator = make_validator(m_);
  io_opts.status = [this] { return status(); };
  if (options_.reload)
    io_opts.reload = [this](const std::string& path) -> transport::Result<std::string> {
      std::string label;
      Status s = options_.reload(path, &label);
      if (!s) return transport::Error{transport::ErrorCode::rejected, s.error().message};
      return label;
    };
  io_opts.state = [this](std::string_view address) -> transport::Result<std::string> {
    std::string json;
    Status s = ws_->state_of(address, &json);
    if (!s) return transport::Error{transport::ErrorCode::not_found, s.error().message};
    return json;
  };
  auto started = io::IoServer::start(std::move(io_opts));
  if (!started) return started.error();
  server_ = std::move(started.value());
  if (Status s = open_source(rec); !s) return s;
  if (options_.progress) {
    if (!server_->ingress_endpoint().empty()) options_.progress("ingress endpoint " + server_->ingress_endpoint());
    if (!server_->egress_endpoint().empty()) options_.progress("egress endpoint  " + server_->egress_endpoint());
    if (!server_->control_endpoint().empty()) options_.progress("control endpoint " + server_->control_endpoint());
  }
  return ok_status();
}

// The logs must hold what the recovered snapshot depends on: every ingress record it has read
// and every egress record committed before it. A log that lost such records (deleted or cut
// segments) is refused with what to do, never skipped silently or refilled with new records
// under reused offsets.
Status EmbeddedRun::check_logs(const Recovered& rec) {
  auto check = [&](const char* kind, const std::string& name, const io::RecordLog* log, uint64_t need) -> Status {
    if (!log || log->end_offset() >= need) return ok_status();
    return Error(ErrorCode::corrupt, "the snapshot of epoch " + std::to_string(rec.epoch) + " needs the " + kind +
                                         " log of `" + name + "` up to offset " + std::to_string(need) + ", but " +
                                         log->dir().string() + " ends at " + std::to_string(log->end_offset()) +
                                         ": the log lost records; restore the state directory from a backup, "
                                         "or start with another --state-dir");
  };
  for (const auto& [name, need] : rec.ingress_offsets)
    if (Status s = check("ingress", name, server_->ingress_log(name), need); !s) return s;
  if (rec.epoch == 0)  // no snapshot: every ingress record runs again from the start of its log
    for (uint32_t i = 0; i < m_.desc().ingress_count; ++i)
      if (const io::RecordLog* log = server_->ingress_log(m_.desc().ingresses[i].name); log && log->start_offset() > 0)
        return Error(
            ErrorCode::corrupt,
            "there is no valid snapshot to recover, and the ingress log " + log->dir().string() +
                " no longer holds its records before offset " + std::to_string(log->start_offset()) +
                " (they were dropped after a snapshot that is gone): restore the state directory from a backup, or "
                "start with another --state-dir");
  for (const auto& [name, need] : rec.egress_offsets)
    if (Status s = check("egress", name, server_->egress_log(name), need); !s) return s;
  return check_republish(rec);
}

// Egress of an epoch after the recovered one is in a log: its snapshot was lost or damaged, and
// running again from an older one (or from nothing) would publish those records again. Refused
// unless --allow-republish says the user accepts that (decision 111).
Status EmbeddedRun::check_republish(const Recovered& rec) const {
  if (options_.allow_republish) return ok_status();
  for (const auto& [name, pos] : published_) {
    if (pos.first <= rec.epoch) continue;
    std::string why = rec.epoch == 0 ? "there is no valid snapshot to recover"
                                     : "the newest valid snapshot is of epoch " + std::to_string(rec.epoch);
    why += ", but the egress log " + server_->egress_log(name)->dir().string() +
           " holds records committed up to epoch " + std::to_string(pos.first) + ": running " +
           (rec.epoch == 0 ? "from empty state" : "from that snapshot") + " would publish them again.";
    for (const std::string& d : rec.damaged) why += "\n  damaged: " + d;
    if (rec.damaged.empty()) why += "\n  the snapshots of the later epochs are gone from " + store_->root().string();
    return Error(ErrorCode::incompatible,
                 why + "\n  Restore " + store_->root().string() +
                     " from a backup, or run again with --allow-republish to recover anyway (the effects since then "
                     "run again and their egress is published again)");
  }
  return ok_status();
}

// The coordinator's records: the ingress logs from the recovered offsets.
Status EmbeddedRun::open_source(const Recovered& rec) {
  published_ = published_positions(*server_, m_);  // read each egress log's tail once
  if (Status s = check_logs(rec); !s) return s;
  std::vector<std::string> names;
  std::vector<uint64_t> offsets;
  for (uint32_t i = 0; i < m_.desc().ingress_count; ++i) {
    names.emplace_back(m_.desc().ingresses[i].name);
    auto it = rec.ingress_offsets.find(names.back());
    offsets.push_back(it == rec.ingress_offsets.end() ? 0 : it->second);
  }
  const bool endless =
      !(options_.ingress_endpoint.empty() && options_.egress_endpoint.empty() && options_.control_endpoint.empty());
  source_ = std::make_unique<IngressSource>(*server_, names, offsets, endless);
  coord_->set_source(source_.get());
  return ok_status();
}

// Committed egress: to the logs first (durable, `sfn tail`), then the caller's sink or JSON
// lines on stdout / --output.
void EmbeddedRun::install_sinks() {
  hub_->egress_sink = [this](std::vector<EgressRecord>& records) {
    std::lock_guard<std::mutex> lock(out_mu_);
    if (!egress_error_.empty()) return;  // the run is stopping: nothing after a failed append
    if (server_) {                       // sinks see only what is in the logs: what a later run will not publish again
      if (Status committed = commit_to_logs(*server_, records); !committed) {
        egress_error_ = committed.error().message;
        hub_->report_failure();
      }
    }
    if (options_.egress_sink) {
      for (auto& r : records) options_.egress_sink(r);
      return;
    }
    std::string lines;
    for (auto& r : records) {
      lines += "{\"egress\":";
      core::append_json_string(lines, r.egress);
      if (options_.egress_sources) {
        lines += ",\"from\":";
        core::append_json_string(lines, r.source);
      }
      lines += ",\"value\":";
      lines += r.json;
      lines += "}\n";
    }
    std::ostream& out = options_.output_path.empty() ? std::cout : out_file_;
    errno = 0;
    out << lines << std::flush;
    if (!out && output_error_.empty()) {  // e.g. a full disk: the records are not delivered
      output_error_ = "cannot write egress to " +
                      (options_.output_path.empty() ? std::string("stdout") : options_.output_path) +
                      (errno ? std::string(": ") + std::strerror(errno) : std::string());
    }
  };
}

// The recovered epoch's egress that its logs do not hold yet (a crash between the commit and
// the publication) is published again; the rest was published before.
void EmbeddedRun::republish(Recovered& rec, const Positions& done) {
  if (rec.egress.empty()) return;
  std::vector<EgressRecord> missing;
  for (auto& r : rec.egress) {
    auto it = done.find(r.egress);
    if (it != done.end() && it->second >= std::make_pair(r.epoch, r.index)) continue;
    missing.push_back(std::move(r));
  }
  hub_->publish(missing);
}

Status EmbeddedRun::read_input_file() {
  if (options_.input_path.empty()) return ok_status();
  std::ifstream in(options_.input_path, std::ios::binary);
  if (!in) return Error(ErrorCode::io_error, "cannot read input file " + options_.input_path);
  // A file read twice (decision 132) must be a regular file; a pipe is held in memory.
  std::error_code ec;
  const bool regular = fs::is_regular_file(options_.input_path, ec);
  input_ = read_input(m_, options_.input_path, in, !regular, options_.until_ns);
  if (in.bad())
    return Error(ErrorCode::io_error, "cannot read input file " + options_.input_path + ": " + std::strerror(errno));
  if (input_.changed)
    return Error(ErrorCode::failed, "input file " + options_.input_path + " changed while it was read");
  report_late_lines(input_);
  return ok_status();
}

// Appends the --input lines to the ingress logs; says when some were taken by an earlier run.
Status EmbeddedRun::take_input() {
  if (options_.input_path.empty()) return ok_status();
  feeder_ = std::make_unique<InputFeeder>(*server_, m_, input_, *source_);
  if (Status s = feeder_->open(dir_); !s) return s;
  // The first batches; those an interrupted run of the file had taken entirely are skipped here.
  while (feeder_->feed() && feeder_->counts().done + feeder_->counts().refused == feeder_->given()) {
  }
  if (!feeder_->error().empty()) return Error(ErrorCode::failed, feeder_->error());
  if (!feeder_->done()) source_->set_refill([this] { return feeder_->feed(); }, kInputBatchLines);
  const IngestCounts* counts = &feeder_->counts();
  auto lines = [](uint64_t n) { return std::to_string(n) + (n == 1 ? " line" : " lines"); };
  if (counts->done > 0)
    std::cerr << options_.input_path << ": resuming an interrupted run of this file: " << lines(counts->done)
              << " had been taken (their effects are in the recovered state) and " << (counts->done == 1 ? "is" : "are")
              << " not taken again\n";
  return ok_status();
}

// A run of the --input file that processed and committed every line completes it: the next run
// of the same file runs it anew instead of resuming (decision 016).
void EmbeddedRun::finish_input() {
  const coordinator::SnapshotStats st = epochs_->stats();
  const bool committed = st.current_epoch == 0 && st.committed_epoch + 1 == epochs_->epoch();
  if (options_.input_path.empty() || g_interrupt.load() || result_.exit_code != 0 || !committed ||
      !source_->finished() || !feeder_ || !feeder_->done() || !feeder_->error().empty())
    return;
  if (auto s = record_completed_run(dir_, input_); !s) {
    std::cerr << "sfn run: " << s.error().message << "\n";
    result_.exit_code = 1;
    result_.error = s.error().message;
  }
}

void EmbeddedRun::run_threads() {
  auto old_int = std::signal(SIGINT, on_signal);
  auto old_term = std::signal(SIGTERM, on_signal);
  if (metrics_) metrics_->begin_run([this] { return numbers(); });
  ws_->start();
  if (started_) started_();
  {
    Trimmer trimmer;
    coord_->run(g_interrupt);
    ws_->join();
  }
  if (metrics_) metrics_->end_run();
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
}

// The snapshot epochs: every interval (and at the end) a snapshot of the workers' state with the
// ingress offsets and egress log ends it covers; the ingress logs are truncated before the
// offsets of a snapshot that no longer needs them.
void EmbeddedRun::start_epochs(const Recovered& rec) {
  uint64_t next = rec.epoch;
  for (auto& [name, pos] : published_) next = std::max(next, pos.first);
  coordinator::SnapshotOptions so;
  so.interval = std::chrono::nanoseconds(options_.checkpoint_interval_ns);
  so.retain = options_.retain;
  so.state_schema = options_.state_schema;
  coordinator::IngressHooks hooks;
  hooks.offsets = [this] { return source_->offsets(); };
  hooks.egress_offsets = [this] {
    std::map<std::string, uint64_t> out;
    for (uint32_t i = 0; i <= m_.desc().egress_count; ++i)
      if (const io::RecordLog* log = server_->egress_log(m_.egress_name(i)))
        out[std::string(m_.egress_name(i))] = log->end_offset();
    return out;
  };
  hooks.truncate = [this](const std::map<std::string, uint64_t>& before) {
    for (const auto& [name, offset] : before)
      if (io::RecordLog* log = server_->ingress_log(name))
        if (auto s = log->truncate_before(offset); !s)
          std::cerr << "sfn run: ingress log " << name << ": " << s.error().message << "\n";
  };
  epochs_ = std::make_unique<coordinator::Epochs>(*hub_, *store_, so, hooks, next + 1, rec.epoch);
  coord_->set_snapshots(epochs_.get());
}

// Makes the run a failure with `error` (the last one recorded wins); `print` also says it on stderr.
void EmbeddedRun::fail(const std::string& error, bool print) {
  if (print) std::cerr << "sfn run: " << error << "\n";
  result_.exit_code = 1;
  result_.error = error;
}

// After the threads stopped: what made the run fail, in the order a later one overrides an earlier.
void EmbeddedRun::report_errors() {
  if (overloaded()) fail(worker::in_flight_error(options_.max_in_flight, ws_->crowded_sends(), m_), true);
  for (const std::string& e : ws_->fatal_errors()) fail(e, true);
  if (!output_error_.empty()) fail(output_error_, true);
  if (std::string why = epochs_->failure(false); !why.empty() && result_.exit_code == 0 && !worker_failed()) {
    // Nothing acknowledged is lost (the ingress log holds it), but this run's last effects are
    // not committed and its egress not published: not a success.
    std::cerr << "sfn run: stopped without a committed snapshot of the last records (" << why
              << "); they run again when the run starts again with room to write it\n";
    fail(why, false);
  }
  if (!egress_error_.empty()) {
    std::cerr << "sfn run: " << egress_error_
              << "\nsfn run: stopped; the committed egress its log lacks is "
                 "published when the run starts again (with room to write it)\n";
    fail(egress_error_, false);
  }
  if (!source_->error().empty()) fail(source_->error(), false);
  if (feeder_ && !feeder_->error().empty()) fail(feeder_->error(), true);  // the lines appended before it ran
}

// The run's numbers for RunResult.
void EmbeddedRun::collect_results() {
  result_.bad_input_lines = input_.bad;
  const coordinator::SnapshotStats st = epochs_->stats();
  result_.snapshots = st.committed;
  result_.snapshot_sync_us = st.recent_sync_us;
  result_.snapshot_sync_cpu_us = st.recent_sync_cpu_us;
  result_.invocations += ws_->invocations();
  const state::CacheStats cache = ws_->cache();
  result_.cache_bytes = cache.bytes;
  result_.cache_instances = cache.instances;
  result_.cache_hits = cache.hits;
  result_.cache_misses = cache.misses;
  result_.cache_evictions = cache.evictions;
  result_.dead_letters = hub_->dead_letters.load();
}

Status EmbeddedRun::run() {
  if (Status s = prepare_dir(); !s) return s;
  if (Status s = read_input_file(); !s) return s;
  if (Status s = open_output(); !s) return s;
  static std::atomic<unsigned> runtime_counter{0};
  hub_ = std::make_unique<worker::Hub>(module_, workers_, groups_, options_.clock,
                                       "rt" + std::to_string(runtime_counter++));
  store_ = std::make_unique<snapshot::SnapshotStore>(dir_);
  hub_->snapshots = store_.get();
  hub_->budget = options_.budget;
  hub_->max_in_flight = options_.max_in_flight;
  hub_->cache_bytes = (options_.cache_bytes ? options_.cache_bytes : default_cache_bytes()) / workers_;
  hub_->faults = options_.faults;
  ws_ = options_.worker_set ? options_.worker_set() : make_local_workers();
  auto rec = recover(*store_, dir_, workers_, groups_, m_.desc().version_hash ? m_.desc().version_hash : "", options_,
                     ws_->restores_locally());
  if (!rec.ok()) return rec.error();
  if (Status s = record_layout(dir_, Layout{workers_, groups_}); !s) return s;
  recovery_summary_ = rec->summary;
  // The program, for tools that read the state with no program running (`sfn state --state-dir`);
  // written once the state directory is accepted (a refused version changes nothing).
  if (!options_.program_path.empty())
    if (Status s = io::write_file_durably(dir_ / "program", options_.program_path + "\n"); !s) return s;
  result_.recovery_ms = rec->duration_ms;
  if (!rec->summary.empty() && options_.progress) options_.progress(rec->summary);
  if (Status s = ws_->open(*hub_, rec.value(), dir_); !s) return s;
  if (options_.clock == ClockMode::virtual_time) hub_->virtual_now.store(rec->virtual_clock_ns);
  coord_ = std::make_unique<coordinator::Coordinator>(*hub_);
  if (Status s = coord_->connect(); !s) return s;
  if (Status s = start_io(rec.value()); !s) return s;
  install_sinks();
  start_epochs(rec.value());
  republish(rec.value(), published_);
  if (options_.until_ns >= 0) coord_->set_until(options_.until_ns, options_.until_clock_ns);
  if (Status s = take_input(); !s) return s;
  if (options_.progress) {
    options_.progress("running " + m_.package() + " with " + std::to_string(workers_) + " worker" +
                      (workers_ == 1 ? "" : "s") + ", " + std::to_string(groups_) + " key groups, " +
                      (options_.clock == ClockMode::virtual_time ? "virtual" : "real") + " clock, state in " +
                      dir_.string());
  }
  run_threads();
  report_errors();
  finish_input();
  collect_results();
  return ok_status();
}

}  // namespace

uint64_t default_cache_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return uint64_t{1} << 30;  // unknown: 1 GiB
  return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 4;
}

void request_stop() {
  g_stop.store(true);
  g_interrupt.store(true);
}

bool stop_requested() { return g_stop.load(); }

namespace {

constexpr int kMaxRecoveries = 3;  // in-process recoveries after failed workers, per run

// A version offered by offer_version() and whom to tell how it went.
struct PendingVersion {
  ProgramVersion version;
  std::function<void(const Status&)> done;
  void finish(const Status& s) const {
    if (done) done(s);
  }
};

// The slot between offer_version() (any thread) and the run in progress.
struct ReloadSlot {
  std::mutex mu;
  bool running = false;
  bool switching = false;  // a version was offered and is not running yet
  std::optional<PendingVersion> pending;
  std::chrono::steady_clock::time_point asked;  // when `pending` was offered

  std::optional<PendingVersion> take() {
    std::lock_guard<std::mutex> lock(mu);
    std::optional<PendingVersion> out = std::move(pending);
    pending.reset();
    return out;
  }
  void switched() {
    std::lock_guard<std::mutex> lock(mu);
    switching = false;
  }
  // The new version's workers run: the pause of the switch is over.
  void started() {
    std::lock_guard<std::mutex> lock(mu);
    g_last_reload_pause_ms.store(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - asked).count());
    switching = false;
  }
  // Answers a pending offer that will not run (the run ended) and closes the slot.
  void close(const std::string& why) {
    std::optional<PendingVersion> left;
    {
      std::lock_guard<std::mutex> lock(mu);
      running = switching = false;
      left = std::move(pending);
      pending.reset();
    }
    if (left) left->finish(Error(ErrorCode::failed, why));
  }
};
ReloadSlot g_reload;

// Runs embedded mode over versions of the program: when a worker fails, everything is closed
// and the run recovers in process from the last committed snapshot (RUNTIME.md §3), resuming its
// --input exactly once, up to kMaxRecoveries times; when a new version is offered, the run is
// interrupted (a last snapshot) and resumed from that snapshot with the new version.
class Supervisor {
 public:
  Supervisor(const ModulePtr& module, const RunOptions& options, RunMetricsSource* metrics)
      : options_(options),
        metrics_(metrics),
        version_{module, options.version_label, options.state_schema, options.check_schema} {}
  RunResult run();

 private:
  // One EmbeddedRun of the current version: its setup error, whether a worker failed.
  Status run_once(RunResult& result, int attempt, bool* failed, bool* interrupted);
  // After a run that was interrupted: starts the offered version (true) or not.
  bool next_version();

  const RunOptions& options_;
  RunMetricsSource* metrics_;  // null without --metrics
  ProgramVersion version_, previous_;
  std::optional<PendingVersion> starting_;  // offered, not running yet
  uint64_t reloads_ = 0;                    // versions switched to
  RunResult total_;
};

Status Supervisor::run_once(RunResult& result, int attempt, bool* failed, bool* interrupted) {
  RunOptions o = options_;
  o.state_schema = version_.state_schema;
  o.check_schema = version_.check_schema;
  o.version_label = version_.label;
  EmbeddedRun run(
      version_.module, o, result, attempt, reloads_ + (starting_ ? 1 : 0),
      [this] {
        if (!starting_) return;
        ++reloads_;
        g_reload.started();
        starting_->finish(ok_status());
        starting_.reset();
      },
      metrics_);
  Status error = run.run();
  // Neither a full disk nor a program over its bounds is fixed by recovering.
  *failed = run.worker_failed() && !run.egress_failed() && !run.overloaded();
  *interrupted = run.interrupted();
  total_.invocations += result.invocations;
  total_.dead_letters += result.dead_letters;
  result.invocations = total_.invocations;
  result.dead_letters = total_.dead_letters;
  return error;
}

bool Supervisor::next_version() {
  auto offered = g_reload.take();
  if (!offered) return false;
  previous_ = version_;
  version_ = offered->version;
  starting_ = std::move(offered);
  g_interrupt.store(false);
  return true;
}

RunResult Supervisor::run() {
  int failures = 0;
  for (int attempt = 0;; ++attempt) {
    RunResult result;
    bool failed = false, interrupted = false;
    const Status setup = run_once(result, attempt, &failed, &interrupted);
    if (!setup && starting_) {  // the new version could not start: back to the old one
      std::cerr << "sfn run: version " << version_.label << " could not start: " << setup.error().message << "\n";
      g_reload.switched();
      starting_->finish(Error(ErrorCode::failed, setup.error().message));
      starting_.reset();
      version_ = previous_;
      g_interrupt.store(false);
      continue;
    }
    if (!setup) {
      result.exit_code = 2;
      result.error = setup.error().message;
      return result;
    }
    if (!g_stop.load() && interrupted && !failed && next_version()) continue;
    // A cluster recovers from every failed worker process (the next generation waits for one).
    if (failed && !g_stop.load() && options_.worker_set) {
      g_interrupt.store(false);
      continue;
    }
    if (failed && !g_stop.load() && failures++ < kMaxRecoveries) {
      std::cerr << "sfn run: recovering from the last committed snapshot after the failure above (" << failures
                << " of " << kMaxRecoveries << ")\n";
      g_interrupt.store(false);
      continue;
    }
    if (result.exit_code == 0 && result.bad_input_lines > 0) result.exit_code = 3;
    return result;
  }
}

}  // namespace

Status offer_version(ProgramVersion version, std::function<void(const Status&)> done) {
  {
    std::lock_guard<std::mutex> lock(g_reload.mu);
    if (!g_reload.running) return Error(ErrorCode::failed, "no run is in progress");
    if (g_reload.switching) return Error(ErrorCode::failed, "another version is being switched to; try again");
    g_reload.switching = true;
    g_reload.pending.emplace(PendingVersion{std::move(version), std::move(done)});
    g_reload.asked = std::chrono::steady_clock::now();
  }
  g_interrupt.store(true);
  return ok_status();
}

RunResult run_embedded(const ModulePtr& module, const RunOptions& options) {
  tune_malloc();
  g_last_reload_pause_ms.store(0);
  g_stop.store(false);
  g_interrupt.store(false);
  RunMetricsSource metrics;  // outlives the endpoint serving it
  auto server = serve_metrics(options, metrics);
  if (!server.ok()) {
    RunResult refused;
    refused.exit_code = 2;
    refused.error = server.error().message;
    return refused;
  }
  {
    std::lock_guard<std::mutex> lock(g_reload.mu);
    g_reload.running = true;
  }
  Supervisor supervisor(module, options, server.value() ? &metrics : nullptr);
  RunResult result = supervisor.run();
  g_reload.close("the run ended before the new version could start");
  return result;
}

}  // namespace sfn::runtime
