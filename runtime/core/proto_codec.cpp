// Protobuf wire encoding and decoding of ABI values, driven by the module's schema (see codec.h
// for the mapping). Uses CodedOutputStream/CodedInputStream; every read is checked, lengths are
// bounded by pushed limits, and nesting is capped, so hostile bytes produce an error value.
#include <cstring>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>

#include "common/bits.h"
#include "runtime/core/codec.h"
#include "runtime/core/text.h"
#include "runtime/core/value.h"

namespace sfn::runtime::core {
namespace {

using google::protobuf::internal::WireFormatLite;
using google::protobuf::io::CodedInputStream;
using google::protobuf::io::CodedOutputStream;
using google::protobuf::io::StringOutputStream;

using common::kMaxValueDepth;
enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

bool needs_wrapper(const sfn_type* t) { return t->kind == SFN_LIST || t->kind == SFN_MAP || t->kind == SFN_OPTIONAL; }

bool is_packable(const sfn_type* t) {
  switch (t->kind) {
    case SFN_INT:
    case SFN_TIME:
    case SFN_DURATION:
    case SFN_FLOAT:
    case SFN_BOOL:
    case SFN_ENUM:
      return true;
    default:
      return false;
  }
}

uint32_t tag(uint32_t number, Wire w) { return (number << 3) | w; }

void encode_field(CodedOutputStream& os, uint32_t num, const sfn_type* t, const void* v, bool presence);

void write_len(CodedOutputStream& os, uint32_t num, const std::string& body) {
  os.WriteTag(tag(num, kLen));
  os.WriteVarint32(static_cast<uint32_t>(body.size()));
  os.WriteRaw(body.data(), static_cast<int>(body.size()));
}

// Encodes `v` as field 1 of a wrapper message into a string.
std::string wrapped(const sfn_type* t, const void* v) {
  std::string body;
  {
    StringOutputStream sos(&body);
    CodedOutputStream inner(&sos);
    encode_field(inner, 1, t, v, true);
  }
  return body;
}

void write_scalar(CodedOutputStream& os, const sfn_type* t, const void* v) {
  switch (t->kind) {
    case SFN_INT:
    case SFN_TIME:
    case SFN_DURATION:
      os.WriteVarint64(static_cast<uint64_t>(*static_cast<const int64_t*>(v)));
      return;
    case SFN_ENUM:
      os.WriteVarint64(static_cast<uint64_t>(static_cast<int64_t>(*static_cast<const int32_t*>(v))));
      return;
    case SFN_BOOL:
      os.WriteVarint32(*static_cast<const uint8_t*>(v) ? 1 : 0);
      return;
    case SFN_FLOAT: {
      uint64_t bits;
      std::memcpy(&bits, v, 8);
      os.WriteLittleEndian64(bits);
      return;
    }
    default:
      return;
  }
}

bool scalar_is_zero(const sfn_type* t, const void* v) {
  switch (t->kind) {
    case SFN_BOOL:
      return *static_cast<const uint8_t*>(v) == 0;
    case SFN_ENUM:
      return *static_cast<const int32_t*>(v) == 0;
    default: {
      uint64_t bits;
      std::memcpy(&bits, v, 8);
      return bits == 0;
    }
  }
}

// One encoder per kind of composite field (encode_field dispatches).
void encode_list_field(CodedOutputStream& os, uint32_t num, const sfn_type* t, const sfn_list* l) {
  if (l->len == 0) return;
  uint32_t stride = list_stride(t->elem);
  const char* data = static_cast<const char*>(l->data);
  if (is_packable(t->elem)) {
    std::string body;
    {
      StringOutputStream sos(&body);
      CodedOutputStream inner(&sos);
      for (uint64_t i = 0; i < l->len; ++i) write_scalar(inner, t->elem, data + i * stride);
    }
    write_len(os, num, body);
    return;
  }
  for (uint64_t i = 0; i < l->len; ++i) {
    if (needs_wrapper(t->elem))
      write_len(os, num, wrapped(t->elem, data + i * stride));
    else
      encode_field(os, num, t->elem, data + i * stride, true);
  }
}

void encode_map_field(CodedOutputStream& os, uint32_t num, const sfn_type* t, const sfn_map* m) {
  MapEntryLayout el = map_entry_layout(t->key, t->elem);
  for (uint64_t i = 0; i < m->len; ++i) {
    const char* e = static_cast<const char*>(m->data) + i * el.size;
    std::string body;
    {
      StringOutputStream sos(&body);
      CodedOutputStream inner(&sos);
      encode_field(inner, 1, t->key, e, true);
      if (needs_wrapper(t->elem))
        write_len(inner, 2, wrapped(t->elem, e + el.value_offset));
      else
        encode_field(inner, 2, t->elem, e + el.value_offset, true);
    }
    write_len(os, num, body);
  }
}

void encode_optional_field(CodedOutputStream& os, uint32_t num, const sfn_type* t, const void* v) {
  if (t->elem->kind == SFN_MESSAGE) {
    const void* p = *static_cast<void* const*>(v);
    if (p) encode_field(os, num, t->elem, p, true);
    return;
  }
  if (!*static_cast<const uint8_t*>(v)) return;
  const void* inner = static_cast<const char*>(v) + optional_value_offset(t->elem);
  if (needs_wrapper(t->elem))
    write_len(os, num, wrapped(t->elem, inner));
  else
    encode_field(os, num, t->elem, inner, true);
}

void encode_field(CodedOutputStream& os, uint32_t num, const sfn_type* t, const void* v, bool presence) {
  switch (t->kind) {
    case SFN_INT:
    case SFN_TIME:
    case SFN_DURATION:
    case SFN_ENUM:
    case SFN_BOOL:
    case SFN_FLOAT:
      if (!presence && scalar_is_zero(t, v)) return;
      os.WriteTag(tag(num, t->kind == SFN_FLOAT ? kFixed64 : kVarint));
      write_scalar(os, t, v);
      return;
    case SFN_STRING:
    case SFN_BYTES:
    case SFN_REF:
    case SFN_TIMER: {
      std::string_view s = str_view(*static_cast<const sfn_str*>(v));
      if (!presence && s.empty()) return;
      os.WriteTag(tag(num, kLen));
      os.WriteVarint32(static_cast<uint32_t>(s.size()));
      os.WriteRaw(s.data(), static_cast<int>(s.size()));
      return;
    }
    case SFN_LIST:
      encode_list_field(os, num, t, static_cast<const sfn_list*>(v));
      return;
    case SFN_MAP:
      encode_map_field(os, num, t, static_cast<const sfn_map*>(v));
      return;
    case SFN_OPTIONAL:
      encode_optional_field(os, num, t, v);
      return;
    case SFN_MESSAGE: {
      std::string body;
      encode_proto(t->message, v, body);
      if (!presence && body.empty()) return;
      write_len(os, num, body);
      return;
    }
    default:
      return;
  }
}

// One field of a message. Fields with implicit presence are omitted when they hold the natural
// value (proto3); fields with SFN_FIELD_EXPLICIT are always written, lists, maps and optionals
// inside their wrapper message, so "absent" always means "the default" (decision 014).
void encode_message_field(CodedOutputStream& os, const sfn_field_desc& f, const void* msg) {
  const void* v = static_cast<const char*>(msg) + f.offset;
  if (!(f.flags & SFN_FIELD_EXPLICIT)) return encode_field(os, f.proto_number, f.type, v, false);
  if (needs_wrapper(f.type)) return write_len(os, f.proto_number, wrapped(f.type, v));
  encode_field(os, f.proto_number, f.type, v, true);
}

// Whether decoding field `f` must first replace its default: a wrapped or message-typed field
// with an explicit default is merged into, so its first occurrence starts from the natural value.
bool resets_default(const sfn_field_desc& f) {
  return (f.flags & SFN_FIELD_EXPLICIT) && (needs_wrapper(f.type) || f.type->kind == SFN_MESSAGE);
}

struct Decoder {
  CodedInputStream& is;
  BadUtf8 bad_utf8;
  std::string error;

