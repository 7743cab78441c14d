// Error values of the runtime's transport and I/O layers. Every fallible call in
// runtime/transport and runtime/io returns a Result<T> (or Status) instead of throwing, so a
// user-caused problem (an unreachable endpoint, a corrupt file, an unknown ingress) is data the
// caller reports, never an abort. runtime/io reuses these types so the two folders share one home.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sfn::runtime::transport {

// What kind of failure an Error is; callers branch on this, the message is for humans.
enum class ErrorCode {
  would_block,       // a bounded queue is full; retry after draining your own inbox
  timeout,           // nothing answered / arrived within the deadline
  closed,            // the peer or the object was shut down
  io_error,          // a syscall or ZeroMQ call failed (message names the call and errno text)
  corrupt,           // bytes on disk or on the wire failed validation (CRC, framing)
  invalid_argument,  // the caller passed something unusable (bad name, bad endpoint)
  not_found,         // the named thing (ingress, egress, instance) does not exist
  rejected,          // the server refused the request (e.g. an undecodable ingress record)
  too_large,         // a record is larger than the limit it was sent to (e.g. --max-record-bytes)
};

// Returns the stable lower-case name of `code` ("would_block", "io_error", ...).
const char* error_code_name(ErrorCode code);

// A failure: a code plus a complete, human-readable sentence naming what failed.
struct Error {
  ErrorCode code;
  std::string message;
};

// Either a value or an Error. Accessing value() of an error result is a programming error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
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

}  // namespace sfn::runtime::transport
