// Recovery from damaged snapshots (issues 8, 23): after two runs of the greeter on one state
// directory there are two snapshots; each way of damaging the newer one (a missing MANIFEST, a
// truncated file, a flipped byte, a deleted checkpoint file) makes the next run report it and
// set it aside as <epoch>.broken. As the egress log holds what the damaged epoch published,
// running from the older snapshot would publish it again: the run is refused, naming the
// damage, until --allow-republish accepts that — never from a damaged snapshot, never silently
// from an older one or from nothing. Damage to the live databases never reaches a snapshot.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
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

// The first SST file a snapshot lists: a shared file of the store (snapshots/files/).
fs::path first_sst(const fs::path& snapshot) {
  const std::string manifest = sfn::testing::read_file(snapshot / "MANIFEST");
  const std::string tag = "\"stored\": \"";
  const size_t at = manifest.find(tag);
  if (at == std::string::npos) return {};
  const size_t from = at + tag.size();
  return snapshot.parent_path() / manifest.substr(from, manifest.find('"', from) - from);
}

const Damage kDamages[] = {
    {"missing_manifest", [](const fs::path& s) { fs::remove(s / "MANIFEST"); }},
    {"truncated_record_file", [](const fs::path& s) { fs::resize_file(s / "worker-0.snap", 3); }},
    {"flipped_byte_in_checkpoint", [](const fs::path& s) { flip_byte(first_sst(s)); }},
    {"flipped_byte_in_manifest", [](const fs::path& s) { flip_byte(s / "MANIFEST"); }},
    {"deleted_checkpoint_file", [](const fs::path& s) { fs::remove(first_sst(s)); }},
};

class DamagedSnapshot : public ::testing::TestWithParam<Damage> {};

