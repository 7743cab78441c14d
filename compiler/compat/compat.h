// Program versions and compatibility (LANGUAGE.md §11, docs/decisions/015-program-compatibility.md).
//
// A program's *schema* is what its persisted data and its in-flight messages depend on: every
// message type (fields in declaration order, with their type text and default class), every enum
// (values in order), every function type (key type, states with their type text, handled
// messages), and the ingresses and egresses with their message types. It is independent of
// comments, formatting, handler bodies, initializers and the declaration order of top-level
// items, and serialises to one stable JSON text (`schema_text`), which the runtime records in
// every snapshot's MANIFEST (RunOptions::state_schema).
//
// `check_compatible` compares a recorded schema with a new checked program and reports E0601
// (an incompatible change: stored state or in-flight messages would be misread or lost) and
// W0602 (persisted data the new version drops: a removed state, function type or ingress),
// located in the new program. `sfn check --compatible-with`, the restart of `sfn run` on a
// state directory and hot reload (issue 9) all call it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "compiler/check/checked_program.h"
#include "compiler/diagnostics/diagnostic.h"

namespace sfn::compat {

// How a field behaves when a literal or the wire omits it (decision 014).
enum class DefaultKind {
  Required,  // no default: a literal must give it (its natural value when absent on the wire)
  Natural,   // a default equal to the type's natural value: implicit presence on the wire
  Explicit,  // a default that is not the natural value: explicit presence (always written)
};

struct FieldSchema {
  std::string name;
  std::string type;  // as written in SFN (`list<Item>`, `ref<Cart>`, `int?`)
  DefaultKind default_kind = DefaultKind::Required;
  bool operator==(const FieldSchema&) const = default;
};

struct FunctionSchema {
  std::string key;                            // the key's type: `string` or `int`
  std::map<std::string, std::string> states;  // state name -> type text
  std::set<std::string> handlers;             // handled message types
  bool operator==(const FunctionSchema&) const = default;
};

struct Schema {
  std::string package;
  std::map<std::string, std::vector<FieldSchema>> messages;  // fields in declaration order
  std::map<std::string, std::vector<std::string>> enums;     // values in declaration order
  std::map<std::string, FunctionSchema> functions;
  std::map<std::string, std::string> ingresses;  // ingress -> message type
  std::map<std::string, std::string> egresses;   // egress -> message type (no dead_letters)
  bool operator==(const Schema&) const = default;
};

// The schema of a checked program without errors.
Schema extract_schema(const check::CheckedProgram& program);

// The one serialisation: compact JSON with object keys sorted, so equal schemas give equal text.
std::string to_json(const Schema& schema);
// extract_schema + to_json: what RunOptions::state_schema and the MANIFEST hold.
std::string schema_text(const check::CheckedProgram& program);

// A schema read back from its JSON text, or an `incompatible` error saying why it could not be
// read ("not a program schema: ...").
[[nodiscard]] Result<Schema> parse_schema(std::string_view text);

// Compares the schema of the old version with the new checked program (which must have no
// errors) and reports every incompatibility to `sink`: E0601 errors and W0602 warnings, located
// in the new program where the changed declaration is (its message, field, state, key, enum
// value or ingress; for a removed declaration, the declaration that contained it, or the
// package line). Each message names the function type, state, message or field, the old and
// the new type, and what would be lost. Returns the number of E0601 errors reported.
//
[[nodiscard]] std::size_t check_compatible(const Schema& old_schema, const check::CheckedProgram& now,
                                           diagnostics::DiagnosticSink& sink);

// The in-process entry point for hot reload (issue 9) and restarts: the old version's schema as
// recorded (its text, e.g. a MANIFEST's `state_schema`) against the new checked program. The
// new version may replace the old one exactly when `accepted()`; otherwise `sink` holds the
// E0601 diagnostics to show, or `unreadable` says why the text is not a schema.
struct [[nodiscard]] Verdict {
  std::size_t errors = 0;  // E0601 reported to the sink
  std::string unreadable;  // set when the old schema text could not be read (nothing reported)
  bool accepted() const { return errors == 0 && unreadable.empty(); }
};
Verdict check_compatible(std::string_view old_schema_text, const check::CheckedProgram& now,
                         diagnostics::DiagnosticSink& sink);

}  // namespace sfn::compat
