// Runs a child process with its stdout/stderr redirected to temporary files (no pipe deadlocks).
#include "tests/compiler/test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace sfn::testing {
namespace {

std::string slurp_fd(int fd) {
  std::string data;
  lseek(fd, 0, SEEK_SET);
  char buf[65536];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) data.append(buf, static_cast<std::size_t>(n));
  return data;
}

int temp_fd() {
  char name[] = "/tmp/sfn-test-XXXXXX";
  int fd = mkstemp(name);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  unlink(name);
  return fd;
}

}  // namespace

CommandResult run_command(const std::vector<std::string>& argv, const std::string& input, const std::string& cwd) {
  int in_fd = temp_fd(), out_fd = temp_fd(), err_fd = temp_fd();
  if (write(in_fd, input.data(), input.size()) != static_cast<ssize_t>(input.size())) {
    throw std::runtime_error("cannot write child input");
  }
  lseek(in_fd, 0, SEEK_SET);
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(in_fd, 0);
    dup2(out_fd, 1);
    dup2(err_fd, 2);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  CommandResult r;
  r.status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
  r.out = slurp_fd(out_fd);
  r.err = slurp_fd(err_fd);
  close(in_fd);
  close(out_fd);
  close(err_fd);
  return r;
}

ScratchDir::ScratchDir(const std::string& name)
    : path(std::filesystem::temp_directory_path() / ("sfn_test_" + name + "_" + std::to_string(::getpid()))) {
  std::filesystem::remove_all(path);
  std::filesystem::create_directories(path);
}

ScratchDir::~ScratchDir() { std::filesystem::remove_all(path); }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::vector<std::string> subdirectory_names(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.is_directory()) names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::filesystem::path> sfn_files_under(const std::vector<std::filesystem::path>& roots) {
  std::vector<std::filesystem::path> out;
  for (const auto& root : roots) {
    if (!std::filesystem::exists(root)) continue;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
      if (e.path().extension() == ".sfn") out.push_back(e.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string identifier(std::string text) {
  for (char& c : text)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return text;
}

int free_loopback_ports(int n) {
  std::random_device rd;
  std::uniform_int_distribution<int> start(20000, 32000 - n);
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int base = start(rd);
    bool free = true;
    for (int p = base; free && p < base + n; ++p) {
      const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in addr{};
      addr.sin_family = AF_INET;
      addr.sin_port = htons(static_cast<uint16_t>(p));
      addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      free = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
      if (fd >= 0) ::close(fd);
    }
    if (free) return base;
  }
  return 20000;
}

int stop_process(pid_t pid, int signal) {
  ::kill(pid, signal);
  int st = 0;
  ::waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

ServerProcess::ServerProcess(std::string sfn, std::vector<std::string> run_args, std::filesystem::path stderr_path,
                             std::filesystem::path stdout_path)
    : sfn_(std::move(sfn)),
      args_(std::move(run_args)),
      stderr_path_(std::move(stderr_path)),
      stdout_path_(std::move(stdout_path)) {
  pick_ports();
}

void ServerProcess::pick_ports() {
  const int port = free_loopback_ports(3);
  ingress_ = "tcp://127.0.0.1:" + std::to_string(port);
  egress_ = "tcp://127.0.0.1:" + std::to_string(port + 1);
  control_ = "tcp://127.0.0.1:" + std::to_string(port + 2);
}

ServerProcess::~ServerProcess() { kill9(); }

pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& stderr_path,
            const std::filesystem::path& stdout_path) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  const int out = ::open(stdout_path.empty() ? "/dev/null" : stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ::dup2(out, 1);
  ::dup2(err, 2);
  std::vector<std::string> copy = argv;
  std::vector<char*> args;
  for (auto& a : copy) args.push_back(a.data());
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

std::string ServerProcess::start(std::chrono::seconds limit) {
  std::string why = launch(limit);
  // Another test may bind a port between free_loopback_ports' check and this bind: on the first
  // start only (a restart must keep its endpoints), try again on other ports.
  for (int retry = 0; !started_ && retry < 3 && why.find("Address already in use") != std::string::npos; ++retry) {
    pick_ports();
    why = launch(limit);
  }
  started_ = started_ || why.empty();
  return why;
}

std::string ServerProcess::launch(std::chrono::seconds limit) {
  std::vector<std::string> argv{sfn_, command_};
  argv.insert(argv.end(), args_.begin(), args_.end());
  auto bound = [this](const std::string& endpoint) {
    return "tcp://" + bind_host_ + endpoint.substr(endpoint.rfind(':'));
  };
  argv.insert(argv.end(), {"--ingress", bound(ingress_), "--egress", bound(egress_), "--control", bound(control_)});
  const std::size_t stderr_before = stderr_text().size();
  pid_ = spawn(argv, stderr_path_, stdout_path_);
  if (pid_ < 0) return "fork failed";
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (run_command({sfn_, "status", "--endpoint", control_, "--timeout", "500ms"}).status == 0) return "";
    int st;
    if (::waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return "sfn " + command_ + " exited at start (" +
             (WIFSIGNALED(st) ? "signal " + std::to_string(WTERMSIG(st))
                              : "status " + std::to_string(WEXITSTATUS(st))) +
             "):\n" + stderr_text().substr(stderr_before);
    }
  }
  return "sfn " + command_ + " did not answer `sfn status` within " + std::to_string(limit.count()) + " s:\n" +
         stderr_text();
}

void ServerProcess::kill9() {
  if (pid_ > 0) stop(SIGKILL);
}

int ServerProcess::stop(int signal) {
  if (pid_ <= 0) return -1;
  const int status = stop_process(pid_, signal);
  pid_ = -1;
  return status;
}

long ServerProcess::memory_kb(const std::string& field) const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

std::string ServerProcess::stderr_text() const { return read_file(stderr_path_); }

std::vector<std::string> ServerProcess::committed(const std::string& egress) const {
  auto r = run_command(
      {sfn_, "tail", egress, "--no-follow", "--control", control_, "--endpoint", egress_, "--timeout", "2s"});
  std::vector<std::string> lines;
  std::istringstream in(r.out);
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) lines.push_back(l);
  return lines;
}

std::vector<std::string> ServerProcess::wait_for_committed(const std::string& egress, std::size_t n,
                                                           std::chrono::seconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  std::vector<std::string> lines = committed(egress);
  while (lines.size() < n && std::chrono::steady_clock::now() < deadline) lines = committed(egress);
  return lines;
}

}  // namespace sfn::testing
