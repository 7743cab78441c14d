// Property test of field presence (decision 014): random message schemas, with fields of every
// kind whose defaults are natural (0, "", [], none, ...) or not, and random values biased
// towards the Protobuf zero and the default, round-trip bit-exactly through every codec path —
// Protobuf messages (channels, ingress and egress logs), JSON (ingress and egress lines) and
// whole values (state in RocksDB, lists of messages in state).
//
// SFN_PROPERTY_SEED=N picks the first seed, SFN_PROPERTY_SCHEMAS=N how many schemas (default
// 2000, 20 values each); a failure prints the seed, the schema and both values.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "runtime/core/codec.h"
#include "runtime/core/value.h"

namespace sfn::runtime::core {
namespace {

constexpr int kMaxMessages = 4;
const char* const kEnumValues[] = {"E0", "E1", "E2"};
const sfn_enum_desc kEnum{"E", 3, kEnumValues};

// Owns the descriptors of one random program schema (stable addresses: deques).
struct Schema {
  std::deque<sfn_type> types;
  std::deque<std::string> names;
  std::deque<std::vector<sfn_field_desc>> fields;
  std::deque<sfn_message_desc> messages;
  std::vector<void*> defaults;  // per message: a message holding each explicit field's default

  ~Schema() {
    for (size_t i = defaults.size(); i-- > 0;) message_delete(&messages[i], defaults[i]);
  }
  const sfn_type* type(sfn_type t) { return &types.emplace_back(t); }
  const char* name(std::string n) { return names.emplace_back(std::move(n)).c_str(); }
};

thread_local Schema* g_schema = nullptr;

// The module's `init` of message N: copies the explicit defaults into a naturally initialised
// message, as generated code does.
template <int N>
void init_message(void* msg) {
  const sfn_message_desc& d = g_schema->messages[N];
  const void* defaults = g_schema->defaults[N];
  for (uint32_t i = 0; i < d.field_count; ++i) {
    const sfn_field_desc& f = d.fields[i];
    if (!(f.flags & SFN_FIELD_EXPLICIT)) continue;
    value_copy(f.type, static_cast<char*>(msg) + f.offset, static_cast<const char*>(defaults) + f.offset);
  }
}
using InitFn = void (*)(void*);
const InitFn kInits[kMaxMessages] = {init_message<0>, init_message<1>, init_message<2>, init_message<3>};

// Bit-exact equality (floats by bits), unlike value_equal.
bool same(const sfn_type* t, const void* a, const void* b) {
  switch (t->kind) {
    case SFN_INT:
    case SFN_TIME:
    case SFN_DURATION:
    case SFN_FLOAT:
      return std::memcmp(a, b, 8) == 0;
    case SFN_BOOL:
      return *static_cast<const uint8_t*>(a) == *static_cast<const uint8_t*>(b);
    case SFN_ENUM:
      return *static_cast<const int32_t*>(a) == *static_cast<const int32_t*>(b);
    case SFN_LIST: {
      auto* x = static_cast<const sfn_list*>(a);
      auto* y = static_cast<const sfn_list*>(b);
      if (x->len != y->len) return false;
      uint32_t s = list_stride(t->elem);
      for (uint64_t i = 0; i < x->len; ++i)
        if (!same(t->elem, static_cast<const char*>(x->data) + i * s, static_cast<const char*>(y->data) + i * s))
          return false;
      return true;
    }
    case SFN_MAP: {
      auto* x = static_cast<const sfn_map*>(a);
      auto* y = static_cast<const sfn_map*>(b);
      if (x->len != y->len) return false;
      MapEntryLayout el = map_entry_layout(t->key, t->elem);
      for (uint64_t i = 0; i < x->len; ++i) {
        const char* ex = static_cast<const char*>(x->data) + i * el.size;
        const char* ey = static_cast<const char*>(y->data) + i * el.size;
        if (!same(t->key, ex, ey) || !same(t->elem, ex + el.value_offset, ey + el.value_offset)) return false;
      }
      return true;
    }
    case SFN_OPTIONAL: {
      if (t->elem->kind == SFN_MESSAGE) {
        const void* x = *static_cast<void* const*>(a);
        const void* y = *static_cast<void* const*>(b);
        return (!x && !y) || (x && y && same(t->elem, x, y));
      }
      uint8_t px = *static_cast<const uint8_t*>(a), py = *static_cast<const uint8_t*>(b);
      uint32_t off = optional_value_offset(t->elem);
      return px == py && (!px || same(t->elem, static_cast<const char*>(a) + off, static_cast<const char*>(b) + off));
    }
    case SFN_MESSAGE: {
      for (uint32_t i = 0; i < t->message->field_count; ++i) {
        const sfn_field_desc& f = t->message->fields[i];
        if (!same(f.type, static_cast<const char*>(a) + f.offset, static_cast<const char*>(b) + f.offset)) return false;
      }
      return true;
    }
    default:
      return str_view(*static_cast<const sfn_str*>(a)) == str_view(*static_cast<const sfn_str*>(b));
  }
}

// A value slot of any type on the heap, initialised and destroyed with the type.
class Slot {
 public:
  explicit Slot(const sfn_type* t) : t_(t), mem_(slot_layout(t).size + 16, '\0') { value_init(t, get()); }
  ~Slot() { value_destroy(t_, get()); }
  void* get() { return reinterpret_cast<void*>((reinterpret_cast<uintptr_t>(mem_.data()) + 15) & ~uintptr_t(15)); }

