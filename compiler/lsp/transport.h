// JSON-RPC 2.0 framing of the Language Server Protocol over two file descriptors:
// `Content-Length: N\r\n\r\n` followed by N bytes of JSON. Knows nothing of JSON itself.
#pragma once

#include <mutex>
#include <optional>
#include <string>

namespace sfn::lsp {

class Transport {
 public:
  Transport(int in_fd, int out_fd) : in_(in_fd), out_(out_fd) {}

  // The next message body; nullopt at end of input. A header block without a usable
  // Content-Length gives an empty string (the caller answers with a parse error).
  std::optional<std::string> read();
  // Writes one message (thread-safe). Returns false when the output is closed.
  [[nodiscard]] bool write(const std::string& body);

 private:
  // One header line without its CRLF; nullopt at end of input.
  std::optional<std::string> read_line();
  bool fill();

  int in_;
  int out_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::mutex write_mutex_;
};

}  // namespace sfn::lsp
