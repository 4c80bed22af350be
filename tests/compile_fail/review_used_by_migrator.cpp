// The review runs whenever a history is used, not only in a static_assert: constructing a migrator on a
// history whose upgrade does not fit the schema before it fails with the replay's one line.
// expect-error: strata::replay: revision `b1` does not fit the revisions before it: drop_column stocks.isin: table `stocks` has no column `isin`
// expect-error: static assertion failed: strata::replay: the history does not replay
#include <strata/dialect/sqlite.hpp>
#include "review_base.hpp"

struct change : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "change";
  static constexpr void upgrade(strata::ops& op) { op.drop_column("stocks", "isin"); }
  static constexpr void downgrade(strata::ops& op) { op.add_column("stocks", strata::column("isin", strata::text)); }
};
using history = strata::history<initial, change>;

int main() {
  strata::migrator<strata::sqlite> m(history{}, ":memory:");
  (void)m.upgrade();
}
