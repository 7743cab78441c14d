// `sfn worker` (cluster.h): one worker of a cluster in its own process. It says hello to the
// coordinator until it is assigned an index in a generation, compiles the program's sources it
// received, restores its database from the checkpoint files that follow, runs the embedded
// runtime's Worker on its channel endpoint, and forwards to the coordinator what the Worker
// reports: progress, its part of each snapshot (files shipped: an SST the coordinator stored for
// a committed snapshot is named again, not sent again), failures, heartbeats. On Stop or Abort,
// or when the coordinator goes silent, it drops the generation and says hello again.
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "cluster.pb.h"
#include "runtime/cluster/files.h"
#include "runtime/io/control_socket.h"
#include "runtime/io/durable_file.h"
#include "runtime/snapshot/store.h"
#include "runtime/worker/worker.h"
#include "sfn/cluster.h"

namespace sfn::runtime::cluster {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
namespace pc = proto::cluster;

namespace {

std::atomic<bool> g_worker_stop{false};
extern "C" void on_worker_signal(int) { g_worker_stop.store(true); }

// One generation in this process.
class Session {
 public:
  Session(const WorkerOptions& options, const transport::SecurityOptions& security, io::ControlSocket& socket,
          uint32_t generation, const pc::Assign& a)
      : options_(options),
        security_(security),
        socket_(socket),
        generation_(generation),
        assign_(a),
        store_(options.state_dir),
        committed_(a.restore_epoch()) {}
  ~Session() { stop(); }

  uint32_t generation() const { return generation_; }
  // Compiles the program and prepares the database directory; an error saying why not.
  Status prepare();
  transport::Status restore_file(const pc::FileChunk& c) {
    // An SST the store holds under this worker's name is named, not shipped, by the next snapshot.
    if (c.last() && c.stored() && fs::path(c.path()).extension() == ".sst")
      shipped_[self() + "/" + c.path()] = assign_.restore_epoch();
    return receiver_->add(c);
  }
  // Opens the Worker on the restored database and starts its thread; an error saying why not.
  Status start();
  void stop();
  void heartbeat();
  void answer_state(uint64_t id, const std::string& address);
  void set_committed(uint64_t epoch) { committed_.store(epoch); }
  void prepared() {
    pc::ToCoordinator m;
    m.mutable_prepared();
    send(m);
  }

 private:
  void send(pc::ToCoordinator& m) {
    m.set_generation(generation_);
    m.set_worker(assign_.index());
    std::string body;
    m.SerializeToString(&body);
    socket_.send("", std::move(body));
  }
  void link();
  std::string self() const { return "worker-" + std::to_string(assign_.index()); }
  void ship(worker::Hub::SnapshotAck&& ack);
  uint64_t ship_files(uint64_t epoch);
  Result<std::string> write_sources();  // the main file's path

