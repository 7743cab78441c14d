// The coordinator process's side of cluster mode (cluster.h): the control endpoint, the
// registry of worker processes, and the WorkerSet of one generation (RemoteWorkers). A
// generation begins when enough workers are connected: each is assigned an index, the program's
// sources and its part of the recovered snapshot; it ends when the run ends (Stop) or when a
// worker fails or misses its heartbeats (Abort: every worker drops its state and the next
// generation recovers from the last committed snapshot). Messages of another generation are
// dropped, so a cut-off worker can neither commit nor deliver anything after the cluster moved on.
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "cluster.pb.h"
#include "runtime/cluster/files.h"
#include "runtime/embedded/worker_set.h"
#include "runtime/io/control_socket.h"
#include "runtime/io/durable_file.h"
#include "sfn/cluster.h"

namespace sfn::runtime::cluster {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
namespace pc = proto::cluster;

// A version of the program as the workers get it: its source files and main file.
struct Program {
  std::vector<std::pair<std::string, std::string>> sources;
  std::string main;
};

class ClusterHost {
 public:
  ClusterHost(CoordinatorOptions options, transport::SecurityOptions security,
              std::unique_ptr<io::ControlSocket> socket, uint32_t generation)
      : options_(std::move(options)),
        security_(std::move(security)),
        socket_(std::move(socket)),
        generation_(generation) {
    thread_ = std::thread([this] { loop(); });
  }
  ~ClusterHost() {
    done_.store(true);
    thread_.join();
  }

  // The security of the coordinator's channels to the workers (its run's Hub).
  transport::Status secure(worker::Hub& hub) const { return hub.transport.secure(security_); }
  Status begin(worker::Hub& hub, const Recovered& rec, const fs::path& state_dir);
  Status try_begin(worker::Hub& hub, const Recovered& rec, const fs::path& state_dir);
  void end(bool failed);
  Status state_of(std::string_view address, std::string* json);
  std::vector<io::WorkerStatus> status() const;
  std::vector<std::string> fatal_errors() const;
  uint64_t invocations() const;
  void add_version(Program program, std::string version_hash) {
    std::lock_guard<std::mutex> lock(mu_);
    versions_[std::move(version_hash)] = std::move(program);
  }

 private:
  struct Peer {
    std::string listen;
    std::string public_key;  // its channel receiver's CurveZMQ key (with keys)
    Clock::time_point seen;
    int index = -1;  // in the current generation
    uint64_t queue_depth = 0, invocations = 0;
    uint64_t last_shipped = 0, shipped = 0;  // snapshot bytes: its last part, all its parts
    io::CacheStatus cache;                   // from its last heartbeat
  };
  void loop();
  void on_message(const std::string& peer, const pc::ToCoordinator& m);
  void on_hello(const std::string& peer, const pc::Hello& hello, const std::string& proven_key);
  void on_snapshot_file(unsigned w, uint64_t epoch, const pc::FileChunk& c);
  void on_snapshot_done(unsigned w, const pc::SnapshotDone& d);
  void fail(const std::string& why);  // under mu_
  void check_heartbeats();
  void ping();
  void send(const std::string& peer, pc::ToWorker& m);
  std::vector<std::string> wait_for_workers(unsigned n);
  Status assign(unsigned w, const std::string& peer, worker::Hub& hub, const Recovered& rec);
  Status wait_all(std::unique_lock<std::mutex>& lock, const std::set<unsigned>& set, unsigned n,
                  Clock::time_point deadline, const char* what);
  uint64_t committed_epoch() const;
  const snapshot::FileSum* stored_copy(const std::string& rel);

