/* The helper surface of compiled SFN code: plain C functions that both backends call for what
 * the service table (sfn/abi_services.h) does not do itself — runtime errors whose text needs
 * formatting, optional boxes, string interpolation and the standard library's
 * extern fns. The C++ backend's inline helpers (sfn_std.h) forward to these where they share a
 * behaviour; the LLVM backend calls them directly (the JIT resolves them through
 * `sfn_rt_symbols`). Nothing here throws: runtime errors are raised through the ctx and reported
 * as SFN_RAISED. Part of the sfn_stdlib archive (linked into every C++ module and into `sfn`).
 */
#ifndef SFN_RT_H
#define SFN_RT_H

#include "sfn/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sets the service table the ctx-less helpers below use. A module calls it from its entry. */
void sfn_rt_init(const sfn_services* services);

/* Runtime errors; each raises through `ctx` and returns SFN_RAISED. */
/* "index I out of range for list of length N" */
int sfn_rt_raise_index(sfn_ctx* ctx, int64_t index, uint64_t len, const sfn_loc* loc);
/* "index I out of range for insert into list of length N" */
int sfn_rt_raise_insert_index(sfn_ctx* ctx, int64_t index, uint64_t len, const sfn_loc* loc);
/* "key K not found in map" (string keys quoted) */
int sfn_rt_raise_missing_key(sfn_ctx* ctx, const sfn_type* map_type, const void* key, const sfn_loc* loc);
/* "recursion deeper than N" (N = ctx->max_depth): a fn call over the invocation's depth limit. */
int sfn_rt_raise_depth(sfn_ctx* ctx, const sfn_loc* loc);
/* A NUL-terminated error text returned by a value operation of the service table. */
int sfn_rt_raise_text(sfn_ctx* ctx, const char* text, const sfn_loc* loc);

/* int(x) of a float: truncates toward zero; raises "invalid conversion: float X out of range
 * for int" when x is NaN or outside [-2^63, 2^63). */
int sfn_rt_float_to_int(sfn_ctx* ctx, double x, int64_t* out, const sfn_loc* loc);

/* min(a, b) / max(a, b) of floats (docs/language.md decision 37): NaN when either is NaN, and
 * -0.0 below +0.0, so both are symmetric in their arguments (IEEE 754-2019 minimum/maximum). */
double sfn_rt_min_float(double a, double b);
double sfn_rt_max_float(double a, double b);

/* A message optional (a pointer slot) := a boxed deep copy of `src` (message type `inner`). */
void sfn_rt_wrap_message(const sfn_type* inner, void** dst, const void* src);

/* One piece of an interpolated string: `len` bytes of `text` when `type` is NULL, else the value
 * at `value` formatted per LANGUAGE.md §10 (strings as they are). */
typedef struct sfn_rt_piece {
  const char* text;
  uint64_t len;
  const sfn_type* type;
  const void* value;
} sfn_rt_piece;
/* dst := the concatenation of the pieces (replacing dst's value). */
void sfn_rt_interpolate(sfn_str* dst, const sfn_rt_piece* pieces, uint64_t count);

/* The standard library's extern fns, one per `module.name` of the stdlib/std/ modules, all of one
 * shape: `out` is the result slot (a valid value it replaces; NULL for fns without result) and
 * `args[i]` points at the slot of argument i. Returns SFN_OK, or SFN_RAISED after raising at
 * `loc`. */
typedef int (*sfn_rt_std_fn)(sfn_ctx* ctx, const sfn_loc* loc, void* out, void* const* args);
/* The std fn of "strings.join", or NULL when there is none. */
sfn_rt_std_fn sfn_rt_std_lookup(const char* module, const char* name);

/* Every function above by its C name, for a JIT that resolves the calls of generated code. */
typedef struct sfn_rt_symbol {
  const char* name;
  void* address;
} sfn_rt_symbol;
const sfn_rt_symbol* sfn_rt_symbols(uint64_t* count);

#ifdef __cplusplus
}
#endif

#endif /* SFN_RT_H */