  const WorkerOptions& options_;
  const transport::SecurityOptions& security_;
  io::ControlSocket& socket_;
  const uint32_t generation_;
  const pc::Assign assign_;
  snapshot::SnapshotStore store_;  // this worker's parts of snapshots, before they are shipped
  std::unique_ptr<worker::Hub> hub_;
  std::unique_ptr<worker::Worker> worker_;
  std::unique_ptr<FileReceiver> receiver_;
  std::thread thread_;
  std::map<std::string, uint64_t> shipped_;  // SST path -> epoch it was shipped with
  std::atomic<uint64_t> committed_{0};
};

fs::path db_dir(const WorkerOptions& o) { return fs::path(o.state_dir) / "db"; }

Result<std::string> Session::write_sources() {
  const fs::path root = fs::path(options_.state_dir) / "program";
  std::error_code ec;
  fs::remove_all(root, ec);
  for (const auto& f : assign_.sources()) {
    const fs::path to = root / fs::path(f.path()).relative_path();
    fs::create_directories(to.parent_path(), ec);
    if (auto s = io::write_file_durably(to, f.text()); !s) return s.error();
  }
  return (root / fs::path(assign_.main()).relative_path()).string();
}

Status Session::prepare() {
  auto main = write_sources();
  if (!main) return main.error();
  auto compiled = options_.compile(main.value());
  if (!compiled) return Error(compiled.error().code, "the program does not compile here: " + compiled.error().message);
  const ModulePtr module = std::move(compiled.value());
  const char* hash = module->desc().version_hash;
  if (assign_.version_hash() != (hash ? hash : ""))
    return Error(ErrorCode::incompatible, "the program compiled to version " + std::string(hash ? hash : "?") +
                                              ", the coordinator runs " + assign_.version_hash());
  hub_ = std::make_unique<worker::Hub>(module, assign_.workers(), assign_.key_groups(), ClockMode::real,
                                       "w" + std::to_string(assign_.index()));
  hub_->generation = generation_;
  hub_->endpoints.assign(assign_.endpoints().begin(), assign_.endpoints().end());
  hub_->endpoint_keys.assign(assign_.endpoint_keys().begin(), assign_.endpoint_keys().end());
  if (auto s = hub_->transport.secure(security_); !s) return s;
  hub_->budget.fuel = assign_.max_fuel();
  hub_->budget.max_depth = assign_.max_depth();
  if (assign_.max_invocation_memory()) hub_->budget.max_memory = assign_.max_invocation_memory();
  if (assign_.max_invocation_effects()) hub_->budget.max_effects = assign_.max_invocation_effects();
  // A process counts only its own workers' messages (those it sends to other processes are
  // processed there), so it cannot see the run's total: the bound is not applied in a cluster.
  hub_->max_in_flight = 0;
  hub_->cache_bytes = options_.cache_bytes ? options_.cache_bytes : default_cache_bytes();
  hub_->snapshots = &store_;
  link();
  if (auto s = io::empty_directory(db_dir(options_)); !s) return s;
  std::error_code ec;
  fs::remove_all(store_.root(), ec);  // parts of an earlier generation's snapshots, never shipped
  receiver_ = std::make_unique<FileReceiver>(db_dir(options_));
  return ok_status();
}

void Session::link() {
  hub_->link.progress = [this](unsigned, const worker::Progress& p) {
    pc::ToCoordinator m;
    auto* pr = m.mutable_progress();
    pr->set_idle(p.idle);
    pr->set_created(p.created);
    pr->set_consumed(p.consumed);
    pr->set_next_timer(p.next_timer);
    send(m);
  };
  hub_->link.ack = [this](worker::Hub::SnapshotAck&& ack) { ship(std::move(ack)); };
  hub_->link.failure = [this] {
    pc::ToCoordinator m;
    m.mutable_failure()->set_message(worker_ ? worker_->fatal_error() : "the worker failed");
    send(m);
  };
}

// Sends the files of this worker's part of `epoch`; returns the bytes sent.
uint64_t Session::ship_files(uint64_t epoch) {
  const std::string self = this->self();
  auto emit = [&](pc::FileChunk&& c) {
    pc::ToCoordinator m;
    m.set_epoch(epoch);
    *m.mutable_snapshot_file() = std::move(c);
    send(m);
  };
  uint64_t bytes = 0;
  std::error_code ec;
  for (fs::directory_iterator it(store_.worker_db(epoch, assign_.index()), ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string rel = self + "/" + it->path().filename().string();
    const bool sst = it->path().extension() == ".sst";
    if (sst && shipped_.count(rel) && shipped_[rel] <= committed_.load()) {
      pc::FileChunk c;
      c.set_path(rel);
      c.set_ref(true);
      emit(std::move(c));
      continue;
    }
    auto sent = send_file(it->path(), rel, emit);
    if (sent.ok()) bytes += sent.value();
    if (sent.ok() && sst && !shipped_.count(rel)) shipped_[rel] = epoch;
  }
  if (auto sent = send_file(store_.worker_file(epoch, assign_.index()), self + ".snap", emit); sent.ok())
    bytes += sent.value();
  return bytes;
}

// The Worker's part of a snapshot is written locally: ship it, then say it is done.
void Session::ship(worker::Hub::SnapshotAck&& ack) {
  pc::ToCoordinator m;
  auto* d = m.mutable_snapshot();
  d->set_epoch(ack.epoch);
  if (ack.error.empty()) d->set_bytes_shipped(ship_files(ack.epoch));
  d->set_error(ack.error);
  d->set_sync_us(ack.sync_us);
  for (const auto& r : ack.egress) {
    auto* e = d->add_egress();
    e->set_egress(r.egress);
    e->set_json(r.json);
    e->set_payload(r.payload);
    e->set_source(r.source);
  }
  send(m);
  std::error_code ec;
  fs::remove_all(store_.dir_of(ack.epoch), ec);
}

Status Session::start() {
  receiver_.reset();
  worker_ = std::make_unique<worker::Worker>(*hub_, assign_.index());
  Status s = worker_->open(db_dir(options_).string());
  // The endpoint of the generation before may take a moment to be released.
  for (int i = 0; !s && s.error().message.find("in use") != std::string::npos && i < 40; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    worker_ = std::make_unique<worker::Worker>(*hub_, assign_.index());
    s = worker_->open(db_dir(options_).string());
  }
  if (!s) return s;
  hub_->wakers.push_back(worker_->waker());
  if (Status c = worker_->connect(); !c) return c;
  worker_->restore(std::vector<std::string>(assign_.in_flight().begin(), assign_.in_flight().end()),
                   assign_.restore_epoch() + 1);
  thread_ = std::thread([this] { worker_->run(); });
  pc::ToCoordinator m;
  m.mutable_ready();
  send(m);
  return ok_status();
}

void Session::stop() {
  if (!hub_) return;
  {
    std::lock_guard<std::mutex> lock(hub_->mu);
    hub_->stop = true;
  }
  hub_->interrupt.store(true);
  for (auto& w : hub_->wakers) w.wake();
  if (thread_.joinable()) thread_.join();
  worker_.reset();
  hub_.reset();
}

void Session::heartbeat() {
  if (!worker_) return;
  pc::ToCoordinator m;
  auto* h = m.mutable_heartbeat();
  h->set_queue_depth(worker_->queue_depth());
  h->set_invocations(worker_->invocations());
  h->set_dead_letters(hub_->dead_letters.load());
  const state::CacheStats c = worker_->cache_stats();
  auto* cache = h->mutable_cache();
  cache->set_bytes(c.bytes);
  cache->set_instances(c.instances);
  cache->set_limit_bytes(worker_->cache_limit());
  cache->set_hits(c.hits);
  cache->set_misses(c.misses);
  cache->set_evictions(c.evictions);
  send(m);
}

void Session::answer_state(uint64_t id, const std::string& address) {
  if (!worker_) return;
  worker_->post([this, id, address](worker::Worker& w) {
    std::string json;
    Status s = w.state_json(address, &json);
    pc::ToCoordinator m;
    m.mutable_state()->set_id(id);
    m.mutable_state()->set_ok(s.ok());
    m.mutable_state()->set_text(s ? json : s.error().message);
    send(m);
  });
}

// The worker process: its control connection and the generation it serves.
class WorkerProcess {
 public:
  WorkerProcess(const WorkerOptions& options, transport::SecurityOptions security,
                std::unique_ptr<io::ControlSocket> socket)
      : options_(options), security_(std::move(security)), socket_(std::move(socket)) {}
  void run();

 private:
  void handle(const pc::ToWorker& m);
  void drop(const std::string& why);
  void refuse(uint32_t generation, const std::string& why);

  const WorkerOptions& options_;
  const transport::SecurityOptions security_;
  std::unique_ptr<io::ControlSocket> socket_;
  std::unique_ptr<Session> session_;
  Clock::time_point heard_ = Clock::now();
};

void WorkerProcess::drop(const std::string& why) {
  if (!session_) return;
  if (options_.progress) options_.progress("generation " + std::to_string(session_->generation()) + " ended: " + why);
  session_.reset();
}

void WorkerProcess::refuse(uint32_t generation, const std::string& why) {
  pc::ToCoordinator m;
  m.set_generation(generation);
  m.mutable_failure()->set_message(why);
  std::string body;
  m.SerializeToString(&body);
  socket_->send("", std::move(body));
  std::cerr << "sfn worker: " << why << "\n";
  session_.reset();
}

void WorkerProcess::handle(const pc::ToWorker& m) {
  heard_ = Clock::now();
  if (m.has_assign()) {
    drop("a new generation");
    session_ =
        std::make_unique<Session>(options_, security_, *socket_, static_cast<uint32_t>(m.generation()), m.assign());
    if (Status s = session_->prepare(); !s)
      refuse(static_cast<uint32_t>(m.generation()), s.error().message);
    else
      session_->prepared();
    return;
  }
  if (m.has_ping()) {
    if (session_) session_->set_committed(m.ping().committed_epoch());
    return;
  }
  if (!session_ || m.generation() != session_->generation()) return;  // fenced
  if (m.has_restore_file()) {
    if (auto s = session_->restore_file(m.restore_file()); !s) refuse(session_->generation(), s.error().message);
  } else if (m.has_start()) {
    if (Status s = session_->start(); !s)
      refuse(session_->generation(), s.error().message);
    else if (options_.progress)
      options_.progress("generation " + std::to_string(m.generation()) + ": running");
  } else if (m.has_stop()) {
    drop("the run stopped");
  } else if (m.has_abort()) {
    drop(m.abort().why());
  } else if (m.has_state()) {
    session_->answer_state(m.state().id(), m.state().address());
  }
}

void WorkerProcess::run() {
  auto last_hello = Clock::now() - std::chrono::seconds(1), last_beat = Clock::now();
  while (!g_worker_stop.load()) {
    const auto now = Clock::now();
    if (!session_ && now - last_hello >= std::chrono::milliseconds(300)) {
      pc::ToCoordinator hello;
      hello.mutable_hello()->set_listen(options_.listen);
      if (security_.keys) hello.mutable_hello()->set_public_key(security_.keys->public_key);
      std::string body;
      hello.SerializeToString(&body);
      socket_->send("", std::move(body));
      last_hello = now;
    }
    if (session_ && now - last_beat >= std::chrono::milliseconds(200)) {
      session_->heartbeat();
      last_beat = now;
    }
    if (session_ && now - heard_ > options_.heartbeat_timeout) drop("the coordinator went silent");
    if (auto msg = socket_->poll(std::chrono::milliseconds(20))) {
      pc::ToWorker m;
      if (m.ParseFromString(msg->body)) handle(m);
    }
  }
  drop("stopped");
  (void)socket_->poll(std::chrono::milliseconds(0));
}

// The worker's keys: its channel receiver's (a CURVE server accepting the peers) and its control
// connection's (a CURVE client of the coordinator's key); the --insecure rule for its endpoint.
transport::Result<std::pair<transport::SecurityOptions, std::optional<transport::CurveClientKeys>>> load_security(
    const WorkerOptions& o) {
  auto server = transport::load_server_security(o.security.curve_key, o.security.curve_peers, o.security.insecure);
  if (!server.ok()) return server.error();
  auto client = transport::load_client_keys(o.security.curve_key, o.server_key);
  if (!client.ok()) return client.error();
  if (auto s = transport::check_bind(o.listen, server.value(), "worker channel endpoint"); !s) return s.error();
  return std::make_pair(std::move(server.value()), std::move(client.value()));
}

}  // namespace

int run_worker(const WorkerOptions& options) {
  auto security = load_security(options);
  if (!security.ok()) {
    std::cerr << "error: " << security.error().message << "\n";
    return 2;
  }
  auto socket = io::ControlSocket::connect(options.coordinator, security->second);
  if (!socket.ok()) {
    std::cerr << "error: " << socket.error().message << "\n";
    return 2;
  }
  std::error_code ec;
  fs::create_directories(options.state_dir, ec);
  if (ec) {
    std::cerr << "error: cannot create " << options.state_dir << ": " << ec.message() << "\n";
    return 2;
  }
  g_worker_stop.store(false);
  auto old_int = std::signal(SIGINT, on_worker_signal);
  auto old_term = std::signal(SIGTERM, on_worker_signal);
  if (options.progress) options.progress("connecting to the coordinator at " + options.coordinator);
  WorkerProcess(options, std::move(security->first), std::move(socket.value())).run();
  std::signal(SIGINT, old_int);
  std::signal(SIGTERM, old_term);
  return 0;
}

}  // namespace sfn::runtime::cluster
