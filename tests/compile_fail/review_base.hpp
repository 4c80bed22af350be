// What the review tests (review_*.cpp) share: a first revision that creates the tables the second
// one changes, and the macro that writes the second one and a history under a policy.
#pragma once

#include <strata/dialect/postgresql_sql.hpp>
#include <strata/dialect/sqlite_sql.hpp>
#include <strata/strata.hpp>

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("symbol", strata::text),
                               strata::column("price", strata::integer)});
    op.create_table("trades", {strata::column("id", strata::integer).primary_key(), strata::column("stock_id", strata::integer)});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("trades");
    op.drop_table("stocks");
  }
};

// Revision b1 doing UP (undone by DOWN) in a history reviewed under POLICY.
#define STRATA_REVIEW_CASE(POLICY, TRANSACTIONAL, UP, DOWN)                                          \
  struct change : strata::revision<"b1", "a0"> {                                                     \
    static constexpr std::string_view message = "change";                                            \
    static constexpr bool transactional = TRANSACTIONAL;                                             \
    static constexpr void upgrade(strata::ops& op) { UP; }                                           \
    static constexpr void downgrade(strata::ops& op) { DOWN; }                                       \
  };                                                                                                 \
  using history = strata::history<initial, change>;                                                  \
  template <>                                                                                        \
  inline constexpr strata::review_policy strata::review_policy_for<history> = POLICY;                \
  static_assert(strata::reviewed<history>)
