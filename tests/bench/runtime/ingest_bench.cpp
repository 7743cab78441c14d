// Ingest benchmark (not a pass/fail test): acknowledged records/s and ack latency over loopback
// TCP, from a client in this process to an IoServer in this process (its own I/O thread, a real
// ingress log with fsync on the disk holding --dir). Compares the single-record protocol (a
// DEALER keeping W single-record requests in flight, as a pipelined client did before
// decision 033) with BulkSender batches of several sizes and windows. Each record is a small
// JSON object with an idempotency key; the validator stores the bytes as they come (the
// runtime's real validator, which decodes JSON into Protobuf, is measured by
// `sfn send --file` against `sfn run`, docs/PERFORMANCE.md).
//
//   ingest_bench [--records N] [--dir DIR] [--batch B [--window W]]
//
// Default 1,000,000 records, DIR = . (the log goes to DIR/ingest_bench.tmp, removed at the
// end); with --batch only that configuration runs (W default 8), e.g. under perf.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <string>
#include <vector>

#include <zmq.hpp>

#include "client.pb.h"
#include "runtime/io/bulk_sender.h"
#include "runtime/io/io_server.h"

namespace {

namespace io = sfn::runtime::io;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct Measurement {
  double records_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
  std::uint64_t syncs = 0;
};

std::string record(std::uint64_t i) { return "{\"name\": \"user-" + std::to_string(i % 100000) + "\"}"; }
std::string key(std::uint64_t i) { return "bench:" + std::to_string(i); }

// A fresh server with one ingress log under `dir`.
std::unique_ptr<io::IoServer> start_server(const fs::path& dir) {
  fs::remove_all(dir);
  io::IoServerOptions o;
  o.log_dir = dir;
  o.ingress_names = {"bench"};
  o.ingress_endpoint = "tcp://127.0.0.1:*";
  o.validator = [](std::string_view, io::PayloadFormat,
                   std::string_view data) -> std::variant<std::string, io::IngressRejection> {
    return std::string(data);
  };
  auto server = io::IoServer::start(o);
  if (!server) {
    std::fprintf(stderr, "ingest_bench: %s\n", server.error().message.c_str());
    std::exit(1);
  }
  return std::move(server.value());
}

// Fills in the rate and the latency percentiles from per-record send and ack times.
Measurement summarize(std::uint64_t n, Clock::duration total, std::vector<double>& latency_ms,
                      const io::IoServer& server) {
  Measurement m;
  m.records_per_s = n / std::chrono::duration<double>(total).count();
  std::sort(latency_ms.begin(), latency_ms.end());
  m.p50_ms = latency_ms[latency_ms.size() / 2];
  m.p99_ms = latency_ms[latency_ms.size() * 99 / 100];
  m.syncs = server.ingress_log("bench")->syncs();
  return m;
}

// BulkSender with `per_request` records per request and `window` requests in flight.
Measurement run_bulk(const fs::path& dir, std::uint64_t n, std::size_t per_request, std::size_t window) {
  auto server = start_server(dir);
  std::vector<Clock::time_point> sent(n);
  std::vector<double> latency_ms(n);
  std::uint64_t failed = 0;
  auto on_result = [&](std::uint64_t i, const io::Result<io::AppendResult>& r) {
    latency_ms[i] = std::chrono::duration<double, std::milli>(Clock::now() - sent[i]).count();
    failed += r.ok() ? 0 : 1;
  };
  io::BulkOptions options;
  options.records_per_request = per_request;
  options.max_requests_in_flight = window;
  auto sender = io::BulkSender::connect(server->ingress_endpoint(), "bench", options, on_result).value();
  auto start = Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    sent[i] = Clock::now();
    if (auto s = sender->add(record(i), key(i), i); !s) {
      std::fprintf(stderr, "ingest_bench: %s\n", s.error().message.c_str());
      std::exit(1);
    }
  }
  if (auto s = sender->finish(); !s || failed) {
    std::fprintf(stderr, "ingest_bench: %s\n", s ? "records refused" : s.error().message.c_str());
    std::exit(1);
  }
  return summarize(n, Clock::now() - start, latency_ms, *server);
}

// The single-record protocol: one IngressRequest per record, `window` of them in flight.
Measurement run_single(const fs::path& dir, std::uint64_t n, std::size_t window) {
  auto server = start_server(dir);
  zmq::context_t ctx(1);
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  dealer.connect(server->ingress_endpoint());
  std::vector<Clock::time_point> sent(n);
  std::vector<double> latency_ms(n);
  sfn::runtime::proto::IngressRequest request;
  request.set_ingress("bench");
  sfn::runtime::proto::IngressReply reply;
  std::uint64_t next = 0, done = 0;
  auto start = Clock::now();
  while (done < n) {
    while (next < n && next - done < window) {
      request.set_json(record(next));
      request.set_idempotency_key(key(next));
      request.set_request_id(next);
      sent[next++] = Clock::now();
      dealer.send(zmq::message_t(), zmq::send_flags::sndmore);
      dealer.send(zmq::buffer(request.SerializeAsString()), zmq::send_flags::none);
    }
    zmq::message_t delimiter, body;
    if (!dealer.recv(delimiter) || !dealer.recv(body) ||
        !reply.ParseFromArray(body.data(), static_cast<int>(body.size())) || !reply.has_ack()) {
      std::fprintf(stderr, "ingest_bench: bad reply\n");
      std::exit(1);
    }
    latency_ms[reply.request_id()] =
        std::chrono::duration<double, std::milli>(Clock::now() - sent[reply.request_id()]).count();
    ++done;
  }
  return summarize(n, Clock::now() - start, latency_ms, *server);
}

void print(const char* what, std::uint64_t n, const Measurement& m) {
  std::printf("%-34s %9llu %12.0f %9.2f %9.2f %8llu\n", what, static_cast<unsigned long long>(n), m.records_per_s,
              m.p50_ms, m.p99_ms, static_cast<unsigned long long>(m.syncs));
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t n = 1'000'000;
  fs::path dir = ".";
  std::size_t only_batch = 0, only_window = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--records") == 0)
      n = std::stoull(argv[i + 1]);
    else if (std::strcmp(argv[i], "--dir") == 0)
      dir = argv[i + 1];
    else if (std::strcmp(argv[i], "--batch") == 0)
      only_batch = std::stoul(argv[i + 1]);
    else if (std::strcmp(argv[i], "--window") == 0)
      only_window = std::stoul(argv[i + 1]);
  }
  dir /= "ingest_bench.tmp";
  std::printf("%-34s %9s %12s %9s %9s %8s\n", "client", "records", "records/s", "p50 ms", "p99 ms", "fsyncs");
  if (only_batch > 0) {  // one configuration, e.g. for perf
    print("batches (--batch, --window)", n, run_bulk(dir, n, only_batch, only_window));
    fs::remove_all(dir);
    return 0;
  }
  std::uint64_t single_n = std::min<std::uint64_t>(n, 100'000);
  print("single-record requests, 512 in flight", single_n, run_single(dir, single_n, 512));
  struct Config {
    std::size_t per_request, window;
  };
  for (Config c :
       {Config{64, 8}, Config{256, 8}, Config{1024, 4}, Config{1024, 8}, Config{1024, 32}, Config{4096, 8}}) {
    char what[64];
    std::snprintf(what, sizeof what, "batches of %zu, %zu in flight", c.per_request, c.window);
    print(what, n, run_bulk(dir, n, c.per_request, c.window));
  }
  fs::remove_all(dir);
  return 0;
}
