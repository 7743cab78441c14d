// State backend tests: write-back only at batch end, atomic rollback of a discarded Txn,
// clear, restart from disk, expiry, another program version, checkpoints and frozen snapshots.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <thread>

#include <rocksdb/db.h>

#include "module_fixture.h"
#include "runtime/core/module.h"
#include "runtime/core/value.h"
#include "runtime/state/dir_lock.h"
#include "runtime/state/state_backend.h"

namespace sfn::runtime::state {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kMinute = 60'000'000'000;

class StateTest : public test::ModuleFixture {
 protected:
  StateTest() : ModuleFixture("sfn_state") {}
  void SetUp() override {
    ModuleFixture::SetUp();
    reopen();
  }
  void TearDown() override {
    backend_.reset();
    ModuleFixture::TearDown();
  }
  void reopen() {
    if (backend_) {
      ASSERT_TRUE(backend_->flush());
    }
    backend_.reset();
    auto opened = StateBackend::open((dir_ / "db").string(), module_);
    ASSERT_TRUE(opened) << opened.error().message;
    backend_ = std::move(opened.value());
  }
  Instance* counter(int64_t id, bool create = true) {
    std::string address = "test.rt/Counter/" + std::to_string(id);
    Result<core::Address> parsed = module_->parse_address(address);
    EXPECT_TRUE(parsed) << parsed.error().message;
    uint32_t kg = core::key_group_of(address, 128);
    Result<Instance*> i =
        create ? backend_->instance(address, parsed.value(), kg) : backend_->find(address, parsed.value(), kg);
    EXPECT_TRUE(i) << i.error().message;
    return i ? i.value() : nullptr;
  }
  int64_t count_of(Instance* i) { return *reinterpret_cast<int64_t*>(i->block.get() + backend_->layout(1).offsets[0]); }
  std::string note_of(Instance* i) {
    return std::string(core::str_view(*reinterpret_cast<sfn_str*>(i->block.get() + backend_->layout(1).offsets[1])));
  }

  // Every stored timer.
  std::vector<TimerRecord> timers() {
    std::vector<TimerRecord> out;
    Status s = backend_->load_timers(128, [&](TimerRecord&& r) { out.push_back(std::move(r)); });
    EXPECT_TRUE(s) << s.error().message;
    return out;
  }

  std::unique_ptr<StateBackend> backend_;
};

TEST_F(StateTest, InitializersApplyBeforeTheFirstWrite) {
  Instance* i = counter(1);
  EXPECT_EQ(count_of(i), 0);
  EXPECT_EQ(note_of(i), "init");
  EXPECT_EQ(counter(2, false), nullptr);  // never written: not stored, not created by a lookup
}

TEST_F(StateTest, CommitsAreWrittenBackOnlyAtBatchEnd) {
  Txn txn(backend_.get());
  const uint64_t base = backend_->batch_bytes();  // metadata written at open
  for (int64_t id = 0; id < 10; ++id) {
    txn.begin(counter(id), 1);
    *static_cast<int64_t*>(txn.mut(0)) = id * 10;
    txn.commit();
  }
  EXPECT_EQ(backend_->batch_bytes(), base);  // nothing reached RocksDB yet
  ASSERT_TRUE(backend_->write_back());
  uint64_t after_one = backend_->batch_bytes();
  EXPECT_GT(after_one, base);
  ASSERT_TRUE(backend_->write_back());
  EXPECT_EQ(backend_->batch_bytes(), after_one);  // clean instances are not written again
  reopen();
  for (int64_t id = 0; id < 10; ++id) EXPECT_EQ(count_of(counter(id)), id * 10);
}

// Stored bytes that do not decode are an error naming the instance and state, never a silent
// reset to the initializer (the worker turns it into a dead letter; the bytes stay as they are).
TEST_F(StateTest, UndecodableStoredStateIsAnErrorNotAReset) {
  Txn txn(backend_.get());
  txn.begin(counter(7), 1);
  *static_cast<int64_t*>(txn.mut(0)) = 70;
  txn.commit();
  ASSERT_TRUE(backend_->write_back());
  backend_.reset();
  const std::string address = "test.rt/Counter/7";
  const std::string key =
      state_key(core::key_group_of(address, 128), address, module_->desc().functions[1].states[0].name);
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), (dir_ / "db").string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, std::string(8, '\0') + "\x0a\xff").ok());  // truncated field
  }
  reopen();
  Result<core::Address> parsed = module_->parse_address(address);
  ASSERT_TRUE(parsed);
  Result<Instance*> st = backend_->instance(address, parsed.value(), core::key_group_of(address, 128));
  EXPECT_FALSE(st);
  EXPECT_NE(st.error().message.find("cannot be read"), std::string::npos) << st.error().message;
  EXPECT_NE(st.error().message.find(address), std::string::npos) << st.error().message;
}