  bool fail(std::string msg) {
    if (error.empty()) error = std::move(msg);
    return false;
  }

  bool read_scalar(const sfn_type* t, Wire w, void* slot, const char* name) {
    if (t->kind == SFN_FLOAT) {
      uint64_t bits;
      if (w != kFixed64) return fail(std::string("field `") + name + "`: wrong wire type for a float");
      if (!is.ReadLittleEndian64(&bits)) return fail(std::string("field `") + name + "`: truncated");
      std::memcpy(slot, &bits, 8);
      return true;
    }
    if (w != kVarint) return fail(std::string("field `") + name + "`: wrong wire type for an integer");
    uint64_t x;
    if (!is.ReadVarint64(&x)) return fail(std::string("field `") + name + "`: malformed varint");
    switch (t->kind) {
      case SFN_BOOL:
        *static_cast<uint8_t*>(slot) = x != 0;
        return true;
      case SFN_ENUM:
        if (x >= t->enumeration->value_count)
          return fail(std::string("field `") + name + "`: value " + std::to_string(static_cast<int64_t>(x)) +
                      " is not a value of enum " + t->enumeration->name);
        *static_cast<int32_t*>(slot) = static_cast<int32_t>(x);
        return true;
      default:
        *static_cast<int64_t*>(slot) = static_cast<int64_t>(x);
        return true;
    }
  }

