// `sfn coordinator` and `sfn worker`: cluster mode (RUNTIME.md §5, decision 113). The
// coordinator runs the program's coordinator, logs, snapshots and client endpoints, and gives
// the key groups to worker processes; each worker compiles the program it is sent (the LLVM
// JIT) and runs its share of the instances.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "compiler/driver/client_options.h"
#include "compiler/driver/command.h"
#include "compiler/driver/pipeline.h"
#include "compiler/driver/reload.h"
#include "compiler/driver/versions.h"
#include "sfn/cluster.h"
#include "sfn/run_options.h"

namespace sfn::driver {
namespace {

// --heartbeat-timeout: a duration like 3s or 500ms (client_options.h), at least 100 ms.
bool parse_heartbeat_timeout(const std::string& text, std::chrono::milliseconds* out) {
  auto t = parse_timeout(text);
  if (!t) {
    std::cerr << "error: --heartbeat-timeout: `" << text << "` is not a duration like 3s or 500ms\n";
    return false;
  }
  if (*t < std::chrono::milliseconds(100)) {
    std::cerr << "error: --heartbeat-timeout must be at least 100ms\n";
    return false;
  }
  *out = *t;
  return true;
}

std::function<void(const std::string&)> progress_to_stderr(const std::string& label) {
  return [label](const std::string& line) { std::cerr << label << ": " << line << std::endl; };
}

// The program's files as the coordinator read them, sent to every worker.
std::vector<std::pair<std::string, std::string>> read_sources(const std::vector<std::string>& files) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& f : files) {
    std::error_code ec;
    const std::string path = std::filesystem::absolute(f, ec).string();
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    out.emplace_back(path, text.str());
  }
  return out;
}

struct CoordinatorArgs {
  std::string file, listen, heartbeat = "3s";
  runtime::RunCommandLine run;
};

int coordinator(CoordinatorArgs& a) {
  if (a.run.options.workers == 0 || a.run.options.state_dir.empty())
    return std::cerr << "error: --workers N and --state-dir DIR are required in cluster mode\n", 2;
  if (!a.run.options.input_path.empty() || a.run.clock != "real")
    return std::cerr << "error: cluster mode serves records sent to --ingress on the real clock (--input and --clock "
                        "virtual are embedded-mode features: use sfn run)\n",
           2;
  runtime::cluster::CoordinatorOptions co;
  if (!parse_heartbeat_timeout(a.heartbeat, &co.heartbeat_timeout)) return 2;
  LoadOptions options;
  LoadResult loaded = load_program(a.file, options);
  if (!loaded.module) {
    if (!loaded.error.empty()) std::cerr << "error: " << loaded.error << "\n";
    return loaded.exit_code;
  }
  std::error_code ec;
  a.run.options.program_path = std::filesystem::absolute(a.file, ec).string();
  attach_versions(a.run.options, loaded.frontend, a.file);
  co.listen = a.listen;
  co.sources = read_sources(loaded.files.empty() ? std::vector<std::string>{a.file} : loaded.files);
  co.main = a.run.options.program_path;
  co.state_dir = a.run.options.state_dir;
  co.security = {a.run.options.curve_key, a.run.options.curve_peers, a.run.options.insecure};
  co.progress = progress_to_stderr("sfn coordinator");
  auto started = runtime::cluster::start_host(std::move(co));
  if (!started) return std::cerr << "error: " << started.error().message << "\n", 2;
  std::shared_ptr<runtime::cluster::ClusterHost> host = std::move(started.value());
  a.run.options.worker_set = runtime::cluster::cluster_worker_sets(host);
  // `sfn reload`: checked here once (E0601); the workers of the next generation compile the files.
  Reloader reloader(a.file, loaded, options);
  reloader.before_offer = [host](const std::string& path, const std::vector<std::string>& files,
                                 const runtime::ModulePtr& module) {
    std::error_code error;
    runtime::cluster::add_version(*host, read_sources(files), std::filesystem::absolute(path, error).string(), module);
  };
  a.run.options.version_label = reloader.label();
  a.run.options.reload = [&reloader](const std::string& path, std::string* label) {
    return reloader.reload(path, label);
  };
  return runtime::run_parsed(loaded.module, a.run, "sfn coordinator");
}