TEST_F(StateTest, AbortLeavesNoTrace) {
  Txn txn(backend_.get());
  Instance* i = counter(7);
  txn.begin(i, 1);
  *static_cast<int64_t*>(txn.mut(0)) = 5;
  txn.commit();
  txn.begin(i, 2);
  *static_cast<int64_t*>(txn.mut(0)) = 6;
  core::str_set(static_cast<sfn_str*>(txn.mut(1)), "changed");
  EXPECT_EQ(*static_cast<const int64_t*>(txn.get(0)), 6);  // the invocation sees its own writes
  EXPECT_EQ(count_of(i), 5);                               // nobody else does
  txn.abort();
  EXPECT_EQ(count_of(i), 5);
  EXPECT_EQ(note_of(i), "init");
  ASSERT_TRUE(backend_->write_back());
  reopen();
  EXPECT_EQ(count_of(counter(7)), 5);
  EXPECT_EQ(note_of(counter(7)), "init");
}

TEST_F(StateTest, ClearResetsToTheInitializerAndDeletes) {
  Txn txn(backend_.get());
  txn.begin(counter(3), 1);
  core::str_set(static_cast<sfn_str*>(txn.mut(1)), "x");
  *static_cast<int64_t*>(txn.mut(0)) = 1;
  txn.commit();
  ASSERT_TRUE(backend_->write_back());
  txn.begin(counter(3), 2);
  txn.clear(UINT32_MAX);
  EXPECT_EQ(core::str_view(*static_cast<const sfn_str*>(txn.get(1))), "init");
  txn.commit();
  ASSERT_TRUE(backend_->write_back());
  reopen();
  // The state keys are deleted; only the `after call` bookkeeping of the instance remains.
  Instance* i = counter(3, false);
  ASSERT_NE(i, nullptr);
  EXPECT_EQ(count_of(i), 0);
  EXPECT_EQ(note_of(i), "init");
  EXPECT_EQ(i->present, (std::vector<uint8_t>{0, 0, 0, 0}));
}

TEST_F(StateTest, ExpiryAfterWriteAndAfterCall) {
  Txn txn(backend_.get());
  Instance* i = counter(9);
  txn.begin(i, 0);
  *static_cast<int64_t*>(txn.mut(2)) = 77;                      // fresh: 10m after write
  core::str_set(static_cast<sfn_str*>(txn.mut(3)), "touched");  // last: 60m after call
  txn.commit();
  auto fresh = [&] { return *reinterpret_cast<int64_t*>(i->block.get() + backend_->layout(1).offsets[2]); };
  auto last = [&] {
    return std::string(core::str_view(*reinterpret_cast<sfn_str*>(i->block.get() + backend_->layout(1).offsets[3])));
  };
  backend_->expire(i, 10 * kMinute - 1);
  EXPECT_EQ(fresh(), 77);
  backend_->expire(i, 10 * kMinute);
  EXPECT_EQ(fresh(), 0);
  txn.begin(i, 50 * kMinute);  // a call at 50m keeps `last` alive until 110m
  txn.commit();
  backend_->expire(i, 100 * kMinute);
  EXPECT_EQ(last(), "touched");
  ASSERT_TRUE(backend_->write_back());
  reopen();  // expiry metadata survives a restart
  i = counter(9);
  backend_->expire(i, 109 * kMinute);
  EXPECT_EQ(last(), "touched");
  backend_->expire(i, 110 * kMinute);
  EXPECT_EQ(last(), "");
}

