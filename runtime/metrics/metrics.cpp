#include "runtime/metrics/metrics.h"

#include <unistd.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <string_view>

namespace sfn::runtime::metrics {
namespace {

// Escapes `text` as the format wants: in HELP lines \\ and \n, in label values also \".
void append_escaped(std::string& out, std::string_view text, bool quotes) {
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
}

void append_value(std::string& out, std::uint64_t v) { out += std::to_string(v); }

// Go's ParseFloat reads the shortest round-trip form (e.g. 0.25, 1e-05) and NaN, +Inf, -Inf.
void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

// The text being built: families, each with its samples (at most one label each).
class Text {
 public:
  Text& family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    append_escaped(out_, help, false);
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
    return *this;
  }
  template <typename T>
  Text& sample(T value, std::string_view label = {}, std::string_view label_value = {}) {
    out_ += name_;
    if (!label.empty()) {
      out_ += '{';
      out_ += label;
      out_ += "=\"";
      append_escaped(out_, label_value, true);
      out_ += "\"}";
    }
    out_ += ' ';
    append_value(out_, value);
    out_ += '\n';
    return *this;
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
  std::string_view name_;
};

void workers_text(Text& t, const std::vector<WorkerMetrics>& workers) {
  std::uint64_t total = 0;
  for (const auto& w : workers) total += w.invocations;
  t.family("sfn_invocations_total", "counter", "Handler invocations since the process started.").sample(total);
  t.family("sfn_worker_invocations_total", "counter", "Handler invocations of each worker since the process started.");
  for (const auto& w : workers) t.sample(w.invocations, "worker", std::to_string(w.id));
  t.family("sfn_worker_queue_depth", "gauge", "Messages waiting in each worker's queue.");
  for (const auto& w : workers) t.sample(w.queue_depth, "worker", std::to_string(w.id));
  t.family("sfn_worker_key_groups", "gauge", "Key groups each worker owns.");
  for (const auto& w : workers) t.sample(std::uint64_t{w.key_groups}, "worker", std::to_string(w.id));
  if (workers.empty() || !workers.front().heartbeat_age_seconds) return;  // not a cluster
  t.family("sfn_worker_heartbeat_age_seconds", "gauge",
           "Seconds since the coordinator last heard from each worker process (cluster mode).");
  for (const auto& w : workers) t.sample(w.heartbeat_age_seconds.value_or(0), "worker", std::to_string(w.id));
  t.family("sfn_worker_snapshot_shipped_bytes_total", "counter",
           "Snapshot bytes each worker process shipped to the coordinator (cluster mode; files stored before are "
           "named, not sent).");
  for (const auto& w : workers) t.sample(w.snapshot_shipped_bytes, "worker", std::to_string(w.id));
}

void cache_text(Text& t, const CacheMetrics& c) {
  t.family("sfn_cache_bytes", "gauge", "Estimated memory of the instances in the workers' caches.").sample(c.bytes);
  t.family("sfn_cache_limit_bytes", "gauge", "The bound of the workers' instance caches (--cache-size; 0: none).")
      .sample(c.limit_bytes);
  t.family("sfn_cache_instances", "gauge", "Instances in the workers' caches.").sample(c.instances);
  t.family("sfn_cache_hits_total", "counter", "Lookups of a message's instance found in the cache.").sample(c.hits);
  t.family("sfn_cache_misses_total", "counter", "Lookups of a message's instance read from the database (or new).")
      .sample(c.misses);
  t.family("sfn_cache_evictions_total", "counter", "Instances evicted from the cache.").sample(c.evictions);
}

void snapshots_text(Text& t, const RunMetrics& m) {
  t.family("sfn_epoch_current", "gauge", "The epoch whose snapshot is being taken (0: none).").sample(m.current_epoch);
  t.family("sfn_epoch_last_committed", "gauge", "The epoch of the last committed snapshot (0: none).")
      .sample(m.committed_epoch);
  t.family("sfn_snapshot_last_duration_seconds", "gauge", "The last committed snapshot: barrier start to commit.")
      .sample(m.last_snapshot_duration_seconds);
  t.family("sfn_snapshot_last_bytes", "gauge", "Size of the last committed snapshot's files.")
      .sample(m.last_snapshot_bytes);
  t.family("sfn_snapshot_last_new_bytes", "gauge",
           "Bytes the last committed snapshot copied into the store (files no earlier snapshot holds).")
      .sample(m.last_snapshot_new_bytes);
  t.family("sfn_snapshots_committed_total", "counter", "Snapshots committed since the process started.")
      .sample(m.snapshots_committed);
  t.family("sfn_snapshots_failed_total", "counter", "Snapshots failed since the process started.")
      .sample(m.snapshots_failed);
  t.family("sfn_seconds_since_last_snapshot", "gauge",
           "Seconds since this process last committed a snapshot (no sample before its first).");
  if (m.seconds_since_last_snapshot) t.sample(*m.seconds_since_last_snapshot);
}

void logs_family(Text& t, std::string_view name, std::string_view help, std::string_view label,
                 const std::vector<LogMetrics>& logs) {
  t.family(name, "counter", help);
  for (const auto& l : logs) t.sample(l.records, label, l.name);
}

void logs_text(Text& t, const RunMetrics& m) {
  logs_family(t, "sfn_ingress_records_appended_total",
              "Records appended to each ingress log (its end offset, over the state directory's life).", "ingress",
              m.ingresses);
  logs_family(t, "sfn_egress_records_committed_total",
              "Committed records in each egress log (its end offset, over the state directory's life).", "egress",
              m.egresses);
  t.family("sfn_dead_letters_total", "counter", "Dead letters since the process started.").sample(m.dead_letters);
}

}  // namespace

std::string prometheus_text(const RunMetrics& m) {
  Text t;
  workers_text(t, m.workers);
  cache_text(t, m.cache);
  logs_text(t, m);
  snapshots_text(t, m);
  t.family("sfn_reloads_total", "counter", "Hot reloads since the process started.").sample(m.reloads);
  t.family("sfn_last_reload_pause_seconds", "gauge",
           "The last hot reload: from the offer of the new version to its workers running (0: none).")
      .sample(m.last_reload_pause_seconds);
  t.family("sfn_process_resident_memory_bytes", "gauge", "Resident memory of the process.")
      .sample(m.resident_memory_bytes);
  return t.take();
}

std::uint64_t resident_memory_bytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

}  // namespace sfn::runtime::metrics
