// Running one test (see test_runner.h): one handler per kind of statement. Sends wait in
// `pending_` as input lines due at the test's virtual time; an expectation or `advance` first
// settles them: one run of the embedded runtime (one worker, virtual clock, `--until` just past
// the test's time, so timers due later stay pending) on the test's state directory, which
// resumes its state and clock from the previous run's snapshot.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "compiler/driver/test_runner.h"
#include "compiler/driver/test_values.h"

namespace sfn::driver {
namespace {

namespace fs = std::filesystem;
using check::TestStep;
using Json = nlohmann::json;

class TestRun {
 public:
  TestRun(const TestProgram& program, const check::TestInfo& test, fs::path dir, const std::atomic<bool>& cancel)
      : program_(program), p_(*program.checked->checked), test_(test), dir_(std::move(dir)), cancel_(cancel) {}
  void run(TestOutcome& out);

 private:
  using Handler = void (TestRun::*)(const TestStep&);
  static const Handler kHandlers[];  // by TestStep::Kind
  void send(const TestStep& s);
  void advance(const TestStep& s);
  void expect_state(const TestStep& s);
  void expect_emitted(const TestStep& s);
  void expect_failed(const TestStep& s);
  // Runs the runtime over the pending sends and the timers due before `until` (ns).
  bool settle(int64_t until, const TestStep& s);
  void fail(const TestStep& s, std::string message);
  void unexpected_dead_letters();
  std::string address(const TestStep& s) const { return p_.functions[s.function].type_name + "/" + s.key; }
  std::string text_of(const source::Span& span) const {
    return program_.checked->sources.file(span.file).text().substr(span.begin, span.end - span.begin);
  }

