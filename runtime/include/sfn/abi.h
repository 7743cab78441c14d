/* The SFN module ABI, version 2: the one contract between compiled SFN code and the runtime.
 *
 * A backend (C++ ahead of time, or the LLVM JIT) produces a *module*: a constant descriptor
 * (`sfn_module`) of the program's messages, enums, function types with their states, ingress
 * routes and egresses, plus one C entry point per handler and per ingress route. Everything is
 * plain C: fixed-width integers, pointers and structs with a documented layout, so JIT code can
 * build and read the same structures. The runtime hands the module a table of services
 * (`sfn_services`) when it loads it; compiled code reaches every runtime service through that
 * table (globally, or through `ctx->svc` inside an invocation), so a `.so` needs no symbols
 * from the host process. Inline C++ wrappers over these calls live in `sfn/abi_cpp.h`.
 *
 * ## Value layout (the rules the compiler and the runtime share)
 * Every SFN type has a *slot*: a size and an alignment. The all-zero slot is the type's default
 * value for every type (so zeroed memory is a valid default; a message's `init` then applies
 * non-zero field defaults).
 *   int, time, duration : int64_t (8, 8)        float : double (8, 8)
 *   bool                : uint8_t 0/1 (1, 1)    enum  : int32_t value index, first = 0 (4, 4)
 *   string, bytes, ref, timer : sfn_str (16, 8). A ref is the text "pkg/Type/key"; a timer is
 *                         an opaque handle text made by the runtime.
 *   list<T>             : sfn_list (24, 8); `data` holds `len` slots of T, back to back
 *                         (stride = T's size rounded up to T's alignment).
 *   map<K,V>            : sfn_map (24, 8); `data` holds `len` entries sorted by key ascending,
 *                         no duplicates. Entry = K at 0, V at align_up(size K, align V), entry
 *                         size = align_up(V offset + size V, max(align K, align V)).
 *   T? (T not a message): { uint8_t present; T value at offset align_up(1, align T) }, size
 *                         align_up(that offset + size T, align T), alignment align T.
 *   M? (message M)      : a pointer (8, 8) to a malloc'ed M, NULL = none. This indirection is
 *                         what lets a message contain itself through an optional.
 *   message M           : inline, size/align/field offsets as the compiler recorded them in
 *                         M's `sfn_message_desc`.
 * All heap memory inside values (string bytes, list/map arrays, optional messages) comes from
 * C `malloc` and is released with `free`; a slot owns what it points to (deep value semantics).
 * Strings are NOT NUL-terminated; `data` may be NULL when `len` is 0.
 *
 * ## Ownership in calls
 * "moves" means the runtime takes the value and leaves the source slot zeroed (a valid
 * default the caller may reuse or destroy). "copies" leaves the source untouched.
 *
 * ## Errors
 * A runtime error (overflow, unwrap of none, index out of range, bad conversion, `fail`) is
 * reported with `svc->raise(ctx, ...)`, which returns SFN_RAISED; the entry point must then
 * return SFN_RAISED at once without calling other services. Services that can fail themselves
 * either raise (those taking a ctx, documented below) or return an error text (ctx-less value
 * operations), which compiled code passes to `raise` with its own source location.
 */
#ifndef SFN_ABI_H
#define SFN_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* 2: send/send_after take the location of the send statement.
 * 3: SFN_FIELD_EXPLICIT (field presence on the wire, decision 014).
 * 4: the invocation budget: sfn_ctx fuel/depth/max_depth and the `refuel` service. */
#define SFN_ABI_VERSION 4u
#define SFN_OK 0
#define SFN_RAISED 1

/* ---- value representations ---- */
typedef struct sfn_str {
  char* data;
  uint64_t len;
} sfn_str;
typedef struct sfn_list {
  void* data;
  uint64_t len;
  uint64_t cap;
} sfn_list;
typedef struct sfn_map {
  void* data;
  uint64_t len;
  uint64_t cap;
} sfn_map;

typedef enum sfn_kind {
  SFN_INT = 1,
  SFN_FLOAT = 2,
  SFN_BOOL = 3,
  SFN_STRING = 4,
  SFN_BYTES = 5,
  SFN_TIME = 6,
  SFN_DURATION = 7,
  SFN_LIST = 8,
  SFN_MAP = 9,
  SFN_OPTIONAL = 10,
  SFN_MESSAGE = 11,
  SFN_ENUM = 12,
  SFN_REF = 13,
  SFN_TIMER = 14
} sfn_kind;

struct sfn_message_desc;
struct sfn_enum_desc;

/* A type. `elem`: list element, optional inner type, map value. `key`: map key (int, string or
 * bool). `message`/`enumeration`: for SFN_MESSAGE / SFN_ENUM. `ref_function`: for SFN_REF,
 * the target type name "pkg/Name" (informative; may be NULL). */
typedef struct sfn_type {
  uint32_t kind;
  const struct sfn_type* elem;
  const struct sfn_type* key;
  const struct sfn_message_desc* message;
  const struct sfn_enum_desc* enumeration;
  const char* ref_function;
} sfn_type;

