// Emits a proto3 file for a checked program's messages and enums (LANGUAGE.md §5 mapping):
// int/time/duration -> int64, float -> double, ref/timer -> string, list<T> -> repeated T,
// map<K,V> -> map<K,V>, T? -> proto3 `optional` (message fields have presence already).
// Shapes protobuf cannot express directly (a list of lists or of optionals, an optional list or
// map, a map whose values are lists, maps or optionals) are wrapped in generated messages named
// `Sfn<Shape>_<Elem>` (e.g. `SfnList_Int` with `repeated int64 items = 1;`). Enum values are
// prefixed with the enum's name in UPPER_SNAKE case, because proto3 enum values share their
// package's scope. Pure function: deterministic text, golden-tested and compiled by protoc in tests.
#pragma once

#include <string>

#include "compiler/check/checked_program.h"

namespace sfn::codegen::proto {

// The .proto text for a program that checked without errors. Messages of std modules are
// included too (they are part of the program's wire format).
std::string emit_proto(const check::CheckedProgram& program);

// The UPPER_SNAKE prefix used for an enum's values ("Availability" -> "AVAILABILITY").
std::string enum_value_prefix(const std::string& enum_name);

}  // namespace sfn::codegen::proto