  CoordinatorOptions options_;
  std::map<std::string, Program> versions_;  // sources of the versions reloaded, by version hash
  const transport::SecurityOptions security_;
  std::unique_ptr<io::ControlSocket> socket_;
  std::thread thread_;
  std::atomic<bool> done_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint32_t generation_;
  std::map<std::string, Peer> peers_;  // by control identity
  worker::Hub* hub_ = nullptr;         // of the generation running; null between them
  snapshot::SnapshotStore* store_ = nullptr;
  std::unique_ptr<snapshot::SnapshotStore> own_store_;
  std::vector<std::string> assigned_;  // peer id by worker index
  std::set<unsigned> prepared_, ready_;
  std::map<std::pair<uint64_t, unsigned>, std::unique_ptr<FileReceiver>> receiving_;  // (epoch, worker)
  std::map<std::pair<uint64_t, unsigned>, std::string> shipping_error_;
  std::map<uint64_t, std::pair<bool, std::string>> replies_;
  uint64_t listed_epoch_ = UINT64_MAX;  // stored_copy()'s MANIFEST
  std::map<std::string, snapshot::FileSum> listed_;
  uint64_t next_query_ = 1;
  std::vector<std::string> fatal_;
  uint64_t finished_invocations_ = 0;
};

namespace {

// Where the generations of a state directory are counted, so that a restarted coordinator never
// reuses one (fencing compares generations).
uint32_t next_generation(const fs::path& state_dir) {
  const fs::path file = state_dir / "cluster_generation";
  auto text = io::read_small_file(file, 64);
  uint32_t g = text.ok() ? static_cast<uint32_t>(std::strtoul(text->c_str(), nullptr, 10)) : 0;
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  (void)io::write_file_durably(file, std::to_string(g + 1000) + "\n");  // 1000 generations per start
  return g + 1;
}

}  // namespace

void ClusterHost::send(const std::string& peer, pc::ToWorker& m) {
  std::string body;
  m.SerializeToString(&body);
  socket_->send(peer, std::move(body));
}

void ClusterHost::loop() {
  auto last_ping = Clock::now();
  while (!done_.load()) {
    if (auto msg = socket_->poll(std::chrono::milliseconds(10))) {
      pc::ToCoordinator m;
      if (!m.ParseFromString(msg->body)) continue;
      if (m.has_hello())
        on_hello(msg->peer, m.hello(), msg->public_key);
      else
        on_message(msg->peer, m);
    }
    if (Clock::now() - last_ping >= std::chrono::milliseconds(200)) {
      last_ping = Clock::now();
      ping();
      check_heartbeats();
    }
  }
  (void)socket_->poll(std::chrono::milliseconds(0));  // the last Stop/Abort out
}

uint64_t ClusterHost::committed_epoch() const {
  if (!store_) return 0;
  for (uint64_t e : store_->epochs())
    if (fs::exists(store_->dir_of(e) / "MANIFEST")) return e;
  return 0;
}

void ClusterHost::ping() {
  std::lock_guard<std::mutex> lock(mu_);
  pc::ToWorker m;
  m.set_generation(generation_);
  m.mutable_ping()->set_committed_epoch(committed_epoch());
  for (const auto& [id, p] : peers_) send(id, m);
}

void ClusterHost::check_heartbeats() {
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = Clock::now();
  for (auto it = peers_.begin(); it != peers_.end();) {
    const Peer& p = it->second;
    // A worker being set up (compiling, restoring) is not timed here: begin() waits for it.
    const bool setting_up = p.index >= 0 && hub_ && !ready_.count(static_cast<unsigned>(p.index));
    if (now - p.seen <= options_.heartbeat_timeout || setting_up) {
      ++it;
      continue;
    }
    if (p.index >= 0 && hub_)
      fail("worker " + std::to_string(p.index) + " (" + p.listen + ") sent no heartbeat for " +
           std::to_string(options_.heartbeat_timeout.count()) + " ms");
    it = peers_.erase(it);
    cv_.notify_all();
  }
}

void ClusterHost::fail(const std::string& why) {
  if (!hub_ || hub_->failed.load()) return;
  std::cerr << "sfn coordinator: " << why << "; recovering from the last committed snapshot\n";
  fatal_.push_back(why);
  hub_->report_failure();
}

// A worker that is not assigned says hello. With keys, the key its channel receiver will prove
// must be the key it proved on this connection (a worker cannot pass for another).
void ClusterHost::on_hello(const std::string& peer, const pc::Hello& hello, const std::string& proven_key) {
  std::lock_guard<std::mutex> lock(mu_);
  if (security_.keys && hello.public_key() != proven_key) {
    std::cerr << "sfn coordinator: ignored a worker at " << hello.listen() << ": it announced the key "
              << hello.public_key() << " but proved " << proven_key << "\n";
    return;
  }
  auto [it, fresh] = peers_.try_emplace(peer);
  if (!fresh && it->second.index >= 0) return;  // assigned: a hello sent before its Assign
  // A restarted worker process connects anew (a new identity) on the endpoint it had.
  for (auto old = peers_.begin(); fresh && old != peers_.end(); ++old) {
    if (old == it || old->second.listen != hello.listen()) continue;
    if (old->second.index >= 0)
      fail("worker " + std::to_string(old->second.index) + " (" + old->second.listen + ") restarted");
    peers_.erase(old);
    break;
  }
  it->second.listen = hello.listen();
  it->second.public_key = proven_key;
  it->second.seen = Clock::now();
  it->second.index = -1;
  cv_.notify_all();
}

void ClusterHost::on_message(const std::string& peer, const pc::ToCoordinator& m) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = peers_.find(peer);
  if (it == peers_.end()) return;
  it->second.seen = Clock::now();
  if (m.generation() != generation_ || it->second.index < 0 || !hub_) return;  // fenced
  const unsigned w = static_cast<unsigned>(it->second.index);
  if (m.has_prepared()) {
    prepared_.insert(w);
    cv_.notify_all();
  } else if (m.has_ready()) {
    ready_.insert(w);
    cv_.notify_all();
  } else if (m.has_heartbeat()) {
    it->second.queue_depth = m.heartbeat().queue_depth();
    it->second.invocations = m.heartbeat().invocations();
    const pc::CacheCounts& c = m.heartbeat().cache();
    it->second.cache = {c.bytes(), c.instances(), c.limit_bytes(), c.hits(), c.misses(), c.evictions()};
  } else if (m.has_progress()) {
    const auto& p = m.progress();
    std::lock_guard<std::mutex> hub_lock(hub_->mu);
    hub_->progress[w] = worker::Progress{p.idle(), p.created(), p.consumed(), p.next_timer()};
    hub_->cv.notify_all();
  } else if (m.has_snapshot_file()) {
    on_snapshot_file(w, m.epoch(), m.snapshot_file());
  } else if (m.has_snapshot()) {
    it->second.last_shipped = m.snapshot().bytes_shipped();
    it->second.shipped += m.snapshot().bytes_shipped();
    on_snapshot_done(w, m.snapshot());
  } else if (m.has_failure()) {
    fail("worker " + std::to_string(w) + ": " + m.failure().message());
  } else if (m.has_state()) {
    replies_[m.state().id()] = {m.state().ok(), m.state().text()};
    cv_.notify_all();
  }
}

