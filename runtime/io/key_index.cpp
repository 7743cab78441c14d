// The idempotency key table of a record log (key_index.h).
#include "runtime/io/key_index.h"

#include <functional>

namespace sfn::runtime::io {

std::uint64_t KeyIndex::hash_of(std::string_view key) {
  std::uint64_t h = std::hash<std::string_view>{}(key);
  return h == 0 ? 1 : h;
}

std::size_t KeyIndex::probe(std::string_view key, std::uint64_t hash) const {
  std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.hash == 0 || (s.hash == hash && key_of(s) == key)) return i;
  }
}

std::optional<std::uint64_t> KeyIndex::find(std::string_view key) const {
  if (size_ == 0) return std::nullopt;
  const Slot& s = slots_[probe(key, hash_of(key))];
  if (s.hash == 0) return std::nullopt;
  return s.offset;
}

std::pair<KeyIndex::Slot*, bool> KeyIndex::slot_for(std::string_view key) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  std::uint64_t hash = hash_of(key);
  Slot& s = slots_[probe(key, hash)];
  if (s.hash != 0) return {&s, false};
  s.hash = hash;
  s.where = static_cast<std::uint64_t>(bytes_.size()) << 16 | key.size();
  bytes_.append(key);
  ++size_;
  return {&s, true};
}

void KeyIndex::assign(std::string_view key, std::uint64_t offset) {
  slot_for(key).first->offset = offset;
}

std::optional<std::uint64_t> KeyIndex::insert(std::string_view key, std::uint64_t offset) {
  auto [slot, fresh] = slot_for(key);
  if (!fresh) return slot->offset;
  slot->offset = offset;
  return std::nullopt;
}

void KeyIndex::erase(std::string_view key) {
  if (size_ == 0) return;
  std::size_t mask = slots_.size() - 1;
  std::size_t hole = probe(key, hash_of(key));
  if (slots_[hole].hash == 0) return;
  slots_[hole] = Slot{};
  --size_;
  // Backward-shift: move later entries of the run into the hole when their home allows it.
  for (std::size_t i = (hole + 1) & mask; slots_[i].hash != 0; i = (i + 1) & mask) {
    std::size_t home = slots_[i].hash & mask;
    bool movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
    if (!movable) continue;
    slots_[hole] = slots_[i];
    slots_[i] = Slot{};
    hole = i;
  }
}

void KeyIndex::grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.empty() ? 1024 : old.size() * 2, Slot{});
  std::size_t mask = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.hash == 0) continue;
    std::size_t i = s.hash & mask;
    while (slots_[i].hash != 0) i = (i + 1) & mask;
    slots_[i] = s;
  }
}

}  // namespace sfn::runtime::io