// Whether a version may resume a state directory is decided against its snapshot's schema
// (embedded/versions.h); the database itself reads its states by name with the current types.
TEST_F(StateTest, AnotherProgramVersionReadsTheStoredState) {
  Txn txn(backend_.get());
  txn.begin(counter(5), 1);
  *static_cast<int64_t*>(txn.mut(0)) = 55;
  txn.commit();
  ASSERT_TRUE(backend_->write_back());
  ASSERT_TRUE(backend_->flush());
  backend_.reset();
  sfn_module other = module_->desc();
  other.version_hash = "test-2";
  auto m2 = core::Module::create(&other, nullptr);
  ASSERT_TRUE(m2) << m2.error().message;
  module_ = m2.value();
  auto opened = StateBackend::open((dir_ / "db").string(), module_);
  ASSERT_TRUE(opened) << opened.error().message;
  backend_ = std::move(opened.value());
  EXPECT_EQ(count_of(counter(5)), 55);
}

// Values of states (and function types) this version does not declare were written by another
// version that had them: they are deleted at open, so declaring such a state again later starts
// from its initializer, never from a stale value of another type (decision 015).
TEST_F(StateTest, ValuesOfUndeclaredStatesAreDeletedAtOpen) {
  Txn txn(backend_.get());
  txn.begin(counter(8), 1);
  *static_cast<int64_t*>(txn.mut(0)) = 80;
  txn.commit();
  ASSERT_TRUE(backend_->write_back());
  ASSERT_TRUE(backend_->flush());
  backend_.reset();
  const std::string address = "test.rt/Counter/8", gone = "test.rt/Removed/8";
  const std::string stale = state_key(core::key_group_of(address, 128), address, "removed_state");
  const std::string orphan = state_key(core::key_group_of(gone, 128), gone, "n");
  auto raw_get = [&](const std::string& key) {
    rocksdb::DB* raw = nullptr;
    EXPECT_TRUE(rocksdb::DB::Open(rocksdb::Options(), (dir_ / "db").string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    std::string value;
    return db->Get(rocksdb::ReadOptions(), key, &value).ok();
  };
  {
    rocksdb::DB* raw = nullptr;
    ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), (dir_ / "db").string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    for (const auto& key : {stale, orphan})
      ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), key, std::string(9, '\1')).ok());
    // What the other version recorded as its states.
    ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), std::string("\xFF\xFF\xFF\xFFMstates", 11), "older\n").ok());
  }
  reopen();
  ASSERT_TRUE(backend_->flush());
  backend_.reset();
  EXPECT_FALSE(raw_get(stale));
  EXPECT_FALSE(raw_get(orphan));
  reopen();
  EXPECT_EQ(count_of(counter(8)), 80);  // the declared state is kept
}

TEST_F(StateTest, CheckpointHoldsTheState) {
  Txn txn(backend_.get());
  txn.begin(counter(4), 1);
  *static_cast<int64_t*>(txn.mut(0)) = 44;
  txn.commit();
  ASSERT_TRUE(backend_->write_back());
  Status s = backend_->checkpoint((dir_ / "cp").string());
  ASSERT_TRUE(s) << s.error().message;
  txn.begin(counter(4), 2);
  *static_cast<int64_t*>(txn.mut(0)) = 45;
  txn.commit();
  ASSERT_TRUE(backend_->write_back());
  auto cp = StateBackend::open((dir_ / "cp").string(), module_);
  ASSERT_TRUE(cp) << cp.error().message;
  Result<core::Address> parsed = module_->parse_address("test.rt/Counter/4");
  ASSERT_TRUE(parsed);
  auto i = cp.value()->find("test.rt/Counter/4", parsed.value(), core::key_group_of("test.rt/Counter/4", 128));
  ASSERT_TRUE(i);
  ASSERT_NE(i.value(), nullptr);
  EXPECT_EQ(*reinterpret_cast<int64_t*>(i.value()->block.get() + cp.value()->layout(1).offsets[0]), 44);
}

