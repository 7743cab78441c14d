// The idempotency key table of a record log (key_index.h).
#include "runtime/io/key_index.h"

#include <functional>
#include <iterator>

namespace sfn::runtime::io {

std::uint64_t KeyIndex::hash_of(std::string_view key) {
  std::uint64_t h = std::hash<std::string_view>{}(key);
  return h == 0 ? 1 : h;
}

bool KeyIndex::split_numbered(std::string_view key, std::string_view* stem, std::uint64_t* n) {
  const std::size_t colon = key.rfind(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view digits = key.substr(colon + 1);
  if (digits.empty() || digits.size() > 18 || (digits.size() > 1 && digits[0] == '0')) return false;
  std::uint64_t value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *stem = key.substr(0, colon);
  *n = value;
  return true;
}

std::size_t KeyIndex::probe(std::string_view key, std::uint64_t hash) const {
  std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.hash == 0 || (s.hash == hash && key_of(s) == key)) return i;
  }
}

std::optional<std::uint64_t> KeyIndex::find(std::string_view key) const {
  std::string_view stem;
  std::uint64_t n = 0;
  if (split_numbered(key, &stem, &n)) return find_numbered(stem, n);
  if (slots_.empty()) return std::nullopt;
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
  std::string_view stem;
  std::uint64_t n = 0;
  if (!split_numbered(key, &stem, &n)) {
    slot_for(key).first->offset = offset;
    return;
  }
  if (auto old = find_numbered(stem, n)) {
    if (*old == offset) return;
    if (erase_numbered(stem, n)) --size_;
  }
  add_numbered(stem, n, offset, 1);
}

std::optional<std::uint64_t> KeyIndex::insert(std::string_view key, std::uint64_t offset) {
  std::string_view stem;
  std::uint64_t n = 0;
  if (split_numbered(key, &stem, &n)) {
    if (auto old = find_numbered(stem, n)) return old;
    add_numbered(stem, n, offset, 1);
    return std::nullopt;
  }
  auto [slot, fresh] = slot_for(key);
  if (!fresh) return slot->offset;
  slot->offset = offset;
  return std::nullopt;
}

void KeyIndex::assign_run(std::string_view first_key, std::uint64_t offset, std::uint64_t count) {
  std::string_view stem;
  std::uint64_t n = 0;
  if (count <= 1 || !split_numbered(first_key, &stem, &n)) {
    if (count > 0) assign(first_key, offset);
    return;
  }
  auto s = numbered_.find(stem);
  bool clear = s == numbered_.end();
  if (!clear) {  // no number of the run present yet: one insertion; else key by key
    auto next = s->second.lower_bound(n);
    clear = next == s->second.end() || next->first >= n + count;
    if (clear && next != s->second.begin()) {
      auto prev = std::prev(next);
      clear = prev->first + prev->second.count <= n;
    }
  }
  if (clear) {
    add_numbered(stem, n, offset, count);
    return;
  }
  const std::string prefix(stem);
  for (std::uint64_t i = 0; i < count; ++i) assign(prefix + ":" + std::to_string(n + i), offset + i);
}

void KeyIndex::erase(std::string_view key) {
  std::string_view stem;
  std::uint64_t n = 0;
  if (split_numbered(key, &stem, &n)) {
    if (erase_numbered(stem, n)) --size_;
    return;
  }
  erase_plain(key);
}

void KeyIndex::erase_plain(std::string_view key) {
  if (slots_.empty()) return;
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

std::size_t KeyIndex::runs() const {
  std::size_t n = 0;
  for (const auto& [stem, runs] : numbered_) n += runs.size();
  return n;
}

void KeyIndex::for_each_run(const std::function<void(std::string_view, std::uint64_t, std::uint64_t)>& f) const {
  for (const Slot& s : slots_)
    if (s.hash != 0) f(key_of(s), s.offset, 1);
  std::string key;
  for (const auto& [stem, runs] : numbered_)
    for (const auto& [first, run] : runs) {
      key = stem + ":" + std::to_string(first);
      f(key, run.offset, run.count);
    }
}

std::optional<std::uint64_t> KeyIndex::find_numbered(std::string_view stem, std::uint64_t n) const {
  auto s = numbered_.find(stem);
  if (s == numbered_.end()) return std::nullopt;
  auto it = s->second.upper_bound(n);
  if (it == s->second.begin()) return std::nullopt;
  --it;
  if (n - it->first >= it->second.count) return std::nullopt;
  return it->second.offset + (n - it->first);
}

void KeyIndex::join_next(Runs& runs, Runs::iterator it) {
  auto next = std::next(it);
  if (next == runs.end() || it->first + it->second.count != next->first ||
      it->second.offset + it->second.count != next->second.offset)
    return;
  it->second.count += next->second.count;
  runs.erase(next);
}

void KeyIndex::add_numbered(std::string_view stem, std::uint64_t n, std::uint64_t offset, std::uint64_t count) {
  auto s = numbered_.find(stem);
  if (s == numbered_.end()) s = numbered_.emplace(std::string(stem), Runs{}).first;
  Runs& runs = s->second;
  size_ += count;
  auto next = runs.upper_bound(n);
  if (next != runs.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second.count == n && prev->second.offset + prev->second.count == offset) {
      prev->second.count += count;  // the common case: the next line of a run
      join_next(runs, prev);
      return;
    }
  }
  join_next(runs, runs.emplace_hint(next, n, Run{offset, count}));
}

bool KeyIndex::erase_numbered(std::string_view stem, std::uint64_t n) {
  auto s = numbered_.find(stem);
  if (s == numbered_.end()) return false;
  Runs& runs = s->second;
  auto it = runs.upper_bound(n);
  if (it == runs.begin()) return false;
  --it;
  const std::uint64_t first = it->first;
  const Run run = it->second;
  if (n - first >= run.count) return false;
  runs.erase(it);
  if (n > first) runs.emplace(first, Run{run.offset, n - first});
  if (n + 1 < first + run.count) runs.emplace(n + 1, Run{run.offset + (n + 1 - first), first + run.count - (n + 1)});
  if (runs.empty()) numbered_.erase(s);
  return true;
}

}  // namespace sfn::runtime::io
