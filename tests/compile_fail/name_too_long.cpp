// A revision naming an index longer than PostgreSQL keeps, checked with strata::names_fit.
// expect-error: strata::names_fit: revision `e60000000002` names `ix_stocks_symbol_and_name_a_long_index_name_that_is_too_long_xyz` of 64 bytes, longer than the 63 that postgresql keeps
// expect-error: static assertion failed: strata::names_fit: a name is too long for the database
#include <strata/dialect/postgresql_sql.hpp>
#include <strata/strata.hpp>

struct r0 : strata::revision<"e60000000001", strata::base> {
  static constexpr std::string_view message = "stocks";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("symbol", strata::text),
                               strata::column("name", strata::text)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
struct r1 : strata::revision<"e60000000002", "e60000000001"> {
  static constexpr std::string_view message = "a long index name";
  static constexpr void upgrade(strata::ops& op) {
    op.create_index("ix_stocks_symbol_and_name_a_long_index_name_that_is_too_long_xyz", "stocks", {"symbol", "name"});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_index("ix_stocks_symbol_and_name_a_long_index_name_that_is_too_long_xyz"); }
};

using history = strata::history<r0, r1>;
static_assert(strata::names_fit<history, strata::postgresql_sql>);
