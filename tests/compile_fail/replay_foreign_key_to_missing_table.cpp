// A foreign key to a table that does not exist, and a unique constraint on a column that does not:
// the replay refuses each with one line naming the revision, the operation and the missing object.
// expect-error: strata::replay: revision `b1` does not fit the revisions before it: create_table fills: there is no table `stock`. fix the revision or the revisions before it
// expect-error: static assertion failed: strata::replay: the history does not replay
#include "review_base.hpp"

struct change : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "trades";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("fills", {strata::column("id", strata::integer).primary_key(), strata::column("stock_id", strata::integer).references("stock", "id")});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("fills"); }
};
using history = strata::history<initial, change>;
static_assert(strata::reviewed<history>);
