// The room a revision's two recordings take frozen (detail::frozen_revision's arrays) is counted by
// the history's check as it records them (revision_facts::frozen), not by a recording of its own:
// it is what the freezer itself counts, operation by operation, for every kind of operation in the
// upgrade and a downgrade that drops a constraint by its columns and adds one.
#include <strata/project.hpp>
#include <strata/strata.hpp>

#include "../revision_source/cases.hpp"

// Where std::variant cannot be constant-evaluated (clang 14 with libstdc++ 12), nothing is recorded
// at compile time and nothing frozen: see strata::detail::records_at_compile_time.
#if __cpp_lib_variant >= 202106L
namespace {

struct every_kind : strata::revision<"5a1b2c3d4e5f", strata::base> {
  static constexpr std::string_view message = "every kind of operation";
  static constexpr void upgrade(strata::ops& op) {
    strata_test::source_cases::record(op);
    op.backfill("stocks", "price = 0", "price IS NULL", 500);
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_constraint("stocks", strata::constraint_kind::unique, {"isin", "cusip"});
    op.add_constraint("stocks", strata::foreign_key("fk_back", {"a", "b"}, "daily_prices", {"c", "d"}));
    op.add_column("stocks", strata::column("logo", strata::blob));
    op.drop_table("stocks");
  }
};

// Derived downgrade: the inverses of a create_table, an add_column and a named add_constraint.
struct derived : strata::revision<"6a1b2c3d4e5f", "5a1b2c3d4e5f"> {
  static constexpr std::string_view message = "a derived downgrade";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("t", {strata::column("a", strata::integer), strata::unique("uq_t_a", {"a"})});
    op.add_column("t", strata::column("b", strata::text));
    op.add_constraint("t", strata::unique("uq_t_b", {"b"}));
    op.create_index("ix_t_ab", "t", {"a", "b"});
  }
};

template <class R>
constexpr strata::detail::frozen_sizes counted_by_the_freezer() {
  strata::detail::frozen_counter counter;
  strata::detail::ops_freezer freezer(counter);
  strata::ops recorded;
  R::upgrade(recorded);
  freezer.freeze(recorded);
  counter.sizes.upgrade = counter.operations;
  recorded.clear();
  strata::detail::downgrade_of<R>(recorded);
  freezer.freeze(recorded);
  counter.sizes.downgrade = counter.operations - counter.sizes.upgrade;
  return counter.sizes;
}

template <class R>
constexpr bool counted_alike() {
  constexpr auto facts = strata::detail::facts_of<R>.frozen;
  constexpr auto freezer = counted_by_the_freezer<R>();
  static_assert(facts.upgrade == freezer.upgrade && facts.downgrade == freezer.downgrade);
  static_assert(facts.columns == freezer.columns && facts.constraints == freezer.constraints && facts.names == freezer.names);
  return freezer.upgrade > 0 && freezer.downgrade > 0 && freezer.columns > 0 && freezer.constraints > 0 && freezer.names > 0;
}

static_assert(counted_alike<every_kind>());
static_assert(counted_alike<derived>());

}  // namespace
#endif
