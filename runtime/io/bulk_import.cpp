// JSON lines to an ingress (import_json_lines, sfn/client.h).
#include "sfn/client.h"

#include "runtime/io/bulk_sender.h"
#include "runtime/transport/result.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace sfn::runtime::io {

namespace {

// Reads lines from a file descriptor through a buffer that holds only the current chunk (and
// grows only for a line longer than it).
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) { buf_.resize(1u << 20); }

  // The next line without its '\n' (nullopt at the end). Before a read that would wait for a
  // pipe or terminal, calls `before_wait` (to send what is gathered); its error stops reading.
  template <typename BeforeWait>
  Result<std::optional<std::string_view>> next(BeforeWait before_wait) {
    for (;;) {
      if (auto* nl = static_cast<char*>(std::memchr(buf_.data() + begin_, '\n', end_ - begin_))) {
        std::string_view line(buf_.data() + begin_, nl - (buf_.data() + begin_));
        begin_ = static_cast<std::size_t>(nl - buf_.data()) + 1;
        return std::optional(line);
      }
      if (eof_) {
        if (begin_ == end_) return std::optional<std::string_view>();
        std::string_view last(buf_.data() + begin_, end_ - begin_);
        begin_ = end_;
        return std::optional(last);
      }
      if (!ready()) {
        if (auto s = before_wait(); !s) return s.error();
      }
      if (auto s = fill(); !s) return s.error();
    }
  }

 private:
  bool ready() const {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) > 0;
  }

  // Moves the partial line to the front (growing the buffer if it is full) and reads more.
  Status fill() {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);
    ssize_t n;
    do n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    while (n < 0 && errno == EINTR);
    if (n < 0) return Error{ErrorCode::io_error, std::string("reading the input: ") + std::strerror(errno)};
    if (n == 0) eof_ = true;
    end_ += static_cast<std::size_t>(n > 0 ? n : 0);
    return transport::ok_status();
  }

  int fd_;
  std::string buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
};

bool blank(std::string_view line) { return line.find_first_not_of(" \t\r") == std::string_view::npos; }

// Why `line` is not JSON, or nullopt when it is.
std::optional<std::string> json_problem(std::string_view line) {
  if (nlohmann::json::accept(line)) return std::nullopt;
  try {
    nlohmann::json parsed = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    std::size_t p = what.find("] ");
    return "invalid JSON: " + (p == std::string::npos ? what : what.substr(p + 2));
  }
  return "invalid JSON";
}

// Counts one record's result and reports a refusal.
void count_result(ImportCounts& counts, const ImportHooks& hooks, std::uint64_t line,
                  const Result<AppendResult>& result) {
  if (result) {
    ++(result->duplicate ? counts.duplicates : counts.appended);
    return;
  }
  ++counts.refused;
  const ErrorCode code = result.error().code;
  if (code != ErrorCode::rejected && code != ErrorCode::too_large) ++counts.server_errors;
  if (hooks.refused) hooks.refused(line, result.error().message);
}

}  // namespace

ImportReport import_json_lines(int fd, const ImportOptions& options, const ImportHooks& hooks) {
  auto start = std::chrono::steady_clock::now();
  ImportReport report;
  ImportCounts& counts = report.counts;
  auto on_result = [&](std::uint64_t line, const Result<AppendResult>& result) {
    count_result(counts, hooks, line, result);
  };
  auto finish = [&](std::optional<Error> stopped) {
    report.stopped = std::move(stopped);
    report.elapsed = std::chrono::steady_clock::now() - start;
    if (hooks.progress) hooks.progress(counts);
    return report;
  };
  auto sender = BulkSender::connect(options.endpoint, options.ingress, options.bulk, on_result);
  if (!sender) return finish(sender.error());
  BulkSender& out = *sender.value();
  LineReader reader(fd);
  std::string key;
  auto before_wait = [&] {
    if (hooks.progress) hooks.progress(counts);
    return out.flush();
  };
  for (;;) {
    auto next = reader.next(before_wait);
    if (!next) return finish(next.error());
    if (!next.value()) break;
    std::string_view line = *next.value();
    ++counts.lines;
    if (blank(line)) continue;
    ++counts.records;
    if (auto problem = json_problem(line)) {
      count_result(counts, hooks, counts.lines, Error{ErrorCode::rejected, *problem});
      continue;
    }
    if (!options.key_prefix.empty()) key = options.key_prefix + ":" + std::to_string(counts.lines);
    if (auto s = out.add(line, key, counts.lines); !s) return finish(s.error());
    if (hooks.progress && counts.records % 4096 == 0) hooks.progress(counts);
  }
  if (auto s = out.finish(); !s) return finish(s.error());
  return finish(std::nullopt);
}

}  // namespace sfn::runtime::io
