// inotify-based watching of source files (see file_watch.h).
#include "compiler/driver/file_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace sfn::driver {

namespace fs = std::filesystem;

namespace {

// The names under which a save of `file` shows: the path as given and each link of the chain of
// symbolic links it leads through, up to the file itself (an editor saves the target, by
// writing it or by renaming a new file over it; re-pointing a link changes the link's name).
std::vector<fs::path> names_of(const fs::path& file) {
  std::error_code ec;
  fs::path at = fs::absolute(file, ec).lexically_normal();
  std::vector<fs::path> out{at};
  for (int hops = 0; hops < 40 && fs::is_symlink(at, ec); ++hops) {
    const fs::path target = fs::read_symlink(at, ec);
    if (ec) break;
    at = (target.is_absolute() ? target : at.parent_path() / target).lexically_normal();
    out.push_back(at);
  }
  const fs::path real = fs::canonical(at, ec);
  if (!ec && real != at) out.push_back(real);
  return out;
}

}  // namespace

struct FileWatch::Impl {
  int inotify = -1;
  int wake = -1;  // eventfd: stop
  std::function<void()> changed;
  std::chrono::milliseconds debounce{100};
  std::mutex mu;
  std::vector<fs::path> files;                  // as given
  std::set<std::pair<int, std::string>> names;  // (watch descriptor of a directory, file name)
  std::thread thread;

  ~Impl() {
    if (inotify >= 0) ::close(inotify);
    if (wake >= 0) ::close(wake);
  }

  // Watches the directories of `given` and of every name they lead to; the first directory that
  // cannot be watched is named in the result (empty when all are).
  Status watch(const std::vector<fs::path>& given) {
    std::lock_guard<std::mutex> lock(mu);
    files = given;
    names.clear();
    Status problem = ok_status();
    for (const auto& f : files) {
      for (const fs::path& name : names_of(f)) {
        const fs::path dir = name.parent_path();
        // A directory already watched gets its descriptor again.
        const int wd = ::inotify_add_watch(inotify, dir.c_str(), IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE);
        if (wd >= 0)
          names.emplace(wd, name.filename().string());
        else if (problem)
          problem = Error(ErrorCode::io_error, "cannot watch " + dir.string() + ": " + std::strerror(errno));
      }
    }
    return problem;
  }

  // After a change the links may lead elsewhere (a re-pointed link, a link replaced by a file).
  void rewatch() {
    std::vector<fs::path> again;
    {
      std::lock_guard<std::mutex> lock(mu);
      again = files;
    }
    (void)watch(again);
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
        if (e->len > 0 && names.count({e->wd, std::string(e->name)})) relevant = true;
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
        rewatch();
        changed();
        continue;
      }
      if (fds[0].revents & POLLIN) pending = read_events() || pending;
    }
  }
};

Result<std::unique_ptr<FileWatch>> FileWatch::start(const std::vector<fs::path>& files, std::function<void()> changed,
                                                    std::chrono::milliseconds debounce) {
  auto impl = std::make_unique<Impl>();
  impl->inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  impl->wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (impl->inotify < 0 || impl->wake < 0)
    return Error(ErrorCode::io_error, std::string("cannot watch files: ") + std::strerror(errno));
  impl->changed = std::move(changed);
  impl->debounce = debounce;
  if (Status problem = impl->watch(files); !problem) return problem.error();
  Impl* raw = impl.get();
  impl->thread = std::thread([raw] { raw->loop(); });
  return std::unique_ptr<FileWatch>(new FileWatch(std::move(impl)));
}

FileWatch::FileWatch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

void FileWatch::set_files(const std::vector<fs::path>& files) { (void)impl_->watch(files); }

FileWatch::~FileWatch() {
  const uint64_t one = 1;
  (void)!::write(impl_->wake, &one, sizeof one);
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace sfn::driver
