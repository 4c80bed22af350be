// quickstart: migrates a SQLite file to head with a three-revision history and prints where it stands.
//   quickstart [database-url]        (default: sqlite:///quickstart.db, next to where it runs)
#include <iostream>
#include <string>

#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>

namespace revisions {

struct initial_schema : strata::revision<"8653cc238299", strata::base> {
  static constexpr std::string_view message = "initial schema";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {strata::column("id", strata::integer).primary_key(),
                               strata::column("symbol", strata::varchar(10)).not_null(),
                               strata::column("name", strata::varchar(255)),
                               strata::column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                               strata::unique("uq_stocks_symbol", {"symbol"})});
    op.create_table("sentiment_data",
                    {strata::column("id", strata::integer).primary_key(),
                     strata::column("stock_id", strata::integer).not_null(),
                     strata::column("source", strata::varchar(50)).not_null(),
                     strata::column("score", strata::float_).not_null(),
                     strata::foreign_key("fk_sentiment_data_stock_id_stocks", {"stock_id"}, "stocks", {"id"},
                                         strata::referential_action::cascade)});
    op.create_index("ix_sentiment_data_stock_id", "sentiment_data", {"stock_id"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_sentiment_data_stock_id");
    op.drop_table("sentiment_data");
    op.drop_table("stocks");
  }
};

struct add_confidence : strata::revision<"3b1f0c2d4e5a", "8653cc238299"> {
  static constexpr std::string_view message = "Add sentiment_confidence column to sentiment_data table";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("sentiment_data", strata::column("sentiment_confidence", strata::float_));
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("sentiment_data", "sentiment_confidence"); }
};

struct add_market_cap : strata::revision<"c7d2a9e1f0b3", "3b1f0c2d4e5a"> {
  static constexpr std::string_view message = "Add market_cap to stocks";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("stocks", strata::column("market_cap", strata::big_integer));
    op.execute("UPDATE stocks SET market_cap = 0 WHERE market_cap IS NULL");
    op.alter_column("stocks", "market_cap", {.nullable = false});  // a table rebuild on SQLite
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("stocks", "market_cap"); }
};

}  // namespace revisions

using history = strata::history<revisions::initial_schema, revisions::add_confidence, revisions::add_market_cap>;

// The design, proved by the compiler: two tables at head, and every downgrade undoes its upgrade.
static_assert(strata::replay<history>().tables.size() == 2);
static_assert(strata::first_irreversible<history>() == history::size);

int main(int argc, char** argv) try {
  const std::string url = argc > 1 ? argv[1] : "sqlite:///quickstart.db";
  strata::migrator<strata::sqlite> migrator{history{}, url};
  std::cout << "database: " << migrator.dialect().location() << '\n';

  const auto applied = migrator.upgrade();  // to "head"
  if (applied.empty()) std::cout << "already at head, nothing to apply\n";
  for (const auto& id : applied) std::cout << "applied " << id << "  " << migrator.revision(id).message << '\n';
  for (const auto& id : migrator.current()) std::cout << "current revision: " << id << " (head)\n";
  return 0;
} catch (const strata::error& e) {
  std::cerr << "quickstart: " << e.what() << '\n';
  return 1;
}