// Asynchronous snapshots (decision 130): what a checkpoint written after freeze() holds is the
// state at the freeze, whatever changed after it and whichever thread writes it; the changes
// after the freeze reach the database with the next write-back.
TEST_F(StateTest, AFrozenSnapshotHoldsTheStateAtTheFreeze) {
  Txn txn(backend_.get());
  auto set_count = [&](int64_t id, int64_t value, int64_t now) {
    txn.begin(counter(id), now);
    *static_cast<int64_t*>(txn.mut(0)) = value;
    txn.commit();
  };
  set_count(1, 10, 1);
  set_count(2, 20, 1);
  txn.begin(counter(9), 0);
  *static_cast<int64_t*>(txn.mut(2)) = 77;  // fresh: expires 10m after this write
  txn.commit();
  backend_->put_timer(5, TimerRecord{"5.0.1", 123, "test.rt/Clock/a", test::kMsgTick, "a"});
  backend_->freeze();
  set_count(1, 11, 2);                         // changed after the freeze: its frozen value is kept first
  set_count(5, 50, 2);                         // new after the freeze
  backend_->expire(counter(9), 10 * kMinute);  // expired after the freeze
  backend_->put_timer(5, TimerRecord{"5.0.2", 456, "test.rt/Clock/b", test::kMsgTick, "b"});
  const uint64_t bytes = backend_->batch_bytes();
  ASSERT_TRUE(backend_->write_back());
  EXPECT_EQ(backend_->batch_bytes(), bytes);  // nothing is written while frozen
  EXPECT_FALSE(backend_->encode_frozen(1));   // counter 2 and 9 are left (1 was kept at its change)
  EXPECT_TRUE(backend_->encode_frozen(8));
  Status written = ok_status();
  std::thread writer([&] { written = backend_->write_frozen((dir_ / "cp").string()); });
  set_count(2, 21, 3);  // the owner goes on while the write runs
  writer.join();
  ASSERT_TRUE(written) << written.error().message;
  ASSERT_TRUE(backend_->thaw());
  ASSERT_TRUE(backend_->write_back());

  auto opened = StateBackend::open((dir_ / "cp").string(), module_);
  ASSERT_TRUE(opened) << opened.error().message;
  std::unique_ptr<StateBackend> cp = std::move(opened.value());
  auto stored = [&](StateBackend& b, int64_t id, uint32_t state) -> std::optional<int64_t> {
    const std::string address = "test.rt/Counter/" + std::to_string(id);
    Result<core::Address> parsed = module_->parse_address(address);
    EXPECT_TRUE(parsed);
    Result<Instance*> found = b.find(address, parsed.value(), core::key_group_of(address, 128));
    Instance* i = found ? found.value() : nullptr;
    if (!i) return std::nullopt;
    return *reinterpret_cast<int64_t*>(i->block.get() + b.layout(1).offsets[state]);
  };
  EXPECT_EQ(stored(*cp, 1, 0), 10);
  EXPECT_EQ(stored(*cp, 2, 0), 20);
  EXPECT_EQ(stored(*cp, 5, 0), std::nullopt);
  EXPECT_EQ(stored(*cp, 9, 2), 77);  // stored before it expired; expires again when read at 10m
  std::vector<TimerRecord> cp_timers;
  ASSERT_TRUE(cp->load_timers(128, [&](TimerRecord&& t) { cp_timers.push_back(std::move(t)); }));
  ASSERT_EQ(cp_timers.size(), 1u);
  EXPECT_EQ(cp_timers[0].handle, "5.0.1");
  cp.reset();

  reopen();
  EXPECT_EQ(stored(*backend_, 1, 0), 11);
  EXPECT_EQ(stored(*backend_, 2, 0), 21);
  EXPECT_EQ(stored(*backend_, 5, 0), 50);
  EXPECT_EQ(stored(*backend_, 9, 2), 0);
  EXPECT_EQ(timers().size(), 2u);
}

