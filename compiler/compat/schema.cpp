// A program's schema: extraction from a CheckedProgram and the one JSON form (compat.h).
#include <nlohmann/json.hpp>

#include "compiler/compat/compat.h"

namespace sfn::compat {
namespace {

using nlohmann::json;

// Bumped when the JSON form changes; a text with another format is refused by parse_schema.
constexpr int kFormat = 1;

const char* default_name(DefaultKind k) {
  switch (k) {
    case DefaultKind::Required:
      return "required";
    case DefaultKind::Natural:
      return "natural";
    case DefaultKind::Explicit:
      return "explicit";
  }
  return "required";
}

std::optional<DefaultKind> default_from_name(const std::string& s) {
  for (DefaultKind k : {DefaultKind::Required, DefaultKind::Natural, DefaultKind::Explicit})
    if (s == default_name(k)) return k;
  return std::nullopt;
}

DefaultKind default_kind(const check::CheckedProgram& p, const check::FieldInfo& f) {
  if (!f.default_value) return DefaultKind::Required;
  return p.has_explicit_presence(f) ? DefaultKind::Explicit : DefaultKind::Natural;
}

FunctionSchema function_schema(const check::CheckedProgram& p, const check::FunctionInfo& f) {
  FunctionSchema out;
  out.key = p.type_name(f.key_type);
  for (const auto& s : f.states) out.states[s.name] = p.type_name(s.type);
  for (const auto& h : f.handlers)
    if (h.message != check::kNone) out.handlers.insert(p.messages[h.message].name);
  return out;
}

json fields_json(const std::vector<FieldSchema>& fields) {
  json out = json::array();
  for (const auto& f : fields)
    out.push_back({{"name", f.name}, {"type", f.type}, {"default", default_name(f.default_kind)}});
  return out;
}

std::vector<FieldSchema> fields_from(const json& j) {
  std::vector<FieldSchema> out;
  for (const auto& f : j) {
    auto kind = default_from_name(f.at("default").get<std::string>());
    if (!kind) throw std::runtime_error("unknown default kind " + f.at("default").dump());
    out.push_back({f.at("name").get<std::string>(), f.at("type").get<std::string>(), *kind});
  }
  return out;
}

FunctionSchema function_from(const json& j) {
  FunctionSchema out;
  out.key = j.at("key").get<std::string>();
  out.states = j.at("states").get<std::map<std::string, std::string>>();
  out.handlers = j.at("handlers").get<std::set<std::string>>();
  return out;
}

}  // namespace

Schema extract_schema(const check::CheckedProgram& p) {
  Schema s;
  s.package = p.package;
  for (const auto& m : p.messages) {
    auto& fields = s.messages[m.name];
    for (const auto& f : m.fields) fields.push_back({f.name, p.type_name(f.type), default_kind(p, f)});
  }
  for (const auto& e : p.enums) {
    auto& values = s.enums[e.name];
    for (const auto& v : e.values) values.push_back(v.name);
  }
  for (const auto& f : p.functions) s.functions[f.name] = function_schema(p, f);
  for (const auto& i : p.ingresses)
    if (i.message != check::kNone) s.ingresses[i.name] = p.messages[i.message].name;
  for (const auto& e : p.egresses)
    if (!e.builtin && e.message != check::kNone) s.egresses[e.name] = p.messages[e.message].name;
  return s;
}

std::string to_json(const Schema& s) {
  json messages = json::object(), functions = json::object();
  for (const auto& [name, fields] : s.messages) messages[name] = fields_json(fields);
  for (const auto& [name, f] : s.functions)
    functions[name] = {{"key", f.key}, {"states", f.states}, {"handlers", f.handlers}};
  json j = {{"format", kFormat},      {"package", s.package},     {"messages", messages},  {"enums", s.enums},
            {"functions", functions}, {"ingresses", s.ingresses}, {"egresses", s.egresses}};
  return j.dump();  // nlohmann::json keeps object keys sorted: one text per schema
}

std::string schema_text(const check::CheckedProgram& program) { return to_json(extract_schema(program)); }

Result<Schema> parse_schema(std::string_view text) {
  try {
    json j = json::parse(text);
    if (j.at("format").get<int>() != kFormat) {
      return Error(ErrorCode::incompatible, "not a program schema this sfn reads: format " + j.at("format").dump() +
                                                ", expected " + std::to_string(kFormat));
    }
    Schema s;
    s.package = j.at("package").get<std::string>();
    for (const auto& [name, fields] : j.at("messages").items()) s.messages[name] = fields_from(fields);
    s.enums = j.at("enums").get<std::map<std::string, std::vector<std::string>>>();
    for (const auto& [name, f] : j.at("functions").items()) s.functions[name] = function_from(f);
    s.ingresses = j.at("ingresses").get<std::map<std::string, std::string>>();
    s.egresses = j.at("egresses").get<std::map<std::string, std::string>>();
    return s;
  } catch (const std::exception& e) {  // nlohmann's parse/type errors and unknown default kinds
    return Error(ErrorCode::incompatible, std::string("not a program schema: ") + e.what());
  }
}

}  // namespace sfn::compat
