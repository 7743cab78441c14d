// Tests of the durable record log with real files: round trips, reopen, torn tails, mid-log
// corruption, durability and idempotency across a real SIGKILLed process, group commit with
// concurrent appenders, truncate-before, and exclusive opening.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "runtime/io/frame_codec.h"
#include "runtime/io/record_log.h"
#include "test_util.h"

namespace sfn::runtime::io {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;
namespace fs = std::filesystem;

std::vector<std::pair<std::uint64_t, std::string>> read_all(const RecordLog& log, std::uint64_t from = 0) {
  std::vector<std::pair<std::uint64_t, std::string>> out;
  auto r = log.read(from, 1u << 30, [&](std::uint64_t off, std::string_view p, std::string_view) {
    out.emplace_back(off, std::string(p));
    return true;
  });
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return out;
}

std::filesystem::path only_segment(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> segs;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".seg") segs.push_back(e.path());
  EXPECT_EQ(segs.size(), 1u);
  return segs.empty() ? std::filesystem::path() : segs.front();
}

TEST(Crc32c, MatchesKnownVector) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(""), 0u);
  EXPECT_EQ(crc32c("56789", crc32c("1234")), 0xE3069283u);
}

TEST(RecordLog, AppendReadAndReopen) {
  TempDir dir;
  {
    auto log = RecordLog::open(dir.path()).value();
    EXPECT_EQ(log->end_offset(), 0u);
    for (int i = 0; i < 300; ++i) {
      auto r = log->append("payload-" + std::to_string(i));
      ASSERT_TRUE(r.ok());
      EXPECT_EQ(r->offset, static_cast<std::uint64_t>(i));
      EXPECT_FALSE(r->duplicate);
    }
    auto all = read_all(*log);
    ASSERT_EQ(all.size(), 300u);
    EXPECT_EQ(all[299].second, "payload-299");
    auto tail = read_all(*log, 170);  // starts between sparse index points
    ASSERT_EQ(tail.size(), 130u);
    EXPECT_EQ(tail.front().first, 170u);
    EXPECT_EQ(tail.front().second, "payload-170");
    std::size_t seen = 0;
    auto limited = log->read(10, 5, [&](std::uint64_t, std::string_view, std::string_view) {
      ++seen;
      return true;
    });
    EXPECT_EQ(limited.value(), 5u);
    EXPECT_EQ(seen, 5u);
  }
  auto log = RecordLog::open(dir.path()).value();
  EXPECT_EQ(log->end_offset(), 300u);
  EXPECT_EQ(log->recovery().torn_bytes_truncated, 0u);
  EXPECT_EQ(log->append("after").value().offset, 300u);
  EXPECT_EQ(read_all(*log).back().second, "after");
}

TEST(RecordLog, TornTailIsTruncatedOnOpen) {
  TempDir dir;
  {
    auto log = RecordLog::open(dir.path()).value();
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(log->append("r" + std::to_string(i)).ok());
  }
  auto seg = only_segment(dir.path());
  auto good_size = std::filesystem::file_size(seg);
  {
    // Half a frame: a plausible header whose body never made it to disk.
    std::ofstream out(seg, std::ios::binary | std::ios::app);
    const char partial[] = {40, 0, 0, 0, 1, 2, 3, 4, 3, 0, 0};
    out.write(partial, sizeof partial);
  }
  auto log = RecordLog::open(dir.path()).value();
  EXPECT_EQ(log->recovery().torn_bytes_truncated, 11u);
  EXPECT_EQ(std::filesystem::file_size(seg), good_size);
  EXPECT_EQ(log->end_offset(), 3u);
  EXPECT_EQ(log->append("r3").value().offset, 3u);
  auto all = read_all(*log);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all[3].second, "r3");
}