/* ---- schema descriptors ---- */
#define SFN_FIELD_REQUIRED 1u /* no default: JSON input must give it */
/* The default is not the natural value of the type (0, "", [], {}, none, a message of defaults):
 * the Protobuf codec always writes the field (lists, maps and optionals inside a one-field
 * wrapper message) so an explicit natural value is never read back as the default. */
#define SFN_FIELD_EXPLICIT 2u

typedef struct sfn_field_desc {
  const char* name;      /* as declared */
  uint32_t proto_number; /* protobuf field number, >= 1, unique in the message */
  uint32_t offset;       /* byte offset of the field's slot in the message */
  const sfn_type* type;
  uint32_t flags; /* SFN_FIELD_* */
} sfn_field_desc;

typedef struct sfn_message_desc {
  const char* name;      /* declared name, e.g. "Greet" (used by formatting and dead letters) */
  const char* full_name; /* protobuf full name, e.g. "example.greeter.Greet" */
  uint32_t size;         /* slot size in bytes */
  uint32_t align;        /* slot alignment, a power of two <= 16 */
  uint32_t field_count;
  const sfn_field_desc* fields; /* declaration order */
  /* Applies non-zero field defaults to a zeroed message (nested messages are initialised by
   * the runtime before, recursively). May be NULL when every default is zero. */
  void (*init)(void* msg);
} sfn_message_desc;

typedef struct sfn_enum_desc {
  const char* name;
  uint32_t value_count;
  const char* const* values; /* value i has protobuf number i */
} sfn_enum_desc;

typedef enum sfn_expiry { SFN_EXPIRE_NONE = 0, SFN_EXPIRE_AFTER_WRITE = 1, SFN_EXPIRE_AFTER_CALL = 2 } sfn_expiry;

typedef struct sfn_state_desc {
  const char* name;
  const sfn_type* type;
  /* Writes the initializer into a zeroed slot; NULL means the type's default (zero). Must be
   * deterministic and must not call invocation services. */
  void (*init)(void* slot);
  uint32_t expiry;   /* sfn_expiry */
  int64_t expiry_ns; /* > 0 when expiry != SFN_EXPIRE_NONE */
} sfn_state_desc;

typedef struct sfn_ctx sfn_ctx;

/* A handler: runs one invocation on `msg` (a message of the handler's type, owned by the
 * runtime and read-only: the runtime still needs it for a dead letter if the invocation
 * fails; copy fields out with value_copy). Returns SFN_OK or SFN_RAISED. */
typedef int (*sfn_handler_fn)(sfn_ctx* ctx, const void* msg);

typedef struct sfn_handler_desc {
  uint32_t message_type; /* index into sfn_module.messages */
  sfn_handler_fn fn;
} sfn_handler_desc;

typedef struct sfn_function_desc {
  const char* type_name; /* "pkg/Name", e.g. "example.greeter/Greeter" */
  uint32_t key_kind;     /* SFN_STRING or SFN_INT */
  uint32_t state_count;
  const sfn_state_desc* states;
  uint32_t handler_count;
  const sfn_handler_desc* handlers;
} sfn_function_desc;

/* An ingress route: computes the target address "pkg/Type/key" of record `msg` into `out`
 * (a zeroed sfn_str the runtime owns). Only value services and `raise` may be called. */
typedef int (*sfn_route_fn)(sfn_ctx* ctx, const void* msg, sfn_str* out);

typedef struct sfn_ingress_desc {
  const char* name;
  uint32_t message_type;
  sfn_route_fn route;
} sfn_ingress_desc;

typedef struct sfn_egress_desc {
  const char* name; /* never "dead_letters": the runtime adds that egress itself */
  uint32_t message_type;
} sfn_egress_desc;

/* A source location for runtime errors; `file` as the user wrote it, line/column from 1. */
typedef struct sfn_loc {
  const char* file;
  uint32_t line;
  uint32_t col;
} sfn_loc;

typedef struct sfn_module {
  uint32_t abi_version;     /* SFN_ABI_VERSION */
  const char* package;      /* "example.greeter" */
  const char* version_hash; /* hash of the program's source (hex); compared on restart */
  uint32_t message_count;
  const sfn_message_desc* const* messages;
  uint32_t enum_count;
  const sfn_enum_desc* const* enums;
  uint32_t function_count;
  const sfn_function_desc* functions;
  uint32_t ingress_count;
  const sfn_ingress_desc* ingresses;
  uint32_t egress_count;
  const sfn_egress_desc* egresses;
} sfn_module;

#include "sfn/abi_services.h"

/* The module entry symbol. The runtime calls it once per load with its service table, which
 * stays valid while the module is loaded; the module keeps the pointer for ctx-less calls
 * (e.g. in `init` functions). Returns the module descriptor, valid until unload.
 * A shared object exports it with C linkage; a linked-in module is passed by pointer. */
typedef const sfn_module* (*sfn_module_entry_fn)(const struct sfn_services* services);
#define SFN_MODULE_ENTRY_SYMBOL "sfn_module_v1"

#ifdef __cplusplus
}
#endif

#endif /* SFN_ABI_H */