void setup_coordinator(CLI::App& app, int& exit_code) {
  static CoordinatorArgs a;
  CLI::App* cmd = app.add_subcommand(
      "coordinator",
      "Run a program as a cluster: this process holds the logs, snapshots and endpoints; `sfn worker` "
      "processes run its instances");
  cmd->add_option("file", a.file, "The program (.sfn)")->required()->check(CLI::ExistingFile);
  cmd->add_option("--listen", a.listen, "The endpoint workers connect to, e.g. tcp://127.0.0.1:7200")->required();
  cmd->add_option("--heartbeat-timeout", a.heartbeat,
                  "A worker silent this long is taken as failed: every worker rolls back to the last committed "
                  "snapshot (default 3s)");
  runtime::add_run_options(*cmd, a.run);
  cmd->callback([&exit_code] { exit_code = coordinator(a); });
}

struct WorkerArgs {
  std::string coordinator, listen, state_dir, heartbeat = "3s";
  runtime::cluster::Security security;
  std::string server_key;
  std::uint64_t cache_bytes = 0;
};

int worker(const WorkerArgs& a) {
  runtime::cluster::WorkerOptions o;
  o.coordinator = a.coordinator;
  o.listen = a.listen;
  o.state_dir = a.state_dir;
  o.security = a.security;
  o.server_key = a.server_key;
  o.cache_bytes = a.cache_bytes;
  if (!parse_heartbeat_timeout(a.heartbeat, &o.heartbeat_timeout)) return 2;
  o.progress = progress_to_stderr("sfn worker");
  o.compile = [](const std::string& main) -> Result<runtime::ModulePtr> {
    LoadResult loaded = load_program(main, LoadOptions{});
    if (!loaded.module)
      return Error(ErrorCode::failed, loaded.error.empty() ? "it has errors (see above)" : loaded.error);
    return loaded.module;
  };
  return runtime::cluster::run_worker(o);
}

void setup_worker(CLI::App& app, int& exit_code) {
  static WorkerArgs a;
  CLI::App* cmd = app.add_subcommand(
      "worker", "Serve a cluster's coordinator: receive the program and a share of its instances, run them");
  cmd->add_option("--coordinator", a.coordinator, "The coordinator's --listen endpoint")->required();
  cmd->add_option("--listen", a.listen,
                  "This worker's channel endpoint, reachable by the other workers, e.g. tcp://127.0.0.1:7301")
      ->required();
  cmd->add_option("--state-dir", a.state_dir, "Where this worker keeps its database")->required();
  cmd->add_option("--heartbeat-timeout", a.heartbeat,
                  "A coordinator silent this long is taken as gone: the worker drops its share and waits for one "
                  "(default 3s)");
  cmd->add_option("--curve-key", a.security.curve_key,
                  "This worker's CurveZMQ secret key file (sfn keygen OUT writes OUT.key): its channel endpoint "
                  "and its connection to the coordinator are encrypted and authenticated (needs --curve-peers and "
                  "--server-key)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--curve-peers", a.security.curve_peers,
                  "Directory of the public keys (*.pub) allowed to send to this worker: the coordinator's and the "
                  "other workers'")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--server-key", a.server_key,
                  "The coordinator's CurveZMQ public key file (the .pub of its --curve-key)")
      ->check(CLI::ExistingFile);
  cmd->add_flag("--insecure", a.security.insecure,
                "Allow a non-loopback --listen without CurveZMQ keys (unauthenticated, unencrypted)");
  cmd->add_option("--cache-size", a.cache_bytes,
                  "Memory this worker's cached instance state may take, e.g. 256MB; idle instances beyond it are "
                  "evicted (written back first) and read again on their next message (default: a quarter of "
                  "physical memory)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(uint64_t{1024}, UINT64_MAX));
  cmd->callback([&exit_code] { exit_code = worker(a); });
}

CommandRegistrar coordinator_registrar(21, setup_coordinator);
CommandRegistrar worker_registrar(22, setup_worker);

}  // namespace
}  // namespace sfn::driver
