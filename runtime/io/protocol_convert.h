// Conversions between the plain C++ protocol views (protocol.h) and the generated Protobuf
// messages of runtime/proto/client.proto. Private to runtime/io.
#pragma once

#include "client.pb.h"
#include "runtime/io/protocol.h"

namespace sfn::runtime::io::detail {

void to_proto(const StatusReport& report, proto::StatusReply& out);
StatusReport from_proto(const proto::StatusReply& reply);

// Maps a reply's ErrorReply to an Error with a matching ErrorCode.
transport::Error from_proto(const proto::ErrorReply& error, const std::string& endpoint);

}  // namespace sfn::runtime::io::detail
