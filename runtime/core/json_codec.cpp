// JSON encoding and decoding of ABI values per LANGUAGE.md §10 (see codec.h). Encoding writes
// text directly (exact float and time forms); decoding parses with nlohmann::json and then walks
// the schema, building error messages that name the path of the offending field.
#include <charconv>
#include <cmath>
#include <cstring>

#include <nlohmann/json.hpp>

#include "runtime/core/codec.h"
#include "runtime/core/text.h"
#include "runtime/core/value.h"

namespace sfn::runtime::core {
namespace {

using nlohmann::json;

using common::kMaxValueDepth;

void append_map_key(std::string& out, const sfn_type* key, const void* v) {
  if (key->kind == SFN_STRING) {
    append_json_string(out, str_view(*static_cast<const sfn_str*>(v)));
    return;
  }
  std::string text;
  append_formatted(text, key, v, false);
  append_json_string(out, text);
}

std::string where(const std::string& path) { return path.empty() ? std::string("value") : "field `" + path + "`"; }

Status type_error(const std::string& path, const char* expected, const json& j) {
  return Error(ErrorCode::invalid_argument, where(path) + ": expected " + expected + ", found " + j.type_name());
}

bool parse_int_text(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), *out);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

Status decode_value(const sfn_type* t, const json& j, void* slot, const std::string& path, int depth);

// An optional field whose default is not none: none is written as `null` and `null` reads as
// none, since a missing field means the default (decision 014).
bool is_explicit_optional(const sfn_field_desc& f) {
  return f.type->kind == SFN_OPTIONAL && (f.flags & SFN_FIELD_EXPLICIT);
}

// Decodes the fields of a message at level `depth`.
Status decode_fields(const sfn_message_desc* d, const json& j, void* msg, const std::string& path, int depth) {
  if (depth > kMaxValueDepth) return Error(ErrorCode::invalid_argument, where(path) + ": " + nesting_too_deep());
  if (!j.is_object()) return type_error(path, (std::string("an object (message ") + d->name + ")").c_str(), j);
  for (auto it = j.begin(); it != j.end(); ++it) {
    const sfn_field_desc* f = nullptr;
    for (uint32_t i = 0; i < d->field_count; ++i)
      if (it.key() == d->fields[i].name) f = &d->fields[i];
    std::string sub = path.empty() ? it.key() : path + "." + it.key();
    if (!f) return Error(ErrorCode::invalid_argument, "unknown field `" + sub + "` in message " + d->name);
    void* slot = static_cast<char*>(msg) + f->offset;
    if (it.value().is_null()) {
      if (f->flags & SFN_FIELD_REQUIRED) return Error(ErrorCode::invalid_argument, "missing field `" + sub + "`");
      if (!is_explicit_optional(*f)) continue;  // null: the default (decision 24)
    }
    value_destroy(f->type, slot);  // the given value replaces the default, never merges into it
    value_init(f->type, slot);
    Status s = decode_value(f->type, it.value(), slot, sub, depth);
    if (!s) return s;
  }
  for (uint32_t i = 0; i < d->field_count; ++i) {
    const sfn_field_desc& f = d->fields[i];
    if ((f.flags & SFN_FIELD_REQUIRED) && !j.contains(f.name)) {
      return Error(ErrorCode::invalid_argument,
                   "missing field `" + (path.empty() ? std::string(f.name) : path + "." + f.name) + "`");
    }
  }
  return ok_status();
}

Status decode_map_key(const sfn_type* kt, const std::string& key, void* slot, const std::string& path) {
  switch (kt->kind) {
    case SFN_STRING:
      str_set(static_cast<sfn_str*>(slot), key);
      return ok_status();
    case SFN_INT:
      if (!parse_int_text(key, static_cast<int64_t*>(slot)))
        return Error(ErrorCode::invalid_argument, where(path) + ": map key `" + key + "` is not an integer");
      return ok_status();
    case SFN_BOOL:
      if (key == "true")
        *static_cast<uint8_t*>(slot) = 1;
      else if (key == "false")
        *static_cast<uint8_t*>(slot) = 0;
      else
        return Error(ErrorCode::invalid_argument, where(path) + ": map key `" + key + "` is not true or false");
      return ok_status();
    default:
      return Error(ErrorCode::invalid_argument, where(path) + ": unsupported map key type");
  }
}

// One decoder per kind of value (decode_value dispatches): each reads `j` into `slot`.
Status decode_int(const json& j, void* slot, const std::string& path) {
  int64_t v;
  if (j.is_number_integer() && !j.is_number_unsigned())
    v = j.get<int64_t>();
  else if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX))
      return Error(ErrorCode::invalid_argument, where(path) + ": integer out of range");
    v = static_cast<int64_t>(u);
  } else if (j.is_string()) {
    if (!parse_int_text(j.get_ref<const std::string&>(), &v))
      return Error(ErrorCode::invalid_argument,
                   where(path) + ": expected an integer, found \"" + j.get<std::string>() + "\"");
  } else {
    return type_error(path, "an integer", j);
  }
  *static_cast<int64_t*>(slot) = v;
  return ok_status();
}