// Decision 130: the frozen instances are encoded by another thread while the owner changes them;
// each is encoded once, by whichever claims it first (the owner waits for one being encoded), so
// the checkpoint holds every value at the freeze and the database every later one. Strings, so
// an encoding that read a value while it was being replaced would show.
TEST_F(StateTest, ABackgroundEncoderAndTheOwnerEachKeepTheValuesAtTheFreeze) {
  constexpr int64_t kInstances = 3000;
  Txn txn(backend_.get());
  auto set = [&](int64_t id, int64_t value) {
    txn.begin(counter(id), 1);
    *static_cast<int64_t*>(txn.mut(0)) = value;
    core::str_set(static_cast<sfn_str*>(txn.mut(3)), "note " + std::to_string(value) + std::string(40, 'x'));
    txn.commit();
  };
  for (int64_t id = 0; id < kInstances; ++id) set(id, id);
  backend_->freeze();
  std::thread encoder([&] { backend_->encode_frozen_rest(); });
  for (int64_t id = kInstances - 1; id >= 0; --id) set(id, 100000 + id);  // from the other end
  encoder.join();
  ASSERT_TRUE(backend_->encode_frozen(0));
  ASSERT_TRUE(backend_->write_frozen((dir_ / "cp").string()));
  ASSERT_TRUE(backend_->thaw());
  ASSERT_TRUE(backend_->write_back());

  auto opened = StateBackend::open((dir_ / "cp").string(), module_);
  ASSERT_TRUE(opened) << opened.error().message;
  std::unique_ptr<StateBackend> cp = std::move(opened.value());
  for (int64_t id = 0; id < kInstances; ++id) {
    const std::string address = "test.rt/Counter/" + std::to_string(id);
    Result<core::Address> parsed = module_->parse_address(address);
    ASSERT_TRUE(parsed);
    Result<Instance*> found = cp->find(address, parsed.value(), core::key_group_of(address, 128));
    ASSERT_TRUE(found) << found.error().message;
    Instance* i = found.value();
    ASSERT_NE(i, nullptr) << id;
    EXPECT_EQ(*reinterpret_cast<int64_t*>(i->block.get() + cp->layout(1).offsets[0]), id);
    EXPECT_EQ(core::str_view(*reinterpret_cast<sfn_str*>(i->block.get() + cp->layout(1).offsets[3])),
              "note " + std::to_string(id) + std::string(40, 'x'));
  }
  cp.reset();
  reopen();
  for (int64_t id = 0; id < kInstances; ++id) EXPECT_EQ(count_of(counter(id)), 100000 + id);
}

// Decision 131: over its bound, the cache writes changed instances back and evicts the ones not
// used since the hand last passed; an evicted instance is read again with its values, write
// times (so `after write` expiry is unchanged) and last-call time.
TEST_F(StateTest, EvictedInstancesAreReadAgainAsTheyWere) {
  Txn txn(backend_.get());
  for (int64_t id = 0; id < 100; ++id) {
    txn.begin(counter(id), 1000 + id);
    *static_cast<int64_t*>(txn.mut(0)) = id;
    *static_cast<int64_t*>(txn.mut(2)) = 7 * id;
    core::str_set(static_cast<sfn_str*>(txn.mut(3)), "v" + std::to_string(id));
    txn.commit();
  }
  ASSERT_TRUE(backend_->write_back());  // the written values count too
  const CacheStats full = backend_->cache_stats();
  EXPECT_EQ(full.instances, 100u);
  EXPECT_EQ(full.misses, 100u);
  backend_->set_cache_limit(full.bytes / 4);
  // One pass of the hand clears the `referenced` bits the loads set, the next evicts (each change
  // written back first).
  ASSERT_TRUE(backend_->shrink());
  const CacheStats after = backend_->cache_stats();
  EXPECT_LE(after.bytes, full.bytes / 4);
  EXPECT_GE(after.evictions, 75u);
  EXPECT_EQ(backend_->dirty_instances(), 0u);
  for (int64_t id = 0; id < 100; ++id) {
    Instance* i = counter(id);
    EXPECT_EQ(count_of(i), id);
    EXPECT_EQ(*reinterpret_cast<int64_t*>(i->block.get() + backend_->layout(1).offsets[2]), 7 * id);
    EXPECT_EQ(i->written_at[2], 1000 + id);
    EXPECT_TRUE(i->called);
    EXPECT_EQ(i->last_call, 1000 + id);
    backend_->expire(i, 1000 + id + 10 * kMinute);  // `fresh` expires 10m after its write
    EXPECT_EQ(*reinterpret_cast<int64_t*>(i->block.get() + backend_->layout(1).offsets[2]), 0);
  }
  EXPECT_EQ(backend_->cache_stats().misses - after.misses + backend_->cache_stats().hits - after.hits, 100u);
}

