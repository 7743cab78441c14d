// Reading the ingress logs in delivery order (see ingress_source.h).
#include "runtime/embedded/ingress_source.h"

#include <algorithm>
#include <iostream>
#include <string>
#include <tuple>

namespace sfn::runtime {
namespace {
constexpr size_t kBufferedPerLog = 4096;  // records read ahead per ingress
}

IngressSource::IngressSource(io::IoServer& server, const std::vector<std::string>& names,
                             const std::vector<uint64_t>& offsets, bool endless)
    : endless_(endless) {
  logs_.resize(names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    logs_[i].name = names[i];
    logs_[i].log = server.ingress_log(names[i]);
    logs_[i].read = logs_[i].fed = offsets[i];
  }
}

void IngressSource::annotate(uint32_t ingress, uint64_t offset, int64_t at_ns, uint64_t seq) {
  Log& log = logs_[ingress];
  if (offset < log.fed) return;
  auto& notes = log.notes;
  if (notes.empty() || notes.back().first < offset) {
    notes.emplace_back(offset, Note{at_ns, seq});
    return;
  }
  auto it = std::lower_bound(notes.begin(), notes.end(), offset,
                             [](const std::pair<uint64_t, Note>& n, uint64_t o) { return n.first < o; });
  if (it != notes.end() && it->first == offset)
    it->second = Note{at_ns, seq};
  else
    notes.insert(it, {offset, Note{at_ns, seq}});
}

void IngressSource::set_refill(std::function<bool()> refill, std::size_t low) {
  refill_ = std::move(refill);
  low_ = low;
}

std::size_t IngressSource::waiting() const {
  std::size_t n = 0;
  for (const Log& l : logs_) n += l.notes.size() + l.buffer.size();
  return n;
}

std::map<std::string, uint64_t> IngressSource::offsets() const {
  std::map<std::string, uint64_t> out;
  for (const Log& l : logs_) out[l.name] = l.fed;
  return out;
}

void IngressSource::fill(uint32_t ingress, Log& log) {
  auto r = log.log->read(log.read, kBufferedPerLog - log.buffer.size(),
                         [&](uint64_t offset, std::string_view payload, std::string_view) {
                           Buffered b{offset, 0, coordinator::InputRecord{ingress, 0, std::string(payload)}};
                           while (!log.notes.empty() && log.notes.front().first < offset) log.notes.pop_front();
                           if (!log.notes.empty() && log.notes.front().first == offset) {
                             b.record.at_ns = log.notes.front().second.at_ns;
                             b.seq = log.notes.front().second.seq;
                             log.notes.pop_front();
                           }
                           log.buffer.push_back(std::move(b));
                           log.read = offset + 1;
                           return true;
                         });
  if (!r.ok()) {
    std::string e = "ingress log " + log.name + ": " + r.error().message;
    std::cerr << "sfn run: " << e << " (its records are not read any more)\n";
    if (error_.empty()) error_ = e;
    log.failed = true;
  }
}

void IngressSource::top_up(bool empty_only) {
  if (!empty_only && refill_ && waiting() < low_ && !refill_()) refill_ = nullptr;
  for (uint32_t i = 0; i < logs_.size(); ++i) {
    Log& l = logs_[i];
    if (!l.log || l.failed || l.read >= l.log->end_offset()) continue;
    if (empty_only ? !l.buffer.empty() : l.buffer.size() >= kBufferedPerLog / 2) continue;
    fill(i, l);
    head_ = -1;
  }
}

void IngressSource::poll() { top_up(false); }

coordinator::InputRecord* IngressSource::peek() {
  // A log whose buffer ran dry while it holds more is read first: its next record may be the
  // next due. (Refilling waits for poll(): the caller may hold a lock; poll() keeps more than a
  // buffer's worth appended ahead.)
  for (const Log& l : logs_)
    if (l.buffer.empty() && l.log && !l.failed && l.read < l.log->end_offset()) {
      top_up(true);
      break;
    }
  if (head_ < 0) {
    for (size_t i = 0; i < logs_.size(); ++i) {
      if (logs_[i].buffer.empty()) continue;
      const Buffered& b = logs_[i].buffer.front();
      const Buffered* best = head_ < 0 ? nullptr : &logs_[head_].buffer.front();
      if (!best || std::tie(b.record.at_ns, b.seq) < std::tie(best->record.at_ns, best->seq))
        head_ = static_cast<int>(i);
    }
    if (head_ < 0) return nullptr;
  }
  return &logs_[head_].buffer.front().record;
}

void IngressSource::pop() {
  Log& l = logs_[head_];
  l.fed = l.buffer.front().offset + 1;
  l.buffer.pop_front();
  head_ = -1;
}

bool IngressSource::finished() const {
  if (endless_ || refill_) return false;
  for (const Log& l : logs_)
    if (!l.buffer.empty() || (l.log && !l.failed && l.read < l.log->end_offset())) return false;
  return true;
}

}  // namespace sfn::runtime
