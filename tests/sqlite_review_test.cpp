// What the compiler's review (strata::reviewed) leaves to run time, on a real SQLite file: a
// downgrade strata derives from the upgrade runs and undoes it, `show` lists the derived operations,
// and a history that the review lets through with acknowledged rules runs as written.
#include <strata/dialect/sqlite.hpp>
#include <strata/dialect/sqlite_sql.hpp>
#include <strata/strata.hpp>

#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "support/sqlite_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;

struct initial : strata::revision<"d00000000001", strata::base> {
  static constexpr std::string_view message = "stocks";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {column("id", strata::integer).primary_key(), column("symbol", strata::text)});
    op.execute("INSERT INTO stocks (id, symbol) VALUES (1, 'ACME'), (2, 'INIT')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
// No downgrade(): strata derives it.
struct trades : strata::revision<"d00000000002", "d00000000001"> {
  static constexpr std::string_view message = "trades, a lot size, a ticker";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("trades", {column("id", strata::integer).primary_key(), column("stock_id", strata::integer)});
    op.add_column("stocks", column("lot", strata::integer).server_default("1"));
    op.create_index("ix_stocks_lot", "stocks", {"lot"});
    op.allow(strata::rule::rename_column).rename_column("stocks", "symbol", "ticker");
    op.add_constraint("trades", strata::unique("uq_trades_stock", {"stock_id"}));
  }
};
using history = strata::history<initial, trades>;
}  // namespace

template <>
inline constexpr strata::review_policy strata::review_policy_for<history> = strata::strict_policy<strata::sqlite_sql>();

namespace {

class SqliteReview : public ::testing::Test {
 protected:
  scratch_folder dir;
  [[nodiscard]] SQLite::Database db() const { return open(dir.file()); }
  [[nodiscard]] std::string table_sql(const std::string& table) {
    auto d = db();
    return scalar(d, "SELECT coalesce(group_concat(sql, ';'), '') FROM sqlite_master WHERE tbl_name = '" + table + "'");
  }
};

TEST_F(SqliteReview, ADerivedDowngradeUndoesTheUpgradeAndKeepsTheRows) {
  strata::migrator<strata::sqlite> m(history{}, dir.url());
  m.upgrade("d00000000001");
  const auto before = table_sql("stocks");
  m.upgrade();
  EXPECT_NE(table_sql("stocks").find("ticker"), std::string::npos);
  EXPECT_NE(table_sql("trades"), "");
  m.downgrade("d00000000001");
  EXPECT_EQ(table_sql("stocks"), before) << "the column, the index and the rename undone";
  EXPECT_EQ(table_sql("trades"), "");
  auto d = db();
  EXPECT_EQ(scalar(d, "SELECT group_concat(symbol, ',') FROM (SELECT symbol FROM stocks ORDER BY id)"), "ACME,INIT");
  m.upgrade();
  EXPECT_EQ(m.current(), std::vector<std::string>{"d00000000002"});
}

TEST_F(SqliteReview, ShowListsTheDerivedOperationsNewestFirst) {
  strata::migrator<strata::sqlite> m(history{}, dir.url());
  const auto details = strata::commands::show(m.graph(), "d00000000002");
  std::vector<std::string> down;
  for (const auto& o : details.downgrade.operations()) down.push_back(strata::describe(o));
  EXPECT_EQ(down, (std::vector<std::string>{"drop_constraint trades.uq_trades_stock", "rename_column stocks.ticker to symbol",
                                            "drop_index ix_stocks_lot", "drop_column stocks.lot", "drop_table trades"}));
}

}  // namespace
