// Embedded mode (`sfn run`): one process with W worker threads, the coordinator on the calling
// thread, batch input from --input, egress lines to stdout/--output, and, when endpoints are
// requested, the ingress/egress/control endpoints of runtime/io. State lives under
// <state-dir>/worker-<i>; the layout (workers, key groups) is recorded in <state-dir>/layout
// and must match on restart (rescaling is a later feature).
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "runtime/coordinator/coordinator.h"
#include "runtime/core/codec.h"
#include "runtime/core/text.h"
#include "runtime/core/value.h"
#include "runtime/worker/worker.h"
#include "sfn/runtime.h"

#include "runtime/embedded/recovery.h"
#include "runtime/state/dir_lock.h"
#include "runtime/io/io_server.h"

namespace sfn::runtime {
namespace {

std::atomic<bool> g_stop{false};

extern "C" void on_signal(int) { g_stop.store(true); }

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

// Parses the --input file; reports bad lines on stderr and counts them.
std::vector<coordinator::InputRecord> read_input(const core::Module& m, const std::string& path, std::istream& in,
                                                 uint64_t* bad) {
  std::vector<coordinator::InputRecord> records;
  std::string line;
  size_t number = 0;
  auto report = [&](const std::string& why) {
    std::cerr << path << ":" << number << ": " << why << " (line skipped)\n";
    ++*bad;
  };
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      std::string what = e.what();
      size_t p = what.find("] ");
      report("invalid JSON: " + (p == std::string::npos ? what : what.substr(p + 2)));
      continue;
    }
    if (!j.is_object() || !j.contains("ingress") || !j["ingress"].is_string() || !j.contains("value")) {
      report("expected {\"ingress\": NAME, \"value\": {...}, \"at\": DURATION?}");
      continue;
    }
    std::string name = j["ingress"].get<std::string>();
    int ingress = m.ingress_index(name);
    if (ingress < 0) {
      std::string known;
      for (uint32_t i = 0; i < m.desc().ingress_count; ++i) known += std::string(i ? ", " : "") + m.desc().ingresses[i].name;
      report("unknown ingress `" + name + "` (the program has: " + (known.empty() ? "none" : known) + ")");
      continue;
    }
    coordinator::InputRecord r;
    r.ingress = static_cast<uint32_t>(ingress);
    if (j.contains("at")) {
      if (!j["at"].is_string() || !core::parse_duration(j["at"].get<std::string>(), &r.at_ns) || r.at_ns < 0) {
        report("`at` must be a duration like \"5m\" or \"1.5s\"");
        continue;
      }
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (it.key() != "ingress" && it.key() != "value" && it.key() != "at") {
        report("unknown key `" + it.key() + "`");
        r.ingress = UINT32_MAX;
        break;
      }
    }
    if (r.ingress == UINT32_MAX) continue;
    Status s = json_to_payload(m, r.ingress, j["value"].dump(), &r.payload);
    if (!s) {
      report("ingress `" + name + "`: " + s.message());
      continue;
    }
    records.push_back(std::move(r));
  }
  return records;
}

