// The HTTP endpoint Prometheus scrapes: GET /metrics answers with whatever `render` returns, in
// the text exposition format's content type. Served by cpp-httplib (Debian's
// libcpp-httplib-dev) on its own threads; httplib's types never appear in this header.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/transport/result.h"

namespace sfn::runtime::metrics {

struct MetricsServerOptions {
  // HOST:PORT, e.g. 127.0.0.1:9464, localhost:9464, [::1]:9464; port 0 picks a free one.
  std::string address;
  // Without it a host that is not loopback (localhost, 127.x.x.x, ::1) is refused (`--insecure`).
  bool allow_non_loopback = false;
  // The body of each answer (metrics.h, prometheus_text); called on a server thread, so it must be
  // thread-safe.
  std::function<std::string()> render;
};

class MetricsServer {
 public:
  // Checks the address, binds it and starts serving. Errors (invalid_argument: a malformed
  // address or a non-loopback host without allow_non_loopback; io_error: the bind failed, e.g.
  // the port is in use) name the address.
  static transport::Result<std::unique_ptr<MetricsServer>> start(MetricsServerOptions options);
  // Stops serving (answers in progress finish) and closes the socket.
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // The address actually bound, as HOST:PORT (port 0 resolved).
  const std::string& address() const;

 private:
  struct Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::runtime::metrics
