// The project's one result type (docs/decisions/142-one-result-type.md): every fallible call
// outside the module C ABI and the compiler's diagnostics sink returns a Result<T> (a value or
// an Error) or a Status (success or an Error), never throws for a user-caused problem, and
// never reports through out-parameters. An Error is a code callers branch on plus one complete
// sentence for humans naming what failed. Header-only: every layer may include it.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sfn {

// What kind of failure an Error is; callers branch on this, the message is for humans.
enum class ErrorCode {
  would_block,       // a bounded queue is full; retry after draining your own inbox
  timeout,           // nothing answered / arrived within the deadline
  closed,            // the peer or the object was shut down
  io_error,          // a syscall or library call failed (message names the call and errno text)
  corrupt,           // bytes on disk or on the wire failed validation (CRC, framing)
  invalid_argument,  // the caller passed something unusable (bad name, bad endpoint, bad record)
  not_found,         // the named thing (ingress, egress, instance, file) does not exist
  rejected,          // the server refused the request (e.g. an undecodable ingress record)
  too_large,         // a record is larger than the limit it was sent to (e.g. --max-record-bytes)
  incompatible,      // the program, layout or data is of another version than the one required
  failed,            // anything else (the message says what)
};

// The stable lower-case name of `code` ("would_block", "io_error", ...).
constexpr const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::would_block:
      return "would_block";
    case ErrorCode::timeout:
      return "timeout";
    case ErrorCode::closed:
      return "closed";
    case ErrorCode::io_error:
      return "io_error";
    case ErrorCode::corrupt:
      return "corrupt";
    case ErrorCode::invalid_argument:
      return "invalid_argument";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::rejected:
      return "rejected";
    case ErrorCode::too_large:
      return "too_large";
    case ErrorCode::incompatible:
      return "incompatible";
    case ErrorCode::failed:
      return "failed";
  }
  return "unknown";
}

// A failure: a code plus a complete, human-readable sentence naming what failed.
struct Error {
  ErrorCode code = ErrorCode::failed;
  std::string message;
};

// Either a value or an Error. Accessing value() of an error result is a programming error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

// Success or an Error, for calls without a value.
using Status = Result<std::monostate>;

// The successful Status.
inline Status ok_status() { return Status(std::monostate{}); }

}  // namespace sfn
