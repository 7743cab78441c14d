// Small helpers over AST nodes.
#include "compiler/ast/ast.h"

namespace sfn::ast {

std::string QualifiedName::joined() const {
  std::string out;
  for (const auto& part : parts) {
    if (!out.empty()) out += '.';
    out += part.name;
  }
  return out;
}

const Span& span_of(const Decl& decl) {
  return std::visit([](const auto& d) -> const Span& { return d.span; }, decl);
}

const Ident& name_of(const Decl& decl) {
  return std::visit([](const auto& d) -> const Ident& { return d.name; }, decl);
}

}  // namespace sfn::ast
