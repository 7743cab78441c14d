// Helpers for the runtime_io tests (and the limits e2e test): a fresh temporary directory per
// test, waiting until another thread is blocked, and a request too large for an ingress endpoint.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

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

// Waits until thread `tid` of this process is asleep in one of `syscalls` (e.g. SYS_futex for a
// condition variable, poll_syscalls() for a ZeroMQ poll), read from /proc/self/task/TID/syscall;
// false when it is not within `limit`. Lets a test act only once the other side is waiting.
bool wait_until_blocked_in(pid_t tid, const std::vector<long>& syscalls,
                           std::chrono::milliseconds limit = std::chrono::seconds(10));
// The system calls a poll (zmq_poll, ::poll) may wait in on this architecture.
std::vector<long> poll_syscalls();

// Sends one request of `bytes` bytes (zeros) to the ROUTER at `endpoint` from a fresh DEALER
// that does not ask the server's limits first, and waits until the server drops the connection
// (ZMQ_MAXMSGSIZE). False when it does not within 10 s (the request was read).
bool server_drops_request(const std::string& endpoint, std::size_t bytes);

}  // namespace sfn::runtime::testing
