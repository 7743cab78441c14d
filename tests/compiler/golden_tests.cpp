// Golden tests of `sfn emit proto` and `sfn emit graph` (dot, mermaid, json): for every program
// `tests/compiler/golden/<name>.sfn` the outputs must equal `<name>.proto`, `<name>.dot`,
// `<name>.mmd` and `<name>.graph.json` next to it. UPDATE_GOLDEN=1 rewrites them.
// Also: the .proto emitted for every golden program and every example compiles with protoc.
#include <gtest/gtest.h>

#include <unistd.h>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/compiler/test_support.h"

namespace fs = std::filesystem;
using sfn::testing::run_command;

using sfn::testing::read_file;

namespace {

std::vector<fs::path> programs(const fs::path& dir, bool recursive_examples) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  if (recursive_examples) {
    for (const auto& sub : fs::directory_iterator(dir)) {
      fs::path p = sub.path() / (sub.path().filename().string() + ".sfn");
      if (sub.is_directory() && fs::exists(p)) out.push_back(p);
    }
  } else {
    for (const auto& f : fs::directory_iterator(dir)) {
      if (f.path().extension() == ".sfn") out.push_back(f.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct Output {
  std::string suffix;
  std::vector<std::string> args;
};

const std::vector<Output> kOutputs = {
    {".proto", {"emit", "proto"}},
    {".dot", {"emit", "graph", "--format", "dot"}},
    {".mmd", {"emit", "graph", "--format", "mermaid"}},
    {".graph.json", {"emit", "graph", "--format", "json"}},
};

class GoldenTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(GoldenTest, EmitMatchesGoldenFiles) {
  const fs::path& program = GetParam();
  bool update = std::getenv("UPDATE_GOLDEN") && std::string(std::getenv("UPDATE_GOLDEN")) == "1";
  for (const auto& output : kOutputs) {
    std::vector<std::string> argv = {SFN_BINARY};
    argv.insert(argv.end(), output.args.begin(), output.args.end());
    // Run from the golden folder with a relative path, so locations in JSON are stable.
    argv.push_back(program.filename().string());
    auto r = run_command(argv, "", program.parent_path().string());
    ASSERT_EQ(r.status, 0) << output.suffix << ": " << r.err;
    fs::path golden = program.parent_path() / (program.stem().string() + output.suffix);
    if (update) {
      std::ofstream(golden, std::ios::binary | std::ios::trunc) << r.out;
      continue;
    }
    ASSERT_TRUE(fs::exists(golden)) << "missing golden file " << golden << " (run with UPDATE_GOLDEN=1)";
    EXPECT_EQ(r.out, read_file(golden)) << "output differs from " << golden;
  }
}

class ProtocTest : public ::testing::TestWithParam<fs::path> {};

TEST_P(ProtocTest, EmittedProtoCompilesWithProtoc) {
  const fs::path& program = GetParam();
  auto r = run_command({SFN_BINARY, "emit", "proto", program.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  fs::path dir = fs::temp_directory_path() / ("sfn-protoc-" + std::to_string(::getpid()));
  fs::create_directories(dir / "out");
  fs::path proto = dir / (program.stem().string() + ".proto");
  std::ofstream(proto) << r.out;
  auto c = run_command({SFN_PROTOC, "-I" + dir.string(), "--cpp_out=" + (dir / "out").string(), proto.string()});
  EXPECT_EQ(c.status, 0) << "protoc rejected the emitted file:\n" << c.err << "\n" << r.out;
  fs::remove_all(dir);
}

std::string name_of(const ::testing::TestParamInfo<fs::path>& info) {
  return sfn::testing::identifier(info.param.parent_path().filename().string() + "_" + info.param.stem().string());
}

std::vector<fs::path> protoc_programs() {
  auto a = programs(fs::path(SFN_TESTS_COMPILER_DIR) / "golden", false);
  auto b = programs(SFN_EXAMPLES_DIR, true);
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

INSTANTIATE_TEST_SUITE_P(Emit, GoldenTest,
                         ::testing::ValuesIn(programs(fs::path(SFN_TESTS_COMPILER_DIR) / "golden", false)), name_of);
INSTANTIATE_TEST_SUITE_P(Emit, ProtocTest, ::testing::ValuesIn(protoc_programs()), name_of);

}  // namespace
