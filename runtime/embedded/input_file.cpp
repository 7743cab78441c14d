// Reading `--input` files and appending their lines to the ingress logs (see input_file.h).
#include "runtime/embedded/input_file.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/bits.h"
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

// Parses one non-blank line into `out` (its value's text only when `value`); an `invalid_argument`
// error naming the problem otherwise. `at_ns` holds the previous line's time and is updated by a
// line with `at`.
Status parse_line(const core::Module& m, const std::string& text, int64_t* at_ns, InputLine* out, bool value) {
  auto bad = [](std::string why) { return Error(ErrorCode::invalid_argument, std::move(why)); };
  if (!core::json_nesting_within(text, core::kMaxJsonDepth + 1))  // + the line's own object
    return bad("nested deeper than " + std::to_string(common::kMaxValueDepth) + " levels");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    size_t p = what.find("] ");
    return bad("invalid JSON: " + (p == std::string::npos ? what : what.substr(p + 2)));
  }
  if (!j.is_object() || !j.contains("ingress") || !j["ingress"].is_string() || !j.contains("value"))
    return bad("expected {\"ingress\": NAME, \"value\": {...}, \"at\": DURATION?}");
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "ingress" && it.key() != "value" && it.key() != "at") return bad("unknown key `" + it.key() + "`");
  const std::string name = j["ingress"].get<std::string>();
  const int ingress = m.ingress_index(name);
  if (ingress < 0) return bad(unknown_ingress(m, name));
  if (j.contains("at")) {
    int64_t at = 0;
    if (!j["at"].is_string() || !core::parse_duration(j["at"].get<std::string>(), &at) || at < 0)
      return bad("`at` must be a duration like \"5m\" or \"1.5s\"");
    *at_ns = at;
  }
  out->ingress = static_cast<uint32_t>(ingress);
  out->at_ns = *at_ns;
  if (value) out->value = j["value"].dump();
  return ok_status();
}

}  // namespace

namespace {

// One reading of the input: each good line (in file order, with its value's text when `values`)
// goes to `take`; bad lines are reported and counted when `report`; the text's hash goes to `*hash`.
template <typename Take>
void read_lines(const core::Module& m, const std::string& path, std::istream& in, bool report, bool values,
                uint64_t* hash, uint64_t* bad, Take take) {
  std::string text;
  bool too_long = false, endless = false;
  int64_t at_ns = 0;
  for (size_t number = 1; next_line(in, text, &too_long, &endless); ++number) {
    *hash = bits::fnv_fold(*hash, core::address_hash(text));
    auto skip = [&](const std::string& why) {
      if (report) std::cerr << path << ":" << number << ": " << why << " (line skipped)\n";
      ++*bad;
    };
    if (endless) {
      skip("longer than " + std::to_string((kMaxInputLineBytes + kMaxSkippedBytes) >> 20) +
           " MiB without an end; the rest of the file is not read");
      break;
    }
    if (too_long) {
      skip("longer than " + std::to_string(kMaxInputLineBytes >> 20) + " MiB");
      continue;
    }
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    InputLine line;
    line.number = number;
    if (Status parsed = parse_line(m, text, &at_ns, &line, values); !parsed) {
      skip(parsed.error().message);
      continue;
    }
    take(std::move(line));
  }
}

void sort_held(InputFile& input) {
  std::stable_sort(input.lines.begin(), input.lines.end(),
                   [](const InputLine& a, const InputLine& b) { return a.at_ns < b.at_ns; });
}

}  // namespace

InputFile read_input(const core::Module& m, const std::string& path, std::istream& in, bool keep, int64_t until_ns) {
  InputFile input;
  input.path = path;
  input.held = keep;
  int64_t latest = 0;
  read_lines(m, path, in, true, keep, &input.hash, &input.bad, [&](InputLine&& line) {
    if (line.at_ns < latest) {
      std::cerr << path << ":" << line.number << ": warning: `at` is earlier than a line before it; lines run in `at` "
                << "order\n";
      input.in_order = false;
    }
    latest = std::max(latest, line.at_ns);
    ++input.good;
    if (until_ns >= 0 && line.at_ns >= until_ns) ++input.late;
    if (keep) input.lines.push_back(std::move(line));
  });
  if (!input.in_order && !input.held && !in.bad()) {  // sorting needs every line: read them again
    std::ifstream again(path, std::ios::binary);
    uint64_t hash = 0, bad = 0;
    read_lines(m, path, again, false, true, &hash, &bad,
               [&](InputLine&& line) { input.lines.push_back(std::move(line)); });
    input.held = true;
    input.changed = hash != input.hash;
  }
  if (input.held) sort_held(input);
  return input;
}

