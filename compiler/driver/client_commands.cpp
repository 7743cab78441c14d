// `sfn send`, `sfn tail`, `sfn status` and `sfn state`: the client commands that talk to a
// running `sfn run` (embedded mode) over its loopback endpoints (RUNTIME.md §4-§5, defaults in
// docs/cli.md). They only parse arguments and print; the protocol lives in runtime/io/client.h.
// Every call has a deadline, so a missing server gives an error naming the endpoint, not a hang.
// Exit status: 0 success, 1 no answer / refused / server error, 2 usage error, 3 the record was
// refused as undecodable (`sfn send`).
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "compiler/driver/command.h"
#include "compiler/driver/pipeline.h"
#include "runtime/embedded/offline_state.h"
#include "runtime/io/durable_file.h"
#include "runtime/io/client.h"
#include "runtime/io/io_server.h"

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
  cmd->add_option("--timeout", out,
                  "How long to wait for an answer (e.g. 500ms, 5s, 1m; default 5s)");
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

// Prints `error` and returns the exit status it deserves.
int report(const runtime::transport::Error& error) {
  std::cerr << "error: " << error.message << "\n";
  switch (error.code) {
    case ErrorCode::invalid_argument: return 2;
    case ErrorCode::rejected: return 3;
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

void setup_send(CLI::App& app, int& exit_code) {
  struct Args {
    std::string ingress, json, endpoint = io::kDefaultIngressEndpoint, key, timeout = "5s";
  };
  static Args args;
  auto* cmd = app.add_subcommand("send", "Send one record to a running program's ingress")
                  ->footer("The record is JSON of the ingress message type (LANGUAGE.md §10). It "
                           "is acknowledged\nonce it is durably in the ingress log; with --key, a "
                           "key seen before is\nacknowledged without appending again.\n"
                           "Exit status: 0 acknowledged, 1 no answer or refused, 2 usage error, "
                           "3 the record\ndoes not decode as the ingress message type.");
  cmd->add_option("ingress", args.ingress, "The ingress name")->required();
  cmd->add_option("json", args.json, "The record as JSON text, e.g. '{\"name\": \"Ada\"}'")
      ->required();
  cmd->add_option("--endpoint", args.endpoint, "The ingress endpoint")
      ->capture_default_str();
  cmd->add_option("--key", args.key, "Idempotency key: resending with the same key is safe");
  add_timeout_option(cmd, args.timeout);
  cmd->callback([&exit_code] {
    std::chrono::milliseconds timeout;
    if (!resolve_timeout(args.timeout, timeout, exit_code)) return;
    if (!nlohmann::json::accept(args.json)) {
      std::cerr << "error: the record is not valid JSON: " << args.json << "\n";
      exit_code = 2;
      return;
    }
    auto ack = io::send_ingress(args.endpoint, args.ingress, io::PayloadFormat::json, args.json,
                                args.key, timeout);
    if (!ack) {
      exit_code = report(ack.error());
      return;
    }
    if (ack->duplicate)
      std::cout << "duplicate of " << args.ingress << " offset " << ack->offset
                << " (key already sent; not appended again)\n";
    else
      std::cout << "ok: " << args.ingress << " offset " << ack->offset << "\n";
    exit_code = 0;
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
  cmd->callback([&exit_code] {
    std::chrono::milliseconds timeout;
    if (!resolve_timeout(args.timeout, timeout, exit_code)) return;
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
        auto page = io::read_egress(args.control, args.egress, next, 1000, timeout);
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
    auto follower = io::EgressFollower::open(args.endpoint, args.control, args.egress, args.from,
                                             timeout);
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
  cmd->callback([&exit_code] {
    std::chrono::milliseconds timeout;
    if (!resolve_timeout(args.timeout, timeout, exit_code)) return;
    auto status = io::query_status(args.endpoint, timeout);
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
      j["workers"] = nlohmann::json::array();
      for (const auto& w : s.workers)
        j["workers"].push_back({{"id", w.id}, {"key_groups", w.key_groups},
                                {"queue_depth", w.queue_depth}, {"invocations", w.invocations}});
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
    std::cout << "key groups: " << s.key_groups << "\n";
    std::cout << "workers:    " << s.workers.size() << "\n";
    for (const auto& w : s.workers)
      std::cout << "  worker " << w.id << ": " << w.key_groups << " key groups, queue depth "
                << w.queue_depth << ", " << w.invocations << " invocations\n";
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
  cmd->callback([&exit_code] {
    if (!args.state_dir.empty()) {
      exit_code = offline_state(args.address, args.state_dir, args.epoch, args.program);
      return;
    }
    std::chrono::milliseconds timeout;
    if (!resolve_timeout(args.timeout, timeout, exit_code)) return;
    auto state = io::query_state(args.endpoint, args.address, timeout);
    if (!state) {
      exit_code = report(state.error());
      return;
    }
    std::cout << state.value() << "\n";
    exit_code = 0;
  });
}

CommandRegistrar send_registrar(60, setup_send);
CommandRegistrar tail_registrar(61, setup_tail);
CommandRegistrar state_registrar(62, setup_state);
CommandRegistrar status_registrar(63, setup_status);

}  // namespace
}  // namespace sfn::driver
