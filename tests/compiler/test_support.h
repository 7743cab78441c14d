// Helpers for tests that drive the real `sfn` binary: run a command, capture its output.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace sfn::testing {

struct CommandResult {
  int status = -1;   // exit status, or 128+signal when killed by a signal
  std::string out;   // everything written to stdout
  std::string err;   // everything written to stderr
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

// The whole content of a file (empty if it cannot be read).
std::string read_file(const std::filesystem::path& path);

// Every `.sfn` file under `roots` (recursively, missing roots skipped), sorted.
std::vector<std::filesystem::path> sfn_files_under(const std::vector<std::filesystem::path>& roots);

}  // namespace sfn::testing
