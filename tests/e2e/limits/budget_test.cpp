// The budgets of decision 110 that bound memory, against the real `sfn` binary: what one
// invocation's values may allocate (--max-invocation-memory) and how many sends, timers, emits and
// cancels it may buffer (--max-invocation-effects), in both backends, and how many messages sent by
// handlers may be in flight in a run (--max-in-flight). Each run has an address-space limit
// (`ulimit -v`), so a runtime without these budgets fails fast with bad_alloc instead of taking the
// machine's memory.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace {

namespace fs = std::filesystem;
using sfn::testing::CommandResult;
using sfn::testing::run_command;
using sfn::testing::ScratchDir;

constexpr long kAddressSpaceKb = 4L << 20;  // 4 GiB for every run
const std::vector<std::string> kBackends = {"llvm", "cpp"};

// `sfn ARGS` in `dir` under `ulimit -v`.
CommandResult run_sfn(const fs::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"/bin/sh", "-c", "ulimit -v " + std::to_string(kAddressSpaceKb) + " && exec \"$@\"",
                                   "sh", SFN_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, "", dir.string());
}

// `sfn run FILE --input in.jsonl` of `program` with `lines`, in a fresh state directory.
CommandResult run_program(const fs::path& dir, const std::string& program, const std::vector<std::string>& lines,
                          const std::vector<std::string>& options) {
  std::ofstream(dir / "prog.sfn") << program;
  std::ofstream in(dir / "in.jsonl");
  for (const auto& l : lines) in << l << "\n";
  in.close();
  fs::remove_all(dir / "state");
  std::vector<std::string> args = {"run",     "prog.sfn", "--input",     "in.jsonl",
                                   "--clock", "virtual",  "--state-dir", (dir / "state").string()};
  args.insert(args.end(), options.begin(), options.end());
  return run_sfn(dir, args);
}

// The peak resident set of the largest child this process has waited for (a grandchild run
// through `sh` too), in kB: an upper bound on the peak of the last run.
long children_peak_kb() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return u.ru_maxrss;
}

std::string dead_letter(const std::string& address, const std::string& type, const std::string& message,
                        const std::string& error, const std::string& location) {
  return R"({"egress":"dead_letters","value":{"address":")" + address + R"(","message_type":")" + type +
         R"(","message":)" + message + R"(,"error":")" + error + R"(","location":")" + location + R"(","epoch":1}})" +
         "\n";
}

std::string line(const std::string& text) { return R"({"egress":"lines","value":{"text":")" + text + "\"}}\n"; }

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// Issue 23 item 5: a handler doubling a string 40 times.
const char* const kGrowProgram = R"(package grow;

message Grow {
  id: int;
  times: int;
}

message Line {
  text: string;
}

ingress grows(g: Grow) -> Grower(g.id);
egress lines: Line;

function Grower(id: int) {
  on Grow(g) {
    var s = "x";
    var i = 0;
    while (i < g.times) {
      s = s + s;
      i += 1;
    }
    emit Line { text: "len ${s.len()}" } to lines;
  }
}
)";

std::string grow(int id, int times) {
  return R"({"ingress":"grows","value":{"id":)" + std::to_string(id) + R"(,"times":)" + std::to_string(times) + "}}";
}

std::string memory_exhausted(const std::string& limit) {
  return "invocation memory budget exhausted (more than " + limit + " allocated; --max-invocation-memory)";
}

