// Models and strata::diff at compile time: the passing side of compile_fail/models_*.cpp.
#include <cstdint>
#include <optional>
#include <string>

#include <boost/hana/define_struct.hpp>

#include <strata/hana.hpp>
#include <strata/strata.hpp>

namespace {

struct Stock {
  BOOST_HANA_DEFINE_STRUCT(Stock, (std::int64_t, id), (std::optional<std::int64_t>, market_cap), (std::string, symbol));
};

struct initial : strata::revision<"e10000000001", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("market_cap", strata::integer)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
struct widen : strata::revision<"e10000000002", "e10000000001"> {
  static constexpr std::string_view message = "market_cap to a big integer, and a symbol";
  static constexpr void upgrade(strata::ops& op) {
    op.alter_column("stocks", "market_cap", {.type = strata::big_integer});
    op.add_column("stocks", strata::column("symbol", strata::varchar(10)).not_null().server_default("''"));
    op.create_index("ix_stocks_symbol", "stocks", {"symbol"}, {.unique = true});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_stocks_symbol");
    op.drop_column("stocks", "symbol");
    op.alter_column("stocks", "market_cap", {.type = strata::integer});
  }
};
using history = strata::history<initial, widen>;

struct models {
  static constexpr void declare(strata::model& m) {
    m.table<Stock>("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("market_cap", strata::big_integer),
                              strata::column("symbol", strata::varchar(10)).not_null().server_default("''")});
    m.index("ix_stocks_symbol", "stocks", {"symbol"}, {.unique = true});
  }
};

static_assert(strata::in_sync<history, models>());
static_assert(strata::sync_problem<history, models>().empty());

// The first revision's schema to the models: the second revision, found again.
static_assert([] {
  const auto from = strata::replay<history>("e10000000001");
  const auto d = strata::diff(from, strata::declared<models>());
  strata::schema s = from;
  s.apply(d.upgrade);
  const bool up = s.same_as(strata::model_schema<models>());
  s.apply(d.downgrade);
  return up && s.same_as(from) && d.upgrade.size() == 3 && !strata::destructive(d.upgrade.operations()[1], from);
}());

}  // namespace