 private:
  const sfn_type* t_;
  std::string mem_;
};

bool is_natural(const sfn_type* t, const void* v) {
  Slot natural(t);
  return same(t, v, natural.get());
}

// Whether a value of `t` holds a ref somewhere (`deep`), or must be given one because its
// natural value would hold an unset ref (a ref, or a message with such a field).
bool has_ref(const sfn_type* t, bool deep) {
  switch (t->kind) {
    case SFN_REF:
      return true;
    case SFN_MESSAGE:
      for (uint32_t i = 0; i < t->message->field_count; ++i)
        if (has_ref(t->message->fields[i].type, deep)) return true;
      return false;
    case SFN_LIST:
    case SFN_OPTIONAL:
      return deep && has_ref(t->elem, deep);
    case SFN_MAP:
      return deep && has_ref(t->elem, deep);
    default:
      return false;
  }
}

// A type descriptor with every field given (aggregate initialization with fewer warns).
sfn_type ty(uint32_t kind, const sfn_type* elem = nullptr, const sfn_type* key = nullptr,
            const sfn_message_desc* message = nullptr, const sfn_enum_desc* enumeration = nullptr,
            const char* ref_function = nullptr) {
  return sfn_type{kind, elem, key, message, enumeration, ref_function};
}

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

  // A random field type; `messages` earlier messages may be nested (no recursion).
  const sfn_type* type(Schema& s, int messages, int depth) {
    static const sfn_type kScalars[] = {ty(SFN_INT),
                                        ty(SFN_FLOAT),
                                        ty(SFN_BOOL),
                                        ty(SFN_STRING),
                                        ty(SFN_BYTES),
                                        ty(SFN_TIME),
                                        ty(SFN_DURATION),
                                        ty(SFN_REF, nullptr, nullptr, nullptr, nullptr, "p/F"),
                                        ty(SFN_ENUM, nullptr, nullptr, nullptr, &kEnum)};
    int k = pick(depth >= 2 ? 10 : 15);
    if (k < 9) return &kScalars[k];
    if (k == 9) return messages ? s.type(ty(SFN_MESSAGE, nullptr, nullptr, &s.messages[pick(messages)])) : &kScalars[0];
    if (k <= 11) return s.type(ty(SFN_LIST, type(s, messages, depth + 1)));
    if (k == 12) {
      static const sfn_type kKeys[] = {ty(SFN_INT), ty(SFN_STRING), ty(SFN_BOOL)};
      return s.type(ty(SFN_MAP, type(s, messages, depth + 1), &kKeys[pick(3)]));
    }
    const sfn_type* inner = type(s, messages, depth + 1);
    while (inner->kind == SFN_OPTIONAL) inner = type(s, messages, depth + 1);  // T?? does not exist
    return s.type(ty(SFN_OPTIONAL, inner));
  }

