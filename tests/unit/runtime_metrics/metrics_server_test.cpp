// The metrics endpoint (runtime/metrics/metrics_server.h) on loopback, read with cpp-httplib's
// client: what GET /metrics answers, the loopback rule (--insecure), malformed addresses and a
// port in use.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>

#include "runtime/metrics/metrics.h"
#include "runtime/metrics/metrics_server.h"

namespace sfn::runtime::metrics {
namespace {

using transport::ErrorCode;

int port_of(const std::string& address) { return std::stoi(address.substr(address.rfind(':') + 1)); }

std::unique_ptr<MetricsServer> start_counting(const std::string& address, std::atomic<int>& calls,
                                              bool allow_non_loopback = false) {
  auto server = MetricsServer::start(
      {address, allow_non_loopback, [&calls] { return "sfn_test_calls " + std::to_string(++calls) + "\n"; }});
  EXPECT_TRUE(server.ok()) << server.error().message;
  return server.ok() ? std::move(server.value()) : nullptr;
}

TEST(MetricsServer, ServesTheRenderedTextAtMetrics) {
  std::atomic<int> calls{0};
  auto server = start_counting("127.0.0.1:0", calls);
  ASSERT_TRUE(server);
  EXPECT_TRUE(server->address().starts_with("127.0.0.1:")) << server->address();
  httplib::Client client("127.0.0.1", port_of(server->address()));
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  for (int i = 1; i <= 2; ++i) {
    auto res = client.Get("/metrics");
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), kContentType);
    EXPECT_EQ(res->body, "sfn_test_calls " + std::to_string(i) + "\n");  // rendered anew each time
  }
  auto other = client.Get("/");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  EXPECT_EQ(calls.load(), 2);
}

TEST(MetricsServer, RefusesNonLoopbackHostsWithoutInsecure) {
  for (const std::string address : {"0.0.0.0:0", "192.0.2.1:9464", "[::]:0", "example.org:9464"}) {
    auto refused = MetricsServer::start({address, false, [] { return std::string(); }});
    ASSERT_FALSE(refused.ok()) << address;
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument);
    EXPECT_NE(refused.error().message.find(address), std::string::npos) << refused.error().message;
    EXPECT_NE(refused.error().message.find("--insecure"), std::string::npos) << refused.error().message;
  }
  // Allowed, 0.0.0.0 also answers on loopback (the only address this test talks to).
  std::atomic<int> calls{0};
  auto server = start_counting("0.0.0.0:0", calls, true);
  ASSERT_TRUE(server);
  httplib::Client client("127.0.0.1", port_of(server->address()));
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->body, "sfn_test_calls 1\n");
}

TEST(MetricsServer, RefusesMalformedAddresses) {
  for (const std::string address : {"127.0.0.1", ":9464", "127.0.0.1:", "127.0.0.1:x", "127.0.0.1:70000",
                                    "127.0.0.1:-1", "[::1:9464", "[::1]9464", "::1:9464", "127.0.0.1:80x"}) {
    auto refused = MetricsServer::start({address, true, [] { return std::string(); }});
    ASSERT_FALSE(refused.ok()) << address;
    EXPECT_EQ(refused.error().code, ErrorCode::invalid_argument) << address;
    EXPECT_NE(refused.error().message.find("is not HOST:PORT"), std::string::npos) << refused.error().message;
  }
}

TEST(MetricsServer, ReportsAPortInUse) {
  std::atomic<int> calls{0};
  auto first = start_counting("127.0.0.1:0", calls);
  ASSERT_TRUE(first);
  auto second = MetricsServer::start({first->address(), false, [] { return std::string(); }});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, ErrorCode::io_error);
  EXPECT_NE(second.error().message.find("cannot serve metrics on " + first->address()), std::string::npos)
      << second.error().message;
}

TEST(MetricsServer, StopsAtOnceAfterStarting) {
  std::atomic<int> calls{0};
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(start_counting("127.0.0.1:0", calls));  // each destroyed at once
  EXPECT_EQ(calls.load(), 0);
}

}  // namespace
}  // namespace sfn::runtime::metrics
