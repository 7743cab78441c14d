// A minimal LSP client for tests: starts `sfn lsp --stdio` with pipes, frames JSON-RPC
// messages, and waits (with a deadline, never a fixed sleep) for the message it expects.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sfn::testing {

using Json = nlohmann::json;

class LspClient {
 public:
  explicit LspClient(const std::string& binary) {
    int to_child[2], from_child[2];
    if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(to_child[0], 0);
      ::dup2(from_child[1], 1);
      ::close(to_child[1]);
      ::close(from_child[0]);
      ::execl(binary.c_str(), binary.c_str(), "lsp", "--stdio", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(to_child[0]);
    ::close(from_child[1]);
    in_ = to_child[1];
    out_ = from_child[0];
    ::signal(SIGPIPE, SIG_IGN);
  }
  ~LspClient() {
    if (in_ >= 0) ::close(in_);
    if (out_ >= 0) ::close(out_);
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  void send_raw(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::write(in_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  void send_body(const std::string& body) {
    send_raw("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  }
  void notify(const std::string& method, const Json& params) {
    send_body(Json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}}.dump());
  }
  // Sends a request and waits for its response.
  Json request(const std::string& method, const Json& params) {
    int id = ++next_id_;
    send_body(Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump());
    return wait_for([id](const Json& m) { return m.contains("id") && m["id"] == id; }).value_or(Json());
  }
  // The next message satisfying `pred` (earlier ones are kept in `seen`), or nullopt when
  // nothing matches within the timeout or the server closes its output.
  std::optional<Json> wait_for(const std::function<bool(const Json&)>& pred,
                               std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      std::optional<Json> m = next(deadline);
      if (!m) return std::nullopt;
      if (pred(*m)) return m;
      seen.push_back(std::move(*m));
    }
  }
  std::optional<Json> diagnostics_for(const std::string& uri) {
    return wait_for([&](const Json& m) {
      return m.value("method", "") == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri;
    });
  }
  // Waits for the process to end and returns its exit status (-1 on timeout).
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      ::poll(nullptr, 0, 5);  // re-check the child's state; the deadline bounds the wait
    }
    return -1;
  }

  std::vector<Json> seen;

 private:
  std::optional<Json> next(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      std::size_t header_end = buffer_.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::size_t colon = buffer_.find(':');
        std::size_t length = std::stoul(buffer_.substr(colon + 1, header_end - colon - 1));
        if (buffer_.size() >= header_end + 4 + length) {
          std::string body = buffer_.substr(header_end + 4, length);
          buffer_.erase(0, header_end + 4 + length);
          return Json::parse(body);
        }
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      char chunk[65536];
      ssize_t n = ::read(out_, chunk, sizeof chunk);
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int in_ = -1;
  int out_ = -1;
  bool exited_ = false;
  int next_id_ = 0;
  std::string buffer_;
};

}  // namespace sfn::testing
