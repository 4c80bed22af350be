// A row struct whose member cannot hold its column (std::optional<std::int32_t> for a big integer):
// the build stops naming the table, the column, both types and the fix.
// expect-error: strata::in_sync: stocks.market_cap is big_integer in the models, but Stock::market_cap is std::optional<std::int32_t>, which cannot hold it; make the member std::optional<std::int64_t>
// expect-error: static assertion failed: strata::in_sync: the models differ from the migrations, or a row struct from its table
#include <cstdint>
#include <optional>

#include <boost/hana/define_struct.hpp>

#include <strata/hana.hpp>
#include <strata/strata.hpp>

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("market_cap", strata::big_integer)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
using history = strata::history<initial>;

struct Stock {
  BOOST_HANA_DEFINE_STRUCT(Stock, (std::int64_t, id), (std::optional<std::int32_t>, market_cap));
};

struct models {
  static constexpr void declare(strata::model& m) {
    m.table<Stock>("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("market_cap", strata::big_integer)});
  }
};

static_assert(strata::in_sync<history, models>());
