// `sfn send INGRESS JSON` and `sfn send INGRESS --file F.jsonl`: records to a running program's
// ingress endpoint (docs/cli.md). Exit status: 0 appended, 1 no answer / server error, 2 usage
// error, 3 the record was refused as undecodable or too large (with --file: some lines were).
#include "compiler/driver/client_options.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <thread>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "compiler/driver/command.h"
#include "sfn/client.h"

namespace sfn::driver {
namespace {

namespace io = sfn::runtime::io;

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
  auto ack = io::send_ingress(server, args.ingress, io::PayloadFormat::json, args.json, args.key, timeout);
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
    std::cerr << "\r\033[K" << ingress_ << ": " << c.records << " records read, " << c.appended + c.duplicates
              << " acknowledged, " << c.refused << " refused ("
              << static_cast<long long>(secs > 0 ? (c.appended + c.duplicates) / secs : 0) << " records/s)"
              << std::flush;
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
int summarize(const SendArgs& args, const io::ImportReport& r, const std::set<std::uint64_t>& refused_lines) {
  const io::ImportCounts& c = r.counts;
  if (r.stopped && r.stopped->code == ErrorCode::invalid_argument && c.lines == 0)
    return report(*r.stopped);  // e.g. a malformed --endpoint: nothing was read
  double secs = r.elapsed.count();
  std::uint64_t acked = c.appended + c.duplicates;
  char timing[64];
  std::snprintf(timing, sizeof timing, "%.2f s (%.0f records/s)", secs, secs > 0 ? acked / secs : 0.0);
  std::cout << args.ingress << ": " << c.records << " records in " << timing << ": " << c.appended << " appended, "
            << c.duplicates << " duplicates, " << c.refused << " refused\n";
  if (c.refused > 0) {
    std::cerr << "error: " << c.refused << (c.refused == 1 ? " line" : " lines") << " refused:";
    const char* sep = " ";
    for (std::uint64_t line : refused_lines) std::cerr << std::exchange(sep, ", ") << line;
    if (c.refused > refused_lines.size()) std::cerr << ", ... (" << c.refused - refused_lines.size() << " more)";
    std::cerr << "\n";
  }
  if (r.stopped) {
    std::cerr << "error: " << r.stopped->message << "\n"
              << "error: the import stopped after line " << c.lines << "; " << c.records - acked - c.refused
              << " records read were not acknowledged; "
              << (args.key_prefix.empty() ? "running it again would append the acknowledged records twice (use "
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
                  ->footer(
                      "A record is JSON of the ingress message type (LANGUAGE.md §10). It "
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
  cmd->add_option("--file", args.file, "Send every line of this JSON-lines file instead (- reads stdin)");
  cmd->add_option("--key-prefix", args.key_prefix,
                  "With --file: line N gets the idempotency key PREFIX:N (safe re-runs)");
  cmd->add_option("--endpoint", args.endpoint, "The ingress endpoint")->capture_default_str();
  cmd->add_option("--key", args.key, "Idempotency key: resending with the same key is safe");
  add_connection_options(cmd, args.timeout, args.curve);
  cmd->callback([&exit_code] {
    auto connection = resolve_connection(args.endpoint, args.timeout, args.curve, exit_code);
    if (!connection) return;
    const auto& [server, timeout] = *connection;
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
    exit_code = args.file.empty() ? send_one(args, server, timeout) : send_file(args, server, timeout);
  });
}

CommandRegistrar registrar(60, setup_send);

}  // namespace
}  // namespace sfn::driver