// The doubled string passed the fuel budget and killed the process with bad_alloc; its record,
// in the ingress log, killed every restart the same way and later records never ran. Now it is
// a dead letter at the loop, the records after it run, the process stays far below the string's
// size, and a restart on the state directory has nothing left to do.
TEST(MemoryBudget, AStringDoubled40TimesIsADeadLetterAndLaterRecordsRun) {
  for (const std::string& backend : kBackends) {
    SCOPED_TRACE(backend);
    ScratchDir dir("memory_budget_" + backend);
    auto r = run_program(dir.path, kGrowProgram, {grow(1, 3), grow(2, 40), grow(3, 4)}, {"--backend", backend});
    const long peak_kb = children_peak_kb();
    std::printf("%s: sfn run peak resident memory at most %ld kB\n", backend.c_str(), peak_kb);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, line("len 8") +
                         dead_letter("grow/Grower/2", "grow.Grow", R"({"id":2,"times":40})",
                                     memory_exhausted("256 MiB"), "prog.sfn:19:5") +
                         line("len 16"))
        << r.err;
    EXPECT_LT(peak_kb, 1L << 20) << "the budget is 256 MiB";
    auto again = run_sfn(dir.path, {"run", "prog.sfn", "--backend", backend, "--clock", "virtual", "--state-dir",
                                    (dir.path / "state").string()});
    EXPECT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(again.out, "");

    r = run_program(dir.path, kGrowProgram, {grow(4, 40)}, {"--backend", backend, "--max-invocation-memory", "1MiB"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, dead_letter("grow/Grower/4", "grow.Grow", R"({"id":4,"times":40})", memory_exhausted("1 MiB"),
                                 "prog.sfn:19:5"));
  }
}

TEST(MemoryBudget, TheOptionTakesASizeWithinItsRange) {
  ScratchDir dir("memory_budget_option");
  for (const char* bad : {"1KiB", "2TiB", "lots"}) {
    auto r = run_program(dir.path, kGrowProgram, {grow(1, 3)}, {"--max-invocation-memory", bad});
    EXPECT_EQ(r.status, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.find("--max-invocation-memory"), std::string::npos) << r.err;
  }
  auto r = run_program(dir.path, kGrowProgram, {grow(1, 20)}, {"--max-invocation-memory", "64KiB"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, dead_letter("grow/Grower/1", "grow.Grow", R"({"id":1,"times":20})", memory_exhausted("64 KiB"),
                               "prog.sfn:19:5"));
}

// Issue 23 item 7: one invocation arming timers (and sending, emitting) in a loop.
const char* const kArmProgram = R"(package arm;

message Arm {
  id: int;
  n: int;
  emits: bool;
}

message Tick {
  i: int;
}

message Probe {
  id: int;
}

message Line {
  text: string;
}

ingress arms(a: Arm) -> Armer(a.id);
ingress probes(p: Probe) -> Armer(p.id);
egress lines: Line;

function Armer(id: int) {
  state fired: int = 0;

  on Arm(a) {
    var i = 0;
    while (i < a.n) {
      if (a.emits) {
        emit Line { text: "line ${i}" } to lines;
      } else {
        send Tick { i: i } to self after 1h;
      }
      i += 1;
    }
    emit Line { text: "armed ${a.n}" } to lines;
  }

  on Tick(_t) {
    fired += 1;
  }

  on Probe(_p) {
    emit Line { text: "fired ${fired}" } to lines;
  }
}
)";

std::string arm(int id, long n, bool emits, const std::string& at) {
  return R"({"ingress":"arms","value":{"id":)" + std::to_string(id) + R"(,"n":)" + std::to_string(n) + R"(,"emits":)" +
         (emits ? "true" : "false") + R"(},"at":")" + at + "\"}";
}

std::string effects_exhausted(const std::string& limit) {
  return "invocation effects budget exhausted (more than " + limit +
         " sends, timers, emits and cancels; --max-invocation-effects)";
}

