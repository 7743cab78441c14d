// The AST printer behind `sfn emit ast`: a deterministic, indented tree with one node per line,
// showing the node kind, names, literal values, written types and the `line:col` where the
// node starts. Used by humans to see what the parser understood and by golden tests.
#pragma once

#include <string>

#include "compiler/ast/ast.h"
#include "compiler/source/source.h"

namespace sfn::ast {

// Prints every file of `program` (root first). Positions come from `sources`; the output ends
// with a newline and depends only on the program and the source texts.
std::string print_ast(const Program& program, const source::SourceManager& sources);

// A type as written in SFN syntax: `map<string, list<int>>`, `ref<Cart>?`.
std::string type_to_string(const TypeExpr& type);

}  // namespace sfn::ast
