// Whether a host name or address stays on this machine: the rule behind `--insecure` (RUNTIME.md
// §5), shared by the ZeroMQ endpoints (runtime/io) and the metrics endpoint (runtime/metrics).
#pragma once

#include <string_view>

namespace sfn::runtime::transport {

// True for `localhost`, an IPv4 address in 127.0.0.0/8 and ::1 (bare or in brackets, as in
// `[::1]`); a name that only starts like one (127.0.0.1.example) is not.
bool is_loopback_host(std::string_view host);

}  // namespace sfn::runtime::transport