  // Reads a length prefix and pushes it as a limit; false when it exceeds the input.
  bool push_len(CodedInputStream::Limit* limit, const char* name) {
    uint32_t len;
    if (!is.ReadVarint32(&len)) return fail(std::string("field `") + name + "`: malformed length");
    int left = is.BytesUntilLimit();
    if (left >= 0 && static_cast<int64_t>(len) > left)
      return fail(std::string("field `") + name + "`: length " + std::to_string(len) + " exceeds the input");
    *limit = is.PushLimit(static_cast<int>(len));
    return true;
  }

  bool skip_until_limit(const char* name) {
    if (is.BytesUntilLimit() != 0) return fail(std::string("field `") + name + "`: malformed contents");
    return true;
  }

  // Decodes one wrapper message {1: value} into `slot` (of type t). A wrapper is a wire artefact:
  // it adds no level of nesting.
  bool read_wrapped(const sfn_type* t, Wire w, void* slot, const char* name, int depth) {
    if (w != kLen) return fail(std::string("field `") + name + "`: wrong wire type");
    CodedInputStream::Limit limit;
    if (!push_len(&limit, name)) return false;
    while (is.BytesUntilLimit() > 0) {
      uint32_t tg = is.ReadTag();
      if (tg == 0) return fail(std::string("field `") + name + "`: invalid tag");
      if ((tg >> 3) == 1) {
        if (!read_field(t, static_cast<Wire>(tg & 7), slot, name, depth)) return false;
      } else if (!WireFormatLite::SkipField(&is, tg)) {
        return fail(std::string("field `") + name + "`: malformed unknown field");
      }
    }
    is.PopLimit(limit);
    return true;
  }

  // One reader per kind of field (read_field dispatches).
  bool read_string(const sfn_type* t, Wire w, void* slot, const char* name) {
    if (w != kLen) return fail(std::string("field `") + name + "`: wrong wire type for a string");
    uint32_t len;
    if (!is.ReadVarint32(&len)) return fail(std::string("field `") + name + "`: malformed length");
    int left = is.BytesUntilLimit();
    if (left >= 0 && static_cast<int64_t>(len) > left)
      return fail(std::string("field `") + name + "`: length exceeds the input");
    std::string s;
    if (!is.ReadString(&s, static_cast<int>(len))) return fail(std::string("field `") + name + "`: truncated");
    if (t->kind != SFN_BYTES && !is_valid_utf8(s)) {
      if (bad_utf8 == BadUtf8::refuse) return fail(std::string("field `") + name + "`: invalid UTF-8");
      s = valid_utf8(s);
    }
    if (t->kind == SFN_REF && !is_address_text(s))
      return fail(std::string("field `") + name + "`: \"" + s + "\" is not an address \"pkg/Type/key\"");
    str_set(static_cast<sfn_str*>(slot), s);
    return true;
  }

  // One element, or a packed run of scalar elements.
  bool read_list(const sfn_type* t, Wire w, sfn_list* l, const char* name, int depth) {
    if (is_packable(t->elem) && w == kLen) {
      CodedInputStream::Limit limit;
      if (!push_len(&limit, name)) return false;
      while (is.BytesUntilLimit() > 0) {
        void* p = list_emplace_back(t->elem, l);
        if (!read_scalar(t->elem, t->elem->kind == SFN_FLOAT ? kFixed64 : kVarint, p, name)) return false;
      }
      is.PopLimit(limit);
      return true;
    }
    return read_element(t->elem, w, list_emplace_back(t->elem, l), name, depth);
  }

  // An element of a list, map or optional at `depth`: wrapped when its type needs a wrapper.
  bool read_element(const sfn_type* t, Wire w, void* slot, const char* name, int depth) {
    if (needs_wrapper(t)) return read_wrapped(t, w, slot, name, depth + 1);
    return read_field(t, w, slot, name, depth + 1);
  }