  // Fills the valid slot `v` of type `t` with a random value, biased to natural values.
  void value(const sfn_type* t, void* v, int depth = 0) {
    value_destroy(t, v);
    value_init(t, v);
    if (t->kind == SFN_REF) {  // a ref always names an instance: "" exists only in unset slots
      str_set(static_cast<sfn_str*>(v), "p/F/" + text());
      return;
    }
    if (t->kind != SFN_MESSAGE && pick(4) == 0) return;  // the natural value (messages: per field)
    switch (t->kind) {
      case SFN_INT:
      case SFN_TIME:
      case SFN_DURATION:
        *static_cast<int64_t*>(v) = integer();
        return;
      case SFN_FLOAT:
        *static_cast<double*>(v) = real();
        return;
      case SFN_BOOL:
        *static_cast<uint8_t*>(v) = static_cast<uint8_t>(pick(2));
        return;
      case SFN_ENUM:
        *static_cast<int32_t*>(v) = pick(3);
        return;
      case SFN_STRING:
        str_set(static_cast<sfn_str*>(v), text());
        return;
      case SFN_BYTES:
        str_set(static_cast<sfn_str*>(v), raw());
        return;
      case SFN_LIST: {
        for (int i = pick(4); i > 0 && depth < 4; --i) {
          void* e = list_emplace_back(t->elem, static_cast<sfn_list*>(v));
          value(t->elem, e, depth + 1);
        }
        return;
      }
      case SFN_MAP: {
        for (int i = pick(4); i > 0 && depth < 4; --i) {
          Slot key(t->key);
          value(t->key, key.get(), depth + 1);
          value(t->elem, map_slot(t, static_cast<sfn_map*>(v), key.get()), depth + 1);
        }
        return;
      }
      case SFN_OPTIONAL: {
        if (t->elem->kind == SFN_MESSAGE) {
          void* m = message_new(t->elem->message);
          *static_cast<void**>(v) = m;
          value(t->elem, m, depth + 1);
          return;
        }
        *static_cast<uint8_t*>(v) = 1;
        value(t->elem, static_cast<char*>(v) + optional_value_offset(t->elem), depth + 1);
        return;
      }
      case SFN_MESSAGE: {
        const sfn_message_desc* d = t->message;
        for (uint32_t i = 0; i < d->field_count; ++i) {
          void* f = static_cast<char*>(v) + d->fields[i].offset;
          if (pick(3) == 0 && !has_ref(d->fields[i].type, false)) continue;  // keep the default
          value(d->fields[i].type, f, depth + 1);
        }
        return;
      }
      default:
        return;
    }
  }

  // A value that is not the natural one, for an explicit default.
  void non_natural(const sfn_type* t, void* v) {
    for (int tries = 0; tries < 100; ++tries) {
      value(t, v);
      if (!is_natural(t, v)) return;
    }
    ADD_FAILURE() << "no non-natural value found for kind " << t->kind;
  }

