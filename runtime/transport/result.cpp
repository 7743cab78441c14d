// Names of transport/io error codes, for messages and tests.
#include "runtime/transport/result.h"

namespace sfn::runtime::transport {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::would_block: return "would_block";
    case ErrorCode::timeout: return "timeout";
    case ErrorCode::closed: return "closed";
    case ErrorCode::io_error: return "io_error";
    case ErrorCode::corrupt: return "corrupt";
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::rejected: return "rejected";
    case ErrorCode::too_large: return "too_large";
  }
  return "unknown";
}

}  // namespace sfn::runtime::transport
