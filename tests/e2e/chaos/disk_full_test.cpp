// A full disk (issue 23) never costs data, never duplicates egress and never crashes the run.
// One part of a state directory at a time — the egress log, a worker's database, the snapshots,
// the whole directory — is a small tmpfs that fills while the greeter takes 3,000 records. The
// run must stop with an error naming the file and "No space left on device" (not a signal, not
// exit 0), having written to --output only egress that its log holds; after the filesystem
// grows, the same command finishes the work, and the two outputs together hold every greeting
// exactly once. Mounting needs root (or CAP_SYS_ADMIN): elsewhere the tests are skipped, saying so.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace {

namespace fs = std::filesystem;
using sfn::testing::run_command;

constexpr int kRecords = 3000;
constexpr int kNames = 1500;

struct Part {
  const char* name;
  const char* path;  // below the state directory
  const char* size;  // of the tmpfs, full before the run ends
};

class DiskFull : public ::testing::TestWithParam<Part> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("sfn_disk_full_" + std::string(GetParam().name) + "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    mount_ = dir_ / "state" / GetParam().path;
    fs::create_directories(mount_);
    const std::string options = std::string("size=") + GetParam().size;
    if (::mount("tmpfs", mount_.c_str(), "tmpfs", 0, options.c_str()) != 0)
      GTEST_SKIP() << "cannot mount a tmpfs at " << mount_ << " (" << std::strerror(errno)
                   << "): the disk-full tests need root or CAP_SYS_ADMIN";
    mounted_ = true;
    std::ofstream in(dir_ / "in.jsonl");
    for (int i = 0; i < kRecords; ++i)
      in << R"({"ingress":"greets","value":{"name":"guest-)" << i % kNames << "-" << std::string(80, 'z') << "\"}}\n";
  }
  void TearDown() override {
    if (mounted_) ::umount2(mount_.c_str(), MNT_DETACH);
    fs::remove_all(dir_);
  }
  sfn::testing::CommandResult greet(const std::string& output) {
    return run_command({SFN_BIN, "run", std::string(SFN_EXAMPLES_DIR) + "/greeter/greeter.sfn", "--input",
                        (dir_ / "in.jsonl").string(), "--state-dir", (dir_ / "state").string(), "--output",
                        (dir_ / output).string()});
  }
  std::vector<std::string> lines(const std::string& file) {
    std::vector<std::string> out;
    std::ifstream in(dir_ / file);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
  }
  fs::path dir_, mount_;
  bool mounted_ = false;
};

TEST_P(DiskFull, StopsCleanlyAndTheNextRunFinishesExactlyOnce) {
  auto r = greet("out1.jsonl");
  EXPECT_EQ(r.status, 1) << "expected a clean stop with exit 1\n" << r.err;
  EXPECT_NE(r.err.find("No space left on device"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(mount_.string()), std::string::npos) << "the error names the file\n" << r.err;
  // What --output got must be in the egress log, or the next run publishes it again (below).
  const std::vector<std::string> first = lines("out1.jsonl");

  ASSERT_EQ(::mount(nullptr, mount_.c_str(), nullptr, MS_REMOUNT, "size=64m"), 0) << std::strerror(errno);
  r = greet("out2.jsonl");
  ASSERT_EQ(r.status, 0) << r.err;
  std::map<std::string, int> seen;
  for (const auto& file : {"out1.jsonl", "out2.jsonl"})
    for (const std::string& line : lines(file)) ++seen[line];
  EXPECT_EQ(seen.size(), static_cast<size_t>(kRecords)) << "every greeting once (first run: " << first.size() << ")";
  for (const auto& [line, n] : seen) EXPECT_EQ(n, 1) << line;
  for (int visit = 1; visit <= kRecords / kNames; ++visit) {
    std::ostringstream want;
    want << R"({"egress":"greetings","value":{"text":"Hello guest-7-)" << std::string(80, 'z') << ", you are visitor #"
         << visit << "!\"}}";
    EXPECT_EQ(seen.count(want.str()), 1u) << want.str();
  }
}

const Part kParts[] = {
    {"egress_log", "io/egress/greetings", "64k"},
    {"worker_database", "worker-0", "40k"},
    {"snapshots", "snapshots", "96k"},
};

INSTANTIATE_TEST_SUITE_P(Parts, DiskFull, ::testing::ValuesIn(kParts),
                         [](const ::testing::TestParamInfo<Part>& info) { return std::string(info.param.name); });

}  // namespace
