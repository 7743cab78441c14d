// The workers of one run: threads of this process (embedded mode, LocalWorkers) or worker
// processes of a cluster (runtime/cluster), behind one interface, so that EmbeddedRun drives
// both with the same coordinator, logs, snapshots and recovery.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/embedded/recovery.h"
#include "runtime/io/io_server.h"
#include "runtime/state/state_backend.h"
#include "runtime/worker/hub.h"
#include "runtime/worker/in_flight.h"

namespace sfn::runtime {

class WorkerSet {
 public:
  virtual ~WorkerSet() = default;
  // Whether recover() restores the workers' databases into the state directory (threads of
  // this process) or the set ships them to its workers itself (a cluster).
  virtual bool restores_locally() const = 0;
  // Opens the workers with their part of the recovered snapshot; an error saying why not.
  virtual Status open(worker::Hub& hub, const Recovered& rec, const std::filesystem::path& state_dir) = 0;
  // The workers run (after the coordinator connected its channels).
  virtual void start() = 0;
  // After the coordinator's run returned (hub.stop set): waits for the workers to stop.
  virtual void join() = 0;
  // `sfn state`: the instance's states as JSON.
  virtual Status state_of(std::string_view address, std::string* json) = 0;
  virtual std::vector<io::WorkerStatus> status() const = 0;
  // What made workers fail, one line each.
  virtual std::vector<std::string> fatal_errors() const = 0;
  // What the workers' handlers sent while the messages in flight were crowded (in_flight.h); none
  // for worker processes, which do not bound them (decision 110).
  virtual worker::SendCounts crowded_sends() const { return {}; }
  virtual uint64_t invocations() const = 0;
  // The workers' instance caches, summed from status() (each worker's line carries its cache).
  state::CacheStats cache() const {
    state::CacheStats sum;
    for (const io::WorkerStatus& w : status()) {
      sum.bytes += w.cache.bytes;
      sum.instances += w.cache.instances;
      sum.hits += w.cache.hits;
      sum.misses += w.cache.misses;
      sum.evictions += w.cache.evictions;
    }
    return sum;
  }
};

// Creates the worker set of a run whose options name no cluster: one thread per worker.
std::unique_ptr<WorkerSet> make_local_workers();

}  // namespace sfn::runtime