  // One map entry {1: key, 2: value}: its value replaces the one under the same key.
  bool read_map_entry(const sfn_type* t, Wire w, sfn_map* m, const char* name, int depth) {
    if (w != kLen) return fail(std::string("field `") + name + "`: wrong wire type for a map entry");
    CodedInputStream::Limit limit;
    if (!push_len(&limit, name)) return false;
    alignas(16) unsigned char key[32];
    value_init(t->key, key);
    SlotLayout vl = slot_layout(t->elem);
    std::string vbuf(vl.size + 16, '\0');
    void* val = reinterpret_cast<void*>(bits::align_up(reinterpret_cast<uintptr_t>(vbuf.data()), 16));
    value_init(t->elem, val);
    bool ok = true;
    while (ok && is.BytesUntilLimit() > 0) {
      uint32_t tg = is.ReadTag();
      Wire ew = static_cast<Wire>(tg & 7);
      if (tg == 0)
        ok = fail(std::string("field `") + name + "`: invalid tag in map entry");
      else if ((tg >> 3) == 1)
        ok = read_field(t->key, ew, key, name, depth + 1);
      else if ((tg >> 3) == 2)
        ok = read_element(t->elem, ew, val, name, depth);
      else if (!WireFormatLite::SkipField(&is, tg))
        ok = fail(std::string("field `") + name + "`: malformed");
    }
    if (ok) {
      is.PopLimit(limit);
      void* dst = map_slot(t, m, key);
      value_destroy(t->elem, dst);
      std::memcpy(dst, val, vl.size);  // move
    } else {
      value_destroy(t->elem, val);
    }
    value_destroy(t->key, key);
    return ok;
  }

  bool read_optional(const sfn_type* t, Wire w, void* slot, const char* name, int depth) {
    if (t->elem->kind == SFN_MESSAGE) {
      void** p = static_cast<void**>(slot);
      if (!*p) *p = message_new(t->elem->message);
      return read_field(t->elem, w, *p, name, depth + 1);
    }
    *static_cast<uint8_t*>(slot) = 1;
    void* inner = static_cast<char*>(slot) + optional_value_offset(t->elem);
    return read_element(t->elem, w, inner, name, depth);
  }

  bool read_message_field(const sfn_message_desc* d, Wire w, void* slot, const char* name, int depth) {
    if (w != kLen) return fail(std::string("field `") + name + "`: wrong wire type for a message");
    CodedInputStream::Limit limit;
    if (!push_len(&limit, name)) return false;
    if (!read_message(d, slot, depth + 1)) return false;
    is.PopLimit(limit);
    return true;
  }

  // Decodes a value of type `t` inside a value `depth` levels deep; a message, list, map or
  // optional opens level depth + 1 (common/limits.h).
  bool read_field(const sfn_type* t, Wire w, void* slot, const char* name, int depth) {
    if (opens_level(t) && depth >= kMaxValueDepth)
      return fail(std::string("field `") + name + "`: " + nesting_too_deep());
    switch (t->kind) {
      case SFN_INT:
      case SFN_TIME:
      case SFN_DURATION:
      case SFN_FLOAT:
      case SFN_BOOL:
      case SFN_ENUM:
        return read_scalar(t, w, slot, name);
      case SFN_STRING:
      case SFN_BYTES:
      case SFN_REF:
      case SFN_TIMER:
        return read_string(t, w, slot, name);
      case SFN_LIST:
        return read_list(t, w, static_cast<sfn_list*>(slot), name, depth);
      case SFN_MAP:
        return read_map_entry(t, w, static_cast<sfn_map*>(slot), name, depth);
      case SFN_OPTIONAL:
        return read_optional(t, w, slot, name, depth);
      case SFN_MESSAGE:
        return read_message_field(t->message, w, slot, name, depth);
      default:
        return fail(std::string("field `") + name + "`: unsupported type");
    }
  }

