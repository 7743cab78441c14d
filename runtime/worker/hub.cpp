// The shared hub of an embedded process (see hub.h): clock, quiescence reports, egress
// publishing and the channel record format.
#include "runtime/worker/hub.h"

#include <sys/resource.h>

#include <chrono>
#include <cstring>

#include "runtime/core/codec.h"
#include "runtime/core/text.h"
#include "runtime/core/value.h"

namespace sfn::runtime::worker {

namespace {
// Open files beside the channels: per worker its wake-up eventfd and its RocksDB (the table
// files state_backend.cpp keeps open, logs, manifest, lock), and for the whole process the I/O
// server's logs and endpoints, the snapshot store, standard streams and libraries.
constexpr unsigned kFilesPerWorker = 1 + 80;
constexpr unsigned kFilesPerProcess = 256;
constexpr unsigned kSpareSockets = 64;  // the I/O server's and clients' own contexts are separate
}  // namespace

unsigned channel_sockets(unsigned workers) { return workers * workers + workers + kSpareSockets; }

Status reserve_open_files(unsigned workers) {
  const uint64_t sockets = channel_sockets(workers);
  if (sockets > static_cast<uint64_t>(transport::TransportContext::socket_limit()))
    return Error(ErrorCode::failed, std::to_string(workers) + " workers need " + std::to_string(sockets) +
                                        " ZeroMQ sockets, more than this system allows (" +
                                        std::to_string(transport::TransportContext::socket_limit()) +
                                        "): use fewer workers");
  const uint64_t needed = sockets + uint64_t{workers} * kFilesPerWorker + kFilesPerProcess;
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return ok_status();  // nothing to learn or raise
  if (limit.rlim_cur < needed && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < needed)
    return Error(ErrorCode::failed, std::to_string(workers) + " workers need about " + std::to_string(needed) +
                                        " open files, but the limit is " + std::to_string(limit.rlim_cur) +
                                        " (ulimit -n): use fewer workers or raise the limit");
  return ok_status();
}

Hub::Hub(ModulePtr m, unsigned w, uint32_t g, ClockMode c, std::string t)
    : module(std::move(m)),
      workers(w),
      key_groups(g),
      clock(c),
      tag(std::move(t)),
      transport(static_cast<int>(channel_sockets(w))),
      progress(w + 1),
      in_flight(w) {}

int64_t Hub::messages_in_flight() const {
  int64_t total = 0;
  for (const InFlight& w : in_flight) total += w.net.load(std::memory_order_relaxed);
  return total;
}

void Hub::report_overload() {
  overloaded.store(true);
  report_failure();
}

int64_t Hub::now() const {
  if (clock == ClockMode::virtual_time) return virtual_now.load(std::memory_order_acquire);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Hub::endpoint_of(unsigned w) const {
  return w < endpoints.size() ? endpoints[w] : transport::inproc_worker_endpoint(tag, w);
}

void Hub::report_idle(unsigned p, uint64_t created, uint64_t consumed, int64_t next_timer) {
  std::lock_guard<std::mutex> lock(mu);
  progress[p] = Progress{true, created, consumed, next_timer};
  if (link.progress) link.progress(p, progress[p]);
  cv.notify_all();
}

void Hub::report_busy(unsigned p) {
  std::lock_guard<std::mutex> lock(mu);
  if (progress[p].idle && link.progress)
    link.progress(p, Progress{false, progress[p].created, progress[p].consumed, progress[p].next_timer});
  progress[p].idle = false;
}

bool Hub::stopping() {
  std::lock_guard<std::mutex> lock(mu);
  return stop;
}

void Hub::ack_snapshot(SnapshotAck ack) {
  if (link.ack) return link.ack(std::move(ack));
  {
    std::lock_guard<std::mutex> lock(mu);
    acks.push_back(std::move(ack));
  }
  cv.notify_all();
}

void Hub::publish(std::vector<EgressRecord>& records) {
  if (records.empty()) return;
  if (egress_sink) egress_sink(records);
  records.clear();
}

EgressRecord make_egress_record(const core::Module& module, uint32_t egress, const void* msg, uint64_t epoch) {
  EgressRecord r;
  r.egress = std::string(module.egress_name(egress));
  const sfn_message_desc* d = module.egress_message(egress);
  core::encode_json(d, msg, r.json);
  core::encode_proto(d, msg, r.payload);
  r.epoch = epoch;
  return r;
}

EgressRecord make_dead_letter(const core::Module& module, std::string_view address, uint32_t message_type,
                              const void* msg, std::string_view error, std::string_view location, uint64_t epoch) {
  EgressRecord r;
  r.egress = "dead_letters";
  r.source = address;
  r.epoch = epoch;
  std::string message_json;
  const char* type_name = "";
  if (msg && message_type < module.desc().message_count) {
    core::encode_json(module.message(message_type), msg, message_json);
    type_name = module.message(message_type)->full_name;
  } else {
    message_json = "{}";
  }
  r.json = "{\"address\":";
  core::append_json_string(r.json, address);
  r.json += ",\"message_type\":";
  core::append_json_string(r.json, type_name);
  r.json += ",\"message\":";
  r.json += message_json;
  r.json += ",\"error\":";
  core::append_json_string(r.json, error);
  r.json += ",\"location\":";
  core::append_json_string(r.json, location);
  r.json += ",\"epoch\":" + std::to_string(epoch) + "}";
  core::DeadLetter dl{};
  core::str_set(&dl.address, address);
  core::str_set(&dl.message_type, type_name);
  core::str_set(&dl.message, message_json);
  core::str_set(&dl.error, error);
  core::str_set(&dl.location, location);
  dl.epoch = static_cast<int64_t>(epoch);
  core::encode_proto(core::dead_letter_desc(), &dl, r.payload);
  core::message_destroy(core::dead_letter_desc(), &dl);
  return r;
}

void encode_record(std::string& out, RecordKind kind, uint32_t message_type, std::string_view target,
                   std::string_view payload) {
  out.clear();
  out.push_back(static_cast<char>(kind));
  char b[8];
  std::memcpy(b, &message_type, 4);
  uint32_t n = static_cast<uint32_t>(target.size());
  std::memcpy(b + 4, &n, 4);
  out.append(b, 8);
  out += target;
  out += payload;
}

bool decode_record(std::string_view in, RecordKind* kind, uint32_t* message_type, std::string_view* target,
                   std::string_view* payload) {
  if (in.size() < 9 || static_cast<uint8_t>(in[0]) > 1) return false;
  *kind = static_cast<RecordKind>(in[0]);
  uint32_t n;
  std::memcpy(message_type, in.data() + 1, 4);
  std::memcpy(&n, in.data() + 5, 4);
  if (in.size() - 9 < n) return false;
  *target = in.substr(9, n);
  *payload = in.substr(9 + n);
  return true;
}

void Hub::report_failure() {
  failed.store(true);
  if (link.failure) link.failure();
  std::lock_guard<std::mutex> lock(mu);
  cv.notify_all();
}

}  // namespace sfn::runtime::worker
