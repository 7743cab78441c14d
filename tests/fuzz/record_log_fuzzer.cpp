// Fuzz target: bytes as the files of a record log directory (runtime/io/record_log.h). The first
// byte holds flags: bit 0 opens with idempotency keys, bit 1 fixes up the CRC of every frame (so
// inputs get past the checksum to the rest of the format), bit 2 splits the rest at the second
// byte's fraction into the segment file and the `keys` file. Opening must fail cleanly or give a
// log whose records read back with consecutive offsets, which takes one more append and opens
// again with it.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/io/frame_codec.h"
#include "runtime/io/record_log.h"

namespace {

namespace fs = std::filesystem;
using namespace sfn::runtime::io;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "record log: %s\n", what.c_str());
  std::abort();
}

void fix_crcs(std::string& seg) {
  for (std::size_t at = 0; at + kFrameHeader <= seg.size();) {
    std::uint32_t len;
    std::memcpy(&len, seg.data() + at, 4);
    if (len > seg.size() - at - kFrameHeader) return;
    std::uint32_t crc = crc32c(std::string_view(seg).substr(at + kFrameHeader, len));
    std::memcpy(seg.data() + at + 4, &crc, 4);
    at += kFrameHeader + len;
  }
}

// Reads every record; checks the offsets run from start_offset() to end_offset().
std::uint64_t read_all(const RecordLog& log, std::string* last) {
  std::uint64_t next = log.start_offset();
  auto r = log.read(0, SIZE_MAX, [&](std::uint64_t offset, std::string_view payload, std::string_view) {
    if (offset != next) finding("offset " + std::to_string(offset) + " where " + std::to_string(next) + " was next");
    ++next;
    last->assign(payload);
    return true;
  });
  if (!r) finding("read: " + r.error().message);
  if (next != log.end_offset()) finding("read stops before end_offset()");
  return r.value();
}

fs::path scratch() {
  fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
  return base / ("sfn_record_log_fuzzer_" + std::to_string(::getpid()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::uint8_t flags = data[0];
  std::string rest(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::size_t split = flags & 4 ? rest.size() * data[1] / 256 : rest.size();
  std::string seg = rest.substr(0, split), keys = rest.substr(split);
  if (flags & 2) fix_crcs(seg);
  const fs::path dir = scratch();
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "00000000000000000000.seg", std::ios::binary) << seg;
  if (flags & 4) std::ofstream(dir / "keys", std::ios::binary) << keys;
  LogOptions options;
  options.idempotency_keys = flags & 1;
  std::uint64_t end = 0;
  {
    auto log = RecordLog::open(dir, options);
    if (!log) return 0;  // refused with an error: fine
    std::string last;
    read_all(*log.value(), &last);
    auto appended = log.value()->append("fuzz");
    if (!appended) finding("append after open: " + appended.error().message);
    end = log.value()->end_offset();
  }
  auto again = RecordLog::open(dir, options);
  if (!again) finding("cannot open again: " + again.error().message);
  std::string last;
  read_all(*again.value(), &last);
  if (again.value()->end_offset() != end || last != "fuzz") finding("the appended record did not survive");
  fs::remove_all(dir);
  return 0;
}