// A file of worker `w`'s part of epoch `epoch`: written into the epoch's directory, or, for a
// file the store holds already, linked there from the store (SnapshotStore::commit then lists
// the stored copy again).
void ClusterHost::on_snapshot_file(unsigned w, uint64_t epoch, const pc::FileChunk& c) {
  const auto key = std::make_pair(epoch, w);
  if (shipping_error_.count(key)) return;
  auto error = [&](const std::string& why) { shipping_error_[key] = "worker " + std::to_string(w) + ": " + why; };
  if (c.ref()) {
    const snapshot::FileSum* sum = stored_copy(c.path());
    std::error_code ec;
    if (sum) fs::create_directories((store_->dir_of(epoch) / c.path()).parent_path(), ec);
    if (sum) fs::create_hard_link(store_->root() / sum->stored, store_->dir_of(epoch) / c.path(), ec);
    if (!sum || ec) error("file " + c.path() + " is not in the store to be listed again");
    return;
  }
  auto& r = receiving_[key];
  if (!r) r = std::make_unique<FileReceiver>(store_->dir_of(epoch));
  if (auto s = r->add(c); !s) error(s.error().message);
}

// The shared file the newest committed snapshot lists for `rel`; its MANIFEST is read once per
// committed epoch, not once per file named again.
const snapshot::FileSum* ClusterHost::stored_copy(const std::string& rel) {
  const uint64_t e = committed_epoch();
  if (e != listed_epoch_) {
    listed_.clear();
    if (auto m = snapshot::read_manifest(store_->dir_of(e), false); m.ok())
      for (auto& f : m->files)
        if (!f.stored.empty()) listed_[f.path] = std::move(f);
    listed_epoch_ = e;
  }
  auto it = listed_.find(rel);
  return it == listed_.end() ? nullptr : &it->second;
}

