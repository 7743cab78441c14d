// Reading `--input` files and appending their lines to the ingress logs (see input_file.h).
#include "runtime/embedded/input_file.h"

#include <algorithm>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/edit_distance.h"
#include "common/limits.h"
#include "runtime/core/codec.h"
#include "runtime/core/text.h"
#include "runtime/io/durable_file.h"

namespace sfn::runtime {
namespace {

// How much of a too-long line is skipped looking for its end before the rest of the input is
// given up (`/dev/zero` has no end).
constexpr std::size_t kMaxSkippedBytes = 256u << 20;

// Reads one line of at most kMaxInputLineBytes into `line` (without the newline). Returns false
// at the end of the input; sets `too_long` (and skips the rest of the line) when it is longer,
// and `endless` when no end was found within kMaxSkippedBytes more.
bool next_line(std::istream& in, std::string& line, bool* too_long, bool* endless) {
  line.clear();
  *too_long = *endless = false;
  std::streambuf* buf = in.rdbuf();
  bool any = false;
  std::size_t skipped = 0;
  for (int c = buf->sbumpc(); c != std::char_traits<char>::eof(); c = buf->sbumpc()) {
    any = true;
    if (c == '\n') return true;
    if (line.size() < kMaxInputLineBytes) {
      line.push_back(static_cast<char>(c));
    } else {
      *too_long = true;
      if (++skipped > kMaxSkippedBytes) return *endless = true;
    }
  }
  return any;
}

// "unknown ingress `x`" with the program's ingresses, or the nearest few when there are many.
std::string unknown_ingress(const core::Module& m, const std::string& name) {
  std::vector<std::string> names;
  for (uint32_t i = 0; i < m.desc().ingress_count; ++i) names.emplace_back(m.desc().ingresses[i].name);
  std::string out = "unknown ingress `" + name + "`";
  if (names.empty()) return out + " (the program has none)";
  const bool all = names.size() <= 8;
  if (!all) names = common::nearest_names(name, names, 3);
  out += all ? " (the program has: " : " (nearest: ";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + names[i];
  return out + (all ? ")" : ", of " + std::to_string(m.desc().ingress_count) + ")");
}

// Parses one non-blank line into `out`; returns the problem ("" when none). `at_ns` holds the
// previous line's time and is updated by a line with `at`.
std::string parse_line(const core::Module& m, const std::string& text, int64_t* at_ns, InputLine* out) {
  if (!core::json_nesting_within(text, core::kMaxJsonDepth + 1))  // + the line's own object
    return "nested deeper than " + std::to_string(common::kMaxValueDepth) + " levels";
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    size_t p = what.find("] ");
    return "invalid JSON: " + (p == std::string::npos ? what : what.substr(p + 2));
  }
  if (!j.is_object() || !j.contains("ingress") || !j["ingress"].is_string() || !j.contains("value"))
    return "expected {\"ingress\": NAME, \"value\": {...}, \"at\": DURATION?}";
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "ingress" && it.key() != "value" && it.key() != "at") return "unknown key `" + it.key() + "`";
  const std::string name = j["ingress"].get<std::string>();
  const int ingress = m.ingress_index(name);
  if (ingress < 0) return unknown_ingress(m, name);
  if (j.contains("at")) {
    int64_t at = 0;
    if (!j["at"].is_string() || !core::parse_duration(j["at"].get<std::string>(), &at) || at < 0)
      return "`at` must be a duration like \"5m\" or \"1.5s\"";
    *at_ns = at;
  }
  out->ingress = static_cast<uint32_t>(ingress);
  out->at_ns = *at_ns;
  out->value = j["value"].dump();
  return "";
}

}  // namespace

