#include "runtime/metrics/metrics_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include "runtime/metrics/metrics.h"
#include "runtime/transport/loopback.h"

namespace sfn::runtime::metrics {
namespace {

using transport::Error;
using transport::ErrorCode;

constexpr int kThreads = 2;  // scrapes are rare and short

struct HostPort {
  std::string host;  // without brackets
  int port = 0;
  bool ipv6 = false;
};

// Splits HOST:PORT ([V6]:PORT); nullopt when malformed.
std::optional<HostPort> split_address(const std::string& address) {
  HostPort out;
  std::string_view rest;
  if (address.starts_with("[")) {
    const auto close = address.find(']');
    if (close == std::string::npos || address.compare(close + 1, 1, ":") != 0) return std::nullopt;
    out.host = address.substr(1, close - 1);
    out.ipv6 = true;
    rest = std::string_view(address).substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || address.find(':') != colon) return std::nullopt;
    out.host = address.substr(0, colon);
    rest = std::string_view(address).substr(colon + 1);
  }
  auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), out.port);
  if (out.host.empty() || rest.empty() || ec != std::errc() || end != rest.data() + rest.size() || out.port < 0 ||
      out.port > 65535)
    return std::nullopt;
  return out;
}

}  // namespace

struct MetricsServer::Impl {
  httplib::Server http;
  std::string address;
  std::future<void> done;  // the listening thread's end

  void run() {
    done = std::async(std::launch::async, [this] { http.listen_after_bind(); });
  }
  // httplib's stop() only acts once listening began: wait for that (or for the end).
  ~Impl() {
    if (!done.valid()) return;
    while (done.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
      if (http.is_running()) {
        http.stop();
        break;
      }
    }
    done.wait();
  }
};

transport::Result<std::unique_ptr<MetricsServer>> MetricsServer::start(MetricsServerOptions options) {
  const auto hp = split_address(options.address);
  if (!hp)
    return Error{ErrorCode::invalid_argument,
                 "--metrics `" + options.address + "` is not HOST:PORT (like 127.0.0.1:9464 or [::1]:9464)"};
  if (!options.allow_non_loopback && !transport::is_loopback_host(hp->host))
    return Error{ErrorCode::invalid_argument,
                 "refusing to serve metrics on " + options.address +
                     ", a non-loopback address, without authentication (use a 127.0.0.1 address, or allow it "
                     "explicitly with --insecure)"};
  auto impl = std::make_unique<Impl>();
  impl->http.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  // httplib's default is SO_REUSEPORT, with which a second server binds the same port and takes
  // part of the scrapes; SO_REUSEADDR alone binds past TIME_WAIT but refuses a port in use.
  impl->http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  impl->http.Get("/metrics", [render = std::move(options.render)](const httplib::Request&, httplib::Response& res) {
    res.set_content(render(), kContentType);
  });
  errno = 0;
  int port = hp->port;
  const bool bound =
      port == 0 ? (port = impl->http.bind_to_any_port(hp->host)) > 0 : impl->http.bind_to_port(hp->host, port);
  if (!bound)
    return Error{ErrorCode::io_error, "cannot serve metrics on " + options.address +
                                          (errno ? std::string(": ") + std::strerror(errno) : std::string())};
  impl->address = (hp->ipv6 ? "[" + hp->host + "]" : hp->host) + ":" + std::to_string(port);
  impl->run();
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsServer::~MetricsServer() = default;

const std::string& MetricsServer::address() const { return impl_->address; }

}  // namespace sfn::runtime::metrics