void ClusterHost::on_snapshot_done(unsigned w, const pc::SnapshotDone& d) {
  const auto key = std::make_pair(d.epoch(), w);
  worker::Hub::SnapshotAck ack;
  ack.epoch = d.epoch();
  ack.worker = w;
  ack.error = d.error();
  if (auto e = shipping_error_.find(key); e != shipping_error_.end() && ack.error.empty()) ack.error = e->second;
  ack.sync_us = d.sync_us();
  for (const auto& e : d.egress()) {
    EgressRecord r;
    r.egress = e.egress();
    r.json = e.json();
    r.payload = e.payload();
    r.source = e.source();
    r.epoch = d.epoch();
    ack.egress.push_back(std::move(r));
  }
  receiving_.erase(key);
  shipping_error_.erase(key);
  hub_->ack_snapshot(std::move(ack));
}

// Waits until `n` workers are connected and unassigned; their control ids (empty: stopped).
std::vector<std::string> ClusterHost::wait_for_workers(unsigned n) {
  std::unique_lock<std::mutex> lock(mu_);
  size_t said = SIZE_MAX;
  for (;;) {
    std::vector<std::string> free;
    for (const auto& [id, p] : peers_) free.push_back(id);
    if (free.size() >= n) {
      free.resize(n);
      return free;
    }
    if (stop_requested()) return {};
    if (free.size() != said && options_.progress)
      options_.progress("waiting for " + std::to_string(n) + " workers at " + socket_->endpoint() + " (" +
                        std::to_string(free.size()) + " connected)");
    said = free.size();
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

// Sends worker `w` its assignment, then its part of the recovered snapshot.
Status ClusterHost::assign(unsigned w, const std::string& peer, worker::Hub& hub, const Recovered& rec) {
  pc::ToWorker m;
  m.set_generation(generation_);
  pc::Assign* a = m.mutable_assign();
  a->set_index(w);
  a->set_workers(hub.workers);
  a->set_key_groups(hub.key_groups);
  for (const auto& e : hub.endpoints) a->add_endpoints(e);
  for (const auto& k : hub.endpoint_keys) a->add_endpoint_keys(k);
  const std::string hash = hub.module->desc().version_hash ? hub.module->desc().version_hash : "";
  auto version = versions_.find(hash);
  const Program& program = version != versions_.end() ? version->second : Program{options_.sources, options_.main};
  for (const auto& [path, text] : program.sources) {
    pc::SourceFile* f = a->add_sources();
    f->set_path(path);
    f->set_text(text);
  }
  a->set_main(program.main);
  a->set_version_hash(hash);
  a->set_restore_epoch(rec.epoch);
  for (const auto& r : rec.messages[w]) a->add_in_flight(r);
  a->set_max_fuel(hub.budget.fuel);
  a->set_max_depth(hub.budget.max_depth);
  a->set_max_invocation_memory(hub.budget.max_memory);
  a->set_max_invocation_effects(hub.budget.max_effects);
  send(peer, m);
  auto files = restore_files(rec, *store_, w);  // its part of the snapshot, or the database rescaling built
  if (!files.ok())
    return Error(files.error().code, "restoring worker " + std::to_string(w) + ": " + files.error().message);
  // Files of the snapshot are in the store under this worker's names (decision 112); a database
  // rescaling built is not: its SSTs are shipped with the worker's next snapshot.
  const bool stored = rec.databases.empty();
  for (const auto& [from, name] : files.value()) {
    auto sent = send_file(from, name, [&](pc::FileChunk&& c) {
      pc::ToWorker chunk;
      chunk.set_generation(generation_);
      c.set_stored(stored);
      *chunk.mutable_restore_file() = std::move(c);
      send(peer, chunk);
    });
    if (!sent.ok())
      return Error(sent.error().code, "restoring worker " + std::to_string(w) + ": " + sent.error().message);
  }
  return ok_status();
}

// Waits until every worker answered `set` (Prepared or Ready), the generation failed, or its
// setup deadline passed; an error saying why not.
Status ClusterHost::wait_all(std::unique_lock<std::mutex>& lock, const std::set<unsigned>& set, unsigned n,
                             Clock::time_point deadline, const char* what) {
  while (set.size() < n && !hub_->failed.load() && Clock::now() < deadline)
    cv_.wait_for(lock, std::chrono::milliseconds(50));
  if (set.size() == n && !hub_->failed.load()) return ok_status();
  if (fatal_.empty()) return Error(ErrorCode::timeout, std::string("the workers were not ") + what + " in time");
  return Error(ErrorCode::failed, fatal_.back());
}

Status ClusterHost::begin(worker::Hub& hub, const Recovered& rec, const fs::path& state_dir) {
  for (;;) {  // a worker lost while the generation is set up: the next one, with another worker
    Status s = try_begin(hub, rec, state_dir);
    if (s || stop_requested()) return s;
    if (options_.progress)
      options_.progress("generation " + std::to_string(generation_) + " did not start: " + s.error().message);
    end(true);
    hub.failed.store(false);
  }
}

Status ClusterHost::try_begin(worker::Hub& hub, const Recovered& rec, const fs::path& state_dir) {
  std::vector<std::string> ids = wait_for_workers(hub.workers);
  if (ids.empty()) return Error(ErrorCode::closed, "stopped while waiting for workers");
  std::unique_lock<std::mutex> lock(mu_);
  ++generation_;
  own_store_ = std::make_unique<snapshot::SnapshotStore>(state_dir);
  store_ = own_store_.get();
  hub.generation = generation_;
  hub.endpoints.clear();
  hub.endpoint_keys.clear();
  for (unsigned w = 0; w < hub.workers; ++w) {
    if (!peers_.count(ids[w]))
      return Error(ErrorCode::closed, "worker " + std::to_string(w) + " went away before it was assigned");
    peers_[ids[w]].index = static_cast<int>(w);
    hub.endpoints.push_back(peers_[ids[w]].listen);
    if (security_.keys) hub.endpoint_keys.push_back(peers_[ids[w]].public_key);
  }
  assigned_ = ids;
  ready_.clear();
  fatal_.clear();
  hub_ = &hub;
  prepared_.clear();
  for (unsigned w = 0; w < hub.workers; ++w)
    if (Status s = assign(w, ids[w], hub, rec); !s) return s;
  // Start only once every worker dropped the generation before: no record of the new one may
  // reach a channel endpoint an old one still holds.
  const auto deadline = Clock::now() + options_.heartbeat_timeout * 10;
  if (Status s = wait_all(lock, prepared_, hub.workers, deadline, "prepared"); !s) return s;
  pc::ToWorker start;
  start.set_generation(generation_);
  start.mutable_start();
  for (const auto& id : ids) send(id, start);
  if (Status s = wait_all(lock, ready_, hub.workers, deadline, "ready"); !s) return s;
  if (options_.progress)
    options_.progress("generation " + std::to_string(generation_) + ": " + std::to_string(hub.workers) +
                      " workers running from epoch " + std::to_string(rec.epoch));
  return ok_status();
}

void ClusterHost::end(bool failed) {
  std::lock_guard<std::mutex> lock(mu_);
  pc::ToWorker m;
  m.set_generation(generation_);
  if (failed)
    m.mutable_abort()->set_why("a worker failed");
  else
    m.mutable_stop();
  for (const auto& id : assigned_) {
    send(id, m);
    if (auto it = peers_.find(id); it != peers_.end()) {
      finished_invocations_ += it->second.invocations;
      it->second.index = -1;
    }
  }
  assigned_.clear();
  receiving_.clear();
  shipping_error_.clear();
  hub_ = nullptr;
}

Status ClusterHost::state_of(std::string_view address, std::string* json) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!hub_) return Error(ErrorCode::failed, "the cluster is between generations");
  const unsigned owner = hub_->owner(core::key_group_of(address, hub_->key_groups));
  const uint64_t id = next_query_++;
  pc::ToWorker m;
  m.set_generation(generation_);
  m.mutable_state()->set_id(id);
  m.mutable_state()->set_address(std::string(address));
  send(assigned_[owner], m);
  if (!cv_.wait_for(lock, std::chrono::seconds(5), [&] { return replies_.count(id) > 0; }))
    return Error(ErrorCode::failed, "worker " + std::to_string(owner) + " did not answer in time");
  auto [ok, text] = replies_[id];
  replies_.erase(id);
  if (!ok) return Error(ErrorCode::failed, text);
  *json = text;
  return ok_status();
}

