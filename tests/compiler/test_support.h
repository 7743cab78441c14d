// Helpers for tests that drive the real `sfn` binary: run a command, capture its output.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace sfn::testing {

struct CommandResult {
  int status = -1;  // exit status, or 128+signal when killed by a signal
  std::string out;  // everything written to stdout
  std::string err;  // everything written to stderr
};

// Runs argv[0] with the arguments (no shell), feeding `input` on stdin, in directory `cwd`
// (empty: the current one); waits for it to exit.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& input = "",
                          const std::string& cwd = "");

// `text` with every character that is not an ASCII letter or digit replaced by '_': names of
// parameterised tests and of scratch directories.
std::string identifier(std::string text);

// The first of `n` consecutive loopback TCP ports that are free now (checked by binding each), from
// a random start in [20000, 32000): tests that start servers use it so that tests running in
// parallel do not pick the same ports (a small race remains between the check and the bind).
int free_loopback_ports(int n);

// A `sfn run` process serving its ingress, egress and control endpoints on loopback ports that
// were free when the object was made, for tests that drive it with the client commands. The
// destructor kills it (SIGKILL); start() may follow kill9() (a restart on the same ports).
class ServerProcess {
 public:
  // `run_args` follow `sfn run` (the program or module first); the endpoints are appended.
  // stderr is appended to `stderr_path`; stdout goes to `stdout_path` (empty: /dev/null).
  ServerProcess(std::string sfn, std::vector<std::string> run_args, std::filesystem::path stderr_path,
                std::filesystem::path stdout_path = {});
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // The subcommand started (default "run"; "coordinator" for a cluster's coordinator).
  void set_command(std::string command) { command_ = std::move(command); }
  // Binds the endpoints on `host` (e.g. 0.0.0.0) instead of 127.0.0.1; clients still use
  // 127.0.0.1. Call before start().
  void set_bind_host(std::string host) { bind_host_ = std::move(host); }
  // Starts the process and waits until `sfn status` answers on its control endpoint. Returns
  // empty on success, else why not: its exit status and stderr, or the time waited. When the
  // first start finds a port taken after all, it retries on fresh ports (up to 3 times).
  std::string start(std::chrono::seconds limit = std::chrono::seconds(30));
  // Kills the process with SIGKILL and reaps it (nothing when it is not running).
  void kill9();
  // Sends `signal`, waits for the exit and returns its status as run_command does.
  int stop(int signal);
  // A line of /proc/PID/status in kB, e.g. "VmHWM" (the peak resident set) or "VmRSS"; -1 if
  // the process or the line is not there.
  long memory_kb(const std::string& field) const;
  std::string stderr_text() const;
  // The committed records of `egress` (`sfn tail --no-follow`), one JSON value each.
  std::vector<std::string> committed(const std::string& egress) const;
  // Waits until `egress` holds at least `n` committed records or `limit` passes; returns them.
  std::vector<std::string> wait_for_committed(const std::string& egress, std::size_t n,
                                              std::chrono::seconds limit = std::chrono::seconds(30)) const;

  pid_t pid() const { return pid_; }
  const std::string& ingress() const { return ingress_; }
  const std::string& egress() const { return egress_; }
  const std::string& control() const { return control_; }

 private:
  std::string sfn_, command_ = "run";
  std::vector<std::string> args_;
  std::filesystem::path stderr_path_, stdout_path_;
  std::string ingress_, egress_, control_;
  std::string bind_host_ = "127.0.0.1";
  pid_t pid_ = -1;
  bool started_ = false;  // answered `sfn status` once: later starts keep the endpoints

  void pick_ports();
  std::string launch(std::chrono::seconds limit);
};

// Starts `argv` with stdout to /dev/null and stderr appended to `stderr_path`; returns its pid
// (-1 when fork failed). ServerProcess starts its server with it.
pid_t spawn(const std::vector<std::string>& argv, const std::filesystem::path& stderr_path,
            const std::filesystem::path& stdout_path = {});

// Sends `signal` to a process spawn() started, waits for its end and returns its status as
// run_command does.
int stop_process(pid_t pid, int signal);

// A fresh directory under the temporary directory, named after `name` and the process, removed
// (with its contents) when the object goes.
struct ScratchDir {
  explicit ScratchDir(const std::string& name);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  std::filesystem::path path;
};

// The whole content of a file (empty if it cannot be read).
std::string read_file(const std::filesystem::path& path);

// The names of the directories directly in `dir`, sorted (e.g. one per example program).
std::vector<std::string> subdirectory_names(const std::filesystem::path& dir);

// Every `.sfn` file under `roots` (recursively, missing roots skipped), sorted.
std::vector<std::filesystem::path> sfn_files_under(const std::vector<std::filesystem::path>& roots);

}  // namespace sfn::testing
