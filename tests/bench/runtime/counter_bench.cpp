// Runtime benchmark (not a pass/fail test): a hand-written counter module in embedded mode.
//
//   message Inc { id: int; hops: int; }
//   ingress incs(m: Inc) -> Counter(m.id);
//   function Counter(id: int) {
//     state count: int = 0;
//     on Inc(m) { count += 1; if (m.hops > 0) { send Inc { id: (id + 7919) % N, hops: m.hops - 1 } to Counter(...); } }
//   }
//
// N = 100,000 distinct keys; every key gets one ingress record with `hops` further hops, so each
// invocation does one state increment and one send. Reports invocations/second with 1 and 2
// workers, RocksDB bytes per invocation, and a raw baseline measured in the same run: a bare
// loop doing one RocksDB Put (WAL off) per invocation over the same keys in the same order.
// Then the same program written in SFN (counter.sfn, compiled by the C++ backend at build time)
// runs next to the hand-written module, so the two are compared under the same conditions.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#ifdef SFN_COUNTER_SFN
#include "compiler/driver/pipeline.h"
#endif
#include "runtime/coordinator/coordinator.h"
#include "runtime/core/codec.h"
#include "runtime/core/module.h"
#include "runtime/state/state_backend.h"
#include "runtime/worker/worker.h"
#include "sfn/abi_cpp.h"

namespace {

using namespace sfn::abi;
namespace fs = std::filesystem;

constexpr int64_t kKeys = 100'000;
constexpr int64_t kStep = 7919;

struct Inc {
  int64_t id;
  int64_t hops;
};
const sfn_field_desc kIncFields[] = {{"id", 1, offsetof(Inc, id), &kInt, 0},
                                     {"hops", 2, offsetof(Inc, hops), &kInt, 0}};
const sfn_message_desc kIncDesc{"Inc", "bench.Inc", sizeof(Inc), alignof(Inc), 2, kIncFields, nullptr};
const sfn_message_desc* const kMessages[] = {&kIncDesc};

void on_inc(Ctx& c, const Inc& m) {
  c.mut<int64_t>(0) += 1;
  if (m.hops > 0) {
    Inc next{(c.key_int() + kStep) % kKeys, m.hops - 1};
    Str to;
    svc().ref_int("bench/Counter", next.id, &to.s);
    c.send(to.s, 0, next);
  }
}
void route_inc(Ctx&, const Inc& m, sfn_str& out) { svc().ref_int("bench/Counter", m.id, &out); }

const sfn_state_desc kStates[] = {{"count", &kInt, nullptr, SFN_EXPIRE_NONE, 0}};
const sfn_handler_desc kHandlers[] = {{0, handler_entry<Inc, on_inc>}};
const sfn_function_desc kFunctions[] = {{"bench/Counter", SFN_INT, 1, kStates, 1, kHandlers}};
const sfn_ingress_desc kIngresses[] = {{"incs", 0, route_entry<Inc, route_inc>}};
const sfn_module kModule{SFN_ABI_VERSION, "bench", "bench-1",  1, kMessages, 0, nullptr, 1,
                         kFunctions,      1,       kIngresses, 0, nullptr};
const sfn_module* entry(const sfn_services* s) {
  g_services = s;
  return &kModule;
}

struct Result {
  double seconds = 0;
  uint64_t invocations = 0;
  uint64_t batch_bytes = 0;
  uint64_t file_bytes = 0;
};

Result run_embedded_counter(const sfn::runtime::ModulePtr& module, unsigned workers, int64_t hops,
                            const fs::path& dir) {
  using namespace sfn::runtime;
  fs::remove_all(dir);
  worker::Hub hub(module, workers, 128, ClockMode::real, "bench" + std::to_string(workers));
  std::vector<std::unique_ptr<worker::Worker>> ws;
  for (unsigned w = 0; w < workers; ++w) {
    ws.push_back(std::make_unique<worker::Worker>(hub, w));
    sfn::Status s = ws.back()->open((dir / ("worker-" + std::to_string(w))).string());
    if (!s) {
      std::fprintf(stderr, "%s\n", s.error().message.c_str());
      std::exit(1);
    }
    hub.wakers.push_back(ws.back()->waker());
  }
  for (auto& w : ws)
    if (!w->connect()) std::exit(1);
  coordinator::Coordinator coord(hub);
  if (!coord.connect()) std::exit(1);
  std::vector<coordinator::InputRecord> input;
  for (int64_t k = 0; k < kKeys; ++k) {
    Inc m{k, hops};
    coordinator::InputRecord r;
    core::encode_proto(&kIncDesc, &m, r.payload);
    input.push_back(std::move(r));
  }
  coordinator::MemorySource source(std::move(input));
  coord.set_source(&source);
  std::atomic<bool> stop{false};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (auto& w : ws) threads.emplace_back([&w] { w->run(); });
  coord.run(stop);
  for (auto& t : threads) t.join();
  Result r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (auto& w : ws) {
    r.invocations += w->invocations();
    r.batch_bytes += w->backend().batch_bytes();
    r.file_bytes += w->backend().db_bytes_written();
  }
  return r;
}

Result run_baseline(uint64_t puts, const fs::path& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir.string(), &raw);
  if (!s.ok()) {
    std::fprintf(stderr, "baseline: %s\n", s.ToString().c_str());
    std::exit(1);
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  std::vector<int64_t> counts(kKeys, 0);
  int64_t key = 0;
  uint64_t bytes = 0;
  std::string value;
  auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < puts; ++i) {
    std::string address = "bench/Counter/" + std::to_string(key);
    std::string k = sfn::runtime::state::state_key(sfn::runtime::core::key_group_of(address, 128), address, "count");
    int64_t v = ++counts[key];
    value.assign(8, '\0');
    std::memcpy(value.data(), &v, 8);
    s = db->Put(wo, k, value);
    if (!s.ok()) {
      std::fprintf(stderr, "baseline put: %s\n", s.ToString().c_str());
      std::exit(1);
    }
    bytes += k.size() + value.size();
    // Same key order as the counter: every key once per round, then the next hop.
    key = (key + 1) % kKeys;
  }
  Result r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.invocations = puts;
  r.batch_bytes = bytes;
  return r;
}