// 1 M timers in one invocation took 0.6 GB, 5 M 2.5 GB, and 15 M died with bad_alloc. Past its
// effects budget an invocation is a dead letter (at the send; an emit has no location, so the
// loop that goes on after it is named, or none when the handler ends), none of its timers or
// emits remain, and the run goes on.
TEST(EffectsBudget, AnInvocationPastItsEffectsBudgetIsADeadLetter) {
  for (const std::string& backend : kBackends) {
    SCOPED_TRACE(backend);
    ScratchDir dir("effects_budget_" + backend);
    auto r = run_program(
        dir.path, kArmProgram,
        {arm(1, 9, false, "1s"), arm(2, 11, false, "2s"), arm(3, 10, false, "3s"),
         R"({"ingress":"probes","value":{"id":1},"at":"3h"})", R"({"ingress":"probes","value":{"id":2},"at":"3h"})",
         arm(4, 9, true, "4h"), arm(5, 10, true, "5h"), arm(6, 11, true, "6h")},
        {"--backend", backend, "--max-invocation-effects", "10"});
    EXPECT_EQ(r.status, 0) << r.err;
    std::string lines;
    for (int i = 0; i < 9; ++i) lines += line("line " + std::to_string(i));
    const std::string effects = effects_exhausted("10");
    EXPECT_EQ(r.out,
              line("armed 9") +
                  dead_letter("arm/Armer/2", "arm.Arm", R"({"id":2,"n":11,"emits":false})", effects, "prog.sfn:34:9") +
                  dead_letter("arm/Armer/3", "arm.Arm", R"({"id":3,"n":10,"emits":false})", effects, "") +
                  line("fired 9") + line("fired 0") + lines + line("armed 9") +
                  dead_letter("arm/Armer/5", "arm.Arm", R"({"id":5,"n":10,"emits":true})", effects, "") +
                  dead_letter("arm/Armer/6", "arm.Arm", R"({"id":6,"n":11,"emits":true})", effects, "prog.sfn:30:5"))
        << r.err;
  }
}

// The issue's run with the default budget: 15 M timers in one invocation.
TEST(EffectsBudget, FifteenMillionTimersAreADeadLetterWithTheDefaultBudget) {
  ScratchDir dir("effects_budget_default");
  auto r = run_program(dir.path, kArmProgram, {arm(1, 15'000'000, false, "1s"), arm(2, 3, false, "2s")}, {});
  const long peak_kb = children_peak_kb();
  std::printf("sfn run peak resident memory at most %ld kB\n", peak_kb);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, dead_letter("arm/Armer/1", "arm.Arm", R"({"id":1,"n":15000000,"emits":false})",
                               effects_exhausted("1000000"), "prog.sfn:34:9") +
                       line("armed 3"));
  EXPECT_LT(peak_kb, 1L << 20) << "5 M timers once took 2.5 GB";
}

// Issue 23 item 6: A sends two messages to B for each message, B two to A.
const char* const kAmplifyProgram = R"(package amp;

message Ping {
  n: int;
}

ingress pings(p: Ping) -> A(p.n);

function A(id: int) {
  on Ping(p) {
    send Ping { n: p.n + 1 } to B(id);
    send Ping { n: p.n + 1 } to B(id + 1);
  }
}

function B(id: int) {
  on Ping(p) {
    send Ping { n: p.n + 1 } to A(id);
    send Ping { n: p.n + 1 } to A(id + 1);
  }
}
)";

bool names_the_cycle(const std::string& err, const std::string& bound) {
  const std::string head = "sfn run: more than " + bound +
                           " messages sent by handlers were in flight (--max-in-flight): the messages multiply along "
                           "the cycle ";
  return err.find(head + "amp/A → amp/B → amp/A") != std::string::npos ||
         err.find(head + "amp/B → amp/A → amp/B") != std::string::npos;
}

