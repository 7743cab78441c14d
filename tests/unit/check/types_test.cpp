// The type table and the typing relations (assignability, joins, equality and ordering) and
// "did you mean" suggestions.
#include <gtest/gtest.h>

#include "compiler/check/checked_program.h"
#include "compiler/check/suggest.h"

namespace sfn::check {
namespace {

struct Names : TypeNamer {
  std::string message_name(std::uint32_t i) const override { return "M" + std::to_string(i); }
  std::string enum_name(std::uint32_t i) const override { return "E" + std::to_string(i); }
  std::string function_name(std::uint32_t i) const override { return "F" + std::to_string(i); }
};

TEST(TypeTable, InternsStructurally) {
  TypeTable t;
  EXPECT_EQ(t.list(t.int_type()), t.list(t.int_type()));
  EXPECT_NE(t.list(t.int_type()), t.list(t.float_type()));
  EXPECT_EQ(t.map(t.string_type(), t.list(t.int_type())), t.map(t.string_type(), t.list(t.int_type())));
  EXPECT_EQ(t.message(3), t.message(3));
  EXPECT_NE(t.message(3), t.enumeration(3));
  EXPECT_EQ(t.ref(1), t.ref(1));
  // Optionals never nest, and poison propagates.
  EXPECT_EQ(t.optional(t.optional(t.int_type())), t.optional(t.int_type()));
  EXPECT_EQ(t.list(t.error()), t.error());
  EXPECT_EQ(t.optional(t.error()), t.error());
  EXPECT_EQ(t.scalar_by_name("duration"), t.duration_type());
  EXPECT_EQ(t.scalar_by_name("Cart"), nullptr);
}

TEST(TypeTable, Printing) {
  TypeTable t;
  Names n;
  EXPECT_EQ(type_to_string(t.map(t.string_type(), t.list(t.int_type())), n), "map<string, list<int>>");
  EXPECT_EQ(type_to_string(t.optional(t.ref(2)), n), "ref<F2>?");
  EXPECT_EQ(type_to_string(t.optional(t.bottom()), n), "none");
  EXPECT_EQ(type_to_string(t.list(t.bottom()), n), "list<_>");
  EXPECT_EQ(type_to_string(t.message(0), n), "M0");
}

TEST(Assignability, StrictWithOneImplicitWrap) {
  TypeTable t;
  TypeId i = t.int_type(), f = t.float_type();
  EXPECT_TRUE(is_assignable(i, i));
  EXPECT_FALSE(is_assignable(i, f));  // no numeric widening
  EXPECT_FALSE(is_assignable(f, i));
  EXPECT_TRUE(is_assignable(i, t.optional(i)));                                     // T -> T?
  EXPECT_FALSE(is_assignable(t.optional(i), i));                                    // no implicit unwrap
  EXPECT_TRUE(is_assignable(t.optional(t.bottom()), t.optional(t.string_type())));  // none
  EXPECT_FALSE(is_assignable(t.optional(t.bottom()), t.string_type()));
  EXPECT_TRUE(is_assignable(t.list(t.bottom()), t.list(t.message(0))));               // []
  EXPECT_TRUE(is_assignable(t.map(t.bottom(), t.bottom()), t.map(t.int_type(), i)));  // {}
  EXPECT_FALSE(is_assignable(t.list(i), t.list(t.optional(i))));                      // the wrap is top-level only
  EXPECT_FALSE(is_assignable(t.ref(0), t.ref(1)));
  EXPECT_TRUE(is_assignable(t.ref(0), t.optional(t.ref(0))));
  // Poison is accepted silently both ways.
  EXPECT_TRUE(is_assignable(t.error(), i));
  EXPECT_TRUE(is_assignable(i, t.error()));
}

TEST(Join, CommonTypes) {
  TypeTable t;
  TypeId i = t.int_type();
  EXPECT_EQ(join(t, i, i), i);
  EXPECT_EQ(join(t, i, t.optional(t.bottom())), t.optional(i));
  EXPECT_EQ(join(t, t.list(t.bottom()), t.list(i)), t.list(i));
  EXPECT_EQ(join(t, i, t.string_type()), nullptr);
  EXPECT_EQ(join(t, t.optional(i), i), t.optional(i));
}

TEST(Relations, EqualityAndOrdering) {
  TypeTable t;
  EXPECT_TRUE(is_equatable(t.list(t.map(t.string_type(), t.message(0)))));
  EXPECT_FALSE(is_equatable(t.timer_type()));
  EXPECT_FALSE(is_equatable(t.optional(t.timer_type())));
  EXPECT_TRUE(is_ordered(t.duration_type()));
  EXPECT_TRUE(is_ordered(t.string_type()));
  EXPECT_FALSE(is_ordered(t.bool_type()));
  EXPECT_FALSE(is_ordered(t.list(t.int_type())));
  EXPECT_TRUE(is_map_key(t.bool_type()));
  EXPECT_FALSE(is_map_key(t.float_type()));
}

TEST(Suggest, EditDistance) {
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("lgo", "log"), 1u);    // adjacent swap
  EXPECT_EQ(edit_distance("cart", "Cart"), 0u);  // case-only differences are free
}

TEST(Suggest, BestCandidate) {
  Candidates c = {"quantity", "quality", "user", "items"};
  EXPECT_EQ(best_suggestion("quantty", c), "quantity");
  EXPECT_EQ(best_suggestion("usr", c), "user");
  EXPECT_EQ(best_suggestion("zzzzzz", c), std::nullopt);
  EXPECT_EQ(best_suggestion("items", c), std::nullopt);  // never the name itself
  EXPECT_EQ(best_suggestion("x", {}), std::nullopt);
}

TEST(Methods, MutatingSet) {
  EXPECT_TRUE(is_mutating(Method::ListPush));
  EXPECT_TRUE(is_mutating(Method::MapRemove));
  EXPECT_FALSE(is_mutating(Method::MapGet));
  EXPECT_STREQ(method_name(Method::ListRemoveAt), "remove_at");
}

}  // namespace
}  // namespace sfn::check
