// The records of `sfn run`, read from the durable ingress logs (RUNTIME.md §4) from the offsets
// of the recovered snapshot: records from `--input` and from clients take this one path, so each
// is processed exactly once across crashes (decision 016). Records of this run's `--input` carry
// their `at` and their line order (annotate()); every other record is due at once. Delivery order
// is by (`at`, line order) over the heads of the logs; within one log, records are delivered in
// log order, so the offsets fed so far are a prefix of each log (what a snapshot records).
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/coordinator/coordinator.h"
#include "runtime/io/io_server.h"

namespace sfn::runtime {

class IngressSource final : public coordinator::RecordSource {
 public:
  // `names`: the ingresses in module order; `offsets`: per ingress, the first offset not yet
  // processed. `endless`: clients may append until the run is stopped.
  IngressSource(io::IoServer& server, const std::vector<std::string>& names, const std::vector<uint64_t>& offsets,
                bool endless);

  // Record `offset` of ingress `ingress` is due at `at_ns`, in position `seq` among the input.
  // Notes come in offset order per ingress (a note for an earlier offset is placed, slower).
  void annotate(uint32_t ingress, uint64_t offset, int64_t at_ns, uint64_t seq);
  // More input is appended by `refill` (it returns false once it has nothing more to append)
  // whenever fewer than `low` annotated records wait to be fed; until it is done the source is
  // not finished. Every record it appends comes after every record appended before it in
  // delivery order (InputFeeder), so a record is never delivered ahead of one still to come.
  void set_refill(std::function<bool()> refill, std::size_t low);
  // The first offset of `ingress` not fed yet.
  uint64_t fed(uint32_t ingress) const { return logs_[ingress].fed; }
  // Per ingress name: the first offset not fed yet (what a snapshot records).
  std::map<std::string, uint64_t> offsets() const;
  // The first read error (that log is not read any more); empty when none.
  const std::string& error() const { return error_; }

  void poll() override;
  coordinator::InputRecord* peek() override;
  void pop() override;
  bool finished() const override;
  bool endless() const override { return endless_; }

 private:
  struct Note {
    int64_t at_ns = 0;
    uint64_t seq = 0;
  };
  struct Buffered {
    uint64_t offset = 0;
    uint64_t seq = 0;
    coordinator::InputRecord record;
  };
  struct Log {
    std::string name;
    io::RecordLog* log = nullptr;
    uint64_t read = 0;  // next offset to read
    uint64_t fed = 0;   // next offset to feed
    std::deque<Buffered> buffer;
    std::deque<std::pair<uint64_t, Note>> notes;  // by offset
    bool failed = false;                          // a read error was reported; the log is not read again
  };
  void fill(uint32_t ingress, Log& log);
  // Refills when few annotated records wait and fills the buffers of the logs running low; with
  // `empty_only`, only fills empty buffers (no refill).
  void top_up(bool empty_only);
  std::size_t waiting() const;

  std::vector<Log> logs_;
  bool endless_;
  std::string error_;
  int head_ = -1;                 // the log whose first buffered record is next; -1: to be found
  std::function<bool()> refill_;  // empty once done
  std::size_t low_ = 0;
};

}  // namespace sfn::runtime
