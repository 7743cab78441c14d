// Entry points of the IR: lowering a checked program (lower.cpp) and printing the result
// (printer.cpp) for tests and `--debug` output.
#pragma once

#include <memory>
#include <string>

#include "common/result.h"
#include "compiler/check/checked_program.h"
#include "compiler/ir/ir.h"
#include "compiler/source/source.h"

namespace sfn::ir {

// Lowers `program` (which must have no errors) to the IR. `sources` gives file names and
// line/column numbers for runtime error locations. An error naming the first construct the
// lowering does not support (never for a valid program, by contract).
[[nodiscard]] Result<std::unique_ptr<Module>> lower_program(const check::CheckedProgram& program,
                                                            const source::SourceManager& sources);

// A readable, stable text dump of a module (schema, then every body).
std::string print_module(const Module& module);

// The type as SFN source writes it (`map<string, int>`).
std::string type_name(const Module& module, TypeId type);

}  // namespace sfn::ir
