// The segmented, CRC-framed, group-committed record log (record_log.h). Frame layout, little
// endian: u32 body length, u32 CRC-32C of the body, then the body: u64 offset, u16 key length,
// key bytes, payload bytes. One mutex guards the in-memory view; writes happen under it (so
// file order is offset order) while fdatasync runs outside it, which lets appenders that arrive
// during a sync pile up behind it and share the next one (group commit).
#include "runtime/io/record_log.h"

#include "common/bits.h"
#include "runtime/io/durable_file.h"
#include "runtime/io/frame_codec.h"
#include "runtime/io/key_index.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>

namespace sfn::runtime::io {
namespace fs = std::filesystem;

namespace {

constexpr std::uint64_t kIndexStride = 64;  // sparse index: one position per 64 records

using bits::get_le;

Status write_all(int fd, std::string_view data, std::uint64_t pos, const fs::path& path) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(pos));
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("writing", path);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
    pos += static_cast<std::uint64_t>(n);
  }
  return transport::ok_status();
}

// Reads up to `n` bytes at `pos` into `out` (fewer only at end of file).
Status read_at(int fd, std::string& out, std::size_t n, std::uint64_t pos, const fs::path& path) {
  out.resize(n);
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd, out.data() + got, n - got, static_cast<off_t>(pos + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return sys_error("reading", path);
    }
    if (r == 0) break;
    got += static_cast<std::size_t>(r);
  }
  out.resize(got);
  return transport::ok_status();
}

Status fsync_dir(const fs::path& dir) { return fsync_directory(dir); }

std::string segment_name(std::uint64_t first_offset) {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.seg", static_cast<unsigned long long>(first_offset));
  return name;
}

struct Segment {
  std::uint64_t first_offset = 0;
  fs::path path;
  int fd = -1;
  std::uint64_t size = 0;            // bytes written
  std::uint64_t end_offset = 0;      // one past the last written record
  std::vector<std::uint64_t> index;  // index[i] = position of record first_offset + i*stride
  ~Segment() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

struct RecordLog::Impl {
  fs::path dir;
  LogOptions options;
  RecoveryInfo recovery;
  int lock_fd = -1;

  mutable std::mutex mu;
  mutable std::condition_variable cv;              // durable_end advanced, a sync finished, or broken
  std::vector<std::shared_ptr<Segment>> segments;  // oldest first; back() is active
  std::uint64_t next_offset = 0;                   // one past the last written record
  std::uint64_t durable_end = 0;                   // one past the last synced record
  bool syncing = false;
  std::uint64_t syncs = 0;
  std::optional<Error> broken;
  KeyIndex keys;
  std::string scratch;

  ~Impl() {
    if (lock_fd >= 0) ::close(lock_fd);
  }

