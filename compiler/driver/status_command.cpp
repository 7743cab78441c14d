// `sfn status`: the running program's epochs, snapshots, workers and logs, as text or --json
// (docs/cli.md).
#include "compiler/driver/client_options.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "compiler/driver/command.h"
#include "sfn/client.h"

namespace sfn::driver {
namespace {

namespace io = sfn::runtime::io;

// `4 KiB`, `256 MiB`, `1 GiB` when whole, else the bytes (as --cache-size reads sizes).
std::string size_text(std::uint64_t bytes) {
  for (const auto& [shift, unit] : {std::pair{30, " GiB"}, std::pair{20, " MiB"}, std::pair{10, " KiB"}})
    if (bytes >= (std::uint64_t{1} << shift) && bytes % (std::uint64_t{1} << shift) == 0)
      return std::to_string(bytes >> shift) + unit;
  return std::to_string(bytes) + " bytes";
}

// One worker's instance cache, under its line in `sfn status`.
void print_cache(const io::CacheStatus& c) {
  std::cout << "    cache: " << size_text(c.bytes) << " in " << c.instances << " instances (bound "
            << (c.limit_bytes ? size_text(c.limit_bytes) : std::string("none")) << "), " << c.hits << " hits, "
            << c.misses << " misses, " << c.evictions << " evictions\n";
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

nlohmann::json logs_json(const std::vector<io::LogStatus>& logs) {
  auto out = nlohmann::json::array();
  for (const auto& l : logs)
    out.push_back({{"name", l.name}, {"start_offset", l.start_offset}, {"end_offset", l.end_offset}});
  return out;
}

// `sfn status --json`: the report as one JSON object.
nlohmann::json status_json(const io::StatusReport& s) {
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
  for (const auto& w : s.workers) {
    nlohmann::json worker = {
        {"id", w.id}, {"key_groups", w.key_groups}, {"queue_depth", w.queue_depth}, {"invocations", w.invocations}};
    worker["cache"] = {{"bytes", w.cache.bytes}, {"instances", w.cache.instances}, {"limit_bytes", w.cache.limit_bytes},
                       {"hits", w.cache.hits},   {"misses", w.cache.misses},       {"evictions", w.cache.evictions}};
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
  return j;
}

// `sfn status`: the report as text, one line per part.
void print_status(const io::StatusReport& s) {
  std::cout << "epoch:      " << s.current_epoch << " (last committed: ";
  if (s.last_committed_epoch == 0)
    std::cout << "none";
  else
    std::cout << s.last_committed_epoch;
  std::cout << ")\n";
  std::cout << "snapshot:   "
            << (s.last_snapshot_time
                    ? format_time(*s.last_snapshot_time) + " (" + std::to_string(s.last_snapshot_duration_ms) +
                          " ms, " + std::to_string(s.last_snapshot_bytes) + " bytes)"
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
    std::cout << "  worker " << w.id << ": " << w.key_groups << " key groups, queue depth " << w.queue_depth << ", "
              << w.invocations << " invocations";
    if (w.heartbeat_age_ms >= 0)
      std::cout << ", at " << w.endpoint << ", heard from " << w.heartbeat_age_ms << " ms ago, last snapshot part "
                << w.last_snapshot_shipped_bytes << " bytes shipped";
    std::cout << "\n";
    print_cache(w.cache);
  }
  for (const auto& l : s.ingresses)
    std::cout << "ingress " << l.name << ": offsets " << l.start_offset << ".." << l.end_offset << "\n";
  for (const auto& l : s.egresses)
    std::cout << "egress " << l.name << ": offsets " << l.start_offset << ".." << l.end_offset << "\n";
}

void setup_status(CLI::App& app, int& exit_code) {
  struct Args {
    std::string endpoint = io::kDefaultControlEndpoint, timeout = "5s";
    bool json = false;
    CurveArgs curve;
  };
  static Args args;
  auto* cmd = app.add_subcommand("status", "Show a running program's epochs, workers and queues")
                  ->footer(
                      "Shows the current and last committed snapshot epochs, the last "
                      "snapshot time, the\nkey groups and, per worker, its key groups, "
                      "queue depth and invocations, and the\noffsets of every ingress and "
                      "egress log.");
  cmd->add_option("--endpoint", args.endpoint, "The control endpoint")->capture_default_str();
  cmd->add_flag("--json", args.json, "Print the status as one JSON object");
  add_connection_options(cmd, args.timeout, args.curve);
  cmd->callback([&exit_code] {
    auto connection = resolve_connection(args.endpoint, args.timeout, args.curve, exit_code);
    if (!connection) return;
    const auto& [server, timeout] = *connection;
    auto status = io::query_status(server, timeout);
    if (!status) {
      exit_code = report(status.error());
      return;
    }
    exit_code = 0;
    const io::StatusReport& s = status.value();
    if (args.json)
      std::cout << status_json(s).dump() << "\n";
    else
      print_status(s);
  });
}

CommandRegistrar registrar(63, setup_status);

}  // namespace
}  // namespace sfn::driver
