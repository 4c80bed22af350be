// A history that contradicts itself (a revision drops a table nobody created) fails to replay.
// expect-error: strata::schema: no such table
// expect-error: non-constant condition for static assertion
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