  Result<std::shared_ptr<Segment>> create_segment(std::uint64_t first) {
    auto seg = std::make_shared<Segment>();
    seg->first_offset = seg->end_offset = first;
    seg->path = dir / segment_name(first);
    seg->fd = ::open(seg->path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (seg->fd < 0) return sys_error("creating log segment", seg->path);
    if (auto s = fsync_dir(dir); !s) return s.error();
    return seg;
  }

  void index_record(Segment& seg, std::uint64_t offset, std::uint64_t pos) {
    if ((offset - seg.first_offset) % kIndexStride == 0) seg.index.push_back(pos);
  }

  // Reads and verifies one segment; `last` allows cutting a torn tail.
  Status recover_segment(Segment& seg, bool last) {
    struct stat st;
    if (::fstat(seg.fd, &st) != 0) return sys_error("inspecting", seg.path);
    std::string data;
    if (auto s = read_at(seg.fd, data, static_cast<std::size_t>(st.st_size), 0, seg.path); !s) return s;
    std::string_view rest = data;
    std::uint64_t pos = 0;
    std::uint64_t offset = seg.first_offset;
    while (!rest.empty()) {
      auto frame = decode_frame(rest);
      if (!frame || frame->number != offset) break;
      index_record(seg, offset, pos);
      if (options.idempotency_keys && !frame->key.empty()) keys.assign(frame->key, offset);
      ++offset;
      pos += frame->size;
      rest.remove_prefix(frame->size);
    }
    if (!rest.empty()) {
      if (!last)
        return Error{ErrorCode::corrupt, "log segment " + seg.path.string() + " is corrupt at byte " +
                                             std::to_string(pos) + " (not at the tail of the log)"};
      if (::ftruncate(seg.fd, static_cast<off_t>(pos)) != 0) return sys_error("truncating the torn tail of", seg.path);
      if (::fsync(seg.fd) != 0) return sys_error("syncing", seg.path);
      recovery.torn_bytes_truncated += rest.size();
    }
    seg.size = pos;
    seg.end_offset = offset;
    return transport::ok_status();
  }

  // Loads the keys of dropped segments; `found` says whether the file exists.
  Status load_keys_file(bool* found) {
    fs::path path = dir / "keys";
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    *found = fd >= 0;
    if (fd < 0) {
      if (errno == ENOENT) return transport::ok_status();
      return sys_error("opening", path);
    }
    struct stat st;
    std::string data;
    Status s = ::fstat(fd, &st) == 0 ? read_at(fd, data, st.st_size, 0, path) : Status(sys_error("inspecting", path));
    ::close(fd);
    if (!s) return s;
    std::string_view rest = data;
    while (!rest.empty()) {
      auto frame = decode_frame(rest);
      if (!frame) return Error{ErrorCode::corrupt, "idempotency key file " + path.string() + " is corrupt"};
      // A frame with a payload is a run of numbered keys (key_index.h): the payload is its count.
      std::uint64_t count = 1;
      if (!frame->payload.empty()) {
        auto [end, ec] = std::from_chars(frame->payload.data(), frame->payload.data() + frame->payload.size(), count);
        if (ec != std::errc() || end != frame->payload.data() + frame->payload.size() || count == 0)
          return Error{ErrorCode::corrupt, "idempotency key file " + path.string() + " is corrupt"};
      }
      keys.assign_run(frame->key, frame->number, count);
      rest.remove_prefix(frame->size);
    }
    return transport::ok_status();
  }

  // Rewrites the keys file atomically with every key of a record before `start`: a frame per
  // key, and a run of numbered keys as one frame (its first key, with the count as payload).
  Status write_keys_file(std::uint64_t start) {
    std::string data;
    keys.for_each_run([&](std::string_view key, std::uint64_t offset, std::uint64_t count) {
      if (offset >= start) return;
      count = std::min(count, start - offset);
      encode_frame(data, offset, key, count == 1 ? std::string() : std::to_string(count));
    });
    return write_file_durably(dir / "keys", data);
  }

  // Makes everything below `target` durable, syncing itself or waiting for a running sync.
  Status wait_durable(std::unique_lock<std::mutex>& lk, std::uint64_t target) {
    while (durable_end < target) {
      if (broken) return *broken;
      if (!syncing) {
        syncing = true;
        std::uint64_t goal = next_offset;
        std::shared_ptr<Segment> seg = segments.back();
        lk.unlock();
        int r = ::fdatasync(seg->fd);
        int err = errno;
        lk.lock();
        syncing = false;
        ++syncs;
        if (r != 0) {
          broken = sys_error("syncing log segment", seg->path, err);
        } else {
          durable_end = std::max(durable_end, goal);
        }
        cv.notify_all();
      } else {
        cv.wait(lk);
      }
    }
    return transport::ok_status();
  }

  // Starts a new segment when the active one is full (called under the lock).
  Status maybe_roll() {
    auto& active = segments.back();
    if (active->size < options.segment_bytes || active->end_offset == active->first_offset)
      return transport::ok_status();
    // Older segments must be durable in full: only the active one is synced by wait_durable.
    if (::fdatasync(active->fd) != 0) {
      broken = sys_error("syncing log segment", active->path);
      return *broken;
    }
    durable_end = std::max(durable_end, next_offset);
    cv.notify_all();
    auto seg = create_segment(next_offset);
    if (!seg) return seg.error();
    segments.push_back(std::move(seg.value()));
    return transport::ok_status();
  }
};

RecordLog::RecordLog(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RecordLog::~RecordLog() = default;

Result<std::unique_ptr<RecordLog>> RecordLog::open(const fs::path& dir, const LogOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{ErrorCode::io_error, "creating log directory " + dir.string() + ": " + ec.message()};
  fs::path lock_path = dir / "LOCK";
  impl->lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (impl->lock_fd < 0) return sys_error("opening", lock_path);
  if (::flock(impl->lock_fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK)
      return Error{ErrorCode::io_error, "log " + dir.string() + " is in use by another process"};
    return sys_error("locking", lock_path);
  }
  bool keys_file = false;
  if (options.idempotency_keys)
    if (auto s = impl->load_keys_file(&keys_file); !s) return s.error();

  std::vector<std::uint64_t> firsts;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.size() == 24 && name.ends_with(".seg") && name.find_first_not_of("0123456789") == 20)
      firsts.push_back(std::stoull(name.substr(0, 20)));
  }
  if (ec) return Error{ErrorCode::io_error, "listing log directory " + dir.string() + ": " + ec.message()};
  std::sort(firsts.begin(), firsts.end());
  for (std::size_t i = 0; i < firsts.size(); ++i) {
    auto seg = std::make_shared<Segment>();
    seg->first_offset = firsts[i];
    seg->path = dir / segment_name(firsts[i]);
    seg->fd = ::open(seg->path.c_str(), O_RDWR | O_CLOEXEC);
    if (seg->fd < 0) return sys_error("opening log segment", seg->path);
    if (i > 0 && impl->segments.back()->end_offset != seg->first_offset)
      return Error{ErrorCode::corrupt,
                   "log " + dir.string() + " has a gap before segment " + seg->path.filename().string()};
    if (auto s = impl->recover_segment(*seg, i + 1 == firsts.size()); !s) return s.error();
    impl->segments.push_back(std::move(seg));
  }
  // Dropping segments writes the keys of their records to the keys file first: a log that
  // dropped some and has no keys file lost them, and a re-sent record would run twice.
  if (options.idempotency_keys && !keys_file && !impl->segments.empty() && impl->segments.front()->first_offset > 0)
    return Error{ErrorCode::corrupt, "idempotency key file " + (dir / "keys").string() +
                                         " is missing, but the log dropped its records before offset " +
                                         std::to_string(impl->segments.front()->first_offset) +
                                         " and their keys were kept only there: restore it from a backup; to go on "
                                         "without them (a re-sent record among them would run again), create it empty"};
  if (impl->segments.empty()) {
    auto seg = impl->create_segment(0);
    if (!seg) return seg.error();
    impl->segments.push_back(std::move(seg.value()));
  }
  impl->next_offset = impl->durable_end = impl->segments.back()->end_offset;
  impl->recovery.records = impl->next_offset - impl->segments.front()->first_offset;
  return std::unique_ptr<RecordLog>(new RecordLog(std::move(impl)));
}

Result<AppendResult> RecordLog::append(std::string_view payload, std::string_view key) {
  AppendRequest request{payload, key};
  return std::move(append_batch(std::span<const AppendRequest>(&request, 1)).front());
}

std::vector<Result<AppendResult>> RecordLog::append_batch(std::span<const AppendRequest> requests) {
  Impl& m = *impl_;
  std::vector<Result<AppendResult>> results;
  results.reserve(requests.size());
  std::unique_lock lk(m.mu);
  auto fail_all = [&](const Error& e) {
    results.clear();
    for (std::size_t i = 0; i < requests.size(); ++i) results.emplace_back(e);
    return std::move(results);
  };
  if (m.broken) return fail_all(*m.broken);
  if (auto s = m.maybe_roll(); !s) return fail_all(s.error());

  Segment& seg = *m.segments.back();
  std::string& buf = m.scratch;
  buf.clear();
  std::vector<std::string_view> inserted_keys;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> index_points;
  std::uint64_t offset = m.next_offset;
  std::uint64_t wait_for = 0;
  for (const auto& r : requests) {
    if (r.idempotency_key.size() > kMaxFrameKey) {
      results.emplace_back(Error{ErrorCode::invalid_argument, "idempotency key longer than 65535 bytes"});
      continue;
    }
    if (r.payload.size() + r.idempotency_key.size() > kMaxFrameBody - kFrameBodyFixed) {
      results.emplace_back(Error{ErrorCode::invalid_argument, "record larger than 1 GiB"});
      continue;
    }
    bool keyed = m.options.idempotency_keys && !r.idempotency_key.empty();
    if (keyed) {
      if (auto first = m.keys.insert(r.idempotency_key, offset)) {
        results.emplace_back(AppendResult{*first, true});
        wait_for = std::max(wait_for, *first + 1);
        continue;
      }
      inserted_keys.push_back(r.idempotency_key);
    }
    if ((offset - seg.first_offset) % kIndexStride == 0) index_points.emplace_back(offset, seg.size + buf.size());
    encode_frame(buf, offset, r.idempotency_key, r.payload);  // stored even when not deduplicated
    results.emplace_back(AppendResult{offset, false});
    wait_for = offset + 1;
    ++offset;
  }
  if (offset > m.next_offset) {
    if (auto s = write_all(seg.fd, buf, seg.size, seg.path); !s) {
      for (auto k : inserted_keys) m.keys.erase(k);
      if (::ftruncate(seg.fd, static_cast<off_t>(seg.size)) != 0)
        m.broken = sys_error("undoing a failed write to", seg.path);
      return fail_all(s.error());
    }
    for (auto& [off, pos] : index_points) seg.index.push_back(pos);
    seg.size += buf.size();
    seg.end_offset = offset;
    m.next_offset = offset;
  }
  if (auto s = m.wait_durable(lk, wait_for); !s) return fail_all(s.error());
  return results;
}

Result<std::size_t> RecordLog::read(std::uint64_t from, std::size_t max_records, const RecordVisitor& visitor) const {
  struct Part {
    std::shared_ptr<Segment> seg;
    std::uint64_t end;
  };
  std::vector<Part> parts;
  std::uint64_t pos = 0;
  std::uint64_t cur = 0;
  {
    std::lock_guard lk(impl_->mu);
    from = std::max(from, impl_->segments.front()->first_offset);
    std::uint64_t end = impl_->durable_end;
    if (from >= end || max_records == 0) return std::size_t{0};
    std::size_t i = impl_->segments.size();
    while (i > 0 && impl_->segments[i - 1]->first_offset > from) --i;
    const Segment& first = *impl_->segments[i - 1];
    std::size_t slot = (from - first.first_offset) / kIndexStride;
    pos = first.index[slot];
    cur = first.first_offset + slot * kIndexStride;
    for (std::size_t k = i - 1; k < impl_->segments.size(); ++k)
      parts.push_back({impl_->segments[k], std::min(impl_->segments[k]->end_offset, end)});
  }
  std::size_t visited = 0;
  std::string buf;
  for (std::size_t p = 0; p < parts.size(); ++p) {
    const Segment& seg = *parts[p].seg;
    if (p > 0) pos = 0;
    std::uint64_t buf_at = pos;
    buf.clear();
    while (cur < parts[p].end) {
      std::string_view view(buf);
      view.remove_prefix(pos - buf_at);
      auto frame = decode_frame(view);
      if (!frame) {
        // Refill: at least the next frame's header, then the whole frame.
        std::size_t want = 64 * 1024;
        if (view.size() >= kFrameHeader) want = std::max<std::size_t>(want, kFrameHeader + get_le(view.data(), 4));
        std::size_t had = buf.size() - (pos - buf_at);
        if (auto s = read_at(seg.fd, buf, want, pos, seg.path); !s) return s.error();
        buf_at = pos;
        if (buf.size() <= had)
          return Error{ErrorCode::corrupt,
                       "log segment " + seg.path.string() + " has a bad record at byte " + std::to_string(pos)};
        continue;
      }
      if (frame->number != cur)
        return Error{ErrorCode::corrupt, "log segment " + seg.path.string() + " holds offset " +
                                             std::to_string(frame->number) + " where " + std::to_string(cur) +
                                             " was expected"};
      pos += frame->size;
      if (cur++ < from) continue;
      ++visited;
      if (!visitor(frame->number, frame->payload, frame->key) || visited == max_records) return visited;
    }
  }
  return visited;
}

bool RecordLog::wait_beyond(std::uint64_t offset, std::chrono::milliseconds timeout) const {
  std::unique_lock lk(impl_->mu);
  return impl_->cv.wait_for(lk, timeout, [&] { return impl_->durable_end > offset || impl_->broken; }) &&
         impl_->durable_end > offset;
}

Status RecordLog::truncate_before(std::uint64_t offset) {
  Impl& m = *impl_;
  std::lock_guard lk(m.mu);
  std::size_t drop = 0;
  while (drop + 1 < m.segments.size() && m.segments[drop]->end_offset <= offset) ++drop;
  if (drop == 0) return transport::ok_status();
  if (m.options.idempotency_keys)
    if (auto s = m.write_keys_file(m.segments[drop]->first_offset); !s) return s;
  while (drop > 0) {
    const fs::path path = m.segments.front()->path;
    if (::unlink(path.c_str()) != 0) return sys_error("deleting log segment", path);
    m.segments.erase(m.segments.begin());
    --drop;
  }
  return fsync_dir(m.dir);
}

std::optional<std::uint64_t> RecordLog::find_key(std::string_view key) const {
  std::lock_guard lk(impl_->mu);
  return impl_->keys.find(key);
}

std::uint64_t RecordLog::start_offset() const {
  std::lock_guard lk(impl_->mu);
  return impl_->segments.front()->first_offset;
}

std::uint64_t RecordLog::end_offset() const {
  std::lock_guard lk(impl_->mu);
  return impl_->durable_end;
}

std::uint64_t RecordLog::syncs() const {
  std::lock_guard lk(impl_->mu);
  return impl_->syncs;
}

const RecoveryInfo& RecordLog::recovery() const { return impl_->recovery; }
const fs::path& RecordLog::dir() const { return impl_->dir; }

}  // namespace sfn::runtime::io