Status decode_float(const json& j, void* slot, const std::string& path) {
  double v;
  if (j.is_number())
    v = j.get<double>();
  else if (j.is_string() && j == "NaN")
    v = std::nan("");
  else if (j.is_string() && j == "Infinity")
    v = HUGE_VAL;
  else if (j.is_string() && j == "-Infinity")
    v = -HUGE_VAL;
  else
    return type_error(path, "a number", j);
  *static_cast<double*>(slot) = v;
  return ok_status();
}

// The kinds written as a JSON string: string, timer, ref, bytes (base64), time and duration.
Status decode_text(const sfn_type* t, const json& j, void* slot, const std::string& path) {
  switch (t->kind) {
    case SFN_REF: {
      if (!j.is_string()) return type_error(path, "an address string \"pkg/Type/key\"", j);
      const std::string& s = j.get_ref<const std::string&>();
      if (!is_address_text(s))
        return Error(ErrorCode::invalid_argument, where(path) + ": \"" + s + "\" is not an address \"pkg/Type/key\"");
      str_set(static_cast<sfn_str*>(slot), s);
      return ok_status();
    }
    case SFN_BYTES: {
      std::string raw;
      if (!j.is_string() || !parse_base64(j.get_ref<const std::string&>(), &raw))
        return Error(ErrorCode::invalid_argument, where(path) + ": expected base64 text");
      str_set(static_cast<sfn_str*>(slot), raw);
      return ok_status();
    }
    case SFN_TIME:
      if (!j.is_string() || !parse_time(j.get_ref<const std::string&>(), static_cast<int64_t*>(slot)))
        return Error(ErrorCode::invalid_argument,
                     where(path) + ": expected an RFC 3339 time like \"2026-11-23T19:30:00Z\"");
      return ok_status();
    case SFN_DURATION:
      if (!j.is_string() || !parse_duration(j.get_ref<const std::string&>(), static_cast<int64_t*>(slot)))
        return Error(ErrorCode::invalid_argument,
                     where(path) + ": expected a duration like \"1h30m\", \"1.5s\" or \"250ms\"");
      return ok_status();
    default:  // string, timer
      if (!j.is_string()) return type_error(path, "a string", j);
      str_set(static_cast<sfn_str*>(slot), j.get_ref<const std::string&>());
      return ok_status();
  }
}

Status decode_enum(const sfn_enum_desc* e, const json& j, void* slot, const std::string& path) {
  if (!j.is_string()) return type_error(path, (std::string("a value name of enum ") + e->name).c_str(), j);
  const std::string& s = j.get_ref<const std::string&>();
  for (uint32_t i = 0; i < e->value_count; ++i) {
    if (s == e->values[i]) {
      *static_cast<int32_t*>(slot) = static_cast<int32_t>(i);
      return ok_status();
    }
  }
  return Error(ErrorCode::invalid_argument, where(path) + ": `" + s + "` is not a value of enum " + e->name);
}