// The text of a state directory's layout file ("workers W\nkey_groups G\n"); empty when none.
std::string read_layout(const fs::path& dir) {
  std::ifstream in(dir / "layout");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The worker count a layout text records; 0 when there is none.
unsigned layout_workers(const std::string& layout) {
  std::istringstream in(layout);
  std::string word;
  unsigned workers = 0;
  if (in >> word >> workers && word == "workers") return workers;
  return 0;
}

// Checks `recorded` (read_layout) against this run's layout, or records it when there is none.
Status check_layout(const fs::path& dir, const std::string& recorded, unsigned workers, uint32_t groups) {
  std::string want = "workers " + std::to_string(workers) + "\nkey_groups " + std::to_string(groups) + "\n";
  if (!recorded.empty()) {
    if (recorded != want)
      return Status::error("state directory " + dir.string() + " was created with a different layout:\n" + recorded +
                           "(now: " + std::to_string(workers) + " workers); rescaling is not supported yet: use the "
                           "same --workers or another --state-dir");
    return Status::ok();
  }
  fs::path file = dir / "layout";
  std::ofstream out(file);
  out << want;
  if (!out) return Status::error("cannot write " + file.string());
  return Status::ok();
}

// The validator of ingress records: JSON or Protobuf of the ingress message type, stored as
// canonical Protobuf.
io::IngressValidator make_validator(const core::Module& m) {
  return [&m](std::string_view ingress, io::PayloadFormat format,
              std::string_view data) -> std::variant<std::string, io::IngressRejection> {
    int i = m.ingress_index(ingress);
    if (i < 0)
      return io::IngressRejection{io::IngressRejection::Code::unknown_ingress, "unknown ingress `" + std::string(ingress) + "`"};
    std::string payload;
    Status s;
    if (format == io::PayloadFormat::json) {
      s = json_to_payload(m, static_cast<uint32_t>(i), data, &payload);
    } else {
      const sfn_message_desc* d = m.message(m.desc().ingresses[i].message_type);
      void* msg = core::message_new(d);
      s = core::decode_proto(d, data, msg);
      if (s) core::encode_proto(d, msg, payload);
      core::message_delete(d, msg);
    }
    if (!s) return io::IngressRejection{io::IngressRejection::Code::undecodable, s.message()};
    return payload;
  };
}

// Appends committed egress to the logs, keyed "<epoch>:<index>", one append per run of records
// of the same egress.
void commit_to_logs(io::IoServer& srv, std::vector<EgressRecord>& records) {
  for (size_t i = 0; i < records.size();) {
    size_t j = i;
    std::vector<std::string> json, keys;
    for (; j < records.size() && records[j].egress == records[i].egress; ++j) {
      json.push_back(records[j].json);
      keys.push_back(egress_key(records[j].epoch, records[j].index));
    }
    auto r = srv.commit_egress(records[i].egress, json, keys);
    if (!r.ok()) std::cerr << "sfn run: egress " << records[i].egress << ": " << r.error().message << "\n";
    i = j;
  }
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

// Everything one run of embedded mode owns, in construction order.
class EmbeddedRun {
 public:
  EmbeddedRun(const ModulePtr& module, const RunOptions& options, RunResult& result)
      : module_(module), m_(*module), options_(options), result_(result) {}

  // Runs to the end; returns the error that made the run unusable ("" when none).
  std::string run();

 private:
  std::string prepare_dir();
  std::string open_output();
  std::string open_workers(const Recovered& rec);
  std::string start_io(const Recovered& rec);
  void install_sinks();
  using Positions = std::map<std::string, std::pair<uint64_t, uint64_t>>;
  void republish(Recovered& rec, const Positions& done);
  Status state_of(std::string_view address, std::string* json);
  io::StatusReport status() const;
  void run_threads();

  ModulePtr module_;
  const core::Module& m_;
  const RunOptions& options_;
  RunResult& result_;
  fs::path dir_;
  state::DirLock lock_;  // released after everything declared below it has closed
  unsigned workers_ = 1;
  uint32_t groups_ = 128;
  std::ofstream out_file_;
  std::mutex out_mu_;
  std::unique_ptr<worker::Hub> hub_;
  std::unique_ptr<snapshot::SnapshotStore> store_;
  std::vector<std::unique_ptr<worker::Worker>> ws_;
  std::unique_ptr<coordinator::Coordinator> coord_;
  std::unique_ptr<io::IoServer> server_;
  std::shared_ptr<std::vector<uint64_t>> offsets_;
  std::unique_ptr<coordinator::Epochs> epochs_;
  std::string recovery_summary_;
  std::string output_error_;  // the first failed write of egress lines
};

std::string EmbeddedRun::prepare_dir() {
  dir_ = options_.state_dir.empty() ? fs::path(".sfn") / m_.package() : fs::path(options_.state_dir);
  // Default worker count (docs/decisions/013-default-workers.md): the layout the state directory
  // was created with, else 1 for batch input (deterministic output), else one per core.
  const std::string recorded = read_layout(dir_);
  workers_ = options_.workers;
  if (!workers_) workers_ = layout_workers(recorded);
  if (!workers_) workers_ = options_.input_path.empty() ? std::max(1u, std::thread::hardware_concurrency()) : 1;
  groups_ = options_.key_groups ? options_.key_groups : 128;
  if (workers_ > groups_) return "--workers must not exceed the number of key groups (" + std::to_string(groups_) + ")";
  if (Status s = worker::reserve_open_files(workers_); !s) return s.message();
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return "cannot create state directory " + dir_.string() + ": " + ec.message();
  if (Status s = lock_.acquire(dir_); !s) return s.message();
  if (Status s = check_layout(dir_, recorded, workers_, groups_); !s) return s.message();
  return "";
}

std::string EmbeddedRun::open_output() {
  if (options_.output_path.empty()) return "";
  out_file_.open(options_.output_path, std::ios::trunc);
  return out_file_ ? "" : "cannot write output file " + options_.output_path;
}

std::string EmbeddedRun::open_workers(const Recovered& rec) {
  for (unsigned w = 0; w < workers_; ++w) {
    ws_.push_back(std::make_unique<worker::Worker>(*hub_, w));
    Status s = ws_.back()->open((dir_ / ("worker-" + std::to_string(w))).string());
    if (!s) return s.message();
    hub_->wakers.push_back(ws_.back()->waker());
  }
  for (unsigned w = 0; w < workers_; ++w) {
    if (Status s = ws_[w]->connect(); !s) return s.message();
    ws_[w]->restore(rec.messages[w], rec.epoch + 1);
  }
  return "";
}

Status EmbeddedRun::state_of(std::string_view address, std::string* json) {
  core::Address parsed;
  std::string err;
  if (!m_.parse_address(address, &parsed, &err)) return Status::error(err);
  unsigned owner = hub_->owner(core::key_group_of(address, groups_));
  auto promise = std::make_shared<std::promise<std::pair<Status, std::string>>>();
  auto future = promise->get_future();
  std::string addr(address);
  ws_[owner]->post([promise, addr](worker::Worker& w) {
    std::string j;
    Status s = w.state_json(addr, &j);
    promise->set_value({s, j});
  });
  if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready)
    return Status::error("the worker did not answer in time");
  auto [s, j] = future.get();
  *json = j;
  return s;
}

io::StatusReport EmbeddedRun::status() const {
  io::StatusReport r;
  r.key_groups = groups_;
  for (const auto& w : ws_)
    r.workers.push_back(io::WorkerStatus{w->index(), w->owned_key_groups(), w->queue_depth(), w->invocations()});
  if (epochs_) {
    coordinator::SnapshotStats st = epochs_->stats();
    r.current_epoch = st.current_epoch;
    r.last_committed_epoch = st.committed_epoch;
    r.last_snapshot_time = st.last_time;
    r.last_snapshot_duration_ms = st.last_duration_ms;
    r.last_snapshot_bytes = st.last_bytes;
  }
  r.recovery = recovery_summary_;
  return r;
}

// The ingress logs (always: `--input` records go through them too when endpoints are open) and
// the endpoints; feeds the coordinator from the logs, from the recovered offsets.
std::string EmbeddedRun::start_io(const Recovered& rec) {
  io::IoServerOptions io_opts;
  io_opts.log_dir = dir_ / "io";
  for (uint32_t i = 0; i < m_.desc().ingress_count; ++i) io_opts.ingress_names.push_back(m_.desc().ingresses[i].name);
  for (uint32_t i = 0; i <= m_.desc().egress_count; ++i) io_opts.egress_names.emplace_back(m_.egress_name(i));
  io_opts.ingress_endpoint = options_.ingress_endpoint;
  io_opts.egress_endpoint = options_.egress_endpoint;
  io_opts.control_endpoint = options_.control_endpoint;
  io_opts.validator = make_validator(m_);
  io_opts.status = [this] { return status(); };
  io_opts.state = [this](std::string_view address) -> transport::Result<std::string> {
    std::string json;
    Status s = state_of(address, &json);
    if (!s) return transport::Error{transport::ErrorCode::not_found, s.message()};
    return json;
  };
  auto started = io::IoServer::start(std::move(io_opts));
  if (!started) return started.error().message;
  server_ = std::move(started.value());
  offsets_ = std::make_shared<std::vector<uint64_t>>(m_.desc().ingress_count, 0);
  for (uint32_t i = 0; i < m_.desc().ingress_count; ++i) {
    auto it = rec.ingress_offsets.find(m_.desc().ingresses[i].name);
    if (it != rec.ingress_offsets.end()) (*offsets_)[i] = it->second;
  }
  if (options_.ingress_endpoint.empty() && options_.egress_endpoint.empty() && options_.control_endpoint.empty())
    return "";  // logs only (egress), no endpoints: batch input is fed directly
  io::IoServer* srv = server_.get();
  auto offsets = offsets_;
  const core::Module& m = m_;
  coord_->set_external([&m, srv, offsets](std::vector<coordinator::InputRecord>& batch) {
    for (uint32_t i = 0; i < m.desc().ingress_count; ++i) {
      io::RecordLog* log = srv->ingress_log(m.desc().ingresses[i].name);
      if (!log) continue;
      auto r = log->read((*offsets)[i], 256, [&](uint64_t offset, std::string_view payload, std::string_view) {
        batch.push_back(coordinator::InputRecord{i, 0, std::string(payload)});
        (*offsets)[i] = offset + 1;
        return true;
      });
      if (!r.ok()) std::cerr << "sfn run: ingress log " << m.desc().ingresses[i].name << ": " << r.error().message << "\n";
    }
  });
  if (options_.progress) {
    if (!server_->ingress_endpoint().empty()) options_.progress("ingress endpoint " + server_->ingress_endpoint());
    if (!server_->egress_endpoint().empty()) options_.progress("egress endpoint  " + server_->egress_endpoint());
    if (!server_->control_endpoint().empty()) options_.progress("control endpoint " + server_->control_endpoint());
  }
  return "";
}

// Committed egress: to the logs first (durable, `sfn tail`), then the caller's sink or JSON
// lines on stdout / --output.
void EmbeddedRun::install_sinks() {
  hub_->egress_sink = [this](std::vector<EgressRecord>& records) {
    std::lock_guard<std::mutex> lock(out_mu_);
    if (server_) commit_to_logs(*server_, records);
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
      output_error_ = "cannot write egress to " + (options_.output_path.empty() ? std::string("stdout")
                                                                                : options_.output_path) +
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

void EmbeddedRun::run_threads() {
  auto old_int = std::signal(SIGINT, on_signal);
  auto old_term = std::signal(SIGTERM, on_signal);
  std::vector<std::thread> threads;
  for (auto& w : ws_) threads.emplace_back([&w] { w->run(); });
  coord_->run(g_stop);
  for (auto& t : threads) t.join();
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
}

std::string EmbeddedRun::run() {
  if (auto e = prepare_dir(); !e.empty()) return e;
  std::vector<coordinator::InputRecord> input;
  if (!options_.input_path.empty()) {
    std::ifstream in(options_.input_path);
    if (!in) return "cannot read input file " + options_.input_path;
    input = read_input(m_, options_.input_path, in, &result_.bad_input_lines);
  }
  if (auto e = open_output(); !e.empty()) return e;
  static std::atomic<unsigned> runtime_counter{0};
  hub_ = std::make_unique<worker::Hub>(module_, workers_, groups_, options_.clock, "rt" + std::to_string(runtime_counter++));
  store_ = std::make_unique<snapshot::SnapshotStore>(dir_);
  hub_->snapshots = store_.get();
  auto rec = recover(*store_, dir_, workers_, groups_);
  if (!rec.ok()) return rec.error().message;
  recovery_summary_ = rec->summary;
  if (!rec->summary.empty() && options_.progress) options_.progress(rec->summary);
  if (auto e = open_workers(rec.value()); !e.empty()) return e;
  if (options_.clock == ClockMode::virtual_time) hub_->virtual_now.store(rec->virtual_clock_ns);
  coord_ = std::make_unique<coordinator::Coordinator>(*hub_);
  if (Status s = coord_->connect(); !s) return s.message();
  if (auto e = start_io(rec.value()); !e.empty()) return e;
  install_sinks();
  uint64_t next = rec->epoch;
  const Positions published = published_positions(*server_, m_);  // read each egress log's tail once
  for (auto& [name, pos] : published) next = std::max(next, pos.first);
  coordinator::SnapshotOptions so;
  so.interval = std::chrono::nanoseconds(options_.checkpoint_interval_ns);
  so.retain = options_.retain;
  coordinator::IngressHooks hooks;
  hooks.offsets = [this] {
    std::map<std::string, uint64_t> out;
    for (uint32_t i = 0; i < m_.desc().ingress_count; ++i) out[m_.desc().ingresses[i].name] = (*offsets_)[i];
    return out;
  };
  hooks.truncate = [this](const std::map<std::string, uint64_t>& before) {
    for (const auto& [name, offset] : before)
      if (io::RecordLog* log = server_->ingress_log(name))
        if (auto s = log->truncate_before(offset); !s) std::cerr << "sfn run: ingress log " << name << ": " << s.error().message << "\n";
  };
  epochs_ = std::make_unique<coordinator::Epochs>(*hub_, *store_, so, hooks, next + 1, rec->epoch);
  coord_->set_snapshots(epochs_.get());
  republish(rec.value(), published);
  if (options_.until_ns >= 0) {
    auto is_late = [&](const coordinator::InputRecord& r) { return r.at_ns >= options_.until_ns; };
    size_t late = static_cast<size_t>(std::count_if(input.begin(), input.end(), is_late));
    if (late > 0) {
      std::cerr << options_.input_path << ": " << late << " input line" << (late == 1 ? " is" : "s are")
                << " due at or after --until and not run\n";
      result_.bad_input_lines += late;
      input.erase(std::remove_if(input.begin(), input.end(), is_late), input.end());
    }
    coord_->set_until(options_.until_ns);
  }
  coord_->set_input(std::move(input));
  if (options_.progress) {
    options_.progress("running " + m_.package() + " with " + std::to_string(workers_) + " worker" +
                      (workers_ == 1 ? "" : "s") + ", " + std::to_string(groups_) + " key groups, " +
                      (options_.clock == ClockMode::virtual_time ? "virtual" : "real") + " clock, state in " +
                      dir_.string());
  }
  run_threads();
  for (auto& w : ws_) {
    std::string e = w->fatal_error();
    if (!e.empty()) {
      std::cerr << "sfn run: " << e << "\n";
      result_.exit_code = 1;
      result_.error = e;
    }
  }
  if (!output_error_.empty()) {
    std::cerr << "sfn run: " << output_error_ << "\n";
    result_.exit_code = 1;
    result_.error = output_error_;
  }
  for (auto& w : ws_) result_.invocations += w->invocations();
  result_.dead_letters = hub_->dead_letters.load();
  return "";
}

}  // namespace

void request_stop() { g_stop.store(true); }

RunResult run_embedded(const ModulePtr& module, const RunOptions& options) {
  RunResult result;
  g_stop.store(false);
  EmbeddedRun run(module, options, result);
  std::string error = run.run();
  if (!error.empty()) {
    result.exit_code = 2;
    result.error = error;
    return result;
  }
  if (result.exit_code == 0 && result.bad_input_lines > 0) result.exit_code = 3;
  return result;
}

}  // namespace sfn::runtime