TEST(RecordLog, CorruptLastRecordIsCutButCorruptMiddleIsAnError) {
  TempDir dir;
  {
    auto log = RecordLog::open(dir.path(), {.segment_bytes = 64}).value();
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(log->append("record-" + std::to_string(i)).ok());
  }
  std::vector<std::filesystem::path> segs;
  for (auto& e : std::filesystem::directory_iterator(dir.path()))
    if (e.path().extension() == ".seg") segs.push_back(e.path());
  std::sort(segs.begin(), segs.end());
  ASSERT_GE(segs.size(), 3u);
  auto flip_last_byte = [](const std::filesystem::path& p) {
    std::fstream f(p, std::ios::binary | std::ios::in | std::ios::out);
    f.seekg(-1, std::ios::end);
    char c;
    f.get(c);
    f.seekp(-1, std::ios::end);
    f.put(static_cast<char>(c ^ 0x5a));
  };
  flip_last_byte(segs.back());  // the last record's payload: fails its CRC
  {
    auto log = RecordLog::open(dir.path()).value();
    EXPECT_GT(log->recovery().torn_bytes_truncated, 0u);
    EXPECT_EQ(log->end_offset(), 9u);
  }
  flip_last_byte(segs.front());  // a sealed segment: never silently skipped
  auto broken = RecordLog::open(dir.path());
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, ErrorCode::corrupt);
  EXPECT_NE(broken.error().message.find(segs.front().filename().string()), std::string::npos);
}

// Starts the helper, lets it acknowledge at least `acks` appends, SIGKILLs it, and returns the
// acknowledged (index, offset) pairs it printed.
std::vector<std::pair<long, std::uint64_t>> run_and_kill_helper(const std::filesystem::path& dir, long first,
                                                                std::size_t acks) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], 1);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string first_s = std::to_string(first);
    ::execl(SFN_LOG_APPEND_HELPER, SFN_LOG_APPEND_HELPER, dir.c_str(), first_s.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::vector<std::pair<long, std::uint64_t>> acked;
  FILE* in = ::fdopen(fds[0], "r");
  long index;
  unsigned long long offset;
  while (acked.size() < acks && std::fscanf(in, "%ld %llu", &index, &offset) == 2) acked.emplace_back(index, offset);
  ::kill(pid, SIGKILL);  // mid-stream: it is appending as fast as it can
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Acks printed before the kill landed count too.
  while (std::fscanf(in, "%ld %llu", &index, &offset) == 2) acked.emplace_back(index, offset);
  ::fclose(in);
  EXPECT_TRUE(WIFSIGNALED(status));
  return acked;
}

TEST(RecordLog, AcknowledgedRecordsSurviveSigkilledProcess) {
  TempDir dir;
  auto acked = run_and_kill_helper(dir.path(), 0, 300);
  ASSERT_GE(acked.size(), 300u);
  {
    auto log = RecordLog::open(dir.path(), {.idempotency_keys = true}).value();
    auto all = read_all(*log);
    ASSERT_GE(all.size(), acked.size());
    for (auto& [i, off] : acked) {
      ASSERT_LT(off, all.size());
      EXPECT_EQ(all[off].second, "record-" + std::to_string(i));
    }
    // Idempotency keys survived too: re-sending acknowledged keys appends nothing.
    auto end = log->end_offset();
    for (std::size_t k = 0; k < acked.size(); k += 37) {
      auto r = log->append("again", "key-" + std::to_string(acked[k].first));
      ASSERT_TRUE(r.ok());
      EXPECT_TRUE(r->duplicate);
      EXPECT_EQ(r->offset, acked[k].second);
    }
    EXPECT_EQ(log->end_offset(), end);
  }
  // A second run continues after the recovered tail.
  auto more = run_and_kill_helper(dir.path(), 100000, 50);
  auto log = RecordLog::open(dir.path(), {.idempotency_keys = true}).value();
  auto all = read_all(*log);
  for (auto& [i, off] : more) EXPECT_EQ(all.at(off).second, "record-" + std::to_string(i));
}

TEST(RecordLog, IdempotencyKeysDeduplicateAndSurviveRestart) {
  TempDir dir;
  {
    auto log = RecordLog::open(dir.path(), {.idempotency_keys = true}).value();
    EXPECT_EQ(log->append("a", "k1").value().offset, 0u);
    EXPECT_EQ(log->append("b").value().offset, 1u);
    EXPECT_EQ(log->append("b").value().offset, 2u);  // no key: never deduplicated
    auto dup = log->append("a-again", "k1").value();
    EXPECT_TRUE(dup.duplicate);
    EXPECT_EQ(dup.offset, 0u);
    std::vector<AppendRequest> batch = {{"x", "k2"}, {"y", "k2"}, {"z", "k1"}, {"w", ""}};
    auto results = log->append_batch(batch);
    ASSERT_EQ(results.size(), 4u);
    EXPECT_EQ(results[0].value().offset, 3u);
    EXPECT_FALSE(results[0].value().duplicate);
    EXPECT_TRUE(results[1].value().duplicate);
    EXPECT_EQ(results[1].value().offset, 3u);
    EXPECT_TRUE(results[2].value().duplicate);
    EXPECT_EQ(results[3].value().offset, 4u);
    EXPECT_EQ(log->end_offset(), 5u);
  }
  auto log = RecordLog::open(dir.path(), {.idempotency_keys = true}).value();
  auto dup = log->append("x2", "k2").value();
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.offset, 3u);
  EXPECT_EQ(log->append("new", "k3").value().offset, 5u);
}

