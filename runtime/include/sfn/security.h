// The public face of the runtime's CurveZMQ security (decision 122) for the `sfn` driver:
// what `sfn keygen` needs, without the transport's own headers.
#pragma once

#include <string>

namespace sfn::runtime {

// Generates a key pair and writes `base`.key (secret, mode 0600) and `base`.pub. Returns the exit
// status of `sfn keygen`: 0 written (`public_key` set), 1 not written, 2 a file exists without
// `overwrite`; `error` says why.
int write_new_curve_key_pair(const std::string& base, bool overwrite, std::string* public_key, std::string* error);

}  // namespace sfn::runtime
