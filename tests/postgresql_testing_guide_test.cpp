// docs/testing.md's PostgreSQL fixture, compiled as the page shows it: tests/CMakeLists.txt copies
// the page's `testing_postgresql` snippet into testing_guide_snippet.inc, included below after the
// history it names. ctest also runs the suite's tests in one process, one after the other
// (postgresql_testing_guide.one_suite_in_one_process): the second adds the unique symbol the first
// added, so it passes only if the first test's rows were rolled back.
#include <strata/dialect/postgresql.hpp>
#include <strata/strata.hpp>
#include <strata/testing/gtest.hpp>

#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

namespace migrations {

struct create_stocks : strata::revision<"d0c5a1b2c3e4", strata::base> {
  static constexpr std::string_view message = "stocks";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(),
                               strata::column("symbol", strata::varchar(10)).not_null(),
                               strata::unique("uq_stocks_symbol", {"symbol"})});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
using history = strata::history<create_stocks>;

}  // namespace migrations

#include "testing_guide_snippet.inc"
