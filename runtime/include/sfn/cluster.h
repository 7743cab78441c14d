// Cluster mode (RUNTIME.md §5, docs/decisions/113-cluster-mode.md): one program across
// processes. `sfn coordinator` runs the embedded runtime's coordinator, logs, snapshots and
// client endpoints with a WorkerSet of worker processes (host.cpp); each `sfn worker` connects
// to it, receives the program's sources and its part of the state, compiles the program
// itself and exchanges records with the other workers directly (worker_process.cpp).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sfn/runtime.h"

namespace sfn::runtime::cluster {

struct CoordinatorOptions {
  std::string listen;  // the control endpoint workers connect to, e.g. tcp://127.0.0.1:7200
  std::chrono::milliseconds heartbeat_timeout{3000};
  std::vector<std::pair<std::string, std::string>> sources;  // (absolute path, text) of every file
  std::string main;                                          // the main file, one of `sources`
  std::string state_dir;                                     // the coordinator's state directory
  std::function<void(const std::string&)> progress;          // what it waits for, on stderr
};

class ClusterHost;

// Binds the control endpoint and serves it on a thread until the host is released (null and
// `error` set when the endpoint cannot be bound). The result goes to RunOptions::worker_set as
// cluster_worker_sets(host).
std::shared_ptr<ClusterHost> start_host(CoordinatorOptions options, std::string* error);
std::function<std::unique_ptr<WorkerSet>()> cluster_worker_sets(std::shared_ptr<ClusterHost> host);

struct WorkerOptions {
  std::string coordinator;  // the coordinator's control endpoint
  std::string listen;       // this worker's channel endpoint (tcp://host:port)
  std::string state_dir;    // its database and local snapshot parts
  std::chrono::milliseconds heartbeat_timeout{3000};
  // Compiles the program whose main file is `main` (written below a temporary directory).
  std::function<ModulePtr(const std::string& main, std::string* error)> compile;
  std::function<void(const std::string&)> progress;
};

// Serves one coordinator after another until SIGINT/SIGTERM; returns the exit status.
int run_worker(const WorkerOptions& options);

}  // namespace sfn::runtime::cluster
