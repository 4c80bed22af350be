// A revision that adds a column the table has: the message names the revision, the operation and
// the column, and first_irreversible says the same.
// expect-error: strata::replay: revision `c2` does not fit the revisions before it: add_column stocks.symbol: table `stocks` has a column `symbol` already; fix the revision or the revisions before it
#include <strata/strata.hpp>

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("symbol", strata::text)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
struct fine : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "fine";
  static constexpr void upgrade(strata::ops& op) { op.create_index("ix_stocks_symbol", "stocks", {"symbol"}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_index("ix_stocks_symbol"); }
};
struct twice : strata::revision<"c2", "b1"> {
  static constexpr std::string_view message = "adds symbol again";
  static constexpr void upgrade(strata::ops& op) { op.add_column("stocks", strata::column("symbol", strata::varchar(10))); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("stocks", "symbol"); }
};

using history = strata::history<initial, fine, twice>;
static_assert(strata::first_irreversible<history>() == history::size);
