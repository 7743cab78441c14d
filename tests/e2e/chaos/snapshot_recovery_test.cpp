// Recovery from damaged snapshots (issue 8): after two runs of the greeter on one state
// directory there are two snapshots; each way of damaging the newer one (a missing MANIFEST, a
// truncated file, a flipped byte, a deleted checkpoint file) makes the next run report it on
// stderr, set it aside as <epoch>.broken and continue from the older one — never from a
// damaged one, never silently from nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace {

namespace fs = std::filesystem;
using sfn::testing::run_command;

struct Damage {
  const char* name;
  std::function<void(const fs::path& snapshot)> apply;
};

void flip_byte(const fs::path& file) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(fs::file_size(file) / 2));
  char c = 0;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(fs::file_size(file) / 2));
  f.put(static_cast<char>(c ^ 0x5a));
}

fs::path first_sst(const fs::path& dir) {
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".sst") return e.path();
  return {};
}

const Damage kDamages[] = {
    {"missing_manifest", [](const fs::path& s) { fs::remove(s / "MANIFEST"); }},
    {"truncated_record_file", [](const fs::path& s) { fs::resize_file(s / "worker-0.snap", 3); }},
    {"flipped_byte_in_checkpoint", [](const fs::path& s) { flip_byte(first_sst(s / "worker-0")); }},
    {"flipped_byte_in_manifest", [](const fs::path& s) { flip_byte(s / "MANIFEST"); }},
    {"deleted_checkpoint_file", [](const fs::path& s) { fs::remove(first_sst(s / "worker-0")); }},
};

class DamagedSnapshot : public ::testing::TestWithParam<Damage> {};

TEST_P(DamagedSnapshot, NextRunReportsItAndUsesThePreviousOne) {
  const fs::path dir = fs::temp_directory_path() / ("sfn_damaged_" + std::string(GetParam().name) + "_" +
                                                    std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path input = dir / "in.jsonl";
  std::ofstream(input) << R"({"ingress":"greets","value":{"name":"Ann"}})" << "\n";
  auto greet = [&] {
    return run_command({SFN_BIN, "run", std::string(SFN_EXAMPLES_DIR) + "/greeter/greeter.sfn", "--input",
                        input.string(), "--state-dir", (dir / "state").string()});
  };
  auto r = greet();
  ASSERT_EQ(r.status, 0) << r.err;
  r = greet();
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_NE(r.out.find("visitor #2!"), std::string::npos) << r.out;
  const fs::path newest = dir / "state/snapshots/00000000000000000002";
  ASSERT_TRUE(fs::exists(newest / "MANIFEST"));
  GetParam().apply(newest);

  r = greet();
  EXPECT_EQ(r.status, 0) << r.err;
  // The state of the first snapshot (one visit) came back: this is visit 2 again, not 3 or 1.
  EXPECT_NE(r.out.find("visitor #2!"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.err.find("snapshot " + newest.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("using the snapshot before it"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir / "state/snapshots/00000000000000000002.broken"));
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Kinds, DamagedSnapshot, ::testing::ValuesIn(kDamages),
                         [](const ::testing::TestParamInfo<Damage>& info) { return std::string(info.param.name); });

}  // namespace
