// Test values as JSON, record matching and diffs for `sfn test` (see test_values.h).
#include "compiler/driver/test_values.h"

#include <algorithm>
#include <functional>

#include "sfn/runtime.h"

namespace sfn::driver {
namespace {

using check::ConstValue;
using Json = nlohmann::json;

std::string map_key(const check::CheckedProgram& p, const ConstValue& k) {
  Json j = value_json(p, k);
  return j.is_string() ? j.get<std::string>() : j.dump();
}

Json message_json(const check::CheckedProgram& p, const ConstValue& v) {
  Json out = Json::object();
  const check::MessageInfo& m = p.messages[v.decl];
  for (std::size_t i = 0; i < v.items.size() && i < m.fields.size(); ++i)
    if (v.items[i].kind != ConstValue::Kind::None) out[m.fields[i].name] = value_json(p, v.items[i]);
  return out;
}

Json container_json(const check::CheckedProgram& p, const ConstValue& v) {
  if (v.kind == ConstValue::Kind::List) {
    Json out = Json::array();
    for (const ConstValue& e : v.items) out.push_back(value_json(p, e));
    return out;
  }
  Json out = Json::object();
  for (std::size_t i = 0; i + 1 < v.items.size(); i += 2) out[map_key(p, v.items[i])] = value_json(p, v.items[i + 1]);
  return out;
}

}  // namespace

Json value_json(const check::CheckedProgram& p, const ConstValue& v) {
  switch (v.kind) {
    case ConstValue::Kind::None:
      return nullptr;
    case ConstValue::Kind::Int:
      return v.i;
    case ConstValue::Kind::Float:
      return v.f;
    case ConstValue::Kind::Bool:
      return v.b;
    case ConstValue::Kind::String:
      return v.s;
    case ConstValue::Kind::Bytes:
      return runtime::base64_text(v.s);
    case ConstValue::Kind::Duration:
      return runtime::duration_text(v.i);
    case ConstValue::Kind::Time:
      return runtime::time_text(v.i);
    case ConstValue::Kind::Enum:
      return p.enums[v.decl].values[static_cast<std::size_t>(v.i)].name;
    case ConstValue::Kind::List:
    case ConstValue::Kind::Map:
      return container_json(p, v);
    case ConstValue::Kind::Message:
      return message_json(p, v);
  }
  return nullptr;
}

bool same_records(const std::vector<Json>& expected, const std::vector<EmittedRecord>& actual) {
  if (expected.size() != actual.size()) return false;
  // Takes the expected records in order, each from the front of some instance's remaining
  // records; identical records of two instances make it a search (tests are small).
  std::vector<bool> used(actual.size(), false);
  std::function<bool(std::size_t)> take = [&](std::size_t next) {
    if (next == expected.size()) return true;
    std::vector<std::string> seen;  // instances whose first unused record was passed
    for (std::size_t i = 0; i < actual.size(); ++i) {
      if (used[i] || std::find(seen.begin(), seen.end(), actual[i].source) != seen.end()) continue;
      seen.push_back(actual[i].source);
      if (actual[i].value != expected[next]) continue;
      used[i] = true;
      if (take(next + 1)) return true;
      used[i] = false;
    }
    return false;
  };
  return take(0);
}

std::vector<Json> missing_records(const std::vector<Json>& expected, const std::vector<EmittedRecord>& actual) {
  std::vector<bool> used(actual.size(), false);
  std::vector<Json> missing;
  for (const Json& e : expected) {
    bool found = false;
    for (std::size_t i = 0; i < actual.size() && !found; ++i)
      if (!used[i] && actual[i].value == e) used[i] = found = true;
    if (!found) missing.push_back(e);
  }
  return missing;
}

std::string diff_lines(const std::vector<std::string>& a, const std::vector<std::string>& b,
                       const std::string& indent) {
  // Longest common subsequence, then a walk that prints it with the lines only one side has.
  std::vector<std::vector<std::size_t>> lcs(a.size() + 1, std::vector<std::size_t>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;)
    for (std::size_t j = b.size(); j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  std::string out;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += indent + "  " + a[i++] + "\n";
      ++j;
    } else if (j == b.size() || (i < a.size() && lcs[i + 1][j] >= lcs[i][j + 1])) {
      out += indent + "- " + a[i++] + "\n";
    } else {
      out += indent + "+ " + b[j++] + "\n";
    }
  }
  return out;
}

}  // namespace sfn::driver