 private:
  int64_t integer() {
    static const int64_t kInts[] = {
        0, 1, -1, 7, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min() + 1, 1'500'000'000};
    if (pick(3)) return kInts[pick(7)];
    return std::uniform_int_distribution<int64_t>(-(int64_t(1) << 62), int64_t(1) << 62)(rng_);
  }
  double real() {
    static const double kReals[] = {0.0,
                                    -0.0,
                                    1.5,
                                    -2.25,
                                    1e300,
                                    5e-324,
                                    std::numeric_limits<double>::infinity(),
                                    -std::numeric_limits<double>::infinity(),
                                    std::numeric_limits<double>::quiet_NaN()};
    if (pick(3)) return kReals[pick(9)];
    return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
  }
  std::string text() {
    static const char* const kPieces[] = {
        "a", "Z", " ", "\"", "\\", "\n", "\x01", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "${x}", "{}"};
    std::string s;
    for (int n = pick(5); n > 0; --n) s += kPieces[pick(12)];
    return s;
  }
  std::string raw() {
    std::string s;
    for (int n = pick(6); n > 0; --n) s.push_back(static_cast<char>(pick(256)));
    return s;
  }

  std::mt19937_64 rng_;
};

// Builds a random schema of up to kMaxMessages messages; each field's default is natural or a
// random non-natural value (then the field is SFN_FIELD_EXPLICIT).
void build_schema(Schema& s, Generator& g) {
  g_schema = &s;
  int count = 1 + g.pick(kMaxMessages);
  for (int m = 0; m < count; ++m) {
    auto& fields = s.fields.emplace_back();
    uint32_t off = 0, align = 1;
    for (int i = 0, n = 1 + g.pick(8); i < n; ++i) {
      const sfn_type* t = g.type(s, m, 0);
      SlotLayout l = slot_layout(t);
      off = (off + l.align - 1) / l.align * l.align;
      // Constants cannot be refs, so a field holding refs never has an explicit default.
      uint32_t flags = g.pick(2) && !has_ref(t, true)
                           ? SFN_FIELD_EXPLICIT
                           : (t->kind != SFN_OPTIONAL && g.pick(3) == 0 ? SFN_FIELD_REQUIRED : 0);
      fields.push_back({s.name("f" + std::to_string(i)), static_cast<uint32_t>(i + 1), off, t, flags});
      off += l.size;
      align = std::max(align, l.align);
    }
    uint32_t size = (off + align - 1) / align * align;
    s.messages.push_back({s.name("M" + std::to_string(m)), s.name("p.M" + std::to_string(m)), size, align,
                          static_cast<uint32_t>(fields.size()), fields.data(), nullptr});
    sfn_message_desc& d = s.messages.back();
    void* defaults = message_new(&d);  // natural values (init is still null)
    for (auto& f : fields)
      if (f.flags & SFN_FIELD_EXPLICIT) g.non_natural(f.type, static_cast<char*>(defaults) + f.offset);
    s.defaults.push_back(defaults);
    d.init = kInits[m];
  }
}

std::string describe(const sfn_type* t) {
  switch (t->kind) {
    case SFN_INT:
      return "int";
    case SFN_FLOAT:
      return "float";
    case SFN_BOOL:
      return "bool";
    case SFN_STRING:
      return "string";
    case SFN_BYTES:
      return "bytes";
    case SFN_TIME:
      return "time";
    case SFN_DURATION:
      return "duration";
    case SFN_ENUM:
      return "E";
    case SFN_REF:
      return "ref<F>";
    case SFN_LIST:
      return "list<" + describe(t->elem) + ">";
    case SFN_MAP:
      return "map<" + describe(t->key) + ", " + describe(t->elem) + ">";
    case SFN_OPTIONAL:
      return describe(t->elem) + "?";
    case SFN_MESSAGE:
      return t->message->name;
    default:
      return "?";
  }
}

std::string describe(const Schema& s) {
  std::string out;
  for (size_t m = 0; m < s.messages.size(); ++m) {
    const sfn_message_desc& d = s.messages[m];
    out += "message " + std::string(d.name) + " {";
    for (uint32_t i = 0; i < d.field_count; ++i) {
      const sfn_field_desc& f = d.fields[i];
      out += " " + std::string(f.name) + ": " + describe(f.type);
      if (f.flags & SFN_FIELD_EXPLICIT) {
        out += " = ";
        append_json_value(out, f.type, static_cast<const char*>(s.defaults[m]) + f.offset);
      }
      out += ";";
    }
    out += " }\n";
  }
  return out;
}

std::string json_of(const sfn_type* t, const void* v) {
  std::string out;
  append_json_value(out, t, v);
  return out;
}

// Checks one value through every path; returns a description of the first mismatch.
std::string check_paths(const sfn_type* t, void* value) {
  const sfn_message_desc* d = t->message;
  std::string bytes;
  encode_proto(d, value, bytes);
  Slot back(t);
  if (Status st = decode_proto(d, bytes, back.get()); !st) return "Protobuf decode failed: " + st.error().message;
  if (!same(t, value, back.get())) return "Protobuf round trip gives " + json_of(t, back.get());

  std::string text;
  encode_json(d, value, text);
  Slot from_json(t);
  if (Status st = decode_json(d, text, from_json.get()); !st)
    return "JSON decode of " + text + " failed: " + st.error().message;
  if (!same(t, value, from_json.get())) return "JSON round trip of " + text + " gives " + json_of(t, from_json.get());

  std::string state;
  encode_value(t, value, state);
  Slot from_state(t);
  if (Status st = decode_value(t, state, from_state.get()); !st) return "state decode failed: " + st.error().message;
  if (!same(t, value, from_state.get())) return "state round trip gives " + json_of(t, from_state.get());

  sfn_type list_type = ty(SFN_LIST, t);
  Slot list(&list_type), list_back(&list_type);
  value_copy(t, list_emplace_back(t, static_cast<sfn_list*>(list.get())), value);
  list_emplace_back(t, static_cast<sfn_list*>(list.get()));  // and a default one
  std::string list_bytes;
  encode_value(&list_type, list.get(), list_bytes);
  if (Status st = decode_value(&list_type, list_bytes, list_back.get()); !st)
    return "list decode failed: " + st.error().message;
  if (!same(&list_type, list.get(), list_back.get()))
    return "list<M> round trip gives " + json_of(&list_type, list_back.get());
  return "";
}

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : fallback;
}

TEST(PresenceProperty, RandomSchemasAndValuesRoundTripBitExactlyOnEveryPath) {
  const uint64_t first = env_or("SFN_PROPERTY_SEED", 1);
  const uint64_t schemas = env_or("SFN_PROPERTY_SCHEMAS", 2000);
  uint64_t cases = 0;
  for (uint64_t seed = first; seed < first + schemas; ++seed) {
    Generator g(seed);
    Schema s;
    build_schema(s, g);
    const sfn_type* top = s.type(ty(SFN_MESSAGE, nullptr, nullptr, &s.messages.back()));
    for (int i = 0; i < 20; ++i, ++cases) {
      Slot v(top);
      g.value(top, v.get());
      std::string problem = check_paths(top, v.get());
      ASSERT_EQ(problem, "") << "seed " << seed << " (rerun: SFN_PROPERTY_SEED=" << seed
                             << " SFN_PROPERTY_SCHEMAS=1), value " << i << "\nschema:\n"
                             << describe(s) << "value: " << json_of(top, v.get());
    }
    g_schema = nullptr;
  }
  EXPECT_GE(cases, schemas * 20);
}

// The reproducer of the issue at the codec level: explicit natural values of fields with
// non-natural defaults survive Protobuf, and a missing field still reads as the default.
TEST(PresenceProperty, ExplicitZeroIsNotTheDefault) {
  Schema s;
  g_schema = &s;
  static const sfn_type kInt = ty(SFN_INT);
  auto& fields = s.fields.emplace_back();
  fields.push_back({"qty", 1, 0, &kInt, SFN_FIELD_EXPLICIT});
  s.messages.push_back({"Order", "zr.Order", 8, 8, 1, fields.data(), nullptr});
  void* defaults = message_new(&s.messages[0]);
  *static_cast<int64_t*>(defaults) = 1;
  s.defaults.push_back(defaults);
  s.messages[0].init = kInits[0];
  const sfn_type* t = s.type(ty(SFN_MESSAGE, nullptr, nullptr, &s.messages[0]));

  Slot order(t), back(t);
  EXPECT_EQ(*static_cast<int64_t*>(order.get()), 1);  // the default
  *static_cast<int64_t*>(order.get()) = 0;
  std::string bytes;
  encode_proto(&s.messages[0], order.get(), bytes);
  EXPECT_EQ(bytes, std::string("\x08\x00", 2));  // written although it is the Protobuf zero
  ASSERT_TRUE(decode_proto(&s.messages[0], bytes, back.get()));
  EXPECT_EQ(*static_cast<int64_t*>(back.get()), 0);
  ASSERT_TRUE(decode_proto(&s.messages[0], "", back.get()));
  EXPECT_EQ(*static_cast<int64_t*>(back.get()), 1);
  g_schema = nullptr;
}

}  // namespace
}  // namespace sfn::runtime::core
