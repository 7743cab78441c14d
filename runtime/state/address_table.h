// The hot cache's index: address -> Instance, as an open-addressing hash table (linear probing,
// power-of-two capacity, at most half full). Each slot keeps the address's hash next to the
// pointer, so a lookup reads one slot and touches the instance only on a hash match — with
// 100,000 scattered instances the node-based std::unordered_map it replaces spent a fifth of
// the counter benchmark in cache misses (bucket, node, key string). The table owns its
// instances; erase() removes one (the bounded cache evicts, decision 131).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace sfn::runtime::state {

// T: a type with a `std::string address` member that never changes and a `uint32_t position`
// member the table keeps (its index in items()).
template <class T>
class AddressTable {
 public:
  explicit AddressTable(std::size_t capacity = 1 << 16) : slots_(round_up(capacity)) {}

  // The instance with this address, or null.
  T* find(std::string_view address) const {
    const std::uint64_t h = hash(address);
    for (std::size_t i = h & mask();; i = (i + 1) & mask()) {
      const Slot& s = slots_[i];
      if (!s.item) return nullptr;
      if (s.hash == h && s.item->address == address) return s.item;
    }
  }
  // Adds `item`, whose address must not be in the table yet; returns it.
  T* insert(std::unique_ptr<T> item) {
    if ((owned_.size() + 1) * 2 > slots_.size()) grow();
    T* p = item.get();
    place(hash(p->address), p);
    p->position = static_cast<std::uint32_t>(owned_.size());
    owned_.push_back(std::move(item));
    return p;
  }
  // Removes and destroys `item` (in the table). The last of items() takes its position.
  void erase(T* item) {
    const std::uint64_t h = hash(item->address);
    std::size_t i = h & mask();
    while (slots_[i].item != item) i = (i + 1) & mask();
    // Backward-shift deletion: move up each later entry of the probe run that may fill the hole.
    for (std::size_t j = (i + 1) & mask(); slots_[j].item; j = (j + 1) & mask()) {
      const std::size_t home = slots_[j].hash & mask();
      if (((j - home) & mask()) >= ((j - i) & mask())) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = Slot{};
    const std::uint32_t at = item->position;
    if (at + 1 != owned_.size()) {
      owned_[at] = std::move(owned_.back());
      owned_[at]->position = at;
    }
    owned_.pop_back();
  }
  std::size_t size() const { return owned_.size(); }
  // Every instance (in insertion order until the first erase).
  const std::vector<std::unique_ptr<T>>& items() const { return owned_; }

 private:
  struct Slot {
    std::uint64_t hash = 0;
    T* item = nullptr;
  };
  static std::size_t round_up(std::size_t n) {
    std::size_t c = 16;
    while (c < n) c *= 2;
    return c;
  }
  static std::uint64_t hash(std::string_view s) { return std::hash<std::string_view>()(s); }
  std::size_t mask() const { return slots_.size() - 1; }
  void place(std::uint64_t h, T* item) {
    std::size_t i = h & mask();
    while (slots_[i].item) i = (i + 1) & mask();
    slots_[i] = Slot{h, item};
  }
  void grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& s : old)
      if (s.item) place(s.hash, s.item);
  }

  std::vector<Slot> slots_;
  std::vector<std::unique_ptr<T>> owned_;
};

}  // namespace sfn::runtime::state
