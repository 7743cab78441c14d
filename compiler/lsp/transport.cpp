#include "compiler/lsp/transport.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace sfn::lsp {
namespace {

constexpr std::string_view kLength = "content-length:";
constexpr long long kMaxLength = 1LL << 30;
constexpr long long kNoLength = -1;   // the line has no Content-Length header
constexpr long long kBadLength = -2;  // it has one whose value is not a usable length

// The value of a `Content-Length:` header in `line`, wherever it starts: the bytes before it
// are the rest of a message whose length was understated (and got a parse error).
long long content_length(const std::string& line) {
  std::string lower(line.size(), ' ');
  std::transform(line.begin(), line.end(), lower.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  std::size_t at = lower.find(kLength);
  if (at == std::string::npos) return kNoLength;
  const char* begin = line.c_str() + at + kLength.size();
  char* end = nullptr;
  long long length = std::strtoll(begin, &end, 10);
  while (*end == ' ' || *end == '\t') ++end;
  if (end == begin || *end != '\0' || length < 0 || length > kMaxLength) return kBadLength;
  return length;
}

}  // namespace

namespace {

// The index after the string literal whose opening quote is before `i`; npos when it is not closed.
std::size_t string_end(std::string_view text, std::size_t i) {
  for (; i < text.size(); ++i) {
    if (text[i] == '"') return i + 1;
    if (text[i] == '\\') ++i;  // the escaped character is skipped
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t json_value_end(std::string_view text) {
  std::size_t i = text.find_first_not_of(" \t\r\n");
  if (i == std::string_view::npos || (text[i] != '{' && text[i] != '[')) return std::string_view::npos;
  int depth = 0;
  while (i < text.size()) {
    const char c = text[i++];
    if (c == '"') {
      i = string_end(text, i);
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

bool Transport::fill() {
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(in_, chunk, sizeof chunk);
    if (n > 0) {
      buffer_.erase(0, pos_);
      pos_ = 0;
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

std::optional<Framed> Transport::read() {
  long long length = kNoLength;
  bool headers = false;
  for (;;) {
    std::optional<std::string> line = read_line();
    if (!line) return std::nullopt;
    if (line->empty()) {
      if (!headers) continue;  // stray blank line before the headers
      break;
    }
    headers = true;
    if (long long value = content_length(*line); value != kNoLength) length = value;
  }
  if (length == kNoLength) return Framed{"", "a header block without Content-Length"};
  if (length == kBadLength) {
    return Framed{"", "a Content-Length that is not a number of bytes from 0 to " + std::to_string(kMaxLength)};
  }
  return read_body(static_cast<std::size_t>(length));
}

// A body is one JSON value. When something other than whitespace follows the first complete
// value within the declared length, the length overstated the body: the message ends with the
// value and the bytes after it are read as the next message's header. This is decided as soon
// as those bytes arrive, so a later message is never held back waiting for the missing bytes.
std::optional<Framed> Transport::read_body(std::size_t length) {
  for (;;) {
    std::string_view available(buffer_.data() + pos_, std::min(length, buffer_.size() - pos_));
    std::size_t end = json_value_end(available);
    std::size_t next = end == std::string_view::npos ? end : available.find_first_not_of(" \t\r\n", end);
    if (next != std::string_view::npos) {
      Framed cut{std::string(available.substr(0, end)), "Content-Length " + std::to_string(length) +
                                                            " overstates the body: the JSON value ends after " +
                                                            std::to_string(end) + " bytes and more follows"};
      pos_ += next;
      return cut;
    }
    if (available.size() == length) {
      pos_ += length;
      return Framed{std::string(available), ""};
    }
    if (!fill()) return std::nullopt;
  }
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
