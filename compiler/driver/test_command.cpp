// `sfn test [FILES|DIRS]`: finds the `test` blocks of .sfn files (directories searched
// recursively), compiles each file with tests once (test_program.cpp) and runs its tests on
// fresh state, in parallel across the cores (test_runner.h), then prints every test's result in
// file order, the summary `N passed, N failed`, and with --junit writes JUnit XML.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>

#include "compiler/driver/command.h"
#include "compiler/driver/test_report.h"
#include "compiler/driver/test_runner.h"

namespace sfn::driver {
namespace {

namespace fs = std::filesystem;

struct Args {
  std::vector<std::string> paths;
  std::string filter;
  std::string junit;
  std::string backend = "llvm";
  std::string format = "text";
  unsigned jobs = 0;
};

// The .sfn files named or under the directories named, in order; false after an unusable path.
bool find_files(const std::vector<std::string>& paths, std::vector<std::string>& out) {
  for (const std::string& p : paths) {
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) {
      out.push_back(p);
      continue;
    }
    if (!fs::is_directory(p, ec)) {
      std::cerr << "error: `" << p << "`: no such file or directory\n";
      return false;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (it->is_directory() && !name.empty() && name[0] == '.')
        it.disable_recursion_pending();
      else if (it->is_regular_file() && it->path().extension() == ".sfn")
        found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return true;
}

// A fresh directory for the runs' state: in memory (/dev/shm) when the machine has it.
std::string make_scratch() {
  std::error_code ec;
  fs::path base = fs::is_directory("/dev/shm", ec) && access("/dev/shm", W_OK) == 0 ? fs::path("/dev/shm")
                                                                                    : fs::temp_directory_path(ec);
  std::string templ = (base / "sfn-test-XXXXXX").string();
  if (!mkdtemp(templ.data())) return "";
  return templ;
}

// Ctrl-C or SIGTERM: no further test or run of the runtime starts, the runs in progress stop
// (request_stop), and the results so far are printed. The signals are taken by one thread with
// sigwait, blocked everywhere else, so the runtime's own handlers never see them.
std::atomic<bool> g_cancel{false};

void watch_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([set] {
    int signal = 0;
    if (sigwait(&set, &signal) != 0) return;
    g_cancel.store(true);
    runtime::request_stop();
  }).detach();
}

struct Job {
  const TestProgram* program;
  std::size_t index;
};

std::vector<TestOutcome> run_all(const std::vector<Job>& jobs, unsigned threads, const std::string& scratch) {
  std::vector<TestOutcome> out(jobs.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < jobs.size() && !g_cancel.load(); i = next++)
      out[i] = run_test(*jobs[i].program, jobs[i].index, scratch + "/" + std::to_string(i), g_cancel);
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return out;
}

int run(const Args& args) {
  Backend backend = Backend::llvm;
  parse_backend(args.backend, backend);
  std::vector<std::string> files;
  if (!find_files(args.paths.empty() ? std::vector<std::string>{"."} : args.paths, files)) return 2;
  std::vector<TestProgram> programs;
  programs.reserve(files.size());
  TestSummary summary;
  for (const std::string& f : files) {
    programs.push_back(compile_for_tests(f, backend));
    if (!programs.back().error.empty()) {
      report_diagnostics(*programs.back().checked, f, {});
      summary.file_errors.push_back(programs.back().error);
    }
  }
  std::vector<Job> jobs;
  for (const TestProgram& p : programs) {
    if (!p.module) continue;
    const auto& tests = p.checked->checked->tests;
    for (std::size_t i = 0; i < tests.size(); ++i)
      if (tests[i].name.find(args.filter) != std::string::npos) jobs.push_back({&p, i});
  }
  const std::string scratch = make_scratch();
  if (scratch.empty()) {
    std::cerr << "error: cannot create a temporary directory for the tests' state\n";
    return 2;
  }
  const unsigned threads = std::max(1u, std::min<unsigned>(args.jobs ? args.jobs : std::thread::hardware_concurrency(),
                                                           static_cast<unsigned>(jobs.size())));
  const auto t0 = std::chrono::steady_clock::now();
  watch_signals();
  summary.outcomes = run_all(jobs, threads, scratch);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::error_code ec;
  fs::remove_all(scratch, ec);
  const std::size_t planned = summary.outcomes.size();
  std::erase_if(summary.outcomes, [](const TestOutcome& t) { return !t.ran; });
  print_results(summary, args.format == "json");
  if (!args.junit.empty() && !write_junit(summary, args.junit)) return 2;
  if (g_cancel.load()) {
    std::cerr << "sfn test: interrupted; " << planned - summary.outcomes.size() << " of " << planned
              << " tests did not run\n";
    return 130;
  }
  return summary.failed() > 0 || !summary.file_errors.empty() ? 1 : 0;
}

void setup(CLI::App& app, int& exit_code) {
  static Args args;
  auto* cmd = app.add_subcommand("test", "Run the `test` blocks of programs on fresh state and the virtual clock");
  cmd->footer(
      "Each test runs on its own fresh state with one worker and the virtual clock (deterministic); the tests "
      "run in parallel across the cores. Prints each test's result, the failed expectations (the line, the "
      "expected and the actual value, diffed) and `N passed, N failed`.\n\nExit status: 0 all passed, 1 a test "
      "failed or a file has errors, 2 usage error or unreadable path, 130 interrupted (Ctrl-C: the results so "
      "far are printed).");
  cmd->add_option("paths", args.paths, "Program files, or directories searched for .sfn files (default: .)")
      ->type_name("FILES|DIRS");
  cmd->add_option("--filter", args.filter, "Run only the tests whose name contains TEXT")->type_name("TEXT");
  cmd->add_option("--junit", args.junit, "Also write the results as JUnit XML to FILE")->type_name("FILE");
  cmd->add_option("--backend", args.backend, "How programs are compiled: llvm (JIT, the default) or cpp")
      ->check(CLI::IsMember({"llvm", "cpp"}))
      ->capture_default_str();
  cmd->add_option("--format", args.format, "Results as text, or json (one object per test on stdout, for editors)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  cmd->add_option("--jobs,-j", args.jobs, "Tests run at once (default: the number of cores)");
  cmd->callback([&exit_code] { exit_code = run(args); });
}

CommandRegistrar registrar(25, setup);

}  // namespace
}  // namespace sfn::driver