  const TestProgram& program_;
  const check::CheckedProgram& p_;
  const check::TestInfo& test_;
  fs::path dir_;
  const std::atomic<bool>& cancel_;
  int64_t now_ = 0;                                           // the test's virtual time (ns since the Unix epoch)
  int64_t settled_ = -1;                                      // the runtime ran up to (not including) this time
  std::vector<std::string> pending_;                          // input lines not run yet
  std::mutex mu_;                                             // egress_ and dead_ are filled by the runtime's threads
  std::map<std::string, std::vector<EmittedRecord>> egress_;  // not yet expected, per egress
  std::vector<Json> dead_;                                    // dead letters not yet expected
  std::vector<TestFailure> failures_;
  bool stopped_ = false;  // the runtime failed: the rest of the test cannot run
  std::uint32_t runs_ = 0;
};

const TestRun::Handler TestRun::kHandlers[] = {&TestRun::send,           &TestRun::send,
                                               &TestRun::advance,        &TestRun::expect_state,
                                               &TestRun::expect_emitted, &TestRun::expect_failed};

void TestRun::run(TestOutcome& out) {
  for (const TestStep& s : test_.steps) {
    (this->*kHandlers[static_cast<std::size_t>(s.kind)])(s);
    if (stopped_) break;
  }
  if (!stopped_ && !test_.steps.empty()) {
    TestStep end;
    end.span = test_.span;
    if (settle(now_ + 1, end)) unexpected_dead_letters();
  }
  out.failures = std::move(failures_);
  out.passed = out.failures.empty();
  out.runs = runs_;
}

void TestRun::fail(const TestStep& s, std::string message) {
  const source::SourceFile& file = program_.checked->sources.file(s.span.file);
  TestFailure f;
  const source::LineCol at = file.line_col(s.span.begin);
  f.line = at.line;
  f.column = at.column;
  f.statement = s.span == test_.span ? "end of test \"" + test_.name + "\"" : text_of(s.span);
  f.message = std::move(message);
  failures_.push_back(std::move(f));
}

void TestRun::send(const TestStep& s) {
  std::string ingress = s.kind == TestStep::Kind::SendIngress
                            ? p_.ingresses[s.ingress].name
                            : program_.direct_ingress.at({s.function, s.key, s.message});
  Json line{{"ingress", ingress}, {"value", value_json(p_, s.values[0])}, {"at", runtime::duration_text(now_)}};
  pending_.push_back(line.dump());
}

void TestRun::advance(const TestStep& s) {
  now_ += s.values[0].i;
  settle(now_ + 1, s);
}

bool TestRun::settle(int64_t until, const TestStep& s) {
  if (pending_.empty() && until <= settled_) return true;
  if (cancel_.load()) {
    fail(s, "interrupted before this statement ran");
    stopped_ = true;
    return false;
  }
  const fs::path input = dir_ / ("input-" + std::to_string(runs_) + ".jsonl");
  {
    std::ofstream f(input);
    for (const std::string& line : pending_) f << line << "\n";
  }
  pending_.clear();
  runtime::RunOptions o;
  o.workers = 1;
  o.state_dir = (dir_ / "state").string();
  o.input_path = input.string();
  o.clock = runtime::ClockMode::virtual_time;
  o.until_ns = until;
  o.until_clock_ns = until - 1;
  o.egress_sink = [this](const runtime::EgressRecord& r) {
    std::lock_guard<std::mutex> lock(mu_);
    Json value = Json::parse(r.json, nullptr, false);
    if (r.egress == "dead_letters")
      dead_.push_back(std::move(value));
    else
      egress_[r.egress].push_back({r.source, std::move(value)});
  };
  ++runs_;
  runtime::RunResult result = runtime::run_embedded(program_.module, o);
  settled_ = until;
  if (result.exit_code == 0) return true;
  fail(s, "the runtime stopped (exit status " + std::to_string(result.exit_code) + ")" +
              (result.error.empty() ? std::string() : ": " + result.error));
  stopped_ = true;
  return false;
}

void TestRun::expect_state(const TestStep& s) {
  if (!settle(now_ + 1, s)) return;
  const check::StateInfo& state = p_.functions[s.function].states[s.state];
  Json actual;
  auto read = runtime::read_instance_state(program_.module, (dir_ / "state").string(), address(s));
  if (read)
    actual = Json::parse(read.value(), nullptr, false).value(state.name, Json());
  else if (read.error().message.find("never stored state") != std::string::npos)
    actual = value_json(p_, state.init);
  else
    return fail(s, "cannot read the state of " + address(s) + ": " + read.error().message);
  const Json expected = value_json(p_, s.values[0]);
  if (actual == expected) return;
  fail(s, "expected: " + expected.dump() + "\nactual:   " + actual.dump());
}

std::vector<std::string> dumps(const std::vector<Json>& values) {
  std::vector<std::string> out;
  for (const Json& v : values) out.push_back(v.dump());
  return out;
}

void TestRun::expect_emitted(const TestStep& s) {
  if (!settle(now_ + 1, s)) return;
  const std::string& name = p_.egresses[s.egress].name;
  std::vector<EmittedRecord> actual;
  {
    std::lock_guard<std::mutex> lock(mu_);
    actual = std::move(egress_[name]);
    egress_[name].clear();
  }
  std::vector<Json> expected;
  for (const check::ConstValue& v : s.values) expected.push_back(value_json(p_, v));
  std::vector<Json> got;
  for (const EmittedRecord& r : actual) got.push_back(r.value);
  if (s.contains) {
    std::vector<Json> missing = missing_records(expected, actual);
    if (missing.empty()) return;
    std::string report = "not emitted to `" + name + "`:\n" + diff_lines(dumps(missing), {}, "");
    report += got.empty() ? "nothing was emitted to it" : "emitted:\n" + diff_lines(dumps(got), dumps(got), "");
    return fail(s, report);
  }
  if (same_records(expected, actual)) return;
  fail(s, "the records emitted to `" + name + "` differ (- expected, + actual):\n" +
              diff_lines(dumps(expected), dumps(got), ""));
}

void TestRun::expect_failed(const TestStep& s) {
  if (!settle(now_ + 1, s)) return;
  const std::string want = s.values[0].s;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = dead_.begin(); it != dead_.end(); ++it) {
    if (it->value("address", "") == address(s) && it->value("error", "").find(want) != std::string::npos) {
      dead_.erase(it);
      return;
    }
  }
  std::string report = "no dead letter of " + address(s) + " with an error containing \"" + want + "\"\n";
  report +=
      dead_.empty() ? "there were no dead letters" : "dead letters:\n" + diff_lines(dumps(dead_), dumps(dead_), "");
  fail(s, report);
}

void TestRun::unexpected_dead_letters() {
  std::lock_guard<std::mutex> lock(mu_);
  if (dead_.empty()) return;
  TestStep end;
  end.span = test_.span;
  fail(end, "dead letters no `expect failed` expected:\n" + diff_lines(dumps(dead_), dumps(dead_), ""));
}

}  // namespace

TestOutcome run_test(const TestProgram& program, std::size_t index, const std::string& scratch,
                     const std::atomic<bool>& cancel) {
  const auto t0 = std::chrono::steady_clock::now();
  const check::TestInfo& test = program.checked->checked->tests[index];
  TestOutcome out;
  out.file = program.path;
  out.name = test.name;
  out.line = program.checked->sources.file(test.span.file).line_col(test.span.begin).line;
  std::error_code ec;
  const fs::path dir = fs::path(scratch) / ("test-" + std::to_string(index));
  fs::create_directories(dir, ec);
  out.ran = true;
  TestRun(program, test, dir, cancel).run(out);
  fs::remove_all(dir, ec);
  out.ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace sfn::driver
