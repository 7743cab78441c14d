// Literal typing, one handler per literal kind of compiler/ast/expr_kinds.def: the expected type
// is a hint that gives `none`, `[]` and `{}` their types; list elements and map keys and values
// each join into one type (LANGUAGE.md §5).
#include "compiler/check/checker.h"

namespace sfn::check {

TypeId Checker::check_node(const ast::Expr&, const ast::IntLit& n, ExprHint) {
  if (n.overflow) return types_.error();  // the parser reported it
  return types_.int_type();
}

TypeId Checker::check_node(const ast::Expr&, const ast::FloatLit&, ExprHint) { return types_.float_type(); }

TypeId Checker::check_node(const ast::Expr&, const ast::DurationLit& n, ExprHint) {
  if (n.overflow) return types_.error();  // the parser reported it
  return types_.duration_type();
}

TypeId Checker::check_node(const ast::Expr&, const ast::BoolLit&, ExprHint) { return types_.bool_type(); }

TypeId Checker::check_node(const ast::Expr&, const ast::NoneLit&, ExprHint hint) {
  if (hint.expected && hint.expected->is(TypeKind::Optional)) return hint.expected;
  return types_.optional(types_.bottom());
}

TypeId Checker::check_node(const ast::Expr&, const ast::StringLit& n, ExprHint) {
  for (const auto& p : n.parts) {
    if (!p.expr) continue;
    TypeId pt = check_ptr(p.expr, nullptr);
    if (pt->is(TypeKind::Void)) {
      report(Kind::E0201, p.expr->span, "this expression has no value to interpolate");
    }
  }
  return types_.string_type();
}

TypeId Checker::check_node(const ast::Expr&, const ast::ListLit& n, ExprHint hint) {
  TypeId expected = hint.expected;
  TypeId elem_hint = expected && expected->is(TypeKind::List) ? expected->elem : nullptr;
  TypeId elem = elem_hint && !elem_hint->is(TypeKind::Bottom) ? elem_hint : types_.bottom();
  bool fixed = elem_hint && !elem_hint->is(TypeKind::Bottom);
  for (const auto& el : n.elements) {
    TypeId et = check_ptr(el, fixed ? elem : (elem->is(TypeKind::Bottom) ? nullptr : elem));
    if (contains_error(et)) continue;
    if (fixed) {
      require(et, elem, el->span);
      continue;
    }
    TypeId j = join(types_, elem, et);
    if (j == nullptr) {
      report(Kind::E0201, el->span,
             "expected `" + tn(elem) + "`, found `" + tn(et) + "` (list elements have one type)");
    } else {
      elem = j;
    }
  }
  return types_.list(elem);
}

TypeId Checker::check_node(const ast::Expr&, const ast::MapLit& n, ExprHint hint) {
  TypeId expected = hint.expected;
  TypeId kh = expected && expected->is(TypeKind::Map) ? expected->elem : nullptr;
  TypeId vh = expected && expected->is(TypeKind::Map) ? expected->value : nullptr;
  TypeId k = kh ? kh : types_.bottom();
  TypeId v = vh ? vh : types_.bottom();
  for (const auto& en : n.entries) {
    TypeId kt = check_ptr(en.key, k->is(TypeKind::Bottom) ? nullptr : k);
    TypeId vt = check_ptr(en.value, v->is(TypeKind::Bottom) ? nullptr : v);
    if (!contains_error(kt)) {
      TypeId j = join(types_, k, kt);
      if (j == nullptr) {
        report(Kind::E0201, en.key->span, "expected `" + tn(k) + "`, found `" + tn(kt) + "`");
      } else if (!is_map_key(j)) {
        report(Kind::E0201, en.key->span, "map keys must be `int`, `string` or `bool`, found `" + tn(kt) + "`");
      } else {
        k = j;
      }
    }
    if (!contains_error(vt)) {
      TypeId j = join(types_, v, vt);
      if (j == nullptr) {
        report(Kind::E0201, en.value->span, "expected `" + tn(v) + "`, found `" + tn(vt) + "`");
      } else {
        v = j;
      }
    }
  }
  return types_.map(k, v);
}

}  // namespace sfn::check
