/* The runtime services of the SFN module ABI (included by sfn/abi.h; not a header of its own).
 *
 * `sfn_services` is a table of function pointers the runtime gives a module at load. Entries
 * taking an `sfn_ctx*` are *invocation services*: valid only during the handler or route call
 * that received the ctx. The others are *value operations* usable anywhere (also in `init`
 * functions and pure helpers). Entries are only ever appended in later ABI versions.
 */
#ifndef SFN_ABI_SERVICES_H
#define SFN_ABI_SERVICES_H

/* The invocation context. `svc` and the budget are public; the runtime's own data follows.
 *
 * The invocation budget (decision 110): generated code subtracts 1 from `fuel` at every loop
 * iteration and every fn call, and calls `svc->refuel(ctx, loc)` when it drops below zero
 * (returning at once if that raises). A fn call adds 1 to `depth` on entry, raises
 * "recursion deeper than <max_depth>" (sfn_rt_raise_depth) when it exceeds `max_depth`, and
 * subtracts 1 on return. The runtime sets all three before each invocation. */
struct sfn_ctx {
  const struct sfn_services* svc;
  int64_t fuel;
  uint32_t depth;
  uint32_t max_depth;
};

typedef struct sfn_services {
  uint32_t abi_version; /* SFN_ABI_VERSION of the runtime */

  /* ---------------- invocation services ---------------- */

  /* The current instance's address "pkg/Type/key" (`self`). Valid for the invocation. */
  const sfn_str* (*self)(sfn_ctx* ctx);
  /* The instance key: `key_int` for int-keyed function types, `key_str` for string-keyed. */
  int64_t (*key_int)(sfn_ctx* ctx);
  const sfn_str* (*key_str)(sfn_ctx* ctx);

  /* Read view of state `index` (into the function's `states`): a slot of the state's type
   * holding its current value (initializer when never written, cleared or expired). Valid until
   * the next state_mut/state_clear on the same state or the end of the invocation. */
  const void* (*state_get)(sfn_ctx* ctx, uint32_t index);
  /* Mutable slot of state `index` for this invocation (copy-on-first-write of the current
   * value). Marks the state written. Changes take effect only if the invocation succeeds. */
  void* (*state_mut)(sfn_ctx* ctx, uint32_t index);
  /* `clear state`: resets state `index` to its initializer. index == UINT32_MAX clears every
   * state of the instance (`clear self`). Transactional like state_mut. */
  void (*state_clear)(sfn_ctx* ctx, uint32_t index);

  /* `send msg to address`: moves `msg` (a message of type `message_type`). Raises (returns
   * SFN_RAISED) at `loc` (the send statement; may be NULL) when `address` is not a valid
   * address of a function type of the module or that function type has no handler for the
   * message type. Delivered iff the invocation succeeds, in order with the invocation's other
   * sends to the same address. */
  int (*send)(sfn_ctx* ctx, const sfn_str* address, uint32_t message_type, void* msg, const sfn_loc* loc);
  /* Delayed send: like `send`, delivered no sooner than `delay_ns` (clamped at 0) after now().
   * Writes a fresh timer handle into `out_timer` (replacing its previous content). The timer
   * is registered iff the invocation succeeds; it is durable (persisted with the state). */
  int (*send_after)(sfn_ctx* ctx, const sfn_str* address, uint32_t message_type, void* msg, int64_t delay_ns,
                    sfn_str* out_timer, const sfn_loc* loc);
  /* `cancel t`: the delayed message of `timer` will not be delivered, if it has not been yet
   * (takes effect iff the invocation succeeds). Unknown or delivered timers are a no-op. */
  void (*cancel)(sfn_ctx* ctx, const sfn_str* timer);
  /* `emit msg to egress`: moves `msg` (of the egress's message type); `egress` indexes
   * sfn_module.egresses. Visible iff the invocation succeeds. */
  void (*emit)(sfn_ctx* ctx, uint32_t egress, void* msg);
  /* now(): nanoseconds since the Unix epoch on the runtime clock (real or virtual). Constant
   * during one invocation. */
  int64_t (*now)(sfn_ctx* ctx);
  /* log(text): writes one line to the runtime log (stderr), prefixed with the address. */
  void (*log)(sfn_ctx* ctx, const char* text, uint64_t len);
  /* Aborts the invocation with a runtime error (`message`: e.g. "integer overflow", or the
   * reason of `fail`) at `loc`. Always returns SFN_RAISED, which the caller returns at once.
   * The runtime discards the invocation's effects and emits a dead_letters record. */
  int (*raise)(sfn_ctx* ctx, const char* message, uint64_t len, const sfn_loc* loc);

  /* ---------------- value operations (no ctx) ---------------- */

  /* Generic operations driven by a type: `value_init` writes the default into raw memory
   * (zero + message defaults); `value_destroy` frees what the slot owns and zeroes it;
   * `value_copy` replaces the valid value in `dst` by a deep copy of `src`;
   * `value_equal` is structural equality (1/0); `value_compare` orders int, float, string,
   * time, duration (-1/0/1); `value_format` replaces `out` with string(x) per LANGUAGE.md §10
   * (strings as-is at top level, quoted inside containers). */
  void (*value_init)(const sfn_type* type, void* slot);
  void (*value_destroy)(const sfn_type* type, void* slot);
  void (*value_copy)(const sfn_type* type, void* dst, const void* src);
  int (*value_equal)(const sfn_type* type, const void* a, const void* b);
  int (*value_compare)(const sfn_type* type, const void* a, const void* b);
  void (*value_format)(const sfn_type* type, const void* value, sfn_str* out);

  /* Address of `F(key)`: "type_name/key" into `out` (replacing it). */
  void (*ref_int)(const char* type_name, int64_t key, sfn_str* out);
  void (*ref_str)(const char* type_name, const sfn_str* key, sfn_str* out);

  /* Strings (UTF-8 bytes). Results replace `out`. Functions returning `const char*` return
   * NULL on success or a static error text for `raise`.
   *
   * The memory budget (decision 110): during an invocation every value operation that allocates
   * charges its invocation's budget. One that does not fit allocates nothing and leaves the
   * empty value of its result (a list push drops its element; list_insert returns an error text;
   * map_slot returns a scratch slot), and the invocation fails at its next fuel point or its end
   * with "invocation memory budget exhausted", whatever it raised in between.
   * `str_assign` with data NULL and len > 0 gives `out` len zero bytes to write in place (the
   * empty string when the budget refuses them). */
  void (*str_assign)(sfn_str* out, const char* data, uint64_t len);
  void (*str_concat)(sfn_str* out, const sfn_str* a, const sfn_str* b);
  int (*str_contains)(const sfn_str* s, const sfn_str* needle);
  int (*str_starts_with)(const sfn_str* s, const sfn_str* prefix);
  int (*str_ends_with)(const sfn_str* s, const sfn_str* suffix);
  void (*str_split)(const sfn_str* s, const sfn_str* sep, sfn_list* out); /* list<string> */
  void (*str_trim)(const sfn_str* s, sfn_str* out);                       /* ASCII whitespace at both ends */
  void (*str_upper)(const sfn_str* s, sfn_str* out);                      /* ASCII letters only */
  void (*str_lower)(const sfn_str* s, sfn_str* out);
  void (*str_replace)(const sfn_str* s, const sfn_str* from, const sfn_str* to, sfn_str* out);
  /* Byte offsets; error when start < 0, len < 0 or start + len > s->len. */
  const char* (*str_substring)(const sfn_str* s, int64_t start, int64_t len, sfn_str* out);
  /* string(b): error when `b` is not valid UTF-8. */
  const char* (*str_from_bytes)(const sfn_str* b, sfn_str* out);
  /* int(x) for a float: truncates toward zero; error when NaN or out of range. */
  const char* (*float_to_int)(double x, int64_t* out);

  /* Lists; `list_type` is the list<T> type. Elements are moved in where noted. */
  void (*list_push)(const sfn_type* list_type, sfn_list* list, void* elem); /* moves */
  void (*list_pop)(const sfn_type* list_type, sfn_list* list,
                   void* out_optional); /* T? (T itself when T is optional: T?? is T?) */
  const char* (*list_insert)(const sfn_type* list_type, sfn_list* list, int64_t index,
                             void* elem); /* moves; 0 <= index <= len */
  const char* (*list_remove_at)(const sfn_type* list_type, sfn_list* list, int64_t index);
  void (*list_clear)(const sfn_type* list_type, sfn_list* list);
  /* Pointer to element `index` (read or write in place); error when out of range. */
  const char* (*list_at)(const sfn_type* list_type, sfn_list* list, int64_t index, void** out);
  int (*list_contains)(const sfn_type* list_type, const sfn_list* list, const void* elem);
  /* out = a + b (copies). */
  void (*list_concat)(const sfn_type* list_type, sfn_list* out, const sfn_list* a, const sfn_list* b);

  /* Maps; `map_type` is the map<K,V> type. */
  /* The value slot for `key`, or NULL when absent (read, or write in place). */
  void* (*map_find)(const sfn_type* map_type, sfn_map* map, const void* key);
  /* `m[k] = v` / `m[k] op= v`: the value slot for `key`, inserting (a copy of key, value
   * default) when absent. */
  void* (*map_slot)(const sfn_type* map_type, sfn_map* map, const void* key);
  /* Removes `key`; returns 1 when it was present. */
  int (*map_remove)(const sfn_type* map_type, sfn_map* map, const void* key);
  void (*map_clear)(const sfn_type* map_type, sfn_map* map);
  void (*map_keys)(const sfn_type* map_type, const sfn_map* map, sfn_list* out);   /* copies */
  void (*map_values)(const sfn_type* map_type, const sfn_map* map, sfn_list* out); /* copies */

  /* ---------------- invocation budget (ABI 4) ---------------- */

  /* `ctx->fuel` dropped below zero at `loc` (a loop or a fn): gives the invocation its next slice
   * of fuel and returns SFN_OK, or raises "invocation budget exhausted" at `loc` when the budget
   * is spent or the run is stopping, and returns SFN_RAISED. */
  int (*refuel)(sfn_ctx* ctx, const sfn_loc* loc);
} sfn_services;

#endif /* SFN_ABI_SERVICES_H */
