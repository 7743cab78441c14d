// JSON-RPC 2.0 framing of the Language Server Protocol over two file descriptors:
// `Content-Length: N\r\n\r\n` followed by N bytes of JSON. It knows of JSON only where a value
// ends, to notice a Content-Length that overstates its body (docs/editor.md, "Framing errors").
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace sfn::lsp {

// One framed message: its body, or why the framing was broken (then `body` holds what was read
// as the body, possibly cut short, and the caller answers with a parse error).
struct Framed {
  std::string body;
  std::string error;
};

class Transport {
 public:
  Transport(int in_fd, int out_fd) : in_(in_fd), out_(out_fd) {}

  // The next message; nullopt at end of input. After a header block without a usable
  // Content-Length, or a body cut short where the next message's header begins, the message
  // has `error` set and reading goes on with the next `Content-Length:` header.
  std::optional<Framed> read();
  // Writes one message (thread-safe). Returns false when the output is closed.
  [[nodiscard]] bool write(const std::string& body);

 private:
  // One header line without its CRLF; nullopt at end of input.
  std::optional<std::string> read_line();
  // The body of `length` bytes (or fewer, when a Content-Length header follows a complete JSON
  // value inside it); nullopt at end of input.
  std::optional<Framed> read_body(std::size_t length);
  bool fill();

  int in_;
  int out_;
  std::string buffer_;
  std::size_t pos_ = 0;
  std::mutex write_mutex_;
};

// Where the JSON value at the start of `text` (after whitespace) ends; npos when `text` does not
// start with a complete object or array. Strings and nesting are followed; nothing is validated.
std::size_t json_value_end(std::string_view text);

}  // namespace sfn::lsp
