// Models that drifted from the migrations: the build stops with one message naming the column, both
// types and the fix.
// expect-error: strata::in_sync: stocks.market_cap is big_integer in the models, integer in the migrations; build manage_db and run 'manage_db migrate "message"' to write the revision
// expect-error: static assertion failed: strata::in_sync: the models differ from the migrations, or a row struct from its table
#include <strata/strata.hpp>

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("market_cap", strata::integer)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
using history = strata::history<initial>;

struct models {
  static constexpr void declare(strata::model& m) {
    m.table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("market_cap", strata::big_integer)});
  }
};

static_assert(strata::in_sync<history, models>());
