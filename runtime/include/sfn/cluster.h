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

// CurveZMQ keys of one process (decision 122): its secret key file (`sfn keygen OUT` writes
// OUT.key) and the directory of the public keys allowed to connect to it (*.pub: the other
// processes of the cluster and the clients), both or neither. Without keys every socket is plain
// ZeroMQ and binding a non-loopback address is refused unless `insecure`.
struct Security {
  std::string curve_key;
  std::string curve_peers;
  bool insecure = false;
};

struct CoordinatorOptions {
  std::string listen;  // the control endpoint workers connect to, e.g. tcp://127.0.0.1:7200
  std::chrono::milliseconds heartbeat_timeout{3000};
  std::vector<std::pair<std::string, std::string>> sources;  // (absolute path, text) of every file
  std::string main;                                          // the main file, one of `sources`
  std::string state_dir;                                     // the coordinator's state directory
  Security security;                                         // its control endpoint's and channels' keys
  std::function<void(const std::string&)> progress;          // what it waits for, on stderr
};

class ClusterHost;

// Binds the control endpoint and serves it on a thread until the host is released (an error when
// the keys cannot be loaded or the endpoint cannot be bound). The result goes to
// RunOptions::worker_set as cluster_worker_sets(host).
[[nodiscard]] Result<std::shared_ptr<ClusterHost>> start_host(CoordinatorOptions options);
std::function<std::unique_ptr<WorkerSet>()> cluster_worker_sets(std::shared_ptr<ClusterHost> host);
// Hot reload: the source files of another version of the program (`sources` and `main` as in
// CoordinatorOptions) that compiled to `module`, sent to the workers of every generation that
// runs it (the run switches between two epochs: one generation ends, the next runs the new
// version on every worker, each compiling the files and checking the version hash).
void add_version(ClusterHost& host, std::vector<std::pair<std::string, std::string>> sources, std::string main,
                 const ModulePtr& module);

struct WorkerOptions {
  std::string coordinator;  // the coordinator's control endpoint
  std::string listen;       // this worker's channel endpoint (tcp://host:port)
  std::string state_dir;    // its database and local snapshot parts
  std::chrono::milliseconds heartbeat_timeout{3000};
  Security security;         // its channel endpoint's keys and allowed peers
  std::string server_key;    // with keys: the coordinator's public key file (its OUT.pub)
  uint64_t cache_bytes = 0;  // the bound of its instance cache; 0: default_cache_bytes()
  // Compiles the program whose main file is `main` (written below a temporary directory).
  std::function<Result<ModulePtr>(const std::string& main)> compile;
  std::function<void(const std::string&)> progress;
};

// Serves one coordinator after another until SIGINT/SIGTERM; returns the exit status (2: bad
// options, e.g. unreadable keys or a non-loopback --listen without keys or `insecure`).
int run_worker(const WorkerOptions& options);

}  // namespace sfn::runtime::cluster
