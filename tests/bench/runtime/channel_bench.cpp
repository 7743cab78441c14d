// Channel throughput over tcp:// on loopback, plain and with CurveZMQ (decision 122), A/B in the
// same run: one Sender thread appends N records of a given size to one Receiver thread, in
// rounds that alternate plain and CURVE so that both see the same machine load. Prints records/s
// and MB/s of payload per round and the median per mode.
//   build/tests/bench/runtime/channel_bench [--records N] [--rounds R] [--size BYTES]...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "runtime/transport/channel.h"
#include "runtime/transport/security.h"

namespace {

using namespace sfn::runtime::transport;
using Clock = std::chrono::steady_clock;

// Sends `records` records of `size` bytes from a Sender to a Receiver over loopback tcp and
// returns the seconds from the first append to the last record received.
double one_round(bool curve, std::size_t records, std::size_t size) {
  TransportContext server_ctx, client_ctx;
  ChannelOptions options;
  if (curve) {
    CurveKeyPair server = generate_curve_keys().value(), client = generate_curve_keys().value();
    if (!server_ctx.secure({server, {client.public_key}, "bench", false}) ||
        !client_ctx.secure({client, {}, "", false}))
      std::abort();
    options.server_key = server.public_key;
  }
  auto receiver = Receiver::bind(server_ctx, "tcp://127.0.0.1:*", options).value();
  auto sender = Sender::connect(client_ctx, 1, receiver->endpoint(), options).value();
  std::size_t received = 0;
  std::thread reader([&] {
    while (received < records)
      if (!receiver->receive(std::chrono::milliseconds(100), [&](const RecordView&) { ++received; })) std::abort();
  });
  const std::string payload(size, 'x');
  const auto start = Clock::now();
  for (std::size_t i = 0; i < records; ++i) {
    Status s = sender->append(payload);
    if (!s && s.error().code == ErrorCode::would_block) {
      if (!sender->flush_blocking(std::chrono::seconds(30))) std::abort();
      s = sender->append(payload);
    }
    if (!s) std::abort();
  }
  if (!sender->flush_blocking(std::chrono::seconds(60))) std::abort();
  reader.join();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t records = 2'000'000;
  int rounds = 5;
  std::vector<std::size_t> sizes;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--records"))
      records = std::strtoull(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--rounds"))
      rounds = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--size"))
      sizes.push_back(std::strtoull(argv[i + 1], nullptr, 10));
  }
  if (sizes.empty()) sizes = {32, 256};
  std::printf("channel over tcp://127.0.0.1, %zu records per round, %d rounds per mode (alternating)\n", records,
              rounds);
  for (std::size_t size : sizes) {
    std::vector<double> rate[2];
    for (int r = 0; r < rounds; ++r)
      for (int curve = 0; curve < 2; ++curve) {
        double secs = one_round(curve == 1, records, size);
        rate[curve].push_back(records / secs);
        std::printf("  %4zu B %-6s round %d: %6.2f M records/s, %7.1f MB/s\n", size, curve ? "curve" : "plain", r + 1,
                    records / secs / 1e6, records * size / secs / 1e6);
      }
    const double plain = median(rate[0]), curve = median(rate[1]);
    std::printf("%4zu B records: plain %.2f M/s (%.0f MB/s), curve %.2f M/s (%.0f MB/s), curve/plain %.2f\n", size,
                plain / 1e6, plain * size / 1e6, curve / 1e6, curve * size / 1e6, curve / plain);
  }
  return 0;
}
