// Worker snapshot files (worker_file.h). Frames: number 1 = an in-flight message (payload: the
// channel record); number 2 = an egress record's name (key) and Protobuf payload, always
// followed by number 3 = its source address (key) and JSON text (payload).
#include "runtime/snapshot/worker_file.h"

#include "runtime/io/durable_file.h"
#include "runtime/io/frame_codec.h"

namespace sfn::runtime::snapshot {
using transport::Error;
using transport::ErrorCode;
using transport::Result;

namespace {
enum Kind : std::uint64_t { kMessage = 1, kEgress = 2, kEgressSource = 3 };
}

void append_message(std::string& out, std::string_view record) { io::encode_frame(out, kMessage, {}, record); }

void append_egress(std::string& out, const std::vector<EgressRecord>& egress) {
  for (const auto& e : egress) {
    io::encode_frame(out, kEgress, e.egress, e.payload);
    io::encode_frame(out, kEgressSource, e.source, e.json);
  }
}

std::string encode_worker_snapshot(const WorkerSnapshot& ws) {
  std::string out;
  for (const auto& m : ws.messages) append_message(out, m);
  append_egress(out, ws.egress);
  return out;
}

Result<WorkerSnapshot> decode_worker_snapshot(std::string_view bytes, const std::string& what) {
  WorkerSnapshot ws;
  for (std::size_t n = 0; !bytes.empty(); ++n) {
    auto f = io::decode_frame(bytes);
    auto bad = [&] { return Error{ErrorCode::corrupt, what + ": record " + std::to_string(n) + " is damaged"}; };
    if (!f) return bad();
    bytes.remove_prefix(f->size);
    if (f->number == kMessage) {
      ws.messages.emplace_back(f->payload);
    } else if (f->number == kEgress) {
      auto g = io::decode_frame(bytes);
      if (!g || g->number != kEgressSource) return bad();
      bytes.remove_prefix(g->size);
      EgressRecord r;
      r.egress = f->key;
      r.payload = f->payload;
      r.source = g->key;
      r.json = g->payload;
      ws.egress.push_back(std::move(r));
    } else {
      return bad();
    }
  }
  return ws;
}

transport::Status write_worker_snapshot(const std::filesystem::path& path, const WorkerSnapshot& ws) {
  return io::write_file_durably(path, encode_worker_snapshot(ws));
}

transport::Status write_worker_snapshot(const std::filesystem::path& path, std::string_view bytes) {
  return io::write_file_durably(path, bytes);
}

Result<WorkerSnapshot> read_worker_snapshot(const std::filesystem::path& path) {
  auto bytes = io::read_small_file(path, std::size_t{4} << 30);
  if (!bytes.ok()) return bytes.error();
  return decode_worker_snapshot(bytes.value(), path.string());
}

}  // namespace sfn::runtime::snapshot
