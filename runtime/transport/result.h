// The runtime's transport and I/O layers use the project's one result type (common/result.h);
// these names keep their code short inside sfn::runtime::transport and sfn::runtime::io.
#pragma once

#include "common/result.h"

namespace sfn::runtime::transport {

using sfn::Error;
using sfn::error_code_name;
using sfn::ErrorCode;
using sfn::ok_status;
using sfn::Result;
using sfn::Status;

}  // namespace sfn::runtime::transport
