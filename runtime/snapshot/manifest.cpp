// MANIFEST writing and verification (manifest.h).
#include "runtime/snapshot/manifest.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>

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

// CRC-32C and size of a whole file, read in chunks.
Result<FileSum> sum_file(const fs::path& path, const std::string& rel) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorCode::io_error, "cannot read " + path.string()};
  FileSum s{rel, 0, 0};
  std::string buf(1 << 16, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    std::streamsize n = in.gcount();
    if (n <= 0) break;
    s.crc = io::crc32c(std::string_view(buf.data(), static_cast<size_t>(n)), s.crc);
    s.size += static_cast<std::uint64_t>(n);
  }
  if (in.bad()) return Error{ErrorCode::io_error, "reading " + path.string() + " failed"};
  return s;
}

// A stamp of a file's identity for the checksum cache: inode, size and modification time.
std::uint64_t stamp_of(const fs::path& path) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return 0;
  const std::uint64_t mtime = static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1'000'000'000ull +
                              static_cast<std::uint64_t>(st.st_mtim.tv_nsec);
  return (static_cast<std::uint64_t>(st.st_ino) * 1000003u) ^ (static_cast<std::uint64_t>(st.st_size) * 7919u) ^ mtime;
}

std::string hex32(std::uint32_t v) {
  char b[9];
  std::snprintf(b, sizeof b, "%08x", v);
  return b;
}

nlohmann::json to_json(const Manifest& m) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : m.files) files.push_back({{"path", f.path}, {"size", f.size}, {"crc32c", hex32(f.crc)}});
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
  for (const auto& f : j.at("files")) {
    FileSum s{f.at("path").get<std::string>(), f.at("size").get<std::uint64_t>(), 0};
    s.crc = static_cast<std::uint32_t>(std::stoul(f.at("crc32c").get<std::string>(), nullptr, 16));
    m.files.push_back(std::move(s));
  }
  return m;
}

Status verify_file(const fs::path& dir, const FileSum& want) {
  const fs::path path = dir / want.path;
  std::error_code ec;
  if (!fs::exists(path, ec)) return corrupt(dir, "file " + want.path + " is missing");
  auto got = sum_file(path, want.path);
  if (!got.ok()) return got.error();
  if (got->size != want.size)
    return corrupt(dir, "file " + want.path + " has " + std::to_string(got->size) + " bytes, MANIFEST says " +
                            std::to_string(want.size));
  if (got->crc != want.crc) return corrupt(dir, "file " + want.path + " does not match its checksum");
  return transport::ok_status();
}

}  // namespace

Status write_manifest(const fs::path& dir, Manifest& m, ChecksumCache* cache) {
  m.files.clear();
  m.bytes = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file() || it->path().filename() == kManifest) continue;
    const std::string rel = fs::relative(it->path(), dir).string();
    const std::string name = it->path().filename().string();  // SST names are unique per DB
    std::uint64_t stamp = stamp_of(it->path());
    FileSum sum;
    auto hit = cache ? cache->find(rel) : ChecksumCache::iterator{};
    if (cache && hit != cache->end() && hit->second.first == stamp && name.ends_with(".sst")) {
      sum = hit->second.second;
    } else {
      auto r = sum_file(it->path(), rel);
      if (!r.ok()) return r.error();
      sum = r.value();
      if (cache) (*cache)[rel] = {stamp, sum};
    }
    m.bytes += sum.size;
    m.files.push_back(std::move(sum));
  }
  if (ec) return io::fs_error("listing", dir, ec);
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
  } catch (const nlohmann::json::exception& e) {
    return corrupt(dir, std::string("MANIFEST is not a valid manifest: ") + e.what());
  }
  if (verify_files)
    for (const auto& f : m.files)
      if (auto s = verify_file(dir, f); !s) return s.error();
  return m;
}

}  // namespace sfn::runtime::snapshot
