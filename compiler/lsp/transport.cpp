#include "compiler/lsp/transport.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace sfn::lsp {

bool Transport::fill() {
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(in_, chunk, sizeof chunk);
    if (n > 0) {
      if (pos_ > 0 && pos_ == buffer_.size()) {
        buffer_.clear();
        pos_ = 0;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
}

std::optional<std::string> Transport::read_line() {
  for (;;) {
    std::size_t nl = buffer_.find('\n', pos_);
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(pos_, nl - pos_);
      pos_ = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (!fill()) return std::nullopt;
  }
}

std::optional<std::string> Transport::read() {
  long long length = -1;
  for (;;) {
    std::optional<std::string> line = read_line();
    if (!line) return std::nullopt;
    if (line->empty()) {
      if (length < 0) continue;  // stray blank line before the headers
      break;
    }
    constexpr std::string_view kLength = "content-length:";
    if (line->size() > kLength.size()) {
      std::string name = line->substr(0, kLength.size());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == kLength) {
        char* end = nullptr;
        length = std::strtoll(line->c_str() + kLength.size(), &end, 10);
        if (length < 0 || length > (1LL << 30)) length = 0;
      }
    }
  }
  while (buffer_.size() - pos_ < static_cast<std::size_t>(length)) {
    if (!fill()) return std::nullopt;
  }
  std::string body = buffer_.substr(pos_, static_cast<std::size_t>(length));
  pos_ += static_cast<std::size_t>(length);
  return body;
}

bool Transport::write(const std::string& body) {
  std::string message = "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  std::lock_guard lock(write_mutex_);
  std::size_t done = 0;
  while (done < message.size()) {
    ssize_t n = ::write(out_, message.data() + done, message.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace sfn::lsp
