// Embedded mode (`sfn run`): one process with W worker threads, the coordinator on the calling
// thread, batch input from --input, egress lines to stdout/--output, and, when endpoints are
// requested, the ingress/egress/control endpoints of runtime/io. State lives under
// <state-dir>/worker-<i>; the layout (workers, key groups) is recorded in <state-dir>/layout
// and must match on restart (rescaling is a later feature).
#include <algorithm>
#include <atomic>
#include <charconv>
#include <csignal>
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

#include "runtime/io/durable_file.h"
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

// The virtual clock of a state directory (decision 34): where the last virtual-clock run stopped,
// so a later run continues from there instead of going back to the epoch; 0 when none ran.
transport::Result<int64_t> load_virtual_clock(const fs::path& dir) {
  auto text = io::read_small_file(dir / "virtual-clock", 64);
  if (!text.ok()) {
    if (text.error().code == transport::ErrorCode::not_found) return int64_t{0};
    return text.error();
  }
  int64_t ns = 0;
  auto r = std::from_chars(text->data(), text->data() + text->size(), ns);
  if (r.ec != std::errc() || ns < 0 || (r.ptr != text->data() + text->size() && *r.ptr != '\n'))
    return transport::Error{transport::ErrorCode::corrupt, (dir / "virtual-clock").string() + " does not hold a time in nanoseconds"};
  return ns;
}

transport::Status save_virtual_clock(const fs::path& dir, int64_t ns) {
  return io::write_file_durably(dir / "virtual-clock", std::to_string(ns) + "\n");
}

}  // namespace

void request_stop() { g_stop.store(true); }