InputFile read_input(const core::Module& m, const std::string& path, std::istream& in) {
  InputFile input;
  input.path = path;
  std::string text;
  bool too_long = false, endless = false;
  int64_t at_ns = 0, latest = 0;
  for (size_t number = 1; next_line(in, text, &too_long, &endless); ++number) {
    input.hash = input.hash * 0x100000001b3ull ^ core::address_hash(text);
    auto report = [&](const std::string& why) {
      std::cerr << path << ":" << number << ": " << why << " (line skipped)\n";
      ++input.bad;
    };
    if (endless) {
      report("longer than " + std::to_string((kMaxInputLineBytes + kMaxSkippedBytes) >> 20) +
             " MiB without an end; the rest of the file is not read");
      break;
    }
    if (too_long) {
      report("longer than " + std::to_string(kMaxInputLineBytes >> 20) + " MiB");
      continue;
    }
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    InputLine line;
    line.number = number;
    if (std::string why = parse_line(m, text, &at_ns, &line); !why.empty()) {
      report(why);
      continue;
    }
    if (line.at_ns < latest)
      std::cerr << path << ":" << number << ": warning: `at` is earlier than a line before it; lines run in `at` "
                << "order\n";
    latest = std::max(latest, line.at_ns);
    input.lines.push_back(std::move(line));
  }
  std::stable_sort(input.lines.begin(), input.lines.end(),
                   [](const InputLine& a, const InputLine& b) { return a.at_ns < b.at_ns; });
  return input;
}

void report_late_lines(const InputFile& input, int64_t until_ns) {
  const auto late = std::count_if(input.lines.begin(), input.lines.end(),
                                  [&](const InputLine& l) { return l.at_ns >= until_ns; });
  if (late == 0) return;
  std::cerr << input.path << ": " << late << " input line" << (late == 1 ? " is" : "s are")
            << " due at or after --until: logged, to run in a later run of this file\n";
}

namespace {


// The file recording, per input file hash, how many runs of it completed:
// `<state-dir>/io/inputs`, lines "<hash hex> <runs>".
std::filesystem::path runs_file(const std::filesystem::path& state_dir) { return state_dir / "io" / "inputs"; }

transport::Result<std::map<std::string, uint64_t>> read_runs(const std::filesystem::path& state_dir) {
  std::map<std::string, uint64_t> runs;
  auto text = io::read_small_file(runs_file(state_dir), 64u << 20);
  if (!text.ok()) {
    if (text.error().code == io::ErrorCode::not_found) return runs;
    return text.error();
  }
  std::istringstream in(text.value());
  std::string hash;
  uint64_t n = 0;
  while (in >> hash >> n) runs[hash] = n;
  if (!in.eof())
    return transport::Error{io::ErrorCode::corrupt, runs_file(state_dir).string() + " is not a list of \"HASH RUNS\" lines"};
  return runs;
}

std::string hash_text(uint64_t hash) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

std::string line_key(const InputFile& input, uint64_t run, const InputLine& line) {
  return "input:" + hash_text(input.hash) + ":" + std::to_string(run) + ":" + std::to_string(line.number);
}

}  // namespace

transport::Result<IngestCounts> ingest_input(io::IoServer& server, const core::Module& m, InputFile& input,
                                             IngressSource& source, const std::filesystem::path& state_dir) {
  auto runs = read_runs(state_dir);
  if (!runs.ok()) return runs.error();
  const uint64_t run = runs.value()[hash_text(input.hash)];
  std::vector<std::string> keys;
  keys.reserve(input.lines.size());
  std::vector<io::IoServer::IngestRequest> requests;
  requests.reserve(input.lines.size());
  for (const InputLine& l : input.lines) {
    keys.push_back(line_key(input, run, l));
    requests.push_back({m.desc().ingresses[l.ingress].name, io::PayloadFormat::json, l.value, keys.back()});
  }
  auto results = server.ingest_batch(requests);
  IngestCounts counts;
  for (size_t i = 0; i < results.size(); ++i) {
    const InputLine& l = input.lines[i];
    if (!results[i].ok()) {
      if (results[i].error().code == io::ErrorCode::io_error) return results[i].error();
      std::cerr << input.path << ":" << l.number << ": ingress `" << m.desc().ingresses[l.ingress].name
                << "`: " << results[i].error().message << " (line skipped)\n";
      ++input.bad;
      ++counts.refused;
      continue;
    }
    const io::AppendResult& a = results[i].value();
    if (!a.duplicate) ++counts.appended;
    else if (a.offset < source.fed(l.ingress)) ++counts.done;
    source.annotate(l.ingress, a.offset, l.at_ns, i);
  }
  return counts;
}

transport::Status record_completed_run(const std::filesystem::path& state_dir, const InputFile& input) {
  auto runs = read_runs(state_dir);
  if (!runs.ok()) return runs.error();
  ++runs.value()[hash_text(input.hash)];
  std::string text;
  for (const auto& [hash, n] : runs.value()) text += hash + " " + std::to_string(n) + "\n";
  return io::write_file_durably(runs_file(state_dir), text);
}

}  // namespace sfn::runtime
