#include "runtime/transport/loopback.h"

namespace sfn::runtime::transport {

bool is_loopback_host(std::string_view host) {
  return host == "localhost" || host.starts_with("127.") || host == "::1" || host == "[::1]";
}

}  // namespace sfn::runtime::transport