// While a snapshot's frozen set exists nothing is evicted: an instance encoded into the frozen
// batch looks clean, but the database does not hold its values until the batch is written.
TEST_F(StateTest, NothingIsEvictedWhileFrozen) {
  Txn txn(backend_.get());
  for (int64_t id = 0; id < 10; ++id) {
    txn.begin(counter(id), 1);
    *static_cast<int64_t*>(txn.mut(0)) = id;
    txn.commit();
  }
  backend_->freeze();
  ASSERT_TRUE(backend_->encode_frozen(100));
  backend_->set_cache_limit(1024);
  ASSERT_TRUE(backend_->shrink());
  ASSERT_TRUE(backend_->shrink());
  EXPECT_EQ(backend_->cache_stats().evictions, 0u);
  ASSERT_TRUE(backend_->write_frozen(""));
  ASSERT_TRUE(backend_->thaw());
  ASSERT_TRUE(backend_->shrink());
  ASSERT_TRUE(backend_->shrink());
  EXPECT_GT(backend_->cache_stats().evictions, 0u);
  for (int64_t id = 0; id < 10; ++id) EXPECT_EQ(count_of(counter(id)), id);
}

TEST_F(StateTest, TimersPersist) {
  TimerRecord t{"5.0.1", 123, "test.rt/Clock/a", test::kMsgTick, "xyz"};
  backend_->put_timer(5, t);
  ASSERT_TRUE(backend_->write_back());
  reopen();
  std::vector<TimerRecord> loaded = timers();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].handle, "5.0.1");
  EXPECT_EQ(loaded[0].due, 123);
  EXPECT_EQ(loaded[0].target, "test.rt/Clock/a");
  EXPECT_EQ(loaded[0].payload, "xyz");
  backend_->delete_timer(5, "5.0.1");
  ASSERT_TRUE(backend_->write_back());
  EXPECT_TRUE(timers().empty());
}

// A database written by a version of the program that numbered its message types differently
// (here: in reverse, plus a type this version does not have) gets its timers renumbered by name
// at open; the timer of the unknown type is taken out, and in-flight numbers translate the same
// way (decision 015).
TEST_F(StateTest, TimersAreRenumberedByNameForAnotherVersion) {
  const sfn_module& m = module_->desc();
  std::vector<std::string> written = {"Gone"};
  for (uint32_t i = m.message_count; i-- > 0;) written.push_back(m.messages[i]->name);
  std::string names;
  for (const auto& n : written) names += n + "\n";
  const uint32_t start_then = m.message_count - test::kMsgStart;  // its number in `written` (6, not 2)
  backend_->put_meta("message_types", names);
  backend_->put_timer(5, TimerRecord{"5.0.1", 123, "test.rt/Clock/a", start_then, "xyz"});
  backend_->put_timer(6, TimerRecord{"6.0.2", 456, "test.rt/Clock/b", 0, "old"});
  ASSERT_TRUE(backend_->write_back());
  reopen();
  std::vector<TimerRecord> loaded = timers();
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].handle, "5.0.1");
  EXPECT_EQ(loaded[0].message_type, static_cast<uint32_t>(test::kMsgStart));
  std::vector<TimerRecord> orphans = backend_->take_orphaned_timers();
  ASSERT_EQ(orphans.size(), 1u);
  EXPECT_EQ(orphans[0].target, "test.rt/Clock/b");
  EXPECT_EQ(backend_->written_message_name(orphans[0].message_type), "Gone");
  EXPECT_EQ(backend_->renumbered_message_type(start_then), static_cast<uint32_t>(test::kMsgStart));
  EXPECT_EQ(backend_->renumbered_message_type(0), StateBackend::kUnknownMessageType);
  reopen();  // the new numbering is recorded: nothing to renumber a second time
  EXPECT_TRUE(backend_->take_orphaned_timers().empty());
  EXPECT_EQ(backend_->renumbered_message_type(test::kMsgTick), static_cast<uint32_t>(test::kMsgTick));
}