TEST(RecordLog, ConcurrentAppendersShareSyncs) {
  TempDir dir;
  auto log = RecordLog::open(dir.path()).value();
  constexpr int kThreads = 8, kEach = 200;
  std::atomic<bool> go{false};
  std::vector<std::vector<std::uint64_t>> offsets(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      while (!go.load()) std::this_thread::yield();
      for (int i = 0; i < kEach; ++i) {
        auto r = log->append("t" + std::to_string(t) + "-" + std::to_string(i));
        ASSERT_TRUE(r.ok());
        offsets[t].push_back(r->offset);
      }
    });
  go = true;
  for (auto& th : threads) th.join();
  std::set<std::uint64_t> all;
  for (auto& v : offsets) {
    for (std::size_t i = 1; i < v.size(); ++i) EXPECT_LT(v[i - 1], v[i]);  // per-thread order
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kEach));
  EXPECT_EQ(*all.rbegin(), static_cast<std::uint64_t>(kThreads * kEach - 1));
  auto records = read_all(*log);
  ASSERT_EQ(records.size(), static_cast<std::size_t>(kThreads * kEach));
  for (int t = 0; t < kThreads; ++t)
    for (int i = 0; i < kEach; ++i)
      EXPECT_EQ(records[offsets[t][i]].second, "t" + std::to_string(t) + "-" + std::to_string(i));
  // Group commit: fewer fsyncs than appends.
  EXPECT_LT(log->syncs(), static_cast<std::uint64_t>(kThreads * kEach));
  std::printf("group commit: %d appends, %llu syncs\n", kThreads * kEach,
              static_cast<unsigned long long>(log->syncs()));

  // A batch is one sync.
  auto before = log->syncs();
  std::vector<std::string> payloads(100, "batched");
  std::vector<AppendRequest> batch;
  for (auto& p : payloads) batch.push_back({p, {}});
  for (auto& r : log->append_batch(batch)) ASSERT_TRUE(r.ok());
  EXPECT_EQ(log->syncs(), before + 1);
}

TEST(RecordLog, TruncateBeforeDropsWholeSegmentsAndKeepsKeys) {
  TempDir dir;
  {
    auto log = RecordLog::open(dir.path(), {.idempotency_keys = true, .segment_bytes = 200}).value();
    for (int i = 0; i < 100; ++i)
      ASSERT_TRUE(log->append("value-" + std::to_string(i), "key-" + std::to_string(i)).ok());
    ASSERT_TRUE(log->truncate_before(50).ok());
    EXPECT_GT(log->start_offset(), 0u);
    EXPECT_LE(log->start_offset(), 50u);
    auto rest = read_all(*log);  // from 0: clamped to the start
    ASSERT_FALSE(rest.empty());
    EXPECT_EQ(rest.front().first, log->start_offset());
    EXPECT_EQ(rest.back().first, 99u);
    EXPECT_TRUE(log->append("x", "key-3").value().duplicate);
    ASSERT_TRUE(log->truncate_before(10).ok());  // already before the start: no-op
  }
  auto log = RecordLog::open(dir.path(), {.idempotency_keys = true, .segment_bytes = 200}).value();
  EXPECT_GT(log->start_offset(), 0u);
  EXPECT_EQ(log->end_offset(), 100u);
  auto dup = log->append("x", "key-3").value();  // its record is gone, its key is not
  EXPECT_TRUE(dup.duplicate);
  EXPECT_EQ(dup.offset, 3u);
  EXPECT_EQ(log->append("y", "key-new").value().offset, 100u);
  // Truncating past everything keeps the active segment.
  ASSERT_TRUE(log->truncate_before(1000).ok());
  EXPECT_LE(log->start_offset(), 100u);
  EXPECT_EQ(read_all(*log).back().second, "y");
}

