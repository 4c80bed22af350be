// A history that contradicts itself (a revision drops a table nobody created) fails to replay, with
// one message naming the revision, the operation and the missing table.
// expect-error: strata::replay: revision `b1` does not fit the revisions before it: drop_table stock: there is no table `stock`; fix the revision or the revisions before it
// expect-error: static assertion failed: strata::replay: the history does not replay
#include <strata/strata.hpp>

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) { op.create_table("stocks", {strata::column("id", strata::integer).primary_key()}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
struct typo : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "drops a table that does not exist";
  static constexpr void upgrade(strata::ops& op) { op.drop_table("stock"); }
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<initial, typo>;
static_assert(strata::replay<history>().tables.empty());