// One run per state directory: a second one is told which process has it (two runs used to
// report RocksDB's "Resource temporarily unavailable"); the lock goes with its holder.
TEST_F(StateTest, AStateDirInUseNamesThePidThatHasIt) {
  const std::filesystem::path dir = dir_ / "shared";
  std::filesystem::create_directories(dir);
  const std::string in_use = "state directory " + dir.string() + " is in use by pid " + std::to_string(::getpid()) +
                             " (another run; stop it or use another --state-dir)";
  {
    DirLock first;
    ASSERT_TRUE(first.acquire(dir));
    DirLock second;
    Status s = second.acquire(dir);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().message, in_use);
    RunOptions o;
    o.state_dir = dir.string();
    o.workers = 1;
    RunResult r = run_embedded(module_, o);
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_EQ(r.error, in_use);
  }
  DirLock after;  // released with `first`
  EXPECT_TRUE(after.acquire(dir));
}

// Fills `table` with Counter instances 0..n-1 (int_key i, address "test.rt/Counter/<i>").
void fill(AddressTable<Instance>& table, int n) {
  for (int i = 0; i < n; ++i) {
    auto inst = std::make_unique<Instance>();
    inst->address = "test.rt/Counter/" + std::to_string(i);
    inst->int_key = i;
    EXPECT_EQ(table.insert(std::move(inst))->int_key, i);
  }
}

// The hot cache's index keeps every instance findable through growth (it starts at 16 slots
// here and doubles many times), tells absent addresses apart, and owns what it holds.
TEST(AddressTable, FindsEveryInsertedAddressThroughGrowth) {
  AddressTable<Instance> table(16);
  const int n = 100'000;
  fill(table, n);
  EXPECT_EQ(table.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    Instance* found = table.find("test.rt/Counter/" + std::to_string(i));
    ASSERT_NE(found, nullptr) << i;
    EXPECT_EQ(found->int_key, i);
  }
  EXPECT_EQ(table.find("test.rt/Counter/" + std::to_string(n)), nullptr);
  EXPECT_EQ(table.find("test.rt/Counter/"), nullptr);
  EXPECT_EQ(table.find(""), nullptr);
  EXPECT_EQ(table.items().size(), static_cast<std::size_t>(n));
  EXPECT_EQ(table.items().front()->int_key, 0);
}

// Erasing (eviction) keeps every other address findable: probe runs are closed up behind the
// hole, and the last instance takes the erased one's position.
TEST(AddressTable, ErasedAddressesAreGoneAndTheOthersStayFindable) {
  AddressTable<Instance> table(16);
  const int n = 20'000;
  fill(table, n);
  for (int i = 0; i < n; i += 3) table.erase(table.find("test.rt/Counter/" + std::to_string(i)));
  for (int i = 0; i < n; ++i) {
    Instance* found = table.find("test.rt/Counter/" + std::to_string(i));
    if (i % 3 == 0) {
      EXPECT_EQ(found, nullptr) << i;
      continue;
    }
    ASSERT_NE(found, nullptr) << i;
    EXPECT_EQ(found->int_key, i);
    EXPECT_EQ(table.items()[found->position].get(), found);
  }
  EXPECT_EQ(table.size(), static_cast<std::size_t>(n - (n + 2) / 3));
}

}  // namespace
}  // namespace sfn::runtime::state