// The cycle reached bad_alloc within ~30 s, with snapshots of 240–900 MB of in-flight records,
// and a restart died the same way, with no word of why. Now the run stops with exit 1 once the
// bound is passed, naming the cycle, and so does a restart, within bounded memory.
TEST(InFlight, AnAmplifyingCycleStopsTheRunNamingTheCycle) {
  ScratchDir dir("in_flight_cycle");
  const std::vector<std::string> ping = {R"({"ingress":"pings","value":{"n":0}})"};
  auto r = run_program(dir.path, kAmplifyProgram, ping, {"--workers", "2", "--max-in-flight", "10000"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(names_the_cycle(r.err, "10000")) << r.err;
  auto again = run_sfn(dir.path, {"run", "prog.sfn", "--workers", "2", "--max-in-flight", "10000", "--clock", "virtual",
                                  "--state-dir", (dir.path / "state").string()});
  EXPECT_EQ(again.status, 1) << again.err;
  EXPECT_TRUE(names_the_cycle(again.err, "10000")) << again.err;

  r = run_program(dir.path, kAmplifyProgram, ping, {"--workers", "2"});
  const long peak_kb = children_peak_kb();
  std::printf("default bound: sfn run peak resident memory at most %ld kB\n", peak_kb);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_TRUE(names_the_cycle(r.err, "2000000")) << r.err;
  EXPECT_LT(peak_kb, 1L << 20);
}

// Chains of 2,000 hops, a fan-out and a burst of 300 timers due at once all run within a bound of
// 100 messages in flight (timers wait while it is half full); one invocation sending 500 does not,
// and the error names what it sent.
const char* const kFanProgram = R"(package fan;

message Go {
  id: int;
  hops: int;
  fan: int;
  timers: int;
}

message Hop {
  left: int;
}

message Leaf {
  i: int;
}

message Probe {
  id: int;
}

message Line {
  text: string;
}

ingress gos(g: Go) -> Root(g.id);
ingress probes(p: Probe) -> Sink(p.id);
egress lines: Line;

function Root(id: int) {
  on Go(g) {
    if (g.hops > 0) {
      send Hop { left: g.hops } to Chain(id * 10000);
    }
    var i = 0;
    while (i < g.fan) {
      send Leaf { i: i } to Sink(id);
      i += 1;
    }
    var t = 0;
    while (t < g.timers) {
      send Leaf { i: t } to Sink(id) after 1s;
      t += 1;
    }
  }
}

function Chain(id: int) {
  on Hop(h) {
    if (h.left > 1) {
      send Hop { left: h.left - 1 } to Chain(id + 1);
    } else {
      emit Line { text: "chain ${id} done" } to lines;
    }
  }
}

function Sink(id: int) {
  state got: int = 0;

  on Leaf(_l) {
    got += 1;
  }

  on Probe(_p) {
    emit Line { text: "sink ${id} got ${got}" } to lines;
  }
}
)";

std::string go(int id, int hops, int fan, int timers, const std::string& at) {
  return R"({"ingress":"gos","value":{"id":)" + std::to_string(id) + R"(,"hops":)" + std::to_string(hops) +
         R"(,"fan":)" + std::to_string(fan) + R"(,"timers":)" + std::to_string(timers) + R"(},"at":")" + at + "\"}";
}

TEST(InFlight, ChainsFanOutsAndTimerBurstsWithinTheBoundRun) {
  ScratchDir dir("in_flight_within");
  std::vector<std::string> in;
  for (int id = 1; id <= 3; ++id) in.push_back(go(id, 2000, 0, 0, "1s"));
  in.push_back(go(4, 0, 90, 0, "2s"));
  for (int id = 5; id <= 7; ++id) in.push_back(go(id, 0, 0, 100, "3s"));
  for (int id = 4; id <= 7; ++id)
    in.push_back(R"({"ingress":"probes","value":{"id":)" + std::to_string(id) + R"(},"at":"1m"})");
  auto r = run_program(dir.path, kFanProgram, in, {"--workers", "2", "--max-in-flight", "100"});
  EXPECT_EQ(r.status, 0) << r.err;
  std::vector<std::string> got = lines_of(r.out);  // two workers publish in worker order
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got,
            lines_of(line("chain 11999 done") + line("chain 21999 done") + line("chain 31999 done") +
                     line("sink 4 got 90") + line("sink 5 got 100") + line("sink 6 got 100") + line("sink 7 got 100")))
      << r.err;

  r = run_program(dir.path, kFanProgram, {go(8, 0, 500, 0, "1s")}, {"--workers", "2", "--max-in-flight", "100"});
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("more than 100 messages sent by handlers were in flight (--max-in-flight): the program sends "
                       "faster than it processes (sends while over half of it: fan/Root → fan/Sink: 500)"),
            std::string::npos)
      << r.err;
}

}  // namespace
