// Helper process for the crash-restart tests: appends records "record-<i>" with idempotency key
// "key-<i>" to the ingress-style log in argv[1] for i = argv[2], argv[2]+1, ... forever, and
// prints "<i> <offset>" after each acknowledged (fsynced) append. The test kills it with
// SIGKILL mid-stream and then checks that every acknowledged record survived.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/io/record_log.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: log_append_helper DIR FIRST_INDEX\n");
    return 2;
  }
  auto log = sfn::runtime::io::RecordLog::open(argv[1], {.idempotency_keys = true, .segment_bytes = 4096});
  if (!log) {
    std::fprintf(stderr, "open: %s\n", log.error().message.c_str());
    return 1;
  }
  for (long i = std::atol(argv[2]);; ++i) {
    std::string payload = "record-" + std::to_string(i);
    std::string key = "key-" + std::to_string(i);
    auto r = log.value()->append(payload, key);
    if (!r) {
      std::fprintf(stderr, "append: %s\n", r.error().message.c_str());
      return 1;
    }
    std::printf("%ld %llu\n", i, static_cast<unsigned long long>(r->offset));
    std::fflush(stdout);
  }
}