std::vector<io::WorkerStatus> ClusterHost::status() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<io::WorkerStatus> out;
  for (unsigned w = 0; w < assigned_.size(); ++w) {
    auto it = peers_.find(assigned_[w]);
    if (it == peers_.end()) continue;
    uint32_t groups = 0;
    for (uint32_t g = 0; hub_ && g < hub_->key_groups; ++g) groups += hub_->owner(g) == w;
    const Peer& p = it->second;
    const auto age = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - p.seen).count();
    out.push_back(
        io::WorkerStatus{w, groups, p.queue_depth, p.invocations, p.listen, age, p.last_shipped, p.shipped, p.cache});
  }
  return out;
}

std::vector<std::string> ClusterHost::fatal_errors() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fatal_;
}

uint64_t ClusterHost::invocations() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t n = finished_invocations_;
  for (const auto& id : assigned_)
    if (auto it = peers_.find(id); it != peers_.end()) n += it->second.invocations;
  return n;
}

namespace {

// The WorkerSet of one generation (worker_set.h).
class RemoteWorkers final : public WorkerSet {
 public:
  explicit RemoteWorkers(std::shared_ptr<ClusterHost> host) : host_(std::move(host)) {}
  bool restores_locally() const override { return false; }
  Status open(worker::Hub& hub, const Recovered& rec, const fs::path& dir) override {
    hub_ = &hub;
    if (auto s = host_->secure(hub); !s) return s;
    return host_->begin(hub, rec, dir);
  }
  void start() override {}
  void join() override { host_->end(hub_ && hub_->failed.load()); }
  Status state_of(std::string_view address, std::string* json) override { return host_->state_of(address, json); }
  std::vector<io::WorkerStatus> status() const override { return host_->status(); }
  // A failed worker process is recovered from, not reported as the run's error.
  std::vector<std::string> fatal_errors() const override { return {}; }
  uint64_t invocations() const override { return host_->invocations(); }

 private:
  std::shared_ptr<ClusterHost> host_;
  worker::Hub* hub_ = nullptr;
};

}  // namespace

Result<std::shared_ptr<ClusterHost>> start_host(CoordinatorOptions options) {
  const Security& sec = options.security;
  auto security = transport::load_server_security(sec.curve_key, sec.curve_peers, sec.insecure);
  if (!security.ok()) return security.error();
  auto socket = io::ControlSocket::bind(options.listen, security.value());
  if (!socket.ok()) return socket.error();
  const uint32_t generation = next_generation(options.state_dir);
  return std::make_shared<ClusterHost>(std::move(options), std::move(security.value()), std::move(socket.value()),
                                       generation);
}

std::function<std::unique_ptr<WorkerSet>()> cluster_worker_sets(std::shared_ptr<ClusterHost> host) {
  return [host] { return std::make_unique<RemoteWorkers>(host); };
}

void add_version(ClusterHost& host, std::vector<std::pair<std::string, std::string>> sources, std::string main,
                 const ModulePtr& module) {
  const char* hash = module->desc().version_hash;
  host.add_version(Program{std::move(sources), std::move(main)}, hash ? hash : "");
}

}  // namespace sfn::runtime::cluster
