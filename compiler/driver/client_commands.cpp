// `sfn send`, `sfn tail`, `sfn status` and `sfn state`: the client commands that talk to a
// running `sfn run` (embedded mode) over its loopback endpoints (RUNTIME.md §4-§5, defaults in
// docs/cli.md). They only parse arguments and print; the protocol lives in runtime/io/client.h.
// Every call has a deadline, so a missing server gives an error naming the endpoint, not a hang.
// Exit status: 0 success, 1 no answer / refused / server error, 2 usage error, 3 the record was
// refused as undecodable or too large (`sfn send`; with --file: some lines were refused).
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "compiler/driver/command.h"
#include "compiler/driver/pipeline.h"
#include "runtime/embedded/offline_state.h"
#include "runtime/io/bulk_import.h"
#include "runtime/io/durable_file.h"
#include "runtime/io/client.h"
#include "runtime/io/io_server.h"
#include "runtime/transport/security.h"

namespace sfn::driver {
namespace {

namespace io = sfn::runtime::io;
using runtime::transport::ErrorCode;

// Parses "500ms", "5s", "2m" or a plain number of seconds; nullopt when malformed or <= 0.
std::optional<std::chrono::milliseconds> parse_timeout(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  std::string unit = text.substr(used);
  double ms = 0;
  if (unit == "ms") ms = value;
  else if (unit == "s" || unit.empty()) ms = value * 1000;
  else if (unit == "m") ms = value * 60000;
  else return std::nullopt;
  if (!(ms >= 1) || ms > 24 * 3600 * 1000.0) return std::nullopt;
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

// Adds `--timeout` to `cmd`, storing the text in `out`.
void add_timeout_option(CLI::App* cmd, std::string& out) {
  cmd->add_option("--timeout", out, "How long to wait for an answer (e.g. 500ms, 5s, 1m; default " + out + ")");
}

// Resolves the timeout option or reports a usage error.
bool resolve_timeout(const std::string& text, std::chrono::milliseconds& out, int& exit_code) {
  auto t = parse_timeout(text);
  if (!t) {
    std::cerr << "error: --timeout `" << text << "` is not a duration like 500ms, 5s or 1m\n";
    exit_code = 2;
    return false;
  }
  out = *t;
  return true;
}

// A client's CurveZMQ keys: --curve-key and --server-key (or SFN_CURVE_KEY and SFN_SERVER_KEY).
struct CurveArgs {
  std::string key, server_key;
};

void add_curve_options(CLI::App* cmd, CurveArgs& out) {
  cmd->add_option("--curve-key", out.key,
                  "This client's CurveZMQ secret key file (sfn keygen OUT writes OUT.key), for a server run "
                  "with --curve-key; its OUT.pub must be in the server's --curve-peers")
      ->envname("SFN_CURVE_KEY");
  cmd->add_option("--server-key", out.server_key, "The server's CurveZMQ public key file (the .pub of its --curve-key)")
      ->envname("SFN_SERVER_KEY");
}

// `endpoint` with the keys of `curve`; nullopt after reporting a usage error (a key file that
// cannot be used, one of the two options alone).
std::optional<io::ServerEndpoint> resolve_server(const std::string& endpoint, const CurveArgs& curve,
                                                 int& exit_code) {
  auto keys = runtime::transport::load_client_keys(curve.key, curve.server_key);
  if (!keys) {
    std::cerr << "error: " << keys.error().message << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  return io::ServerEndpoint(endpoint, std::move(keys.value()));
}

// Prints `error` and returns the exit status it deserves.
int report(const runtime::transport::Error& error) {
  std::cerr << "error: " << error.message << "\n";
  switch (error.code) {
    case ErrorCode::invalid_argument: return 2;
    case ErrorCode::rejected:
    case ErrorCode::too_large: return 3;
    default: return 1;
  }
}

std::string format_time(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[96];
  std::snprintf(out, sizeof out, "%s.%03lldZ", buf, static_cast<long long>(ms % 1000));
  return out;
}

// ---------------------------------------------------------------------------------------------

struct SendArgs {
  std::string ingress, json, endpoint = io::kDefaultIngressEndpoint, key, timeout = "5s";
  std::string file, key_prefix;
  CurveArgs curve;
};

// `sfn send INGRESS JSON`: one record.
int send_one(const SendArgs& args, const io::ServerEndpoint& server, std::chrono::milliseconds timeout) {
  if (!nlohmann::json::accept(args.json)) {
    std::cerr << "error: the record is not valid JSON: " << args.json << "\n";
    return 2;
  }
  auto ack = io::send_ingress(server, args.ingress, io::PayloadFormat::json, args.json,
                              args.key, timeout);
  if (!ack) return report(ack.error());
  if (ack->duplicate)
    std::cout << "duplicate of " << args.ingress << " offset " << ack->offset
              << " (key already sent; not appended again)\n";
  else
    std::cout << "ok: " << args.ingress << " offset " << ack->offset << "\n";
  return 0;
}

// The progress line of `sfn send --file` on a terminal (stderr), at most ten times a second.
class ImportProgress {
 public:
  ImportProgress(std::string ingress) : ingress_(std::move(ingress)), on_(::isatty(2) == 1) {}
  void update(const io::ImportCounts& c) {
    if (!on_) return;
    auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    double secs = std::chrono::duration<double>(now - start_).count();
    std::cerr << "\r\033[K" << ingress_ << ": " << c.records << " records read, "
              << c.appended + c.duplicates << " acknowledged, " << c.refused << " refused ("
              << static_cast<long long>(secs > 0 ? (c.appended + c.duplicates) / secs : 0)
              << " records/s)" << std::flush;
  }
  // Clears the line so that other messages start at the left edge.
  void clear() {
    if (on_) std::cerr << "\r\033[K" << std::flush;
  }

 private:
  std::string ingress_;
  bool on_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now(), last_{};
};

// Prints the summary of an import and returns the exit status it deserves.
int summarize(const SendArgs& args, const io::ImportReport& r,
              const std::set<std::uint64_t>& refused_lines) {
  const io::ImportCounts& c = r.counts;
  if (r.stopped && r.stopped->code == ErrorCode::invalid_argument && c.lines == 0)
    return report(*r.stopped);  // e.g. a malformed --endpoint: nothing was read
  double secs = r.elapsed.count();
  std::uint64_t acked = c.appended + c.duplicates;
  char timing[64];
  std::snprintf(timing, sizeof timing, "%.2f s (%.0f records/s)", secs, secs > 0 ? acked / secs : 0.0);
  std::cout << args.ingress << ": " << c.records << " records in " << timing << ": " << c.appended
            << " appended, " << c.duplicates << " duplicates, " << c.refused << " refused\n";
  if (c.refused > 0) {
    std::cerr << "error: " << c.refused << (c.refused == 1 ? " line" : " lines") << " refused:";
    const char* sep = " ";
    for (std::uint64_t line : refused_lines) std::cerr << std::exchange(sep, ", ") << line;
    if (c.refused > refused_lines.size()) std::cerr << ", ... (" << c.refused - refused_lines.size() << " more)";
    std::cerr << "\n";
  }
  if (r.stopped) {
    std::cerr << "error: " << r.stopped->message << "\n"
              << "error: the import stopped after line " << c.lines << "; "
              << c.records - acked - c.refused << " records read were not acknowledged; "
              << (args.key_prefix.empty()
                      ? "running it again would append the acknowledged records twice (use "
                        "--key-prefix to make re-runs safe)\n"
                      : "run the same command again to send what is missing\n");
    return 1;
  }
  if (c.server_errors > 0) return 1;
  return c.refused > 0 ? 3 : 0;
}

// `sfn send INGRESS --file F`: every line of F (or stdin for `-`), pipelined.
int send_file(const SendArgs& args, const io::ServerEndpoint& server, std::chrono::milliseconds timeout) {
  int fd = args.file == "-" ? 0 : ::open(args.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    std::cerr << "error: cannot read " << args.file << ": " << std::strerror(errno) << "\n";
    return 2;
  }
  std::string name = args.file == "-" ? "<stdin>" : args.file;
  io::ImportOptions options{server, args.ingress, args.key_prefix, {}};
  options.bulk.timeout = timeout;
  ImportProgress progress(args.ingress);
  std::set<std::uint64_t> refused_lines;  // the lowest 20, for the summary
  io::ImportHooks hooks;
  hooks.refused = [&](std::uint64_t line, const std::string& reason) {
    progress.clear();
    std::cerr << name << ":" << line << ": " << reason << " (line refused)\n";
    refused_lines.insert(line);
    if (refused_lines.size() > 20) refused_lines.erase(std::prev(refused_lines.end()));
  };
  hooks.progress = [&](const io::ImportCounts& c) { progress.update(c); };
  io::ImportReport report = io::import_json_lines(fd, options, hooks);
  if (fd != 0) ::close(fd);
  progress.clear();
  return summarize(args, report, refused_lines);
}

void setup_send(CLI::App& app, int& exit_code) {
  static SendArgs args;
  auto* cmd = app.add_subcommand("send", "Send records to a running program's ingress")
                  ->footer("A record is JSON of the ingress message type (LANGUAGE.md §10). It "
                           "is acknowledged\nonce it is durably in the ingress log; with --key, a "
                           "key seen before is\nacknowledged without appending again.\n"
                           "With --file F.jsonl (or - for stdin) every non-blank line is one "
                           "record, sent in\nbatches with many requests in flight; a summary "
                           "follows (records, duplicates,\nrefused lines with their numbers and "
                           "reasons, records/s), and a progress line\non a terminal. "
                           "--key-prefix P gives line N the key P:N, so running the same\n"
                           "import again after an interruption appends only what is missing.\n"
                           "Exit status: 0 acknowledged, 1 no answer, unknown ingress or server "
                           "error, 2 usage\nerror, 3 a record does not decode as the ingress "
                           "message type or is larger than the\nserver accepts (sfn run "
                           "--max-record-bytes; with --file: some lines were refused,\nthe others "
                           "were sent).");
  cmd->add_option("ingress", args.ingress, "The ingress name")->required();
  cmd->add_option("json", args.json, "The record as JSON text, e.g. '{\"name\": \"Ada\"}'");
  cmd->add_option("--file", args.file,
                  "Send every line of this JSON-lines file instead (- reads stdin)");
  cmd->add_option("--key-prefix", args.key_prefix,
                  "With --file: line N gets the idempotency key PREFIX:N (safe re-runs)");
  cmd->add_option("--endpoint", args.endpoint, "The ingress endpoint")
      ->capture_default_str();
  cmd->add_option("--key", args.key, "Idempotency key: resending with the same key is safe");
  add_timeout_option(cmd, args.timeout);
  add_curve_options(cmd, args.curve);
  cmd->callback([&exit_code] {
    std::chrono::milliseconds timeout;
    if (!resolve_timeout(args.timeout, timeout, exit_code)) return;
    auto server = resolve_server(args.endpoint, args.curve, exit_code);
    if (!server) return;
    std::string problem;
    if (args.file.empty() == args.json.empty())
      problem = "give either the record as JSON or --file FILE (not both)";
    else if (!args.file.empty() && !args.key.empty())
      problem = "--key names one record; with --file use --key-prefix";
    else if (args.file.empty() && !args.key_prefix.empty())
      problem = "--key-prefix needs --file; for one record use --key";
    if (!problem.empty()) {
      std::cerr << "error: " << problem << "\n";
      exit_code = 2;
      return;
    }
    exit_code = args.file.empty() ? send_one(args, *server, timeout) : send_file(args, *server, timeout);
  });
}

void setup_tail(CLI::App& app, int& exit_code) {
  struct Args {
    std::string egress, endpoint = io::kDefaultEgressEndpoint,
                        control = io::kDefaultControlEndpoint, timeout = "5s";
    std::uint64_t from = 0;
    std::uint64_t limit = 0;
    bool no_follow = false;
    bool offsets = false;
    CurveArgs curve;
  };
  static Args args;
  auto* cmd = app.add_subcommand("tail", "Print committed egress records as JSON lines, following")
                  ->footer("Reads the egress log from --from (history comes from the control "
                           "endpoint), then\nfollows new records published on the egress "
                           "endpoint. Records are printed once each,\nin offset order. Stops "
                           "with Ctrl-C, after --limit records, or with --no-follow\nonce the "
                           "history is printed.");
  cmd->add_option("egress", args.egress, "The egress name (e.g. dead_letters)")->required();
  cmd->add_option("--from", args.from, "First offset to print (default 0: everything committed)");
  cmd->add_option("--endpoint", args.endpoint, "The egress PUB endpoint")->capture_default_str();
  cmd->add_option("--control", args.control, "The control endpoint (serves the history)")
      ->capture_default_str();
  cmd->add_option("--limit", args.limit, "Exit after printing this many records");
  cmd->add_flag("--no-follow", args.no_follow, "Print the committed history and exit");
  cmd->add_flag("--offsets", args.offsets, "Prefix each line with the record's offset and a tab");
  add_timeout_option(cmd, args.timeout);
  add_curve_options(cmd, args.curve);
  cmd->callback([&exit_code] {
    std::chrono::milliseconds timeout;
    if (!resolve_timeout(args.timeout, timeout, exit_code)) return;
    auto control = resolve_server(args.control, args.curve, exit_code);
    if (!control) return;
    const io::ServerEndpoint egress(args.endpoint, control->curve);
    std::uint64_t printed = 0;
    auto print = [&](const io::EgressRecord& r) {
      if (args.offsets) std::cout << r.offset << '\t';
      std::cout << r.json << '\n';
      ++printed;
      return args.limit == 0 || printed < args.limit;
    };
    exit_code = 0;
    if (args.no_follow) {
      std::uint64_t next = args.from;
      for (;;) {
        auto page = io::read_egress(*control, args.egress, next, 1000, timeout);
        if (!page) {
          exit_code = report(page.error());
          return;
        }
        for (const auto& r : page->records) {
          if (!print(r)) return;
          next = r.offset + 1;
        }
        std::cout.flush();
        if (page->records.empty() || next >= page->end_offset) return;
      }
    }
    auto follower = io::EgressFollower::open(egress, *control, args.egress, args.from, timeout);
    if (!follower) {
      exit_code = report(follower.error());
      return;
    }
    for (;;) {
      auto records = follower.value()->next(std::chrono::seconds(1));
      if (!records) {
        exit_code = report(records.error());
        return;
      }
      for (const auto& r : records.value())
        if (!print(r)) {
          std::cout.flush();
          return;
        }
      std::cout.flush();
    }
  });
}

void setup_status(CLI::App& app, int& exit_code) {
  struct Args {
    std::string endpoint = io::kDefaultControlEndpoint, timeout = "5s";
    bool json = false;
    CurveArgs curve;
  };
  static Args args;
  auto* cmd = app.add_subcommand("status", "Show a running program's epochs, workers and queues")
                  ->footer("Shows the current and last committed snapshot epochs, the last "
                           "snapshot time, the\nkey groups and, per worker, its key groups, "
                           "queue depth and invocations, and the\noffsets of every ingress and "
                           "egress log.");
  cmd->add_option("--endpoint", args.endpoint, "The control endpoint")->capture_default_str();
  cmd->add_flag("--json", args.json, "Print the status as one JSON object");
  add_timeout_option(cmd, args.timeout);
  add_curve_options(cmd, args.curve);
  cmd->callback([&exit_code] {
    std::chrono::milliseconds timeout;
    if (!resolve_timeout(args.timeout, timeout, exit_code)) return;
    auto server = resolve_server(args.endpoint, args.curve, exit_code);
    if (!server) return;
    auto status = io::query_status(*server, timeout);
    if (!status) {
      exit_code = report(status.error());
      return;
    }
    exit_code = 0;
    const io::StatusReport& s = status.value();
    auto logs_json = [](const std::vector<io::LogStatus>& logs) {
      auto out = nlohmann::json::array();
      for (const auto& l : logs)
        out.push_back({{"name", l.name}, {"start_offset", l.start_offset},
                       {"end_offset", l.end_offset}});
      return out;
    };
    if (args.json) {
      nlohmann::json j = {{"current_epoch", s.current_epoch},
                          {"last_committed_epoch", s.last_committed_epoch},
                          {"key_groups", s.key_groups}};
      j["last_snapshot_time"] =
          s.last_snapshot_time ? nlohmann::json(format_time(*s.last_snapshot_time)) : nlohmann::json();
      j["last_snapshot_duration_ms"] = s.last_snapshot_duration_ms;
      j["last_snapshot_bytes"] = s.last_snapshot_bytes;
      j["recovery"] = s.recovery;
      j["version"] = s.version;
      j["reloads"] = s.reloads;
      j["last_reload_pause_ms"] = s.last_reload_pause_ms;
      j["curve"] = s.curve;
      j["refused_clients"] = s.refused_clients;
      j["workers"] = nlohmann::json::array();
      for (const auto& w : s.workers)
      {
        nlohmann::json worker = {{"id", w.id}, {"key_groups", w.key_groups}, {"queue_depth", w.queue_depth},
                                 {"invocations", w.invocations}};
        if (w.heartbeat_age_ms >= 0) {
          worker["endpoint"] = w.endpoint;
          worker["heartbeat_age_ms"] = w.heartbeat_age_ms;
          worker["last_snapshot_shipped_bytes"] = w.last_snapshot_shipped_bytes;
          worker["snapshot_shipped_bytes"] = w.snapshot_shipped_bytes;
        }
        j["workers"].push_back(worker);
      }
      j["ingresses"] = logs_json(s.ingresses);
      j["egresses"] = logs_json(s.egresses);
      std::cout << j.dump() << "\n";
      return;
    }
    std::cout << "epoch:      " << s.current_epoch << " (last committed: ";
    if (s.last_committed_epoch == 0)
      std::cout << "none";
    else
      std::cout << s.last_committed_epoch;
    std::cout << ")\n";
    std::cout << "snapshot:   "
              << (s.last_snapshot_time ? format_time(*s.last_snapshot_time) + " (" +
                                             std::to_string(s.last_snapshot_duration_ms) + " ms, " +
                                             std::to_string(s.last_snapshot_bytes) + " bytes)"
                                       : std::string("never"))
              << "\n";
    std::cout << "recovery:   " << (s.recovery.empty() ? std::string("none (started empty)") : s.recovery) << "\n";
    if (!s.version.empty()) {
      std::cout << "version:    " << s.version << " (reloads: " << s.reloads;
      if (s.reloads > 0) std::cout << ", the last switched in " << std::lround(s.last_reload_pause_ms) << " ms";
      std::cout << ")\n";
    }
    std::cout << "security:   "
              << (s.curve ? "CurveZMQ (" + std::to_string(s.refused_clients) + " clients refused)"
                          : std::string("none (no CurveZMQ keys)"))
              << "\n";
    std::cout << "key groups: " << s.key_groups << "\n";
    std::cout << "workers:    " << s.workers.size() << "\n";
    for (const auto& w : s.workers) {
      std::cout << "  worker " << w.id << ": " << w.key_groups << " key groups, queue depth "
                << w.queue_depth << ", " << w.invocations << " invocations";
      if (w.heartbeat_age_ms >= 0)
        std::cout << ", at " << w.endpoint << ", heard from " << w.heartbeat_age_ms << " ms ago, last snapshot part "
                  << w.last_snapshot_shipped_bytes << " bytes shipped";
      std::cout << "\n";
    }
    for (const auto& l : s.ingresses)
      std::cout << "ingress " << l.name << ": offsets " << l.start_offset << ".." << l.end_offset
                << "\n";
    for (const auto& l : s.egresses)
      std::cout << "egress " << l.name << ": offsets " << l.start_offset << ".." << l.end_offset
                << "\n";
  });
}

// `sfn state ADDRESS --state-dir DIR`: reads a snapshot with no program running; the program
// that decodes the states is --program or the one `sfn run` recorded in DIR/program.
int offline_state(const std::string& address, const std::string& dir, uint64_t epoch, std::string program) {
  if (program.empty()) {
    auto recorded = runtime::io::read_small_file(std::filesystem::path(dir) / "program", 4096);
    if (!recorded.ok()) {
      std::cerr << "error: " << dir << " does not name the program that wrote it (" << recorded.error().message
                << "); give it with --program FILE (.sfn or a module from sfn build --shared)\n";
      return 2;
    }
    program = recorded.value().substr(0, recorded.value().find('\n'));
  }
  LoadResult loaded = load_program_or_module(program, {});
  if (!loaded.module) {
    if (!loaded.error.empty()) std::cerr << "error: " << program << ": " << loaded.error << "\n";
    return loaded.exit_code;
  }
  auto state = runtime::read_snapshot_state(loaded.module, dir, address, epoch);
  if (!state) return report(state.error());
  std::cout << state.value() << "\n";
  return 0;
}

void setup_state(CLI::App& app, int& exit_code) {
  struct Args {
    std::string address, endpoint = io::kDefaultControlEndpoint, timeout = "5s", state_dir, program;
    uint64_t epoch = 0;
    CurveArgs curve;
  };
  static Args args;
  auto* cmd = app.add_subcommand("state", "Print an instance's state as JSON")
                  ->footer("ADDRESS is pkg/Type/key, e.g. shop/Cart/alice. The state comes from the running\n"
                           "program at the control endpoint, or with --state-dir from a committed snapshot\n"
                           "of a state directory, read with no program running (nothing in it changes).");
  cmd->add_option("address", args.address, "The instance address, pkg/Type/key")->required();
  cmd->add_option("--endpoint", args.endpoint, "The control endpoint")->capture_default_str();
  auto* dir = cmd->add_option("--state-dir", args.state_dir, "Read a snapshot of this state directory instead");
  cmd->add_option("--epoch", args.epoch, "With --state-dir: the snapshot of this epoch (default: the newest valid)")
      ->needs(dir);
  cmd->add_option("--program", args.program,
                  "With --state-dir: the program (.sfn or .so) that decodes the state (default: the one sfn run "
                  "recorded in the state directory)")
      ->needs(dir);
  add_timeout_option(cmd, args.timeout);
  add_curve_options(cmd, args.curve);
  cmd->callback([&exit_code] {
    if (!args.state_dir.empty()) {
      exit_code = offline_state(args.address, args.state_dir, args.epoch, args.program);
      return;
    }
    std::chrono::milliseconds timeout;
    if (!resolve_timeout(args.timeout, timeout, exit_code)) return;
    auto server = resolve_server(args.endpoint, args.curve, exit_code);
    if (!server) return;
    auto state = io::query_state(*server, args.address, timeout);
    if (!state) {
      exit_code = report(state.error());
      return;
    }
    std::cout << state.value() << "\n";
    exit_code = 0;
  });
}

// `sfn reload FILE`: the running program compiles FILE, checks it against the running version and
// switches to it; waits until the new version runs (its label in `sfn status`).
int reload(const std::string& file, const io::ServerEndpoint& endpoint, std::chrono::milliseconds timeout) {
  std::error_code ec;
  const std::string path = std::filesystem::absolute(file, ec).string();
  auto label = io::request_reload(endpoint, path, timeout);
  if (!label) {
    if (label.error().code == ErrorCode::rejected) {
      const std::string& why = label.error().message;  // diagnostics, one per line
      std::cerr << why << (why.empty() || why.back() == '\n' ? "" : "\n")
                << "error: the new version was refused; the running one goes on\n";
      return 1;
    }
    return report(label.error());
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {  // the control endpoint restarts with the switch
    auto status = io::query_status(endpoint, std::chrono::milliseconds(500));
    if (status && status->version == label.value()) {
      std::cout << "running " << status->version << " (reloads: " << status->reloads << ")\n";
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // the switch takes a snapshot and a restart
  }
  std::cerr << "error: " << label.value() << " was offered but did not start within the timeout\n";
  return 1;
}

void setup_reload(CLI::App& app, int& exit_code) {
  struct Args {
    std::string file, endpoint = io::kDefaultControlEndpoint, timeout = "30s";
    CurveArgs curve;
  };
  static Args args;
  auto* cmd = app.add_subcommand("reload", "Hot-reload a running program with a new version of its source")
                  ->footer("The running program (sfn run FILE.sfn) compiles FILE, checks it against the running\n"
                           "version (E0601) and switches to it between two epochs, keeping every instance's state.\n"
                           "Exit 0 once the new version runs; 1 when it was refused (its diagnostics on stderr;\n"
                           "the running version goes on) or did not start.");
  cmd->add_option("file", args.file, "The new version's root .sfn file")->required();
  cmd->add_option("--control,--endpoint", args.endpoint, "The running program's control endpoint")->capture_default_str();
  add_timeout_option(cmd, args.timeout);
  add_curve_options(cmd, args.curve);
  cmd->callback([&exit_code] {
    std::chrono::milliseconds timeout;
    if (!resolve_timeout(args.timeout, timeout, exit_code)) return;
    auto server = resolve_server(args.endpoint, args.curve, exit_code);
    if (!server) return;
    exit_code = reload(args.file, *server, timeout);
  });
}

CommandRegistrar reload_registrar(63, setup_reload);
CommandRegistrar send_registrar(60, setup_send);
CommandRegistrar tail_registrar(61, setup_tail);
CommandRegistrar state_registrar(62, setup_state);
CommandRegistrar status_registrar(63, setup_status);

}  // namespace
}  // namespace sfn::driver
