// The compiler as reviewer (strata::reviewed): what passes. Each failure has its compile-fail test
// (tests/compile_fail/review_*.cpp).
#include <strata/dialect/postgresql_sql.hpp>
#include <strata/dialect/sqlite_sql.hpp>
#include <strata/strata.hpp>

namespace {

using strata::column;

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {column("id", strata::integer).primary_key(), column("symbol", strata::text), column("price", strata::integer)});
    // Created here: exempt from every rule.
    op.create_index("ix_stocks_symbol", "stocks", {"symbol"});
    op.add_column("stocks", column("isin", strata::text).not_null());
    op.alter_column("stocks", "isin", {.type = strata::varchar(12)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
// Each risky operation acknowledged: the strict policy passes.
struct acknowledged : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "acknowledged";
  static constexpr void upgrade(strata::ops& op) {
    op.allow(strata::rule::rename_column).rename_column("stocks", "symbol", "ticker");
    op.allow(strata::rule::column_type_change).allow(strata::rule::set_not_null).alter_column("stocks", "price", {.type = strata::big_integer, .nullable = false});
    op.add_column("stocks", column("lot", strata::integer).not_null().server_default("1"));
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_column("stocks", "lot");
    op.alter_column("stocks", "price", {.type = strata::integer, .nullable = true});
    op.rename_column("stocks", "ticker", "symbol");
  }
};
// An index built concurrently, outside a transaction.
struct concurrent : strata::revision<"c2", "b1"> {
  static constexpr std::string_view message = "concurrent";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) { op.create_index("ix_stocks_price", "stocks", {"price"}, {.concurrently = true}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_index("ix_stocks_price"); }
};
// Declared irreversible: its downgrade need not undo it (and dropping data is acknowledged).
struct one_way : strata::revision<"d3", "c2"> {
  static constexpr std::string_view message = "one way";
  static constexpr bool irreversible = true;
  static constexpr void upgrade(strata::ops& op) { op.allow(strata::rule::drop_column).drop_column("stocks", "isin"); }
  static constexpr void downgrade(strata::ops&) {}
};

using strict_history = strata::history<initial, acknowledged, concurrent, one_way>;
}  // namespace

template <>
inline constexpr strata::review_policy strata::review_policy_for<strict_history> = strata::strict_policy<strata::postgresql_sql>();
static_assert(strata::reviewed<strict_history>);
static_assert(strata::first_irreversible<strict_history>() == 3, "first_irreversible counts a revision declared irreversible");

// What each revision breaks, as the review reads it off the recorded operations (acknowledged or not).
static_assert(strata::detail::findings_of<acknowledged>().found == 0);
static_assert(strata::detail::findings_of<one_way>().found == 0);
static_assert(strata::detail::findings_of<concurrent>().has(strata::detail::uses_concurrently));

// A backfill: in a non-transactional revision nothing to review (it changes no schema, and a
// downgrade need not undo it); in a transactional one, rule backfill_in_transaction.
namespace {
struct batched : strata::revision<"e4", "d3"> {
  static constexpr std::string_view message = "batched";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) { op.backfill("stocks", "price = 0", "price IS NULL", 500); }
  static constexpr void downgrade(strata::ops&) {}
};
struct in_one : strata::revision<"e4", "d3"> {
  static constexpr std::string_view message = "in one transaction";
  static constexpr void upgrade(strata::ops& op) { op.backfill("stocks", "price = 0"); }
  static constexpr void downgrade(strata::ops&) {}
};
}  // namespace
static_assert(strata::detail::findings_of<batched>().found == 0);
static_assert(strata::detail::findings_of<in_one>().has(static_cast<std::size_t>(strata::rule::backfill_in_transaction)));
static_assert(strata::reviewed<strata::history<initial, acknowledged, concurrent, one_way, batched>>);

// The policies.
static_assert(strata::policy::strict.is_error(strata::rule::drop_table) && strata::policy::strict.single_head);
static_assert(!strata::policy::basic.is_error(strata::rule::drop_table) && strata::policy::basic.is_error(strata::rule::concurrently_in_transaction));
static_assert(strata::policy::basic.is_error(strata::rule::backfill_in_transaction));
static_assert(!strata::strict_policy<strata::postgresql_sql>().without(strata::rule::drop_table).is_error(strata::rule::drop_table));

// Without a policy of its own, a history gets the basic one: risky operations pass, SQLite-only.
namespace {
struct risky : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "risky";
  static constexpr void upgrade(strata::ops& op) { op.create_index("ix_stocks_price", "stocks", {"price"}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_index("ix_stocks_price"); }
};
using relaxed_history = strata::history<initial, risky>;
}  // namespace
static_assert(strata::reviewed<relaxed_history>);
static_assert(strata::detail::review<relaxed_history>::broken.revision == strata::detail::never);
// The same history under the strict policy for SQLite: SQLite cannot build an index concurrently, so
// the rule that asks for it is off there.
static_assert(strata::detail::first_break(strata::strict_policy<strata::sqlite_sql>(), strata::detail::findings_of<risky>(), 1).revision ==
              strata::detail::never);
static_assert(strata::detail::first_break(strata::strict_policy<strata::postgresql_sql>(), strata::detail::findings_of<risky>(), 1).broken ==
              strata::rule::index_without_concurrently);


// A revision without downgrade(): strata derives it from upgrade(), newest first, and the review
// finds that it undoes the upgrade.
namespace {
struct derived : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "derived";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("trades", {column("id", strata::integer).primary_key(), column("stock_id", strata::integer)});
    op.add_column("stocks", column("lot", strata::integer));
    op.create_index("ix_stocks_lot", "stocks", {"lot"});
    op.rename_column("stocks", "symbol", "ticker");
    op.add_constraint("trades", strata::unique("uq_trades_stock", {"stock_id"}));
  }
};
using derived_history = strata::history<initial, derived>;
constexpr bool derived_in_reverse() {
  strata::ops down;
  derived_history::revisions[1].downgrade(down);
  const auto& o = down.operations();
  return o.size() == 5 && strata::get<strata::op::drop_constraint>(o[0]).name == "uq_trades_stock" &&
         strata::get<strata::op::rename_column>(o[1]).new_name == "symbol" && strata::get<strata::op::drop_index>(o[2]).name == "ix_stocks_lot" &&
         strata::get<strata::op::drop_column>(o[3]).column == "lot" && strata::get<strata::op::drop_table>(o[4]).table == "trades";
}
}  // namespace
static_assert(strata::reviewed<derived_history>);
static_assert(strata::first_irreversible<derived_history>() == derived_history::size);
static_assert(derived_in_reverse());

// A policy takes each database's review target from strata::review_target_for: the dialects
// specialise it in <strata/dialect/<dialect>_target.hpp> (the traits declared only), and traits
// without such a header give their own `review_target`.
namespace {
struct custom_sql {
  static constexpr strata::review_target review_target{"Custom", true, false, false, false};
};
}  // namespace
static_assert(strata::review_target_for<strata::postgresql_sql>.name == strata::postgresql_sql::review_target.name);
static_assert(strata::review_target_for<strata::sqlite_sql>.name == "SQLite" && !strata::sqlite_sql::review_target.builds_indexes_concurrently);
static_assert(strata::strict_policy<custom_sql, strata::sqlite_sql>().target_count == 2 &&
              strata::strict_policy<custom_sql, strata::sqlite_sql>().targets[0].name == "Custom" &&
              strata::strict_policy<custom_sql, strata::sqlite_sql>().targets[0].builds_indexes_concurrently);
