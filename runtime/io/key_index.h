// The idempotency keys of a record log (record_log.h): key -> offset of the record first
// appended with it. An open-addressing table (linear probing, at most half full) of slots
// {hash, where the key's bytes are, offset} over one buffer holding every key's bytes. A lookup
// of a new key touches one or two slots and no key bytes; the bytes are compared only when
// the full 64-bit hash matches (so a hash collision never makes a new key a "duplicate");
// growing moves slots without hashing keys again. Keys are at most 65535 bytes. Not
// thread-safe (the log's mutex guards it).
#pragma once

#include <cstdint>
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
  // Forgets `key` (its bytes stay in the buffer: erasing is rare, for undoing failed writes).
  void erase(std::string_view key);
  std::size_t size() const { return size_; }

  // Calls f(key, offset) for every key, in no particular order.
  template <typename F>
  void for_each(F f) const {
    for (const Slot& s : slots_)
      if (s.hash != 0) f(key_of(s), s.offset);
  }

 private:
  struct Slot {
    std::uint64_t hash = 0;      // 0: empty (real hashes are never 0)
    std::uint64_t where = 0;     // position of the key's bytes << 16 | length
    std::uint64_t offset = 0;
  };
  static std::uint64_t hash_of(std::string_view key);
  std::string_view key_of(const Slot& s) const {
    return std::string_view(bytes_).substr(s.where >> 16, s.where & 0xffff);
  }
  // The slot holding `key`, or the empty slot where it would go.
  std::size_t probe(std::string_view key, std::uint64_t hash) const;
  // The slot for `key`, made ready for it (filled in when it was empty): whether it was new.
  std::pair<Slot*, bool> slot_for(std::string_view key);
  void grow();

  std::vector<Slot> slots_;  // size is 0 or a power of two
  std::string bytes_;
  std::size_t size_ = 0;
};

}  // namespace sfn::runtime::io
