// A downgrade that does not fit the schema its upgrade leaves (it drops an index by a name that was
// never created): first_irreversible fails with one message naming the revision, the operation and
// the index; replay<history>() alone is fine.
// expect-error: strata::first_irreversible: the downgrade of revision `b1` does not fit the schema its upgrade leaves: drop_index ix_stock_symbol: there is no index `ix_stock_symbol`; fix the downgrade
// expect-error: static assertion failed: strata::first_irreversible: a downgrade does not replay
#include <strata/strata.hpp>

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("symbol", strata::text)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
struct index : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "index";
  static constexpr void upgrade(strata::ops& op) { op.create_index("ix_stocks_symbol", "stocks", {"symbol"}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_index("ix_stock_symbol"); }
};

using history = strata::history<initial, index>;
static_assert(strata::replay<history>().indexes.size() == 1);
static_assert(strata::first_irreversible<history>() == history::size);
