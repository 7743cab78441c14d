// Benchmark of the whole front end (parse + check) on generated programs of growing size:
// hundreds of messages and function types messaging each other in a cycle. Reports time per
// program and lines per second, so linearity shows as a constant lines/second across sizes.
// Run: build/tests/bench/compiler/frontend_bench  (numbers go to docs/PERFORMANCE.md).
#include <benchmark/benchmark.h>

#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "compiler/check/checked_program.h"
#include "compiler/parse/parse.h"

namespace {

// One "unit" is ~30 lines: two messages, an enum, a fn and a function type with two handlers.
std::string generate_program(int units) {
  std::string s = "package bench.generated;\n\nmessage Start { id: string; }\nmessage Out { text: string; }\n";
  s += "ingress starts(s: Start) -> Entry(s.id);\negress out: Out;\n\n";
  s += "function Entry(id: string) {\n  on Start(s) {\n    send Req0 { id: s.id, amount: 1, tags: [\"a\"] } to "
       "Svc0(id);\n  }\n}\n\n";
  for (int i = 0; i < units; ++i) {
    int next = (i + 1) % units;
    s += fmt::format(R"(/// Request number {0}.
message Req{0} {{
  id: string;
  amount: int;
  tags: list<string>;
  note: string? = none;
}}

message Resp{0} {{ id: string; total: int; }}

enum Kind{0} {{ A, B, C }}

fn score{0}(x: int, y: int) -> int {{
  if (x > y) {{ return x - y; }}
  return y - x + {0};
}}

function Svc{0}(id: string) {{
  state total: int = 0;
  state seen: map<string, int> = {{}};
  state history: list<int> = [];
  on Req{0}(r) {{
    total += r.amount;
    seen[r.id] = (seen.get(r.id) ?? 0) + 1;
    history.push(score{0}(total, r.amount));
    for (t in r.tags) {{ if (t.len() > 3) {{ log("tag ${{t}} of ${{r.note ?? "-"}}"); }} }}
    send Resp{0} {{ id: r.id, total: total }} to self;
    send Req{1} {{ id: r.id, amount: r.amount + 1, tags: r.tags }} to Svc{1}(r.id);
  }}
  on Resp{0}(p) {{
    let k = Kind{0}.B;
    if (p.total > 100 && k == Kind{0}.B) {{
      emit Out {{ text: "${{p.id}}: ${{p.total}} ${{history.len()}} ${{seen}}" }} to out;
    }}
  }}
}}

)",
                     i, next);
  }
  return s;
}

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

void BM_Frontend(benchmark::State& state) {
  std::string text = generate_program(static_cast<int>(state.range(0)));
  std::size_t diagnostics = 0;
  for (auto _ : state) {
    sfn::source::SourceManager sources;
    sfn::diagnostics::DiagnosticSink sink;
    auto id = sources.add("generated.sfn", text);
    sfn::ast::Program program;
    program.files.push_back(sfn::parse::parse_file(sources, id, sink));
    auto checked = sfn::check::check_program(program, sources, sink);
    diagnostics = sink.diagnostics().size();
    benchmark::DoNotOptimize(checked.routes.data());
  }
  if (diagnostics != 0) state.SkipWithError("the generated program has diagnostics");
  int lines = count_lines(text);
  state.counters["lines"] = lines;
  state.counters["lines/s"] =
      benchmark::Counter(static_cast<double>(lines) * state.iterations(), benchmark::Counter::kIsRate);
}
// 30, 100 and 340 units: ~1,000, ~3,300 and ~11,000 lines.
BENCHMARK(BM_Frontend)->Arg(30)->Arg(100)->Arg(340)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  if (argc == 3 && std::string(argv[1]) == "--print-program") {
    fmt::print("{}", generate_program(std::atoi(argv[2])));
    return 0;
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