void report_late_lines(const InputFile& input) {
  if (input.late == 0) return;
  std::cerr << input.path << ": " << input.late << " input line" << (input.late == 1 ? " is" : "s are")
            << " due at or after --until: they run in a later run of this file\n";
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
    return transport::Error{io::ErrorCode::corrupt,
                            runs_file(state_dir).string() + " is not a list of \"HASH RUNS\" lines"};
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

InputFeeder::InputFeeder(io::IoServer& server, const core::Module& m, InputFile& input, IngressSource& source)
    : server_(server), m_(m), input_(input), source_(source) {}

transport::Status InputFeeder::open(const std::filesystem::path& state_dir) {
  auto runs = read_runs(state_dir);
  if (!runs.ok()) return runs.error();
  run_ = runs.value()[hash_text(input_.hash)];
  if (input_.held) return transport::ok_status();
  file_.open(input_.path, std::ios::binary);
  if (!file_) return transport::Error{io::ErrorCode::io_error, "cannot read input file " + input_.path + " again"};
  return transport::ok_status();
}

void InputFeeder::fail(const std::string& why) {
  if (error_.empty()) error_ = why;
  done_ = true;
}

bool InputFeeder::next(InputLine& line) {
  if (input_.held) {
    if (next_held_ >= input_.lines.size()) return false;
    line = std::move(input_.lines[next_held_++]);
    return true;
  }
  std::string text;
  bool too_long = false, endless = false;
  for (;;) {
    if (!next_line(file_, text, &too_long, &endless)) return false;
    line.number = ++number_;
    hash_ = bits::fnv_fold(hash_, core::address_hash(text));
    if (endless) return false;
    if (too_long || text.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (parse_line(m_, text, &at_ns_, &line, true)) return true;  // bad lines: reported by read_input
  }
}

bool InputFeeder::feed() {
  if (done_) return false;
  std::vector<InputLine> lines;
  std::vector<std::string> keys;
  std::vector<io::IoServer::IngestRequest> requests;
  for (InputLine line; lines.size() < kInputBatchLines && next(line);) lines.push_back(std::move(line));
  keys.reserve(lines.size());
  requests.reserve(lines.size());
  for (const InputLine& l : lines) {
    keys.push_back(line_key(input_, run_, l));
    requests.push_back({m_.desc().ingresses[l.ingress].name, io::PayloadFormat::json, l.value, keys.back()});
  }
  auto results = server_.ingest_batch(requests);
  for (size_t i = 0; i < results.size(); ++i, ++seq_) {
    const InputLine& l = lines[i];
    if (!results[i].ok()) {
      if (results[i].error().code == io::ErrorCode::io_error) {
        fail("cannot append " + input_.path + " to the ingress log: " + results[i].error().message);
        return false;
      }
      std::cerr << input_.path << ":" << l.number << ": ingress `" << m_.desc().ingresses[l.ingress].name
                << "`: " << results[i].error().message << " (line skipped)\n";
      ++input_.bad;
      ++counts_.refused;
      continue;
    }
    const io::AppendResult& a = results[i].value();
    if (!a.duplicate)
      ++counts_.appended;
    else if (a.offset < source_.fed(l.ingress))
      ++counts_.done;
    source_.annotate(l.ingress, a.offset, l.at_ns, seq_);
  }
  if (lines.size() < kInputBatchLines) {
    done_ = true;
    if (input_.held)
      std::vector<InputLine>().swap(input_.lines);
    else if (file_.bad())
      fail("cannot read input file " + input_.path + ": " + std::strerror(errno));
    else if (hash_ != input_.hash)
      fail("input file " + input_.path + " changed while the run read it");
  }
  return !done_;
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
