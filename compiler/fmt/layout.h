// The layout rules of SFN: a concrete syntax tree plus the file's comments become a Doc.
#pragma once

#include <string_view>

#include "compiler/fmt/doc.h"
#include "compiler/parse/syntax.h"

namespace sfn::formatter {

// `text` is the file's source; `tree` its syntax tree (parse_syntax_tree).
Doc layout_file(std::string_view text, const parse::SyntaxNode& tree);

}  // namespace sfn::formatter
