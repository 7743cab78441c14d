// Helpers for the runtime_io tests (and the limits e2e test): a fresh temporary directory per
// test, and a request too large for an ingress endpoint.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

namespace sfn::runtime::testing {

// A directory under the system temp dir, unique per call, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Sends one request of `bytes` bytes (zeros) to the ROUTER at `endpoint` from a fresh DEALER
// that does not ask the server's limits first, and waits until the server drops the connection
// (ZMQ_MAXMSGSIZE). False when it does not within 10 s (the request was read).
bool server_drops_request(const std::string& endpoint, std::size_t bytes);

}  // namespace sfn::runtime::testing
