// inotify-based watching of source files (see file_watch.h).
#include "compiler/driver/file_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <thread>

namespace sfn::driver {

namespace fs = std::filesystem;

struct FileWatch::Impl {
  int inotify = -1;
  int wake = -1;  // eventfd: stop
  std::function<void()> changed;
  std::chrono::milliseconds debounce{100};
  std::mutex mu;
  std::map<int, fs::path> dirs;                // watch descriptor -> directory
  std::set<std::pair<fs::path, std::string>> names;  // (directory, file name) watched
  std::thread thread;

  ~Impl() {
    if (inotify >= 0) ::close(inotify);
    if (wake >= 0) ::close(wake);
  }

  void watch(const std::vector<fs::path>& files) {
    std::lock_guard<std::mutex> lock(mu);
    names.clear();
    for (const auto& f : files) {
      std::error_code ec;
      const fs::path abs = fs::absolute(f, ec).lexically_normal();
      const fs::path dir = abs.parent_path();
      names.emplace(dir, abs.filename().string());
      bool known = false;
      for (const auto& [wd, d] : dirs) known = known || d == dir;
      if (known) continue;
      const int wd = ::inotify_add_watch(inotify, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE);
      if (wd >= 0) dirs[wd] = dir;
    }
  }

  // Reads pending events; true when one names a watched file.
  bool read_events() {
    alignas(inotify_event) char buf[16384];
    bool relevant = false;
    for (;;) {
      const ssize_t n = ::read(inotify, buf, sizeof buf);
      if (n <= 0) return relevant;  // EAGAIN: drained
      std::lock_guard<std::mutex> lock(mu);
      for (char* p = buf; p < buf + n;) {
        const auto* e = reinterpret_cast<const inotify_event*>(p);
        auto dir = dirs.find(e->wd);
        if (dir != dirs.end() && e->len > 0 && names.count({dir->second, std::string(e->name)})) relevant = true;
        p += sizeof(inotify_event) + e->len;
      }
    }
  }

  void loop() {
    bool pending = false;
    for (;;) {
      pollfd fds[2] = {{inotify, POLLIN, 0}, {wake, POLLIN, 0}};
      const int timeout = pending ? static_cast<int>(debounce.count()) : -1;
      const int r = ::poll(fds, 2, timeout);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 || (fds[1].revents & POLLIN)) return;
      if (r == 0) {  // quiet for the debounce period after a change
        pending = false;
        changed();
        continue;
      }
      if (fds[0].revents & POLLIN) pending = read_events() || pending;
    }
  }
};

std::unique_ptr<FileWatch> FileWatch::start(const std::vector<fs::path>& files, std::function<void()> changed,
                                            std::string* error, std::chrono::milliseconds debounce) {
  auto impl = std::make_unique<Impl>();
  impl->inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  impl->wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->inotify < 0 || impl->wake < 0) {
    *error = std::string("cannot watch files: ") + std::strerror(errno);
    return nullptr;
  }
  impl->changed = std::move(changed);
  impl->debounce = debounce;
  impl->watch(files);
  if (impl->dirs.empty()) {
    *error = "cannot watch the directories of the program's files";
    return nullptr;
  }
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->loop(); });
  return std::unique_ptr<FileWatch>(new FileWatch(std::move(impl)));
}

FileWatch::FileWatch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void FileWatch::set_files(const std::vector<fs::path>& files) { impl_->watch(files); }

FileWatch::~FileWatch() {
  const uint64_t one = 1;
  (void)!::write(impl_->wake, &one, sizeof one);
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace sfn::driver
