// Code lenses and runs of `test` blocks for the language server (see tests.h).
#include "compiler/lsp/tests.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <filesystem>
#include <sstream>

#include "compiler/lsp/features.h"

namespace sfn::lsp {
namespace {

Json lens(const Analysis& a, const source::Span& at, const std::string& title, Json arguments) {
  source::Span head{at.file, at.begin, at.begin};
  return {{"range", range_of(a, head)},
          {"command", {{"title", title}, {"command", kRunTestCommand}, {"arguments", std::move(arguments)}}}};
}

// Runs `argv` and returns its stdout and exit status (stderr goes to `err`).
int run_child(const std::vector<std::string>& argv, std::string& out, std::string& err) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0) return -1;
  if (pipe(err_pipe) != 0) {
    close(out_pipe[0]), close(out_pipe[1]);
    return -1;
  }
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]), close(err_pipe[0]), close(out_pipe[1]), close(err_pipe[1]);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out_pipe[1]), close(err_pipe[1]);
  // Reads both pipes to their ends (stderr is small: diagnostics of a file with errors).
  std::array<char, 4096> buf;
  for (int fd : {out_pipe[0], err_pipe[0]}) {
    for (ssize_t n; (n = read(fd, buf.data(), buf.size())) > 0;) (fd == out_pipe[0] ? out : err).append(buf.data(), n);
    close(fd);
  }
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Json failure_diagnostic(const Json& test, const Json& f) {
  const int line = std::max(0, f.value("line", 1) - 1);
  const int column = std::max(0, f.value("column", 1) - 1);
  return {
      {"range", {{"start", {{"line", line}, {"character", column}}}, {"end", {{"line", line + 1}, {"character", 0}}}}},
      {"severity", 1},
      {"source", "sfn test"},
      {"message", "test \"" + test.value("name", "") + "\" failed: " + f.value("message", "")}};
}

}  // namespace

Json test_code_lenses(const Analysis& a, source::FileId file, const std::string& uri) {
  Json out = Json::array();
  if (!a.checked || file != a.root) return out;
  for (const check::TestInfo& t : a.checked->tests) {
    if (out.empty()) out.push_back(lens(a, t.span, "Run all tests", Json::array({uri})));
    out.push_back(lens(a, t.span, "Run test", Json::array({uri, t.name})));
  }
  return out;
}

Result<TestRun> run_tests(const std::string& path, const std::string& name) {
  TestRun run;
  std::error_code ec;
  const std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  std::vector<std::string> argv{self, "test", path, "--format", "json"};
  if (!name.empty()) argv.insert(argv.end(), {"--filter", name});
  std::string out, err;
  const int status = ec ? -1 : run_child(argv, out, err);
  if (status < 0 || status > 1)
    return Error(ErrorCode::failed, "`sfn test` failed (exit status " + std::to_string(status) + "): " + err);
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    Json test = Json::parse(line, nullptr, false);
    if (test.is_discarded() || (!name.empty() && test.value("name", "") != name)) continue;
    for (const Json& f : test.value("failures", Json::array())) run.diagnostics.push_back(failure_diagnostic(test, f));
    run.results.push_back(std::move(test));
  }
  if (run.results.empty() && status != 0) return Error(ErrorCode::failed, "the tests did not run: " + err);
  return run;
}

}  // namespace sfn::lsp