Status decode_list(const sfn_type* t, const json& j, void* slot, const std::string& path, int depth) {
  if (!j.is_array()) return type_error(path, "an array", j);
  auto* l = static_cast<sfn_list*>(slot);
  size_t i = 0;
  for (const json& e : j) {
    void* p = list_emplace_back(t->elem, l);
    Status s = decode_value(t->elem, e, p, path + "[" + std::to_string(i++) + "]", depth + 1);
    if (!s) return s;
  }
  return ok_status();
}

Status decode_map(const sfn_type* t, const json& j, void* slot, const std::string& path, int depth) {
  if (!j.is_object()) return type_error(path, "an object", j);
  auto* m = static_cast<sfn_map*>(slot);
  alignas(16) unsigned char key[32];
  for (auto it = j.begin(); it != j.end(); ++it) {
    value_init(t->key, key);
    Status s = decode_map_key(t->key, it.key(), key, path);
    if (s) {
      void* v = map_slot(t, m, key);
      s = decode_value(t->elem, it.value(), v, path + "[" + it.key() + "]", depth + 1);
    }
    value_destroy(t->key, key);
    if (!s) return s;
  }
  return ok_status();
}

Status decode_optional(const sfn_type* t, const json& j, void* slot, const std::string& path, int depth) {
  value_destroy(t, slot);
  if (j.is_null()) return ok_status();
  if (t->elem->kind == SFN_MESSAGE) {
    void* m = message_new(t->elem->message);
    *static_cast<void**>(slot) = m;
    return decode_fields(t->elem->message, j, m, path, depth + 2);  // the optional and its message
  }
  *static_cast<uint8_t*>(slot) = 1;
  return decode_value(t->elem, j, static_cast<char*>(slot) + optional_value_offset(t->elem), path, depth + 1);
}

// Decodes a value of type `t` inside a value `depth` levels deep; a message, list, map or
// optional opens level depth + 1 (common/limits.h).
Status decode_value(const sfn_type* t, const json& j, void* slot, const std::string& path, int depth) {
  if (opens_level(t) && depth >= kMaxValueDepth)
    return Error(ErrorCode::invalid_argument, where(path) + ": " + nesting_too_deep());
  switch (t->kind) {
    case SFN_INT:
      return decode_int(j, slot, path);
    case SFN_FLOAT:
      return decode_float(j, slot, path);
    case SFN_BOOL:
      if (!j.is_boolean()) return type_error(path, "true or false", j);
      *static_cast<uint8_t*>(slot) = j.get<bool>() ? 1 : 0;
      return ok_status();
    case SFN_STRING:
    case SFN_TIMER:
    case SFN_REF:
    case SFN_BYTES:
    case SFN_TIME:
    case SFN_DURATION:
      return decode_text(t, j, slot, path);
    case SFN_ENUM:
      return decode_enum(t->enumeration, j, slot, path);
    case SFN_LIST:
      return decode_list(t, j, slot, path, depth);
    case SFN_MAP:
      return decode_map(t, j, slot, path, depth);
    case SFN_OPTIONAL:
      return decode_optional(t, j, slot, path, depth);
    case SFN_MESSAGE:
      return decode_fields(t->message, j, slot, path, depth + 1);
    default:
      return Error(ErrorCode::invalid_argument, where(path) + ": unsupported type");
  }
}

// One encoder per kind of value that is not a plain JSON scalar (append_json_value dispatches).
void append_json_float(std::string& out, double x) {
  if (std::isnan(x))
    out += "\"NaN\"";
  else if (std::isinf(x))
    out += x < 0 ? "\"-Infinity\"" : "\"Infinity\"";
  else
    append_float(out, x);
}

void append_json_enum(std::string& out, const sfn_enum_desc* e, int32_t i) {
  if (i >= 0 && static_cast<uint32_t>(i) < e->value_count)
    append_json_string(out, e->values[i]);
  else
    out += std::to_string(i);
}

void append_json_list(std::string& out, const sfn_type* t, const sfn_list* l) {
  uint32_t stride = list_stride(t->elem);
  out.push_back('[');
  for (uint64_t i = 0; i < l->len; ++i) {
    if (i) out.push_back(',');
    append_json_value(out, t->elem, static_cast<const char*>(l->data) + i * stride);
  }
  out.push_back(']');
}

