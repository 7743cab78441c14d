// MANIFEST writing and verification (manifest.h).
#include "runtime/snapshot/manifest.h"

#include <cstdio>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "runtime/io/durable_file.h"
#include "runtime/io/frame_codec.h"

namespace sfn::runtime::snapshot {
namespace fs = std::filesystem;
using transport::Error;
using transport::ErrorCode;
using transport::Result;
using transport::Status;

namespace {

constexpr const char* kManifest = "MANIFEST";

Error corrupt(const fs::path& dir, const std::string& what) {
  return Error{ErrorCode::corrupt, "snapshot " + dir.string() + ": " + what};
}

// A relative path that stays below its base (no "..", not absolute).
bool safe_relative(const std::string& p) {
  fs::path path(p);
  if (p.empty() || path.is_absolute()) return false;
  for (const auto& part : path)
    if (part == "..") return false;
  return true;
}

std::string hex32(std::uint32_t v) {
  char b[9];
  std::snprintf(b, sizeof b, "%08x", v);
  return b;
}

nlohmann::json to_json(const Manifest& m) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : m.files) {
    nlohmann::json file = {{"path", f.path}, {"size", f.size}, {"crc32c", hex32(f.crc)}};
    if (!f.stored.empty()) file["stored"] = f.stored;
    files.push_back(std::move(file));
  }
  return {{"epoch", m.epoch},
          {"program_version", m.program_version},
          {"state_schema", m.state_schema},
          {"workers", m.workers},
          {"key_groups", m.key_groups},
          {"virtual_clock_ns", m.virtual_clock_ns},
          {"ingress_offsets", m.ingress_offsets},
          {"egress_offsets", m.egress_offsets},
          {"created_unix_ms", m.created_unix_ms},
          {"duration_ms", m.duration_ms},
          {"bytes", m.bytes},
          {"bytes_new", m.bytes_new},
          {"files", files}};
}

Manifest from_json(const nlohmann::json& j) {
  Manifest m;
  m.epoch = j.at("epoch").get<std::uint64_t>();
  m.program_version = j.at("program_version").get<std::string>();
  m.state_schema = j.at("state_schema").get<std::string>();
  m.workers = j.at("workers").get<unsigned>();
  m.key_groups = j.at("key_groups").get<std::uint32_t>();
  m.virtual_clock_ns = j.at("virtual_clock_ns").get<std::int64_t>();
  m.ingress_offsets = j.at("ingress_offsets").get<std::map<std::string, std::uint64_t>>();
  m.egress_offsets = j.value("egress_offsets", std::map<std::string, std::uint64_t>{});
  m.created_unix_ms = j.at("created_unix_ms").get<std::int64_t>();
  m.duration_ms = j.at("duration_ms").get<std::int64_t>();
  m.bytes = j.at("bytes").get<std::uint64_t>();
  m.bytes_new = j.value("bytes_new", std::uint64_t{0});
  for (const auto& f : j.at("files")) {
    FileSum s{f.at("path").get<std::string>(), f.at("size").get<std::uint64_t>(), 0, f.value("stored", "")};
    if (!safe_relative(s.path) || (!s.stored.empty() && !safe_relative(s.stored)))
      throw std::invalid_argument("file path " + s.path + " leaves the snapshot");
    s.crc = static_cast<std::uint32_t>(std::stoul(f.at("crc32c").get<std::string>(), nullptr, 16));
    m.files.push_back(std::move(s));
  }
  return m;
}

Status verify_file(const fs::path& dir, const FileSum& want) {
  const fs::path path = want.stored.empty() ? dir / want.path : dir.parent_path() / want.stored;
  const std::string name = want.stored.empty() ? want.path : want.stored + " (" + want.path + ")";
  auto got = io::digest_file(path);
  if (!got.ok() && got.error().code == ErrorCode::not_found) return corrupt(dir, "file " + name + " is missing");
  if (!got.ok()) return got.error();
  if (got->size != want.size)
    return corrupt(dir, "file " + name + " has " + std::to_string(got->size) + " bytes, MANIFEST says " +
                            std::to_string(want.size));
  if (got->crc != want.crc) return corrupt(dir, "file " + name + " does not match its checksum");
  return transport::ok_status();
}

}  // namespace

Status write_manifest(const fs::path& dir, const Manifest& m) {
  std::string text = to_json(m).dump(1);
  text += "\ncrc32c " + hex32(io::crc32c(text)) + "\n";
  return io::write_file_durably(dir / kManifest, text);
}

Result<Manifest> read_manifest(const fs::path& dir, bool verify_files) {
  auto text = io::read_small_file(dir / kManifest, 64u << 20);
  if (!text.ok()) {
    if (text.error().code == ErrorCode::not_found) return corrupt(dir, "no MANIFEST (the snapshot never completed)");
    return text.error();
  }
  const std::string& t = text.value();
  size_t line = t.rfind("\ncrc32c ");
  if (line == std::string::npos || t.size() < line + 17 || t.back() != '\n')
    return corrupt(dir, "MANIFEST has no checksum line (torn write?)");
  std::string body = t.substr(0, line);
  if (t.substr(line + 8, 8) != hex32(io::crc32c(body))) return corrupt(dir, "MANIFEST does not match its checksum");
  Manifest m;
  try {
    m = from_json(nlohmann::json::parse(body));
  } catch (const std::exception& e) {  // nlohmann::json's, or a path that leaves the store
    return corrupt(dir, std::string("MANIFEST is not a valid manifest: ") + e.what());
  }
  if (verify_files)
    for (const auto& f : m.files)
      if (auto s = verify_file(dir, f); !s) return s.error();
  return m;
}

}  // namespace sfn::runtime::snapshot
