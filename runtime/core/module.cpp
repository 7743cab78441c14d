// Module loading and validation, addresses and key groups, and the service table handed to
// modules (value operations implemented in value.cpp/text.cpp; invocation services forwarded to
// the Invocation behind the ctx).
#include "runtime/core/module.h"

#include <dlfcn.h>

#include <algorithm>
#include <charconv>
#include <cstddef>
#include <cstring>
#include <set>

#include "common/bits.h"
#include "runtime/core/codec.h"
#include "runtime/core/text.h"
#include "runtime/core/unicode.h"
#include "runtime/core/value.h"

namespace sfn::runtime::core {
namespace {

// An invalid module descriptor: what Module::create and its checks return.
Error incompatible(std::string message) { return Error(ErrorCode::incompatible, std::move(message)); }

// Checks a type inside a value `depth` levels deep (a field: 1, a state: 0); a value of it must
// not nest deeper than the decoders load (codec.h).
Status validate_type(const sfn_type* t, const std::string& where, int depth) {
  auto bad = [&](const std::string& why) { return incompatible(where + ": " + why); };
  if (!t) return bad("missing type");
  if (opens_level(t) && depth >= common::kMaxValueDepth) return bad("type " + nesting_too_deep());
  switch (t->kind) {
    case SFN_INT:
    case SFN_FLOAT:
    case SFN_BOOL:
    case SFN_STRING:
    case SFN_BYTES:
    case SFN_TIME:
    case SFN_DURATION:
    case SFN_REF:
    case SFN_TIMER:
      return ok_status();
    case SFN_ENUM:
      return t->enumeration && t->enumeration->value_count > 0 ? ok_status() : bad("enum without values");
    case SFN_MESSAGE:
      return t->message ? ok_status() : bad("message type without descriptor");
    case SFN_LIST:
    case SFN_OPTIONAL:
      return validate_type(t->elem, where, depth + 1);
    case SFN_MAP:
      if (!t->key || (t->key->kind != SFN_INT && t->key->kind != SFN_STRING && t->key->kind != SFN_BOOL))
        return bad("map key must be int, string or bool");
      return validate_type(t->elem, where, depth + 1);
    default:
      return bad("unknown type kind " + std::to_string(t->kind));
  }
}

Status validate_message(const sfn_message_desc* m) {
  if (!m || !m->name) return incompatible("message descriptor without a name");
  std::string where = std::string("message ") + m->name;
  if (m->align == 0 || (m->align & (m->align - 1)) || m->align > 16)
    return incompatible(where + ": alignment must be a power of two <= 16");
  std::set<uint32_t> numbers;
  for (uint32_t i = 0; i < m->field_count; ++i) {
    const sfn_field_desc& f = m->fields[i];
    if (!f.name) return incompatible(where + ": field without a name");
    std::string fw = where + ", field " + f.name;
    if (Status s = validate_type(f.type, fw, 1); !s) return s;
    SlotLayout l = slot_layout(f.type);
    if (f.offset % l.align != 0 || f.offset + l.size > m->size) {
      return incompatible(fw + ": offset " + std::to_string(f.offset) + " does not fit the layout (slot " +
                          std::to_string(l.size) + " bytes, align " + std::to_string(l.align) + ", message " +
                          std::to_string(m->size) + " bytes)");
    }
    if (f.proto_number == 0 || f.proto_number > 536870911 || !numbers.insert(f.proto_number).second)
      return incompatible(fw + ": invalid or duplicate protobuf field number");
  }
  return ok_status();
}

// ---- service table entries ----
Invocation* inv(sfn_ctx* c) { return static_cast<Invocation*>(c); }

const sfn_str* svc_self(sfn_ctx* c) { return inv(c)->self_address(); }
int64_t svc_key_int(sfn_ctx* c) { return inv(c)->key_int(); }
const sfn_str* svc_key_str(sfn_ctx* c) { return inv(c)->key_str(); }
const void* svc_state_get(sfn_ctx* c, uint32_t i) { return inv(c)->state_get(i); }
void* svc_state_mut(sfn_ctx* c, uint32_t i) { return inv(c)->state_mut(i); }
void svc_state_clear(sfn_ctx* c, uint32_t i) { inv(c)->state_clear(i); }
int svc_send(sfn_ctx* c, const sfn_str* a, uint32_t t, void* m, const sfn_loc* loc) {
  return inv(c)->send(a, t, m, 0, nullptr, loc);
}
int svc_send_after(sfn_ctx* c, const sfn_str* a, uint32_t t, void* m, int64_t d, sfn_str* out, const sfn_loc* loc) {
  return inv(c)->send(a, t, m, d < 0 ? 0 : d, out, loc);
}
void svc_cancel(sfn_ctx* c, const sfn_str* t) { inv(c)->cancel(t); }
void svc_emit(sfn_ctx* c, uint32_t e, void* m) { inv(c)->emit(e, m); }
int64_t svc_now(sfn_ctx* c) { return inv(c)->now(); }
void svc_log(sfn_ctx* c, const char* t, uint64_t n) { inv(c)->log(std::string_view(t, n)); }
int svc_raise(sfn_ctx* c, const char* m, uint64_t n, const sfn_loc* loc) {
  return inv(c)->raise(std::string_view(m ? m : "", m ? n : 0), loc);
}
int svc_refuel(sfn_ctx* c, const sfn_loc* loc) { return inv(c)->refuel(loc); }

void svc_value_init(const sfn_type* t, void* s) { value_init(t, s); }
void svc_value_destroy(const sfn_type* t, void* s) { value_destroy(t, s); }
void svc_value_copy(const sfn_type* t, void* d, const void* s) { value_copy(t, d, s); }
int svc_value_equal(const sfn_type* t, const void* a, const void* b) { return value_equal(t, a, b) ? 1 : 0; }
int svc_value_compare(const sfn_type* t, const void* a, const void* b) { return value_compare(t, a, b); }
void svc_value_format(const sfn_type* t, const void* v, sfn_str* out) {
  std::string s;
  append_formatted(s, t, v, false);
  str_set(out, s);
}
void svc_ref_int(const char* type_name, int64_t key, sfn_str* out) {
  char buf[256];
  size_t n = std::strlen(type_name);
  if (n + 22 > sizeof buf) {
    std::string s(type_name);
    s.push_back('/');
    s += std::to_string(key);
    str_set(out, s);
    return;
  }
  std::memcpy(buf, type_name, n);
  buf[n++] = '/';
  auto r = std::to_chars(buf + n, buf + sizeof buf, key);
  str_set(out, std::string_view(buf, r.ptr - buf));
}
void svc_ref_str(const char* type_name, const sfn_str* key, sfn_str* out) {
  std::string s(type_name);
  s.push_back('/');
  s += str_view(*key);
  str_set(out, s);
}
// Without data, `n` zero bytes for the caller to write (abi_services.h).
void svc_str_assign(sfn_str* out, const char* d, uint64_t n) {
  if (d || n == 0) return str_set(out, std::string_view(d ? d : "", d ? n : 0));
  char* data = str_buffer(n);
  if (data) std::memset(data, 0, n);
  str_adopt(out, data, data ? n : 0);
}
void svc_str_concat(sfn_str* out, const sfn_str* a, const sfn_str* b) {
  const uint64_t n = a->len + b->len;
  char* data = n ? str_buffer(n) : nullptr;  // before anything: `out` may be `a` or `b`
  if (data && a->len) std::memcpy(data, a->data, a->len);
  if (data && b->len) std::memcpy(data + a->len, b->data, b->len);
  str_adopt(out, data, data ? n : 0);
}
int svc_str_contains(const sfn_str* s, const sfn_str* n) {
  return str_view(*s).find(str_view(*n)) != std::string_view::npos;
}
int svc_str_starts_with(const sfn_str* s, const sfn_str* p) { return str_view(*s).starts_with(str_view(*p)); }
int svc_str_ends_with(const sfn_str* s, const sfn_str* p) { return str_view(*s).ends_with(str_view(*p)); }
void svc_str_split(const sfn_str* s, const sfn_str* sep, sfn_list* out) {
  sfn_type lt{SFN_LIST, &kStringType, nullptr, nullptr, nullptr, nullptr};
  value_destroy(&lt, out);
  std::string_view text = str_view(*s), sp = str_view(*sep);
  auto push = [&](std::string_view part) {
    auto* slot = static_cast<sfn_str*>(list_emplace_back(&kStringType, out));
    str_set(slot, part);
  };
  if (sp.empty()) {  // split into UTF-8 characters
    for (size_t i = 0; i < text.size() && !memory_refused();) {
      size_t n = 1;
      while (i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) ++n;
      push(text.substr(i, n));
      i += n;
    }
    return;
  }
  size_t start = 0;
  while (!memory_refused()) {
    size_t p = text.find(sp, start);
    if (p == std::string_view::npos) {
      push(text.substr(start));
      return;
    }
    push(text.substr(start, p - start));
    start = p + sp.size();
  }
}
void svc_str_trim(const sfn_str* s, sfn_str* out) { str_set(out, std::string(trim_unicode_space(str_view(*s)))); }
void svc_str_upper(const sfn_str* s, sfn_str* out) { str_set(out, to_upper_simple(str_view(*s))); }
void svc_str_lower(const sfn_str* s, sfn_str* out) { str_set(out, to_lower_simple(str_view(*s))); }
void svc_str_replace(const sfn_str* s, const sfn_str* from, const sfn_str* to, sfn_str* out) {
  std::string_view text = str_view(*s), f = str_view(*from), t = str_view(*to);
  if (f.empty()) {
    str_set(out, std::string(text));
    return;
  }
  uint64_t count = 0;
  for (size_t p = text.find(f); p != std::string_view::npos; p = text.find(f, p + f.size())) ++count;
  // The result's size before building it: a short text with a long replacement may not fit.
  const unsigned __int128 want = static_cast<unsigned __int128>(count) * t.size() + (text.size() - count * f.size());
  const uint64_t n = want > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(want);
  char* data = n ? str_buffer(n) : nullptr;
  char* at = data;
  size_t start = 0;
  for (size_t p; data && (p = text.find(f, start)) != std::string_view::npos; start = p + f.size()) {
    at = std::copy(text.begin() + start, text.begin() + p, at);
    at = std::copy(t.begin(), t.end(), at);
  }
  if (data) std::copy(text.begin() + start, text.end(), at);
  str_adopt(out, data, data ? n : 0);
}
const char* svc_str_substring(const sfn_str* s, int64_t start, int64_t len, sfn_str* out) {
  if (start < 0 || len < 0 || static_cast<uint64_t>(start) > s->len || static_cast<uint64_t>(len) > s->len - start)
    return "substring out of range";
  std::string_view text = str_view(*s);
  auto cuts = [&](uint64_t at) { return at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80; };
  if (cuts(start) || cuts(start + len)) return "substring does not fall on UTF-8 character boundaries";
  str_set(out, std::string(text.substr(start, len)));
  return nullptr;
}
const char* svc_str_from_bytes(const sfn_str* b, sfn_str* out) {
  if (!is_valid_utf8(str_view(*b))) return "bytes are not valid UTF-8";
  str_set(out, std::string(str_view(*b)));
  return nullptr;
}
const char* svc_float_to_int(double x, int64_t* out) {
  if (!(x > -9223372036854775809.0 && x < 9223372036854775808.0)) return "float out of range for int";
  *out = static_cast<int64_t>(x);
  return nullptr;
}

const sfn_services kServices = {
    SFN_ABI_VERSION,   svc_self,
    svc_key_int,       svc_key_str,
    svc_state_get,     svc_state_mut,
    svc_state_clear,   svc_send,
    svc_send_after,    svc_cancel,
    svc_emit,          svc_now,
    svc_log,           svc_raise,
    svc_value_init,    svc_value_destroy,
    svc_value_copy,    svc_value_equal,
    svc_value_compare, svc_value_format,
    svc_ref_int,       svc_ref_str,
    svc_str_assign,    svc_str_concat,
    svc_str_contains,  svc_str_starts_with,
    svc_str_ends_with, svc_str_split,
    svc_str_trim,      svc_str_upper,
    svc_str_lower,     svc_str_replace,
    svc_str_substring, svc_str_from_bytes,
    svc_float_to_int,  list_push,
    list_pop,          list_insert,
    list_remove_at,    list_clear,
    list_at,           list_contains,
    list_concat,       map_find,
    map_slot,          map_remove,
    map_clear,         map_keys,
    map_values,        svc_refuel,
};

// ---- the dead-letter message ----
const sfn_field_desc kDeadLetterFields[] = {
    {"address", 1, offsetof(DeadLetter, address), &kStringType, 0},
    {"message_type", 2, offsetof(DeadLetter, message_type), &kStringType, 0},
    {"message", 3, offsetof(DeadLetter, message), &kStringType, 0},
    {"error", 4, offsetof(DeadLetter, error), &kStringType, 0},
    {"location", 5, offsetof(DeadLetter, location), &kStringType, 0},
};
const sfn_type kIntType{SFN_INT, nullptr, nullptr, nullptr, nullptr, nullptr};
const sfn_field_desc kDeadLetterEpoch{"epoch", 6, offsetof(DeadLetter, epoch), &kIntType, 0};
const sfn_field_desc kDeadLetterAll[] = {kDeadLetterFields[0], kDeadLetterFields[1], kDeadLetterFields[2],
                                         kDeadLetterFields[3], kDeadLetterFields[4], kDeadLetterEpoch};
const sfn_message_desc kDeadLetterDesc{
    "DeadLetter", "sfn.runtime.DeadLetter", sizeof(DeadLetter), alignof(DeadLetter), 6, kDeadLetterAll, nullptr};

}  // namespace

const sfn_services* services() { return &kServices; }

void Invocation::begin_budget(const Budget& b) {
  const int64_t slice = std::min(b.fuel, kFuelSlice);
  fuel = slice;
  fuel_total_ = b.fuel;
  fuel_left_ = b.fuel - slice;
  depth = 0;
  max_depth = b.max_depth;
  interrupted_ = false;
  meter_.reset(b.max_memory);
  effects_ = 0;
  max_effects_ = b.max_effects;
}

bool Invocation::add_effect(uint64_t bytes) {
  meter_.charge(bytes, true);
  if (++effects_ <= max_effects_) return true;
  fuel = 0;  // the next loop iteration or fn call fails (emit and cancel cannot)
  return false;
}

std::string Invocation::overrun() const {
  if (effects_ > max_effects_)
    return "invocation effects budget exhausted (more than " + std::to_string(max_effects_) +
           " sends, timers, emits and cancels; --max-invocation-effects)";
  if (meter_.exceeded())
    return "invocation memory budget exhausted (more than " + size_text(meter_.limit()) +
           " allocated; --max-invocation-memory)";
  return "";
}

std::string size_text(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 30) && bytes % (uint64_t{1} << 30) == 0) return std::to_string(bytes >> 30) + " GiB";
  if (bytes >= (uint64_t{1} << 20) && bytes % (uint64_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes >= (uint64_t{1} << 10) && bytes % (uint64_t{1} << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

int Invocation::refuel(const sfn_loc* loc) {
  if (std::string why = overrun(); !why.empty()) return raise(why, loc);
  if (stop_requested()) {
    interrupted_ = true;
    return raise("the run is stopping", loc);
  }
  if (fuel_left_ <= 0)
    return raise("invocation budget exhausted (" + std::to_string(fuel_total_) + " loop iterations and fn calls)", loc);
  const int64_t slice = std::min(fuel_left_, kFuelSlice);
  fuel_left_ -= slice;
  fuel = slice - 1;  // the unit that ran out comes from the new slice
  return SFN_OK;
}
const sfn_message_desc* dead_letter_desc() { return &kDeadLetterDesc; }

uint64_t address_hash(std::string_view a) {
  uint64_t h = bits::fnv1a(a);
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

namespace {

// The descriptor itself: present, of this ABI version, with a package name.
Status validate_header(const sfn_module* d) {
  if (!d) return incompatible("the module entry returned no descriptor");
  if (d->abi_version != SFN_ABI_VERSION) {
    return incompatible("module ABI version " + std::to_string(d->abi_version) + " is not supported (runtime has " +
                        std::to_string(SFN_ABI_VERSION) + ")");
  }
  if (!d->package) return incompatible("module without a package name");
  return ok_status();
}

// A function type's name, key kind and states (its handlers are indexed by Module::add_function).
Status validate_function(const sfn_function_desc& fn, const std::string& where) {
  std::string_view tn = fn.type_name ? fn.type_name : "";
  size_t slash = tn.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == tn.size() ||
      tn.find('/', slash + 1) != std::string_view::npos)
    return incompatible(where + ": type name must be \"pkg/Name\"");
  if (fn.key_kind != SFN_STRING && fn.key_kind != SFN_INT)
    return incompatible(where + ": key type must be string or int");
  for (uint32_t s = 0; s < fn.state_count; ++s) {
    const sfn_state_desc& st = fn.states[s];
    if (!st.name) return incompatible(where + ": state without a name");
    if (Status ok = validate_type(st.type, where + ", state " + st.name, 0); !ok) return ok;
    if (st.expiry != SFN_EXPIRE_NONE && st.expiry_ns <= 0)
      return incompatible(where + ", state " + st.name + ": expiry needs a positive duration");
  }
  return ok_status();
}

// The ingresses and egresses: named, of a known message type, ingresses with a route.
Status validate_endpoints(const sfn_module* d) {
  for (uint32_t i = 0; i < d->ingress_count; ++i) {
    const sfn_ingress_desc& in = d->ingresses[i];
    if (!in.name || in.message_type >= d->message_count || !in.route)
      return incompatible("ingress " + std::to_string(i) + ": invalid name, message type or route");
  }
  for (uint32_t i = 0; i < d->egress_count; ++i) {
    const sfn_egress_desc& eg = d->egresses[i];
    if (!eg.name || eg.message_type >= d->message_count || std::string_view(eg.name) == "dead_letters")
      return incompatible("egress " + std::to_string(i) + ": invalid name or message type");
  }
  return ok_status();
}

}  // namespace

Status Module::add_function(uint32_t f) {
  const sfn_module* d = desc_;
  const sfn_function_desc& fn = d->functions[f];
  std::string where = std::string("function type ") + (fn.type_name ? fn.type_name : "?");
  if (Status s = validate_function(fn, where); !s) return s;
  for (uint32_t h = 0; h < fn.handler_count; ++h) {
    const sfn_handler_desc& hd = fn.handlers[h];
    if (hd.message_type >= d->message_count || !hd.fn)
      return incompatible(where + ": handler " + std::to_string(h) + " has an invalid message type or entry");
    sfn_handler_fn& slot = handlers_[static_cast<size_t>(f) * d->message_count + hd.message_type];
    if (slot) return incompatible(where + ": two handlers for message " + d->messages[hd.message_type]->name);
    slot = hd.fn;
  }
  if (!functions_.emplace(std::string(fn.type_name), f).second) return incompatible(where + ": declared twice");
  return ok_status();
}

Result<std::shared_ptr<const Module>> Module::create(const sfn_module* d, std::shared_ptr<void> keep_alive) {
  if (Status s = validate_header(d); !s) return s.error();
  auto m = std::shared_ptr<Module>(new Module());
  m->desc_ = d;
  m->keep_alive_ = std::move(keep_alive);
  m->package_ = d->package;
  for (uint32_t i = 0; i < d->message_count; ++i) {
    if (Status s = validate_message(d->messages[i]); !s) return s.error();
    m->message_types_.push_back(sfn_type{SFN_MESSAGE, nullptr, nullptr, d->messages[i], nullptr, nullptr});
  }
  m->handlers_.assign(static_cast<size_t>(d->function_count) * d->message_count, nullptr);
  for (uint32_t f = 0; f < d->function_count; ++f)
    if (Status s = m->add_function(f); !s) return s.error();
  if (Status s = validate_endpoints(d); !s) return s.error();
  return std::shared_ptr<const Module>(std::move(m));
}

int Module::function_index(std::string_view type_name) const {
  auto it = functions_.find(type_name);
  return it == functions_.end() ? -1 : static_cast<int>(it->second);
}

int Module::ingress_index(std::string_view name) const {
  for (uint32_t i = 0; i < desc_->ingress_count; ++i)
    if (name == desc_->ingresses[i].name) return static_cast<int>(i);
  return -1;
}

int Module::egress_index(std::string_view name) const {
  for (uint32_t i = 0; i < desc_->egress_count; ++i)
    if (name == desc_->egresses[i].name) return static_cast<int>(i);
  if (name == "dead_letters") return static_cast<int>(desc_->egress_count);
  return -1;
}

std::string_view Module::egress_name(uint32_t e) const {
  return e == desc_->egress_count ? std::string_view("dead_letters") : std::string_view(desc_->egresses[e].name);
}

const sfn_message_desc* Module::egress_message(uint32_t e) const {
  return e == desc_->egress_count ? dead_letter_desc() : desc_->messages[desc_->egresses[e].message_type];
}

int Module::message_index(const sfn_message_desc* d) const {
  for (uint32_t i = 0; i < desc_->message_count; ++i)
    if (desc_->messages[i] == d) return static_cast<int>(i);
  return -1;
}

Result<Address> Module::parse_address(std::string_view text) const {
  auto bad = [](std::string message) { return Error(ErrorCode::invalid_argument, std::move(message)); };
  size_t a = text.find('/');
  size_t b = a == std::string_view::npos ? a : text.find('/', a + 1);
  if (a == std::string_view::npos || b == std::string_view::npos)
    return bad("\"" + std::string(text) + "\" is not an address \"pkg/Type/key\"");
  std::string_view type_name = text.substr(0, b);
  int f = function_index(type_name);
  if (f < 0)
    return bad("unknown function type `" + std::string(type_name) + "` in address \"" + std::string(text) + "\"");
  Address out;
  out.function = static_cast<uint32_t>(f);
  out.type_name = type_name;
  out.key = text.substr(b + 1);
  if (desc_->functions[f].key_kind == SFN_INT) {
    auto r = std::from_chars(out.key.data(), out.key.data() + out.key.size(), out.int_key);
    if (out.key.empty() || r.ec != std::errc() || r.ptr != out.key.data() + out.key.size())
      return bad("address \"" + std::string(text) + "\": `" + std::string(type_name) + "` is keyed by int");
  }
  return out;
}

}  // namespace sfn::runtime::core

namespace sfn::runtime {

Result<ModulePtr> load_module_linked(sfn_module_entry_fn entry, std::shared_ptr<void> keep_alive) {
  if (!entry) return Error(ErrorCode::invalid_argument, "no module entry");
  return core::Module::create(entry(core::services()), std::move(keep_alive));
}

std::string module_version_hash(const ModulePtr& module) {
  const char* hash = module->desc().version_hash;
  return hash ? hash : "";
}

Result<ModulePtr> load_module_file(const std::string& path) {
  std::string p = path.find('/') == std::string::npos ? "./" + path : path;
  void* handle = dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* e = dlerror();
    return Error(ErrorCode::not_found, "cannot load module " + path + ": " + (e ? e : "unknown error"));
  }
  std::shared_ptr<void> keep(handle, [](void* h) { dlclose(h); });
  auto entry = reinterpret_cast<sfn_module_entry_fn>(dlsym(handle, SFN_MODULE_ENTRY_SYMBOL));
  if (!entry) {
    return Error(ErrorCode::incompatible,
                 path + " is not an SFN module: it has no `" SFN_MODULE_ENTRY_SYMBOL "` symbol");
  }
  auto m = load_module_linked(entry, keep);
  if (!m) return Error(m.error().code, path + ": " + m.error().message);
  return m;
}

}  // namespace sfn::runtime
