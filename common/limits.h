// Limits the compiler and the runtime must agree on (docs/decisions/110-hardening-limits.md).
// Header-only: no layer of the build owns it, every layer may include it.
#pragma once

namespace sfn::common {

// The deepest a value may nest: the runtime's Protobuf and JSON decoders load values up to this
// depth (an ingress record, a message between workers, a stored state value) and refuse deeper
// ones, and the checker refuses message and state types whose values would nest deeper (E0208).
// Every message, list, map and optional is one level; scalars (int, string, ref, enum, ...) add
// none. A message with only scalar fields is 1 deep, `list<M>` of such an M is 2, a field `m: M?`
// adds 2 to its message (the optional and M). Protobuf wrapper messages (decision 014) and JSON
// `null` add nothing. Values of recursive types (`next: Node?`) can be deeper than any type's
// depth; the decoders are their guard.
inline constexpr int kMaxValueDepth = 64;

}  // namespace sfn::common