RunResult run_embedded(const ModulePtr& module, const RunOptions& options) {
  RunResult result;
  auto fail = [&](const std::string& why) {
    result.exit_code = 2;
    result.error = why;
    return result;
  };
  g_stop.store(false);
  const core::Module& m = *module;
  fs::path dir = options.state_dir.empty() ? fs::path(".sfn") / m.package() : fs::path(options.state_dir);
  // Default worker count (docs/decisions/013-default-workers.md): the layout the state directory
  // was created with, else 1 for batch input (deterministic output), else one per core.
  const std::string recorded = read_layout(dir);
  unsigned workers = options.workers;
  if (!workers) workers = layout_workers(recorded);
  if (!workers) workers = options.input_path.empty() ? std::max(1u, std::thread::hardware_concurrency()) : 1;
  uint32_t groups = options.key_groups ? options.key_groups : 128;
  if (workers > groups) return fail("--workers must not exceed the number of key groups (" + std::to_string(groups) + ")");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create state directory " + dir.string() + ": " + ec.message());
  if (Status s = check_layout(dir, recorded, workers, groups); !s) return fail(s.message());

  std::vector<coordinator::InputRecord> input;
  if (!options.input_path.empty()) {
    std::ifstream in(options.input_path);
    if (!in) return fail("cannot read input file " + options.input_path);
    input = read_input(m, options.input_path, in, &result.bad_input_lines);
  }

  // Egress output: the caller's sink, or JSON lines on stdout / --output.
  std::ofstream out_file;
  if (!options.output_path.empty()) {
    out_file.open(options.output_path, std::ios::trunc);
    if (!out_file) return fail("cannot write output file " + options.output_path);
  }
  std::ostream& out = options.output_path.empty() ? std::cout : out_file;
  std::mutex out_mu;
  std::function<void(std::vector<EgressRecord>&)> extra_sink;

  static std::atomic<unsigned> runtime_counter{0};
  worker::Hub hub(module, workers, groups, options.clock, "rt" + std::to_string(runtime_counter++));
  std::vector<std::unique_ptr<worker::Worker>> ws;
  for (unsigned w = 0; w < workers; ++w) {
    ws.push_back(std::make_unique<worker::Worker>(hub, w));
    Status s = ws.back()->open((dir / ("worker-" + std::to_string(w))).string());
    if (!s) return fail(s.message());
    hub.wakers.push_back(ws.back()->waker());
  }
  for (auto& w : ws)
    if (Status s = w->connect(); !s) return fail(s.message());
  if (options.clock == ClockMode::virtual_time) {
    auto resumed = load_virtual_clock(dir);
    if (!resumed.ok()) return fail(resumed.error().message);
    hub.virtual_now.store(resumed.value());
  }
  coordinator::Coordinator coord(hub);
  if (Status s = coord.connect(); !s) return fail(s.message());
  if (options.until_ns >= 0) {
    auto is_late = [&](const coordinator::InputRecord& r) { return r.at_ns >= options.until_ns; };
    size_t late = static_cast<size_t>(std::count_if(input.begin(), input.end(), is_late));
    if (late > 0) {
      std::cerr << options.input_path << ": " << late << " input line" << (late == 1 ? " is" : "s are")
                << " due at or after --until and not run\n";
      result.bad_input_lines += late;
      input.erase(std::remove_if(input.begin(), input.end(), is_late), input.end());
    }
    coord.set_until(options.until_ns);
  }
  coord.set_input(std::move(input));

  // `sfn state`: ask the owning worker on its thread.
  auto state_of = [&](std::string_view address, std::string* json) -> Status {
    core::Address parsed;
    std::string err;
    if (!m.parse_address(address, &parsed, &err)) return Status::error(err);
    unsigned owner = hub.owner(core::key_group_of(address, groups));
    auto promise = std::make_shared<std::promise<std::pair<Status, std::string>>>();
    auto future = promise->get_future();
    std::string addr(address);
    ws[owner]->post([promise, addr](worker::Worker& w) {
      std::string j;
      Status s = w.state_json(addr, &j);
      promise->set_value({s, j});
    });
    if (future.wait_for(std::chrono::seconds(5)) != std::future_status::ready)
      return Status::error("the worker did not answer in time");
    auto [s, j] = future.get();
    *json = j;
    return s;
  };

  std::unique_ptr<io::IoServer> server;
  if (!options.ingress_endpoint.empty() || !options.egress_endpoint.empty() || !options.control_endpoint.empty()) {
    io::IoServerOptions io_opts;
    io_opts.log_dir = dir / "io";
    for (uint32_t i = 0; i < m.desc().ingress_count; ++i) io_opts.ingress_names.push_back(m.desc().ingresses[i].name);
    for (uint32_t i = 0; i <= m.desc().egress_count; ++i) io_opts.egress_names.emplace_back(m.egress_name(i));
    io_opts.ingress_endpoint = options.ingress_endpoint;
    io_opts.egress_endpoint = options.egress_endpoint;
    io_opts.control_endpoint = options.control_endpoint;
    io_opts.validator = [&m](std::string_view ingress, io::PayloadFormat format,
                             std::string_view data) -> std::variant<std::string, io::IngressRejection> {
      int i = m.ingress_index(ingress);
      if (i < 0)
        return io::IngressRejection{io::IngressRejection::Code::unknown_ingress,
                                    "unknown ingress `" + std::string(ingress) + "`"};
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
    io_opts.status = [&]() {
      io::StatusReport r;
      r.key_groups = groups;
      for (auto& w : ws)
        r.workers.push_back(io::WorkerStatus{w->index(), w->owned_key_groups(), w->queue_depth(), w->invocations()});
      return r;
    };
    io_opts.state = [&](std::string_view address) -> transport::Result<std::string> {
      std::string json;
      Status s = state_of(address, &json);
      if (!s) return transport::Error{transport::ErrorCode::not_found, s.message()};
      return json;
    };
    auto started = io::IoServer::start(std::move(io_opts));
    if (!started) return fail(started.error().message);
    server = std::move(started.value());
    // Read each ingress log from the offset processed last time.
    auto offsets = std::make_shared<std::vector<uint64_t>>(m.desc().ingress_count, 0);
    fs::path offsets_file = dir / "ingress-offsets";
    {
      std::ifstream in(offsets_file);
      for (auto& o : *offsets) in >> o;
    }
    io::IoServer* srv = server.get();
    coord.set_external([&m, srv, offsets, offsets_file](std::vector<coordinator::InputRecord>& batch) {
      bool any = false;
      for (uint32_t i = 0; i < m.desc().ingress_count; ++i) {
        io::RecordLog* log = srv->ingress_log(m.desc().ingresses[i].name);
        if (!log) continue;
        auto r = log->read((*offsets)[i], 256, [&](uint64_t offset, std::string_view payload, std::string_view) {
          batch.push_back(coordinator::InputRecord{i, 0, std::string(payload)});
          (*offsets)[i] = offset + 1;
          any = true;
          return true;
        });
        if (!r.ok()) std::cerr << "sfn run: ingress log " << m.desc().ingresses[i].name << ": " << r.error().message << "\n";
      }
      if (any) {
        std::string text;
        for (uint64_t v : *offsets) text += std::to_string(v) + "\n";
        if (auto w = io::write_file_durably(offsets_file, text); !w)
          std::cerr << "sfn run: ingress offsets: " << w.error().message << "\n";
      }
    });
    extra_sink = [srv](std::vector<EgressRecord>& records) {
      for (size_t i = 0; i < records.size();) {
        size_t j = i;
        std::vector<std::string> json;
        while (j < records.size() && records[j].egress == records[i].egress) json.push_back(records[j++].json);
        auto r = srv->commit_egress(records[i].egress, json);
        if (!r.ok()) std::cerr << "sfn run: egress " << records[i].egress << ": " << r.error().message << "\n";
        i = j;
      }
    };
    if (options.progress) {
      if (!server->ingress_endpoint().empty()) options.progress("ingress endpoint " + server->ingress_endpoint());
      if (!server->egress_endpoint().empty()) options.progress("egress endpoint  " + server->egress_endpoint());
      if (!server->control_endpoint().empty()) options.progress("control endpoint " + server->control_endpoint());
    }
  }

  hub.egress_sink = [&](std::vector<EgressRecord>& records) {
    std::lock_guard<std::mutex> lock(out_mu);
    if (options.egress_sink) {
      for (auto& r : records) options.egress_sink(r);
    } else {
      std::string lines;
      for (auto& r : records) {
        lines += "{\"egress\":";
        core::append_json_string(lines, r.egress);
        if (options.egress_sources) {
          lines += ",\"from\":";
          core::append_json_string(lines, r.source);
        }
        lines += ",\"value\":";
        lines += r.json;
        lines += "}\n";
      }
      out << lines << std::flush;
    }
    if (extra_sink) extra_sink(records);
  };

  if (options.progress) {
    options.progress("running " + m.package() + " with " + std::to_string(workers) + " worker" +
                     (workers == 1 ? "" : "s") + ", " + std::to_string(groups) + " key groups, " +
                     (options.clock == ClockMode::virtual_time ? "virtual" : "real") + " clock, state in " +
                     dir.string());
  }

  auto old_int = std::signal(SIGINT, on_signal);
  auto old_term = std::signal(SIGTERM, on_signal);
  std::vector<std::thread> threads;
  for (auto& w : ws) threads.emplace_back([&w] { w->run(); });
  coord.run(g_stop);
  for (auto& t : threads) t.join();
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  if (options.clock == ClockMode::virtual_time) {
    if (auto s = save_virtual_clock(dir, hub.virtual_now.load()); !s) {
      std::cerr << "sfn run: " << s.error().message << "\n";
      result.exit_code = 2;
      result.error = s.error().message;
    }
  }

  for (auto& w : ws) {
    std::string e = w->fatal_error();
    if (!e.empty()) {
      std::cerr << "sfn run: " << e << "\n";
      result.exit_code = 1;
      result.error = e;
    }
  }
  uint64_t inv = 0;
  for (auto& w : ws) inv += w->invocations();
  result.invocations = inv;
  result.dead_letters = hub.dead_letters.load();
  if (result.exit_code == 0 && result.bad_input_lines > 0) result.exit_code = 3;
  return result;
}

}  // namespace sfn::runtime