TEST_P(DamagedSnapshot, NextRunReportsItAndUsesThePreviousOne) {
  const fs::path dir =
      fs::temp_directory_path() / ("sfn_damaged_" + std::string(GetParam().name) + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path input = dir / "in.jsonl";
  std::ofstream(input) << R"({"ingress":"greets","value":{"name":"Ann"}})" << "\n";
  auto greet = [&](std::vector<std::string> more = {}) {
    std::vector<std::string> argv = {SFN_BIN,
                                     "run",
                                     std::string(SFN_EXAMPLES_DIR) + "/greeter/greeter.sfn",
                                     "--input",
                                     input.string(),
                                     "--state-dir",
                                     (dir / "state").string()};
    argv.insert(argv.end(), more.begin(), more.end());
    return run_command(argv);
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
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("damaged: snapshot " + newest.string()), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the newest valid snapshot is of epoch 1, but the egress log"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("holds records committed up to epoch 2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--allow-republish"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir / "state/snapshots/00000000000000000002.broken"));

  r = greet({"--allow-republish"});
  EXPECT_EQ(r.status, 0) << r.err;
  // The state of the first snapshot (one visit) came back: this is visit 2 again, not 3 or 1.
  EXPECT_NE(r.out.find("visitor #2!"), std::string::npos) << r.out << r.err;
  fs::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Kinds, DamagedSnapshot, ::testing::ValuesIn(kDamages),
                         [](const ::testing::TestParamInfo<Damage>& info) { return std::string(info.param.name); });

// The state directory never lies (issue 8): damage outside the snapshots is refused at start
// with a message that says what is wrong and what to do, or repaired from the snapshot, and
// never turns into a silent start from nothing or into reused log offsets.
class StateDirNeverLies : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        fs::temp_directory_path() /
        ("sfn_never_lies_" + sfn::testing::identifier(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
         "_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::ofstream(dir_ / "in.jsonl") << R"({"ingress":"greets","value":{"name":"Ann"}})" << "\n"
                                     << R"({"ingress":"greets","value":{"name":"Bob"}})" << "\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  sfn::testing::CommandResult greet() {
    return run_command({SFN_BIN, "run", std::string(SFN_EXAMPLES_DIR) + "/greeter/greeter.sfn", "--input",
                        (dir_ / "in.jsonl").string(), "--workers", "2", "--state-dir", state().string()});
  }
  fs::path state() const { return dir_ / "state"; }
  // Runs the greeter twice, so the state holds two visits each and two snapshots.
  void two_runs() {
    for (int i = 0; i < 2; ++i) {
      auto r = greet();
      ASSERT_EQ(r.status, 0) << r.err;
    }
  }
  void remove_segments(const fs::path& log) {
    for (const auto& e : fs::directory_iterator(log))
      if (e.path().extension() == ".seg") fs::remove(e.path());
  }
  fs::path dir_;
};

TEST_F(StateDirNeverLies, AnIngressLogThatLostRecordsIsRefused) {
  two_runs();
  remove_segments(state() / "io/ingress/greets");
  auto r = greet();
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("needs the ingress log of `greets` up to offset 4"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the log lost records"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(StateDirNeverLies, AnEgressLogThatLostCommittedRecordsIsRefused) {
  two_runs();
  auto r = greet();  // the third run's snapshots need the egress of the first two
  ASSERT_EQ(r.status, 0) << r.err;
  remove_segments(state() / "io/egress/greetings");
  r = greet();
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("needs the egress log of `greetings`"), std::string::npos) << r.err;
}

TEST_F(StateDirNeverLies, DeletedWorkerDirectoriesComeBackFromTheSnapshot) {
  two_runs();
  fs::remove_all(state() / "worker-0");
  fs::remove_all(state() / "worker-1");
  auto r = greet();
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Hello Ann, you are visitor #3!"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Hello Bob, you are visitor #3!"), std::string::npos) << r.out;
}

// Issue 23: a flipped byte in every live SST file. The snapshots hold copies of their own, so the
// next run restores from the newest one, exactly.
TEST_F(StateDirNeverLies, DamagedLiveDatabasesNeverReachTheSnapshots) {
  two_runs();
  int flipped = 0;
  for (const char* w : {"worker-0", "worker-1"})
    for (const auto& e : fs::directory_iterator(state() / w))
      if (e.path().extension() == ".sst") {
        flip_byte(e.path());
        ++flipped;
      }
  ASSERT_GT(flipped, 0);
  auto r = greet();
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Hello Ann, you are visitor #3!"), std::string::npos) << r.out << r.err;
  EXPECT_NE(r.out.find("Hello Bob, you are visitor #3!"), std::string::npos) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 2) << "nothing published again\n" << r.out;
  EXPECT_EQ(r.err.find("snapshots/"), std::string::npos) << "no snapshot is damaged\n" << r.err;
}

// Issue 23: with the snapshots gone, a fresh start would publish the committed egress again.
TEST_F(StateDirNeverLies, DeletedSnapshotsAreRefusedNotAFreshStart) {
  two_runs();
  fs::remove_all(state() / "snapshots");
  auto r = greet();
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("there is no valid snapshot to recover, but the egress log " +
                       (state() / "io/egress/greetings").string() + " holds records committed up to epoch 2"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("the snapshots of the later epochs are gone"), std::string::npos) << r.err;
  // Accepted on purpose: the ingress log still holds every record, so they run again from nothing.
  r = run_command({SFN_BIN, "run", std::string(SFN_EXAMPLES_DIR) + "/greeter/greeter.sfn", "--state-dir",
                   state().string(), "--allow-republish"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Hello Ann, you are visitor #2!"), std::string::npos) << r.out << r.err;
}

// Issue 23: --retain 1 and one flipped bit in the only MANIFEST.
TEST_F(StateDirNeverLies, TheOnlySnapshotDamagedIsRefused) {
  for (int i = 0; i < 2; ++i) {
    auto r =
        run_command({SFN_BIN, "run", std::string(SFN_EXAMPLES_DIR) + "/greeter/greeter.sfn", "--input",
                     (dir_ / "in.jsonl").string(), "--workers", "2", "--retain", "1", "--state-dir", state().string()});
    ASSERT_EQ(r.status, 0) << r.err;
  }
  const fs::path only = state() / "snapshots/00000000000000000002";
  ASSERT_TRUE(fs::exists(only / "MANIFEST"));
  ASSERT_FALSE(fs::exists(state() / "snapshots/00000000000000000001"));
  std::fstream f(only / "MANIFEST", std::ios::in | std::ios::out | std::ios::binary);
  char c = 0;
  f.seekg(20);
  f.get(c);
  f.seekp(20);
  f.put(static_cast<char>(c ^ 0x01));
  f.close();
  auto r = greet();
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("damaged: snapshot " + only.string() + ": MANIFEST does not match its checksum"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("there is no valid snapshot to recover"), std::string::npos) << r.err;
}

// Another number of workers rescales (decision 114); another number of key groups never.
TEST_F(StateDirNeverLies, AnEditedKeyGroupCountIsRefused) {
  two_runs();
  std::ofstream(state() / "layout") << "workers 2\nkey_groups 64\n";
  auto r = run_command({SFN_BIN, "run", std::string(SFN_EXAMPLES_DIR) + "/greeter/greeter.sfn", "--input",
                        (dir_ / "in.jsonl").string(), "--state-dir", state().string()});
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("was created with 2 workers and 64 key groups (now: 2 workers and 128 key groups); its "
                       "number of key groups never changes"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");
}

// Without --workers, as a user would: the edited layout says 3, the snapshots were taken with 2.
TEST_F(StateDirNeverLies, AnEditedWorkerCountRescales) {
  two_runs();
  std::ofstream(state() / "layout") << "workers 3\nkey_groups 128\n";
  auto r = run_command({SFN_BIN, "run", std::string(SFN_EXAMPLES_DIR) + "/greeter/greeter.sfn", "--input",
                        (dir_ / "in.jsonl").string(), "--state-dir", state().string()});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("from 2 to 3 workers"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("Hello Ann, you are visitor #3!"), std::string::npos) << r.out << r.err;
}

TEST_F(StateDirNeverLies, ADamagedLayoutIsNamedNotDumped) {
  two_runs();
  std::ofstream(state() / "layout") << "root:x:0:0:secret\n";
  auto r = greet();
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_NE(r.err.find((state() / "layout").string() + " is damaged"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("secret"), std::string::npos) << r.err;
}

// Every file under `dir` with its content, to show that a reader changed nothing.
std::map<std::string, std::string> contents(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[e.path().string()] = sfn::testing::read_file(e.path());
  return out;
}

// `sfn state ADDRESS --state-dir DIR [--epoch E]` reads a snapshot with no program running, with
// the program `sfn run` recorded, and changes nothing in the state directory.
TEST_F(StateDirNeverLies, StateIsReadOfflineFromAnySnapshotWithoutChangingIt) {
  two_runs();
  const auto before = contents(state());
  auto read = [&](const std::string& address, const std::vector<std::string>& more = {}) {
    std::vector<std::string> argv = {SFN_BIN, "state", address, "--state-dir", state().string()};
    argv.insert(argv.end(), more.begin(), more.end());
    return run_command(argv);
  };
  auto r = read("example.greeter/Greeter/Ann");
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\"seen\":2}\n");
  r = read("example.greeter/Greeter/Bob", {"--epoch", "1"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "{\"seen\":1}\n");
  r = read("example.greeter/Greeter/Zed");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no instance example.greeter/Greeter/Zed"), std::string::npos) << r.err;
  r = read("example.greeter/Greeter/Ann", {"--epoch", "9"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no snapshot of epoch 9"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("there are: 2, 1"), std::string::npos) << r.err;
  EXPECT_TRUE(contents(state()) == before) << "sfn state --state-dir changed the state directory";
}

}  // namespace
