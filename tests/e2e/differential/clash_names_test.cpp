// Programs whose names clash with what the backends generate (issue 11): every SFN name must reach
// generated code mangled (decision 090), so `sfn check`-clean programs named with C++ types,
// runtime and descriptor names, pairs like `A` with `AType`/`AFields`/`AId`, states named
// `on_<Message>`, `FStates` or like their function type, and locals named like message types
// compile with both backends and print the expected egress. Program 0 uses the names of issue 11
// in fixed roles; the others deal the clash list out to random roles (SFN_CLASH_PROGRAMS=N runs
// more by hand).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/differential/backends.h"

namespace {

namespace fs = std::filesystem;

// Names the C++ backend generates or includes, and what mangled user names look like.
const std::vector<std::string> kClashes = {
    "Module",  "Messages",   "Functions", "Ingresses", "Egresses", "Enums",     "Loc",       "T0",       "State",
    "SFN_OK",  "SFN_RAISED", "int64_t",   "uint8_t",   "int32_t",  "uint32_t",  "size_t",    "kLoc",     "kT0",
    "kModule", "ctx",        "out",       "slot",      "tmp0",     "tmp1",      "c0",        "it0",      "std",
    "sfn",     "main",       "NULL",      "errno",     "assert",   "stdin",     "INT64_MIN", "offsetof", "class",
    "struct",  "namespace",  "operator",  "delete",    "new",      "this",      "auto",      "register", "u_char",
    "h_addr",  "sa_handler", "st_atime",  "m_A",       "l_x",      "f_x",       "s_x",       "t_F",      "e_E",
    "v_x",     "fn_f",       "on_A",      "route_i",   "kId_m_A",  "kDesc_m_A", "kType_m_A", "init_s_x", "Optional",
    "abi",     "gen",        "Ctx",       "Raised",    "sfn_str"};

struct Names {
  std::string pkg_enum, v0, v1, in, out, a, f, s_extra, field_k, field_x, field_e, field_v, local, loop;
};

struct ClashProgram {
  std::string source, input, expected;
};

// Program text for `n`: F(k) counts In messages and emits the sum of its states, the input and
// the enum check, so the expected egress is known without running anything.
ClashProgram program(const Names& n) {
  std::ostringstream s;
  s << "package clash;\n\nenum " << n.pkg_enum << " { " << n.v0 << ", " << n.v1 << " }\n\n"
    << "message " << n.in << " { " << n.field_k << ": int; " << n.field_x << ": int; " << n.field_e << ": "
    << n.pkg_enum << "; }\n"
    << "message " << n.out << " { " << n.field_v << ": int; }\n";
  for (const char* suffix : {"", "Type", "Fields", "Id", "Desc", "Init"})
    s << "message " << n.a << suffix << " { " << n.field_x << ": int; }\n";
  s << "\ningress i(m: " << n.in << ") -> " << n.f << "(m." << n.field_k << ");\negress outs: " << n.out << ";\n\n"
    << "function " << n.f << "(k: int) {\n"
    << "  state on_" << n.in << ": int = 2;\n  state " << n.f << ": int = 3;\n  state " << n.f << "States: int = 5;\n"
    << "  state " << n.f << "Handlers: int = 7;\n  state " << n.s_extra << ": int = 11;\n\n"
    << "  on " << n.in << "(m) {\n"
    << "    let " << n.local << ": int = m." << n.field_x << " + 1;\n"
    << "    var " << n.loop << ": int = 0;\n"
    << "    while (" << n.loop << " < 10) { " << n.loop << " = (" << n.loop << " + 1) % 7; if (" << n.loop
    << " == 5) { break; } }\n"
    << "    var bonus: int = 0;\n"
    << "    if (m." << n.field_e << " == " << n.pkg_enum << "." << n.v1 << ") { bonus = 100; }\n"
    << "    on_" << n.in << " += " << n.local << ";\n"
    << "    emit " << n.out << " { " << n.field_v << ": on_" << n.in << " + " << n.f << " + " << n.f << "States + "
    << n.f << "Handlers + " << n.s_extra << " + " << n.loop << " + bonus } to outs;\n  }\n}\n";
  ClashProgram p;
  p.source = s.str();
  // Two messages to one instance: on_In is 2 + 5 after the first (x = 4) and 2 + 5 + 10 after the second (x = 9).
  p.input = "{\"ingress\":\"i\",\"value\":{\"" + n.field_k + "\":1,\"" + n.field_x + "\":4,\"" + n.field_e + "\":\"" +
            n.v1 + "\"}}\n{\"ingress\":\"i\",\"value\":{\"" + n.field_k + "\":1,\"" + n.field_x + "\":9,\"" +
            n.field_e + "\":\"" + n.v0 + "\"}}\n";
  const int rest = 3 + 5 + 7 + 11 + 5;
  p.expected = "{\"egress\":\"outs\",\"value\":{\"" + n.field_v + "\":" + std::to_string(7 + rest + 100) + "}}\n" +
               "{\"egress\":\"outs\",\"value\":{\"" + n.field_v + "\":" + std::to_string(17 + rest) + "}}\n";
  return p;
}

// Program 0: the clashes of issue 11 in their roles; others: the clash list dealt at random.
Names names(unsigned index) {
  if (index == 0)
    return {"int64_t",  "uint8_t", "int32_t", "Module", "SFN_OK",   "A",      "F",
            "uint32_t", "Loc",     "T0",      "State",  "Messages", "Module", "Functions"};
  std::vector<std::string> pool = kClashes;
  std::mt19937_64 rng(index);
  std::shuffle(pool.begin(), pool.end(), rng);
  std::size_t next = 0;
  auto take = [&] { return pool[next++]; };
  Names n;
  n.pkg_enum = take(), n.v0 = take(), n.v1 = take(), n.in = take(), n.out = take(), n.a = take(), n.f = take();
  n.s_extra = take(), n.field_k = take(), n.field_x = take(), n.field_e = take(), n.field_v = take();
  n.local = rng() % 2 ? n.in : n.a;  // a local named like a message type
  n.loop = take();
  return n;
}

std::vector<unsigned> indices() {
  unsigned count = 8;
  if (const char* env = std::getenv("SFN_CLASH_PROGRAMS")) count = static_cast<unsigned>(std::stoul(env));
  std::vector<unsigned> out;
  for (unsigned i = 0; i < count; ++i) out.push_back(i);
  return out;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

class ClashNames : public ::testing::TestWithParam<unsigned> {};

TEST_P(ClashNames, BothBackendsCompileAndPrintTheExpectedEgress) {
  const ClashProgram p = program(names(GetParam()));
  const fs::path dir =
      fs::temp_directory_path() / ("sfn_clash_" + std::to_string(GetParam()) + "_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "clash.sfn") << p.source;
  std::ofstream(dir / "input.jsonl") << p.input;
  const auto both = sfn::testing::run_both(dir / "clash.sfn", dir / "input.jsonl");
  fs::remove_all(dir);
  const std::string context = "program:\n" + p.source;
  ASSERT_EQ(both.error, "") << context;
  EXPECT_EQ(both.llvm_descriptor, both.cpp_descriptor) << context;
  EXPECT_EQ(both.cpp, lines(p.expected)) << sfn::testing::diff_lines(lines(p.expected), both.cpp) << context;
  EXPECT_EQ(both.llvm, lines(p.expected)) << sfn::testing::diff_lines(lines(p.expected), both.llvm) << context;
}

INSTANTIATE_TEST_SUITE_P(Programs, ClashNames, ::testing::ValuesIn(indices()));

}  // namespace
