// Program versions at restart (LANGUAGE.md §11, RUNTIME.md §3, decision 015), with real `sfn
// run` processes and RocksDB on one state directory:
//  - a compatible new version resumes the state: counts continue, a new state starts from its
//    initializer, timers armed by the old version fire and decode with the new field's default,
//    although every message type's declaration index moved;
//  - an incompatible one (a state's type changed) is refused with E0601 and changes nothing on
//    disk, and the previous version still runs on the directory afterwards;
//  - a comment-only edit keeps the state directory usable;
//  - a timer of a message type the new version removed becomes a dead letter naming it;
//  - `sfn check --compatible-with STATE_DIR` compares with the newest committed snapshot.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/compiler/test_support.h"

namespace {

namespace fs = std::filesystem;
using sfn::testing::CommandResult;
using sfn::testing::read_file;
using sfn::testing::run_command;

const fs::path kDir = SFN_VERSIONS_DIR;

class Versions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("sfn_versions_" + sfn::testing::identifier(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
         "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // `sfn run PROGRAM` on the state directory with these input lines, on the virtual clock;
  // `until` stops it with timers still pending.
  CommandResult run(const fs::path& program, const std::vector<std::string>& lines, const std::string& until = "") {
    const fs::path input = dir_ / "in.jsonl";
    std::ofstream out(input, std::ios::trunc);
    for (const auto& l : lines) out << l << "\n";
    out.close();
    std::vector<std::string> argv = {SFN_BIN,   "run",          program.string(), "--state-dir", state().string(),
                                     "--input", input.string(), "--clock",        "virtual",     "--workers",
                                     "1"};
    if (!until.empty()) argv.insert(argv.end(), {"--until", until});
    return run_command(argv);
  }
  fs::path state() const { return dir_ / "state"; }

  // Version 1 counted a to 3 and b to 1, with an hour-long timer pending for each.
  void run_v1() {
    auto r = run(kDir / "counter_v1.sfn",
                 {R"({"ingress":"adds","value":{"id":"a"}})", R"({"ingress":"adds","value":{"id":"a","by":2}})",
                  R"({"ingress":"adds","value":{"id":"b"}})"},
                 "30m");
    ASSERT_EQ(r.status, 0) << r.err;
    ASSERT_EQ(r.out,
              "{\"egress\":\"counts\",\"value\":{\"id\":\"a\",\"n\":1,\"note\":\"v1\"}}\n"
              "{\"egress\":\"counts\",\"value\":{\"id\":\"a\",\"n\":3,\"note\":\"v1\"}}\n"
              "{\"egress\":\"counts\",\"value\":{\"id\":\"b\",\"n\":1,\"note\":\"v1\"}}\n");
  }

  fs::path dir_;
};

// Every file under `root` with its size, modification time and content, except `lock`, which
// names the pid of the last process that opened the directory (runtime/state/dir_lock.h).
std::map<std::string, std::string> fingerprint(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (e.path() == root / "lock") continue;
    struct stat st{};
    ::lstat(e.path().c_str(), &st);
    std::string entry = std::to_string(st.st_mode) + " " + std::to_string(st.st_size) + " " +
                        std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
    if (e.is_regular_file()) entry += "\n" + read_file(e.path());
    out[fs::relative(e.path(), root).string()] = entry;
  }
  return out;
}

const char* const kAddA = R"({"ingress":"adds","value":{"id":"a"}})";

TEST_F(Versions, ACompatibleVersionResumesStateAndTimers) {
  run_v1();
  auto r = run(kDir / "counter_v2.sfn", {kAddA});
  ASSERT_EQ(r.status, 0) << r.err;
  // a: 3 + 1*10 with `calls` from its initializer 40; then both version-1 timers fire as Ticks
  // (not as the type now declared at their old index) with the new field's default bonus 1000.
  EXPECT_EQ(r.out,
            "{\"egress\":\"counts\",\"value\":{\"id\":\"a\",\"n\":13,\"note\":\"v2\",\"calls\":41}}\n"
            "{\"egress\":\"counts\",\"value\":{\"id\":\"b\",\"n\":1001,\"note\":\"tick v2\",\"calls\":40}}\n"
            "{\"egress\":\"counts\",\"value\":{\"id\":\"a\",\"n\":1013,\"note\":\"tick v2\",\"calls\":41}}\n");
  EXPECT_NE(r.err.find("W0602"), std::string::npos) << r.err;  // the removed state `legacy`
  EXPECT_NE(r.err.find("Counter.legacy"), std::string::npos) << r.err;
}

TEST_F(Versions, AnIncompatibleVersionIsRefusedAndChangesNothing) {
  run_v1();
  auto r = run(kDir / "counter_v2.sfn", {kAddA});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto before = fingerprint(state());
  r = run(kDir / "counter_v3_incompatible.sfn", {kAddA});
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error[E0601]: state `Counter.n` changed type from `int` to `float`"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("nothing was changed"), std::string::npos) << r.err;
  EXPECT_EQ(fingerprint(state()), before) << "the refused run changed the state directory";
  // The version that wrote it still runs on it: a continues from 1013.
  r = run(kDir / "counter_v2.sfn", {kAddA});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\"egress\":\"counts\",\"value\":{\"id\":\"a\",\"n\":23,\"note\":\"v2\",\"calls\":42}}\n");
}

