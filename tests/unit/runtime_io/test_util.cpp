// Temporary directories and raw oversized requests for tests (test_util.h).
#include "test_util.h"

#include <stdlib.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include <zmq.hpp>

namespace sfn::runtime::testing {

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "sfn-rtio-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

bool wait_until_blocked_in(pid_t tid, const std::vector<long>& syscalls, std::chrono::milliseconds limit) {
  const std::string task = "/proc/self/task/" + std::to_string(tid);
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream stat(task + "/stat"), call(task + "/syscall");
    std::string line;
    std::getline(stat, line);
    const auto after_name = line.rfind(')');  // "TID (name) S ..."
    const bool asleep = after_name != std::string::npos && line.compare(after_name, 3, ") S") == 0;
    long number = -1;
    call >> number;  // "running" reads as no number
    if (asleep && std::find(syscalls.begin(), syscalls.end(), number) != syscalls.end()) return true;
  }
  return false;
}

std::vector<long> poll_syscalls() {
#ifdef SYS_poll
  return {SYS_poll, SYS_ppoll, SYS_epoll_wait, SYS_epoll_pwait};
#else
  return {SYS_ppoll, SYS_epoll_pwait};
#endif
}

bool server_drops_request(const std::string& endpoint, std::size_t bytes) {
  zmq::context_t ctx;
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 0);
  const std::string events_endpoint = "inproc://dealer-events";
  if (zmq_socket_monitor(dealer.handle(), events_endpoint.c_str(), ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0)
    return false;
  zmq::socket_t events(ctx, zmq::socket_type::pair);
  events.set(zmq::sockopt::rcvtimeo, 10000);
  events.connect(events_endpoint);
  dealer.connect(endpoint);
  auto next_event = [&] {  // the event's id, 0 when none came in time
    zmq::message_t event, address;
    if (!events.recv(event) || !events.recv(address)) return 0;
    std::uint16_t id;
    std::memcpy(&id, event.data(), sizeof id);
    return static_cast<int>(id);
  };
  if (next_event() != ZMQ_EVENT_CONNECTED) return false;
  dealer.send(zmq::message_t(), zmq::send_flags::sndmore);
  dealer.send(zmq::message_t(bytes), zmq::send_flags::none);
  return next_event() == ZMQ_EVENT_DISCONNECTED;
}

}  // namespace sfn::runtime::testing
