// The one home of the run options (sfn/run_options.h): their CLI11 definitions, the defaults
// applied after parsing, the progress and error reporting around run_embedded, and the main()
// of standalone programs. `sfn run` (compiler/driver/run_command.cpp) adds its FILE argument
// and compilation in front of this.
#include "sfn/run_options.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "runtime/core/module.h"
#include "runtime/core/text.h"
#include "runtime/io/protocol.h"
#include "runtime/transport/security.h"

namespace sfn::runtime {

void add_run_options(CLI::App& app, RunCommandLine& args) {
  RunOptions& o = args.options;
  app.add_option("--workers", o.workers,
                 "Worker threads (default: as the state directory was created; else 1 with --input, for deterministic "
                 "output; else one per core)")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--state-dir", o.state_dir, "Where state and logs live (default .sfn/<package>)");
  app.add_option("--input", o.input_path,
                 "Batch input: JSON lines {\"ingress\":NAME,\"value\":{...},\"at\":\"5m\"?}; exit when done")
      ->check(CLI::ExistingFile);
  app.add_option("--output", o.output_path,
                 "Write egress lines {\"egress\":NAME,\"value\":{...}} here (default stdout)");
  app.add_flag("--egress-sources", o.egress_sources,
               "Egress lines name the instance that emitted them: {\"egress\":NAME,\"from\":ADDRESS,\"value\":{...}}");
  app.add_option("--clock", args.clock, "real, or virtual: time jumps to the next timer or input when idle")
      ->check(CLI::IsMember({"real", "virtual"}));
  app.add_option(
      "--checkpoint-interval", args.checkpoint_interval,
      "Time between barrier snapshots (20ms .. 1h, default 1s); egress becomes visible when a snapshot commits");
  app.add_option("--retain", o.retain, "Committed snapshots to keep (default 3)")->check(CLI::Range(1, 1000));
  app.add_flag("--allow-republish", o.allow_republish,
               "Recover from the newest valid snapshot (or from nothing) even though the egress logs hold records "
               "committed after it (its newer snapshots were lost or damaged): the effects since run again and their "
               "egress is published again");
  app.add_option(
         "--max-fuel", o.budget.fuel,
         "Loop iterations plus fn calls one invocation may run before it becomes a dead letter (default 100000000)")
      ->check(CLI::Range(int64_t{1}, INT64_MAX));
  app.add_option("--max-depth", o.budget.max_depth, "Nested fn calls one invocation may make (default 1000)")
      ->check(CLI::Range(1u, core::kMaxDepthLimit));
  app.add_option("--max-invocation-memory", o.budget.max_memory,
                 "Memory the values of one invocation may allocate before it becomes a dead letter, e.g. 256MiB, "
                 "64KiB (default " +
                     core::size_text(InvocationBudget{}.max_memory) + ")")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(core::kMinInvocationMemory, core::kMaxInvocationMemory));
  app.add_option("--max-invocation-effects", o.budget.max_effects,
                 "Sends, timers, emits and cancels one invocation may make before it becomes a dead letter (default " +
                     std::to_string(InvocationBudget{}.max_effects) + ")")
      ->check(CLI::Range(uint64_t{1}, core::kMaxInvocationEffects));
  app.add_option("--cache-size", o.cache_bytes,
                 "Memory the workers' cached instance state may take, e.g. 256MB, 64KB; idle instances beyond it are "
                 "evicted (written back first) and read again on their next message (default: a quarter of physical "
                 "memory, here " +
                     core::size_text(default_cache_bytes()) + ")")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(uint64_t{1024}, UINT64_MAX));
  app.add_option("--max-in-flight", o.max_in_flight,
                 "Messages sent by handlers (and fired timers) that may wait to be processed, over the whole run; past "
                 "it the run stops with exit 1 naming the function types that sent them (default " +
                     std::to_string(kDefaultMaxInFlight) + ")")
      ->check(CLI::Range(uint64_t{100}, uint64_t{10'000'000'000}));
  app.add_option("--until", args.until,
                 "With --clock virtual: stop when virtual time reaches this duration after the epoch (e.g. 2h); "
                 "later timers stay pending for the next run");
  app.add_option("--ingress", o.ingress_endpoint, "Ingress endpoint for `sfn send`, e.g. tcp://127.0.0.1:7100");
  app.add_option("--egress", o.egress_endpoint, "Egress PUB endpoint for `sfn tail`, e.g. tcp://127.0.0.1:7101");
  app.add_option("--control", o.control_endpoint,
                 "Control endpoint for `sfn state/status/tail` (default tcp://127.0.0.1:7102 with --ingress)");
  app.add_flag("--insecure", o.insecure,
               "Allow endpoints on non-loopback addresses without authentication (otherwise refused)");
  app.add_option(
      "--metrics", o.metrics_address,
      "Serve Prometheus metrics at http://HOST:PORT/metrics, e.g. 127.0.0.1:9464 (loopback unless --insecure)");
  app.add_option("--max-record-bytes", o.max_record_bytes,
                 "Largest record the ingress endpoint accepts, e.g. 4MiB, 512KiB (default " +
                     std::to_string(io::kDefaultMaxRecordBytes >> 20) + "MiB; --input lines are not limited by it)")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(io::kMinMaxRecordBytes, io::kMaxMaxRecordBytes));
  app.add_option("--curve-key", o.curve_key,
                 "This server's CurveZMQ secret key file (sfn keygen OUT writes OUT.key): its tcp and ipc endpoints "
                 "are encrypted and accept only the clients in --curve-peers");
  app.add_option("--curve-peers", o.curve_peers,
                 "Directory of the public keys (*.pub) of the clients allowed to connect (with --curve-key)");
}

int run_parsed(const ModulePtr& module, RunCommandLine& args, const std::string& label) {
  RunOptions& options = args.options;
  options.clock = args.clock == "virtual" ? ClockMode::virtual_time : ClockMode::real;
  if (!core::parse_duration(args.checkpoint_interval, &options.checkpoint_interval_ns) ||
      options.checkpoint_interval_ns < 20'000'000 || options.checkpoint_interval_ns > 3'600'000'000'000) {
    std::cerr << "error: --checkpoint-interval: `" << args.checkpoint_interval
              << "` is not a duration from 20ms to 1h (like \"100ms\" or \"5s\")\n";
    return 2;
  }
  if (!args.until.empty()) {
    if (options.clock != ClockMode::virtual_time) {
      std::cerr << "error: --until needs --clock virtual\n";
      return 2;
    }
    if (!core::parse_duration(args.until, &options.until_ns) || options.until_ns < 0) {
      std::cerr << "error: --until: `" << args.until << "` is not a duration like \"5m\" or \"1.5s\"\n";
      return 2;
    }
  }
  if (auto security = transport::load_server_security(options.curve_key, options.curve_peers, options.insecure);
      !security) {
    std::cerr << "error: " << security.error().message << "\n";
    return 2;
  }
  if (options.control_endpoint.empty() && !options.ingress_endpoint.empty())
    options.control_endpoint = "tcp://127.0.0.1:7102";
  if (isatty(STDERR_FILENO) || !options.ingress_endpoint.empty() || !options.egress_endpoint.empty() ||
      !options.metrics_address.empty())
    options.progress = [label](const std::string& line) { std::cerr << label << ": " << line << std::endl; };
  if (options.input_path.empty() && options.ingress_endpoint.empty() && options.egress_endpoint.empty() &&
      options.control_endpoint.empty())
    std::cerr << label << ": no --input and no endpoints: running only what the state directory holds (timers, "
              << "messages in flight, unprocessed ingress records), then exiting; give --input FILE or --ingress "
              << "ENDPOINT to send records\n";
  RunResult r = run_embedded(module, options);
  if (r.exit_code == 2) std::cerr << "error: " << r.error << "\n";
  if (r.bad_input_lines > 0)
    std::cerr << label << ": " << r.bad_input_lines << " input line" << (r.bad_input_lines == 1 ? " was" : "s were")
              << " skipped\n";
  if (options.progress && r.exit_code != 2)  // 2: the run could not start (its error said why)
    options.progress("done: " + std::to_string(r.invocations) + " invocations, " + std::to_string(r.dead_letters) +
                     " dead letters");
  return r.exit_code;
}

int program_main(int argc, char** argv, sfn_module_entry_fn entry) {
  const std::string name = argc > 0 ? std::filesystem::path(argv[0]).filename().string() : "program";
  auto loaded = load_module_linked(entry);
  if (!loaded) {
    std::cerr << name << ": error: " << loaded.error().message << "\n";
    return 2;
  }
  const ModulePtr module = std::move(loaded.value());
  const char* hash = module->desc().version_hash ? module->desc().version_hash : "";
  CLI::App app("The SFN program `" + module->package() +
                   "` (built with `sfn build`), in embedded mode: one process, "
                   "W worker threads. Options as for `sfn run`.",
               name);
  app.set_version_flag("--version", name + ": SFN program " + module->package() + ", source version " + hash);
  RunCommandLine args;
  add_run_options(app, args);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here with status 0; usage errors with 2 (as `sfn` itself).
    int status = app.exit(e);
    return status == 0 ? 0 : 2;
  }
  return run_parsed(module, args, name);
}

}  // namespace sfn::runtime
