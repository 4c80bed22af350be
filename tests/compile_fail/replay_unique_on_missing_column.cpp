// A unique constraint on a column the table does not have: one line naming the revision, the operation
// and the column.
// expect-error: strata::replay: revision `b1` does not fit the revisions before it: add_constraint stocks.uq_stocks_isin: table `stocks` has no column `isin`. fix the revision or the revisions before it
// expect-error: static assertion failed: strata::replay: the history does not replay
#include "review_base.hpp"

struct change : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "unique isin";
  static constexpr void upgrade(strata::ops& op) { op.add_constraint("stocks", strata::unique("uq_stocks_isin", {"isin"})); }
  static constexpr void downgrade(strata::ops& op) { op.drop_constraint("stocks", "uq_stocks_isin"); }
};
using history = strata::history<initial, change>;
static_assert(strata::reviewed<history>);