  // Reads fields until the current limit (or the end of input), merging into `msg`, which holds
  // the defaults (message_init); the message is at level `depth` (read_field checked it).
  bool read_message(const sfn_message_desc* d, void* msg, int depth) {
    std::vector<bool> reset;  // fields whose default was replaced (see resets_default)
    while (is.BytesUntilLimit() != 0) {
      uint32_t tg = is.ReadTag();
      if (tg == 0) {
        if (is.BytesUntilLimit() < 0 && is.ConsumedEntireMessage()) return true;
        return fail(std::string("message ") + d->name + ": invalid or truncated tag");
      }
      uint32_t num = tg >> 3, fi = d->field_count;
      for (uint32_t i = 0; i < d->field_count; ++i)
        if (d->fields[i].proto_number == num) fi = i;
      if (fi == d->field_count) {
        if (!WireFormatLite::SkipField(&is, tg))
          return fail(std::string("message ") + d->name + ": malformed field " + std::to_string(num));
        continue;
      }
      const sfn_field_desc& f = d->fields[fi];
      void* slot = static_cast<char*>(msg) + f.offset;
      if (resets_default(f)) {
        if (reset.empty()) reset.resize(d->field_count);
        if (!reset[fi]) {
          value_destroy(f.type, slot);
          value_init(f.type, slot);
          reset[fi] = true;
        }
      }
      bool ok = (f.flags & SFN_FIELD_EXPLICIT) && needs_wrapper(f.type)
                    ? read_wrapped(f.type, static_cast<Wire>(tg & 7), slot, f.name, depth)
                    : read_field(f.type, static_cast<Wire>(tg & 7), slot, f.name, depth);
      if (!ok) return false;
    }
    return true;
  }
};

}  // namespace

void encode_proto(const sfn_message_desc* d, const void* msg, std::string& out) {
  StringOutputStream sos(&out);
  CodedOutputStream os(&sos);
  for (uint32_t i = 0; i < d->field_count; ++i) encode_message_field(os, d->fields[i], msg);
}

Status decode_proto(const sfn_message_desc* d, std::string_view bytes, void* msg, BadUtf8 bad_utf8) {
  message_destroy(d, msg);
  message_init(d, msg);
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) return Error(ErrorCode::corrupt, "message too large");
  CodedInputStream is(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  is.SetRecursionLimit(kMaxValueDepth);  // groups of unknown fields skipped by SkipField
  CodedInputStream::Limit top = is.PushLimit(static_cast<int>(bytes.size()));
  Decoder dec{is, bad_utf8, {}};
  bool ok = dec.read_message(d, msg, 1);
  is.PopLimit(top);
  if (!ok) {
    message_destroy(d, msg);
    message_init(d, msg);
    return Error(ErrorCode::corrupt, "undecodable " + std::string(d->name) + ": " + dec.error);
  }
  return ok_status();
}

}  // namespace sfn::runtime::core

namespace sfn::runtime::core {

namespace {
void append_varint(std::string& out, uint64_t v) {
  char b[10];
  size_t n = 0;
  for (; v >= 0x80; v >>= 7) b[n++] = static_cast<char>(v | 0x80);
  b[n++] = static_cast<char>(v);
  out.append(b, n);
}
}  // namespace

void encode_value(const sfn_type* t, const void* v, std::string& out) {
  // Scalars (most state values, encoded for every write-back and snapshot) without a stream:
  // the same bytes as encode_field writes, the tag of field 1 and the varint.
  switch (t->kind) {
    case SFN_INT:
    case SFN_TIME:
    case SFN_DURATION:
    case SFN_ENUM:
    case SFN_BOOL:
      out.push_back(static_cast<char>(tag(1, kVarint)));
      if (t->kind == SFN_BOOL)
        append_varint(out, *static_cast<const uint8_t*>(v) ? 1 : 0);
      else if (t->kind == SFN_ENUM)
        append_varint(out, static_cast<uint64_t>(static_cast<int64_t>(*static_cast<const int32_t*>(v))));
      else
        append_varint(out, static_cast<uint64_t>(*static_cast<const int64_t*>(v)));
      return;
    default:
      break;
  }
  StringOutputStream sos(&out);
  CodedOutputStream os(&sos);
  encode_field(os, 1, t, v, true);
}

Status decode_value(const sfn_type* t, std::string_view bytes, void* v) {
  value_destroy(t, v);
  value_init(t, v);
  if (bytes.size() > static_cast<size_t>(INT32_MAX)) return Error(ErrorCode::corrupt, "value too large");
  CodedInputStream is(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  CodedInputStream::Limit top = is.PushLimit(static_cast<int>(bytes.size()));
  Decoder dec{is, BadUtf8::repair, {}};  // state: what the runtime stored itself
  bool ok = true;
  while (ok && is.BytesUntilLimit() > 0) {
    uint32_t tg = is.ReadTag();
    if (tg == 0)
      ok = dec.fail("invalid tag");
    else if ((tg >> 3) == 1)
      ok = dec.read_field(t, static_cast<Wire>(tg & 7), v, "value", 0);
    else if (!WireFormatLite::SkipField(&is, tg))
      ok = dec.fail("malformed field");
  }
  is.PopLimit(top);
  if (!ok) {
    value_destroy(t, v);
    value_init(t, v);
    return Error(ErrorCode::corrupt, "undecodable value: " + dec.error);
  }
  return ok_status();
}

}  // namespace sfn::runtime::core