// Numbered keys (`--input` lines, `sfn send --file`) are kept as runs, and a dropped segment's
// run is one frame of the keys file: every key is still known after a reopen, and a run that
// goes on past the truncation point is cut there (decision 132).
TEST(RecordLog, TruncatedNumberedKeysAreKeptAsRuns) {
  TempDir dir;
  const LogOptions options{.idempotency_keys = true, .segment_bytes = 400};
  {
    auto log = RecordLog::open(dir.path(), options).value();
    for (int i = 1; i <= 300; ++i)
      ASSERT_TRUE(log->append("v" + std::to_string(i), "input:ab:0:" + std::to_string(i)).ok());
    ASSERT_TRUE(log->append("w", "other").ok());
    ASSERT_TRUE(log->truncate_before(200).ok());
    EXPECT_GT(log->start_offset(), 0u);
  }
  EXPECT_LT(fs::file_size(dir.path() / "keys"), 200u);  // one frame, not one per key
  auto log = RecordLog::open(dir.path(), options).value();
  for (int i = 1; i <= 300; ++i) {
    auto dup = log->append("x", "input:ab:0:" + std::to_string(i)).value();
    ASSERT_TRUE(dup.duplicate) << i;
    ASSERT_EQ(dup.offset, static_cast<std::uint64_t>(i - 1));
  }
  EXPECT_EQ(log->find_key("other"), std::optional<std::uint64_t>(300));
  EXPECT_FALSE(log->append("y", "input:ab:0:301").value().duplicate);
}

// Issue 23: the keys of dropped records live only in the keys file; deleting it must not make
// their records acceptable again.
TEST(RecordLog, AMissingKeysFileAfterDroppedSegmentsIsRefused) {
  TempDir dir;
  const LogOptions options{.idempotency_keys = true, .segment_bytes = 200};
  {
    auto log = RecordLog::open(dir.path(), options).value();
    for (int i = 0; i < 100; ++i)
      ASSERT_TRUE(log->append("value-" + std::to_string(i), "key-" + std::to_string(i)).ok());
    ASSERT_TRUE(log->truncate_before(50).ok());
  }
  fs::remove(dir.path() / "keys");
  auto refused = RecordLog::open(dir.path(), options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::corrupt);
  EXPECT_NE(refused.error().message.find((dir.path() / "keys").string() + " is missing"), std::string::npos)
      << refused.error().message;
  // Created empty on purpose, the log opens: the dropped keys are gone, the kept ones are not.
  std::ofstream(dir.path() / "keys").flush();
  auto log = RecordLog::open(dir.path(), options).value();
  EXPECT_FALSE(log->append("x", "key-3").value().duplicate);
  EXPECT_TRUE(log->append("y", "key-99").value().duplicate);
}

TEST(RecordLog, AMissingKeysFileOfAWholeLogIsNoLoss) {
  TempDir dir;
  const LogOptions options{.idempotency_keys = true};
  {
    auto log = RecordLog::open(dir.path(), options).value();
    ASSERT_TRUE(log->append("value", "key").ok());
  }
  fs::remove(dir.path() / "keys");  // never written: nothing was dropped
  auto log = RecordLog::open(dir.path(), options);
  ASSERT_TRUE(log.ok()) << log.error().message;
  EXPECT_TRUE(log.value()->append("again", "key").value().duplicate);
}

TEST(RecordLog, OneProcessAtATimeAndWaitBeyond) {
  TempDir dir;
  auto log = RecordLog::open(dir.path()).value();
  auto second = RecordLog::open(dir.path());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("in use"), std::string::npos);
  EXPECT_FALSE(log->wait_beyond(0, 20ms));
  const pid_t waiting = ::gettid();
  std::thread t([&] {
    // Appends once wait_beyond waits on its condition variable (it would return at once for a
    // record appended before).
    EXPECT_TRUE(testing::wait_until_blocked_in(waiting, {SYS_futex}));
    ASSERT_TRUE(log->append("late").ok());
  });
  EXPECT_TRUE(log->wait_beyond(0, 5s));
  t.join();
  auto unusable = RecordLog::open("/proc/sfn-cannot-create-this");
  ASSERT_FALSE(unusable.ok());
  EXPECT_EQ(unusable.error().code, ErrorCode::io_error);
}

}  // namespace
}  // namespace sfn::runtime::io
