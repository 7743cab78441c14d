// Conversions between protocol.h structs and client.proto messages (protocol_convert.h).
#include "runtime/io/protocol_convert.h"

namespace sfn::runtime::io::detail {

namespace {
void logs_to_proto(const std::vector<LogStatus>& logs, google::protobuf::RepeatedPtrField<proto::LogStatus>* out) {
  for (const auto& l : logs) {
    auto* p = out->Add();
    p->set_name(l.name);
    p->set_start_offset(l.start_offset);
    p->set_end_offset(l.end_offset);
  }
}
std::vector<LogStatus> logs_from_proto(const google::protobuf::RepeatedPtrField<proto::LogStatus>& in) {
  std::vector<LogStatus> out;
  for (const auto& p : in) out.push_back({p.name(), p.start_offset(), p.end_offset()});
  return out;
}
}  // namespace

void to_proto(const StatusReport& report, proto::StatusReply& out) {
  out.set_current_epoch(report.current_epoch);
  out.set_last_committed_epoch(report.last_committed_epoch);
  if (report.last_snapshot_time)
    out.set_last_snapshot_unix_ms(
        std::chrono::duration_cast<std::chrono::milliseconds>(report.last_snapshot_time->time_since_epoch()).count());
  out.set_last_snapshot_duration_ms(report.last_snapshot_duration_ms);
  out.set_last_snapshot_bytes(report.last_snapshot_bytes);
  out.set_recovery(report.recovery);
  out.set_version(report.version);
  out.set_reloads(report.reloads);
  out.set_last_reload_pause_ms(report.last_reload_pause_ms);
  out.set_curve(report.curve);
  out.set_refused_clients(report.refused_clients);
  out.set_key_groups(report.key_groups);
  for (const auto& w : report.workers) {
    auto* p = out.add_workers();
    p->set_id(w.id);
    p->set_key_groups(w.key_groups);
    p->set_queue_depth(w.queue_depth);
    p->set_invocations(w.invocations);
    p->set_endpoint(w.endpoint);
    p->set_heartbeat_age_ms(w.heartbeat_age_ms);
    p->set_last_snapshot_shipped_bytes(w.last_snapshot_shipped_bytes);
    p->set_snapshot_shipped_bytes(w.snapshot_shipped_bytes);
    p->set_cache_bytes(w.cache.bytes);
    p->set_cache_instances(w.cache.instances);
    p->set_cache_limit_bytes(w.cache.limit_bytes);
    p->set_cache_hits(w.cache.hits);
    p->set_cache_misses(w.cache.misses);
    p->set_cache_evictions(w.cache.evictions);
  }
  logs_to_proto(report.ingresses, out.mutable_ingresses());
  logs_to_proto(report.egresses, out.mutable_egresses());
}

StatusReport from_proto(const proto::StatusReply& reply) {
  StatusReport r;
  r.current_epoch = reply.current_epoch();
  r.last_committed_epoch = reply.last_committed_epoch();
  if (reply.last_snapshot_unix_ms() != 0)
    r.last_snapshot_time =
        std::chrono::system_clock::time_point(std::chrono::milliseconds(reply.last_snapshot_unix_ms()));
  r.last_snapshot_duration_ms = reply.last_snapshot_duration_ms();
  r.last_snapshot_bytes = reply.last_snapshot_bytes();
  r.recovery = reply.recovery();
  r.version = reply.version();
  r.reloads = reply.reloads();
  r.last_reload_pause_ms = reply.last_reload_pause_ms();
  r.curve = reply.curve();
  r.refused_clients = reply.refused_clients();
  r.key_groups = reply.key_groups();
  for (const auto& w : reply.workers())
    r.workers.push_back({w.id(), w.key_groups(), w.queue_depth(), w.invocations(), w.endpoint(), w.heartbeat_age_ms(),
                         w.last_snapshot_shipped_bytes(), w.snapshot_shipped_bytes(),
                         CacheStatus{w.cache_bytes(), w.cache_instances(), w.cache_limit_bytes(), w.cache_hits(),
                                     w.cache_misses(), w.cache_evictions()}});
  r.ingresses = logs_from_proto(reply.ingresses());
  r.egresses = logs_from_proto(reply.egresses());
  return r;
}

transport::Error from_proto(const proto::ErrorReply& error, const std::string& endpoint) {
  using transport::ErrorCode;
  ErrorCode code = ErrorCode::io_error;
  switch (error.kind()) {
    case proto::ERROR_UNKNOWN_INGRESS:
    case proto::ERROR_NOT_FOUND:
      code = ErrorCode::not_found;
      break;
    case proto::ERROR_UNDECODABLE:
      code = ErrorCode::rejected;
      break;
    case proto::ERROR_TOO_LARGE:
      code = ErrorCode::too_large;
      break;
    case proto::ERROR_BAD_REQUEST:
      code = ErrorCode::invalid_argument;
      break;
    case proto::ERROR_UNAVAILABLE:
      code = ErrorCode::closed;
      break;
    default:
      code = ErrorCode::io_error;
      break;
  }
  return {code, error.message()};
}

}  // namespace sfn::runtime::io::detail