TEST_F(Versions, ACommentOnlyEditKeepsTheStateDirectoryUsable) {
  run_v1();
  const fs::path edited = dir_ / "counter_v1_commented.sfn";
  std::ofstream(edited) << "/// The same program with one more comment.\n" << read_file(kDir / "counter_v1.sfn");
  auto r = run(edited, {kAddA});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err.find("warning"), std::string::npos) << r.err;  // the same schema: nothing to report
  // a: 3 + 1, then the two pending timers of version 1.
  EXPECT_EQ(r.out,
            "{\"egress\":\"counts\",\"value\":{\"id\":\"a\",\"n\":4,\"note\":\"v1\"}}\n"
            "{\"egress\":\"counts\",\"value\":{\"id\":\"b\",\"n\":1,\"note\":\"tick v1\"}}\n"
            "{\"egress\":\"counts\",\"value\":{\"id\":\"a\",\"n\":4,\"note\":\"tick v1\"}}\n");
}

TEST_F(Versions, ATimerOfARemovedMessageTypeBecomesADeadLetter) {
  run_v1();
  auto r = run(kDir / "counter_v2_without_tick.sfn", {kAddA});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("{\"egress\":\"counts\",\"value\":{\"id\":\"a\",\"n\":4,\"note\":\"v1\"}}"), std::string::npos)
      << r.out;
  for (const char* id : {"a", "b"}) {
    EXPECT_NE(r.out.find(std::string("\"address\":\"versions.counter/Counter/") + id), std::string::npos) << r.out;
  }
  EXPECT_NE(r.out.find("message type `Tick` does not exist in this version of the program"), std::string::npos)
      << r.out;
}

TEST_F(Versions, CheckCompatibleWithAStateDirectory) {
  auto r = run_command({SFN_BIN, "check", (kDir / "counter_v1.sfn").string(), "--compatible-with", state().string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("No such file or directory"), std::string::npos) << r.err;
  fs::create_directories(state());
  r = run_command({SFN_BIN, "check", (kDir / "counter_v1.sfn").string(), "--compatible-with", state().string()});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("has no committed snapshot"), std::string::npos) << r.err;

  run_v1();
  r = run_command({SFN_BIN, "check", (kDir / "counter_v2.sfn").string(), "--compatible-with", state().string()});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("warning[W0602]: state `Counter.legacy` was removed"), std::string::npos) << r.err;
  r = run_command({SFN_BIN, "check", "--format", "json", (kDir / "counter_v3_incompatible.sfn").string(),
                   "--compatible-with", state().string()});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("\"code\":\"E0601\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("state `Counter.n` changed type from `int` to `float`"), std::string::npos) << r.out;
}

}  // namespace
