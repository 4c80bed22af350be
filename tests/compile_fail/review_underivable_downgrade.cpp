// A revision without downgrade() whose upgrade runs SQL strata cannot reverse: one message naming the
// revision's type and saying to write downgrade().
// expect-error: revision_checked<no_way_back>
// expect-error: static assertion failed: strata::history: the revision in 'revision_checked<...>' above has no downgrade\(\) and its upgrade\(\) records an operation strata cannot reverse
#include "review_base.hpp"

struct no_way_back : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "no way back";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("stocks", strata::column("lot", strata::integer));
    op.execute("UPDATE stocks SET lot = 1");
  }
};
using history = strata::history<initial, no_way_back>;
static_assert(strata::reviewed<history>);