// Rates of modules `a` and `b` on `w` workers, ABBA order twice (a, b, b, a, b, a, a, b), so
// neither always runs on a warmer or a more fragmented process; each rate is the total
// invocations over the total time of its four runs (single runs vary by up to 20% on a shared VM).
std::pair<double, double> abba(const sfn::runtime::ModulePtr& a, const sfn::runtime::ModulePtr& b, unsigned w,
                               int64_t hops, const fs::path& dir, const char* name_a, const char* name_b) {
  double seconds[2] = {0, 0}, invocations[2] = {0, 0};
  int round = 0;
  for (int which : {0, 1, 1, 0, 1, 0, 0, 1}) {
    const char* name = which == 0 ? name_a : name_b;
    Result r = run_embedded_counter(which == 0 ? a : b, w, hops,
                                    dir / (std::string(name) + std::to_string(w) + "_" + std::to_string(round++)));
    if (std::getenv("SFN_BENCH_VERBOSE")) std::printf("  %s %u: %.0f/s\n", name, w, r.invocations / r.seconds);
    seconds[which] += r.seconds;
    invocations[which] += static_cast<double>(r.invocations);
  }
  return {invocations[0] / seconds[0], invocations[1] / seconds[1]};
}

sfn::runtime::ModulePtr load_or_exit(const char* path) {
  auto m = sfn::runtime::load_module_file(path);
  if (!m) {
    std::fprintf(stderr, "%s\n", m.error().message.c_str());
    std::exit(1);
  }
  return m.value();
}