void append_json_map(std::string& out, const sfn_type* t, const sfn_map* m) {
  MapEntryLayout el = map_entry_layout(t->key, t->elem);
  out.push_back('{');
  for (uint64_t i = 0; i < m->len; ++i) {
    if (i) out.push_back(',');
    const char* e = static_cast<const char*>(m->data) + i * el.size;
    append_map_key(out, t->key, e);
    out.push_back(':');
    append_json_value(out, t->elem, e + el.value_offset);
  }
  out.push_back('}');
}

void append_json_optional(std::string& out, const sfn_type* t, const void* v) {
  if (t->elem->kind == SFN_MESSAGE) {
    const void* p = *static_cast<void* const*>(v);
    if (p)
      encode_json(t->elem->message, p, out);
    else
      out += "null";
    return;
  }
  if (*static_cast<const uint8_t*>(v))
    append_json_value(out, t->elem, static_cast<const char*>(v) + optional_value_offset(t->elem));
  else
    out += "null";
}

}  // namespace

void append_json_value(std::string& out, const sfn_type* t, const void* v) {
  switch (t->kind) {
    case SFN_FLOAT:
      append_json_float(out, *static_cast<const double*>(v));
      return;
    case SFN_STRING:
    case SFN_REF:
    case SFN_TIMER:
      append_json_string(out, str_view(*static_cast<const sfn_str*>(v)));
      return;
    case SFN_BYTES: {
      std::string b;
      append_base64(b, str_view(*static_cast<const sfn_str*>(v)));
      append_json_string(out, b);
      return;
    }
    case SFN_TIME:
    case SFN_DURATION: {
      std::string s;
      append_formatted(s, t, v, false);
      append_json_string(out, s);
      return;
    }
    case SFN_ENUM:
      append_json_enum(out, t->enumeration, *static_cast<const int32_t*>(v));
      return;
    case SFN_LIST:
      append_json_list(out, t, static_cast<const sfn_list*>(v));
      return;
    case SFN_MAP:
      append_json_map(out, t, static_cast<const sfn_map*>(v));
      return;
    case SFN_OPTIONAL:
      append_json_optional(out, t, v);
      return;
    case SFN_MESSAGE:
      encode_json(t->message, v, out);
      return;
    default:
      append_formatted(out, t, v, false);
      return;  // int, bool
  }
}

void encode_json(const sfn_message_desc* d, const void* msg, std::string& out) {
  out.push_back('{');
  bool first = true;
  for (uint32_t i = 0; i < d->field_count; ++i) {
    const sfn_field_desc& f = d->fields[i];
    const char* slot = static_cast<const char*>(msg) + f.offset;
    if (f.type->kind == SFN_OPTIONAL && !is_explicit_optional(f)) {  // none is omitted (decision 23)
      bool present = f.type->elem->kind == SFN_MESSAGE ? *reinterpret_cast<void* const*>(slot) != nullptr
                                                       : *reinterpret_cast<const uint8_t*>(slot) != 0;
      if (!present) continue;
    }
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, f.name);
    out.push_back(':');
    append_json_value(out, f.type, slot);
  }
  out.push_back('}');
}

bool json_nesting_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

Status decode_json(const sfn_message_desc* d, std::string_view text, void* msg) {
  if (!json_nesting_within(text, kMaxJsonDepth))
    return Error(ErrorCode::invalid_argument,
                 "invalid JSON: nested deeper than " + std::to_string(kMaxValueDepth) + " levels");
  json j;
  try {
    j = json::parse(text.begin(), text.end());
  } catch (const json::exception& e) {
    std::string what = e.what();
    size_t p = what.find("] ");
    return Error(ErrorCode::invalid_argument,
                 "invalid JSON: " + valid_utf8(p == std::string::npos ? what : what.substr(p + 2)));
  }
  message_destroy(d, msg);
  message_init(d, msg);
  Status s = decode_fields(d, j, msg, "", 1);
  if (!s) {
    message_destroy(d, msg);
    message_init(d, msg);
  }
  return s;
}

}  // namespace sfn::runtime::core
