// Program versions for the driver (LANGUAGE.md §11): `sfn check --compatible-with OLD` and the
// restart of `sfn run` on a state directory written by another version. The rules live in
// compiler/compat; this file finds the old schema (an .sfn program or a state directory's newest
// committed snapshot) and connects the check to the diagnostics output and to the runtime.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "compiler/compat/compat.h"
#include "compiler/driver/frontend.h"
#include "sfn/runtime.h"

namespace sfn::driver {

// The old version's schema and where it came from.
struct OldSchema {
  compat::Schema schema;
  std::string description;  // "`old.sfn`" or "state directory DIR (snapshot epoch E)"
};

// Reads the schema of `path`: an .sfn program (checked; it must have no errors) or, for a
// directory, the state directory of `sfn run`, whose newest committed snapshot records it.
// When there is none, the error says why (text for the user, not yet printed); its code is
// `invalid_argument` when the old program has errors (exit status 1), another one otherwise (2).
[[nodiscard]] Result<OldSchema> load_old_schema(const std::string& path);

// Adds the compatibility diagnostics of `fe`'s program against `old` to `fe.sink` (sorted) and
// returns the number of E0601 errors. `fe` must hold a checked program without errors.
[[nodiscard]] std::size_t check_against(Frontend& fe, const compat::Schema& old);

// Gives a run of the program checked in `fe` (rooted at `path`) its schema (recorded in every
// snapshot) and the compatibility check at restart: when the state directory's newest snapshot
// was written by another version, its diagnostics are printed on stderr and an incompatible
// version refuses to start.
void attach_versions(runtime::RunOptions& options, std::shared_ptr<const Frontend> fe, const std::string& path);

}  // namespace sfn::driver
