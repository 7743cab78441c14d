// The idempotency keys of a record log (record_log.h): key -> offset of the record first
// appended with it. Two parts:
// - Numbered keys `<stem>:<n>` (n a decimal number without leading zeros, at most 18 digits:
//   the keys of `--input` lines and of `sfn send --file` lines) are kept as runs per stem:
//   numbers first..first+count-1 at offsets offset..offset+count-1, in a map by first number.
//   Lines appended in order with consecutive numbers are one run however many there are, so a
//   10-million-line batch costs a few runs, not 10 million keys (decision 132). A run breaks
//   where a number or an offset is skipped (a blank or bad line, records of other clients).
// - Every other key is in an open-addressing table (linear probing, at most half full) of
//   slots {hash, where the key's bytes are, offset} over one buffer holding every key's bytes.
//   A lookup of a new key touches one or two slots and no key bytes; the bytes are compared
//   only when the full 64-bit hash matches (so a hash collision never makes a new key a
//   "duplicate"); growing moves slots without hashing keys again. Keys are at most 65535 bytes.
// Not thread-safe (the log's mutex guards it).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfn::runtime::io {

class KeyIndex {
 public:
  // The offset stored for `key`, if any.
  std::optional<std::uint64_t> find(std::string_view key) const;
  // Stores `offset` for `key` (replacing an earlier one).
  void assign(std::string_view key, std::uint64_t offset);
  // Stores `offset` for `key` unless the key is there already; then returns its offset and
  // changes nothing. (One probe where find() + assign() would take two.)
  std::optional<std::uint64_t> insert(std::string_view key, std::uint64_t offset);
  // Stores `count` keys: `first_key` at `offset` and, when it is a numbered key `<stem>:<n>`,
  // `<stem>:<n+i>` at `offset + i` (a run of the keys file). count > 1 needs a numbered key.
  void assign_run(std::string_view first_key, std::uint64_t offset, std::uint64_t count);
  // Forgets `key` (its bytes stay in the buffer: erasing is rare, for undoing failed writes).
  void erase(std::string_view key);
  std::size_t size() const { return size_; }
  // Numbered runs held (the memory they take is about 100 bytes each).
  std::size_t runs() const;

  // Calls f(key, offset) for every key, in no particular order.
  template <typename F>
  void for_each(F f) const {
    for (const Slot& s : slots_)
      if (s.hash != 0) f(key_of(s), s.offset);
    std::string key;
    for (const auto& [stem, runs] : numbered_)
      for (const auto& [first, run] : runs)
        for (std::uint64_t i = 0; i < run.count; ++i) {
          key = stem + ":" + std::to_string(first + i);
          f(std::string_view(key), run.offset + i);
        }
  }
  // Calls f(first_key, offset, count) for every run of numbered keys and f(key, offset, 1) for
  // every other key (what assign_run() takes back).
  void for_each_run(const std::function<void(std::string_view, std::uint64_t, std::uint64_t)>& f) const;

 private:
  struct Slot {
    std::uint64_t hash = 0;   // 0: empty (real hashes are never 0)
    std::uint64_t where = 0;  // position of the key's bytes << 16 | length
    std::uint64_t offset = 0;
  };
  struct Run {
    std::uint64_t offset = 0;  // of the first number
    std::uint64_t count = 0;
  };
  using Runs = std::map<std::uint64_t, Run>;  // by first number
  static std::uint64_t hash_of(std::string_view key);
  // Whether `key` is `<stem>:<n>`; sets both when it is.
  static bool split_numbered(std::string_view key, std::string_view* stem, std::uint64_t* n);
  std::string_view key_of(const Slot& s) const {
    return std::string_view(bytes_).substr(s.where >> 16, s.where & 0xffff);
  }
  // The slot holding `key`, or the empty slot where it would go.
  std::size_t probe(std::string_view key, std::uint64_t hash) const;
  // The slot for `key`, made ready for it (filled in when it was empty): whether it was new.
  std::pair<Slot*, bool> slot_for(std::string_view key);
  void grow();
  void erase_plain(std::string_view key);

  std::optional<std::uint64_t> find_numbered(std::string_view stem, std::uint64_t n) const;
  // Adds numbers n..n+count-1 (none of them present) at offset..offset+count-1.
  void add_numbered(std::string_view stem, std::uint64_t n, std::uint64_t offset, std::uint64_t count);
  // Joins the run at `it` with the next one when they continue each other.
  static void join_next(Runs& runs, Runs::iterator it);
  bool erase_numbered(std::string_view stem, std::uint64_t n);

  std::vector<Slot> slots_;  // size is 0 or a power of two
  std::string bytes_;
  std::map<std::string, Runs, std::less<>> numbered_;  // by stem
  std::size_t size_ = 0;
};

}  // namespace sfn::runtime::io