#ifdef SFN_COUNTER_SFN
// The program compiled by the LLVM JIT in this process (lower + -O2 + ORC), as `sfn run` does.
sfn::runtime::ModulePtr jit_or_exit(const char* sfn_path) {
  sfn::driver::LoadOptions options;
  options.backend = sfn::driver::Backend::llvm;
  auto r = sfn::driver::load_program(sfn_path, options);
  if (!r.module) {
    std::fprintf(stderr, "%s: %s\n", sfn_path, r.error.c_str());
    std::exit(1);
  }
  return r.module;
}
#endif

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && (std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h")) {
    std::printf(
        "usage: runtime_counter_bench [HOPS [WORKERS]]\n"
        "  HOPS     sends after each ingress record (default 9: 1,000,000 invocations)\n"
        "  WORKERS  run only the embedded run with this many workers (for profiling)\n"
        "SFN_BENCH_VERBOSE=1 prints each run of the hand-written/counter.sfn comparison.\n");
    return 0;
  }
  int64_t hops = argc > 1 ? std::atoll(argv[1]) : 9;
  fs::path dir = fs::temp_directory_path() / ("sfn_bench_" + std::to_string(::getpid()));
  auto loaded = sfn::runtime::load_module_linked(entry);
  if (!loaded) {
    std::fprintf(stderr, "%s\n", loaded.error().message.c_str());
    return 1;
  }
  const sfn::runtime::ModulePtr module = std::move(loaded.value());
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("counter benchmark: %lld keys, %lld hops each (%lld invocations per run)\n",
              static_cast<long long>(kKeys), static_cast<long long>(hops), static_cast<long long>(kKeys * (hops + 1)));
  // `counter_bench HOPS WORKERS` runs only the embedded run with WORKERS (for profiling).
  unsigned only = argc > 2 ? static_cast<unsigned>(std::atoi(argv[2])) : 0;
  Result base = only ? Result{1, 1, 0, 0} : run_baseline(static_cast<uint64_t>(kKeys * (hops + 1)), dir / "baseline");
  double base_rate = base.invocations / base.seconds;
  std::printf("baseline: bare RocksDB Put per message (WAL off): %.0f puts/s (%.3f s)\n", base_rate, base.seconds);
  for (unsigned w : {1u, 2u}) {
    if (only && w != only) continue;
    Result r = run_embedded_counter(module, w, hops, dir / ("w" + std::to_string(w)));
    double rate = r.invocations / r.seconds;
    std::printf(
        "embedded, %u worker%s: %.0f invocations/s (%llu in %.3f s) = %.2fx baseline; "
        "RocksDB: %.1f batch bytes/invocation, %.1f file bytes/invocation (flush+compaction)\n",
        w, w == 1 ? " " : "s", rate, static_cast<unsigned long long>(r.invocations), r.seconds, rate / base_rate,
        static_cast<double>(r.batch_bytes) / r.invocations, static_cast<double>(r.file_bytes) / r.invocations);
  }
#ifdef SFN_COUNTER_SO
  // The same program written in SFN (counter.sfn) and compiled by the C++ backend.
  auto compiled = load_or_exit(SFN_COUNTER_SO);
  for (unsigned w : {1u, 2u}) {
    if (only && w != only) continue;
    auto [hand_rate, sfn_rate] = abba(module, compiled, w, hops, dir, "hand", "sfn");
    std::printf(
        "counter.sfn (C++ backend), %u worker%s: %.0f invocations/s vs hand-written %.0f in the same run "
        "(ABBA BAAB, 4 runs each) = %.2fx of hand-written\n",
        w, w == 1 ? " " : "s", sfn_rate, hand_rate, sfn_rate / hand_rate);
  }
#endif
#ifdef SFN_COUNTER_LOOP_SO
  // The invocation budget's cost: 200 units of fuel per invocation, with and without the checks.
  auto budget = load_or_exit(SFN_COUNTER_LOOP_SO), unchecked = load_or_exit(SFN_COUNTER_LOOP_NOBUDGET_SO);
  if (!only || only == 1) {
    auto [with, without] = abba(budget, unchecked, 1, hops, dir, "budget", "nobudget");
    std::printf(
        "counter_loop.sfn (200 loop iterations + fn calls per invocation), 1 worker: %.0f invocations/s with "
        "the budget vs %.0f without (ABBA BAAB) = %.3fx; %.2f ns per unit of fuel\n",
        with, without, with / without, (1e9 / with - 1e9 / without) / 200);
  }
#endif
#if defined(SFN_COUNTER_SFN) && defined(SFN_COUNTER_SO) && defined(SFN_COUNTER_LOOP_SO)
  // The LLVM JIT against the C++ backend, same programs, same run.
  const std::pair<const char*, const char*> programs[] = {{SFN_COUNTER_SFN, SFN_COUNTER_SO},
                                                          {SFN_COUNTER_LOOP_SFN, SFN_COUNTER_LOOP_SO}};
  for (const auto& [source, so] : programs) {
    auto jitted = jit_or_exit(source), cpp = load_or_exit(so);
    for (unsigned w : {1u, 2u}) {
      if (only && w != only) continue;
      auto [cpp_rate, jit_rate] = abba(cpp, jitted, w, hops, dir, "cpp", "jit");
      std::printf("%s, %u worker%s: LLVM JIT %.0f invocations/s vs C++ backend %.0f (ABBA BAAB) = %.3fx\n",
                  fs::path(source).filename().c_str(), w, w == 1 ? " " : "s", jit_rate, cpp_rate, jit_rate / cpp_rate);
    }
  }
#endif
  fs::remove_all(dir);
  return 0;
}
