// strata::render: examples/insightbull's revisions rendered for both dialects with no database at
// all, and the same statements, in the same order, are what the dialects execute when they migrate
// a real database (SQLite file; PostgreSQL when the PG* variables name a server).
#include <strata/dialect/postgresql_sql.hpp>
#include <strata/dialect/sqlite.hpp>
#include <strata/dialect/sqlite_sql.hpp>
#include <strata/strata.hpp>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <insightbull/migrations/history.hpp>

#include "support/sqlite_scratch.hpp"
#ifdef STRATA_HAVE_POSTGRESQL
#include <strata/dialect/postgresql.hpp>

#include "support/postgresql_scratch.hpp"
#endif

namespace {

using history = migrations::history;

// One revision run one way, with the statements it runs.
struct walked {
  std::string revision;
  bool upgrade = true;
  std::vector<std::string> statements;
  friend bool operator==(const walked&, const walked&) = default;
  friend std::ostream& operator<<(std::ostream& out, const walked& w) {
    out << (w.upgrade ? "upgrade " : "downgrade ") << w.revision << ":";
    for (const auto& s : w.statements) out << "\n    " << s << ";";
    return out;
  }
};

// Up through every revision and down to base again, rendered from the replayed schema alone.
template <strata::SqlTraits T>
std::vector<walked> rendered_walk(const strata::render_options& options = {}) {
  std::vector<walked> out;
  strata::schema schema;
  for (const auto& r : history::revisions) {
    const auto up = r.record_upgrade();
    out.push_back({std::string(r.id), true, strata::render<T>(up.operations(), schema, options)});
    schema.apply(up);
  }
  for (auto i = history::size; i-- > 0;) {
    const auto down = history::revisions[i].record_downgrade();
    out.push_back({std::string(history::revisions[i].id), false, strata::render<T>(down.operations(), schema, options)});
    schema.apply(down);
  }
  return out;
}

// The same walk run by a migrator, with the statements its dialect reports.
template <class D>
std::vector<walked> online_walk(strata::migrator<D>& m) {
  std::vector<std::string> ran;
  m.dialect().on_statement([&](std::string_view s) { ran.emplace_back(s); });
  std::vector<walked> out;
  for (const auto& r : history::revisions) {
    ran.clear();
    EXPECT_EQ(m.upgrade("+1"), std::vector<std::string>{std::string(r.id)});
    out.push_back({std::string(r.id), true, ran});
  }
  for (auto i = history::size; i-- > 0;) {
    ran.clear();
    EXPECT_EQ(m.downgrade("-1"), std::vector<std::string>{std::string(history::revisions[i].id)});
    out.push_back({std::string(history::revisions[i].id), false, ran});
  }
  m.dialect().on_statement(nullptr);
  return out;
}

TEST(Render, InsightBullForSqliteWithoutADatabase) {
  const auto walk = rendered_walk<strata::sqlite_sql>();
  ASSERT_EQ(walk.size(), 6U);
  EXPECT_EQ(walk[0].statements.size(), 5U) << walk[0];
  EXPECT_EQ(walk[1].statements, std::vector<std::string>{"ALTER TABLE \"sentiment_data\" ADD COLUMN \"sentiment_confidence\" FLOAT"});
  // add_column in place, the UPDATE, then the rebuild that makes market_cap NOT NULL, and the
  // foreign-key checks of the tables that reference stocks.
  EXPECT_EQ(walk[2].statements,
            (std::vector<std::string>{
                "ALTER TABLE \"stocks\" ADD COLUMN \"market_cap\" BIGINT",
                "UPDATE stocks SET market_cap = 0 WHERE market_cap IS NULL",
                "CREATE TABLE \"_strata_new_stocks\" (\n  \"id\" INTEGER NOT NULL PRIMARY KEY,\n  \"symbol\" VARCHAR(10) NOT NULL,\n"
                "  \"name\" VARCHAR(255),\n  \"sector\" VARCHAR(100),\n  \"created_at\" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"
                "  \"market_cap\" BIGINT NOT NULL,\n  CONSTRAINT \"uq_stocks_symbol\" UNIQUE (\"symbol\")\n)",
                "INSERT INTO \"_strata_new_stocks\" (\"id\", \"symbol\", \"name\", \"sector\", \"created_at\", \"market_cap\") SELECT \"id\", "
                "\"symbol\", \"name\", \"sector\", \"created_at\", \"market_cap\" FROM \"stocks\"",
                "DROP TABLE \"stocks\"",
                "PRAGMA legacy_alter_table = ON",
                "ALTER TABLE \"_strata_new_stocks\" RENAME TO \"stocks\"",
                "PRAGMA legacy_alter_table = OFF",
                "PRAGMA foreign_key_check(\"sentiment_data\")",
                "PRAGMA foreign_key_check(\"stock_prices\")"}))
      << walk[2];
  EXPECT_EQ(walk[3].statements, std::vector<std::string>{"ALTER TABLE \"stocks\" DROP COLUMN \"market_cap\""}) << "in place, no copy";
  EXPECT_EQ(walk[4].statements, std::vector<std::string>{"ALTER TABLE \"sentiment_data\" DROP COLUMN \"sentiment_confidence\""});
  EXPECT_EQ(walk[5].statements.size(), 5U) << walk[5];
}

TEST(Render, InsightBullForPostgresqlWithoutADatabase) {
  const auto walk = rendered_walk<strata::postgresql_sql>({.schema = "app"});
  ASSERT_EQ(walk.size(), 6U);
  EXPECT_EQ(walk[0].statements.at(0),
            "CREATE TABLE \"app\".\"stocks\" (\n  \"id\" SERIAL NOT NULL PRIMARY KEY,\n  \"symbol\" VARCHAR(10) NOT NULL,\n"
            "  \"name\" VARCHAR(255),\n  \"sector\" VARCHAR(100),\n  \"created_at\" TIMESTAMP WITHOUT TIME ZONE NOT NULL DEFAULT (CURRENT_TIMESTAMP),\n"
            "  CONSTRAINT \"uq_stocks_symbol\" UNIQUE (\"symbol\")\n)");
  EXPECT_EQ(walk[2].statements, (std::vector<std::string>{"ALTER TABLE \"app\".\"stocks\" ADD COLUMN \"market_cap\" BIGINT",
                                                            "UPDATE stocks SET market_cap = 0 WHERE market_cap IS NULL",
                                                            "ALTER TABLE \"app\".\"stocks\" ALTER COLUMN \"market_cap\" SET NOT NULL"}));
  EXPECT_EQ(walk[5].statements.back(), "DROP TABLE \"app\".\"stocks\"");
}

TEST(Render, SqliteRenderedIsWhatTheMigrationRuns) {
  strata_test::scratch_folder dir;
  strata::migrator<strata::sqlite> m{history{}, dir.url()};
  const auto online = online_walk(m);
  const auto rendered = rendered_walk<strata::sqlite_sql>();
  ASSERT_EQ(online.size(), rendered.size());
  for (std::size_t i = 0; i < online.size(); ++i) EXPECT_EQ(online[i], rendered[i]);
}

// Rendering SQLite's rebuild needs the table's definition: without it, one sentence says what to pass.
TEST(Render, SqliteRebuildWithoutTheSchemaSaysWhatToPass) {
  const auto recorded = history::revisions[2].record_upgrade();
  try {
    strata::render<strata::sqlite_sql>(recorded.operations(), strata::schema{});
    FAIL() << "the schema before c7d2a9e1f0b3 has the table stocks";
  } catch (const strata::operation_failed& e) {
    EXPECT_EQ(e.operation(), "add_column stocks.market_cap") << e.what();
    EXPECT_NE(e.database_message().find("pass the schema the revision starts from"), std::string::npos) << e.what();
  }
  strata::ops alter;
  alter.alter_column("stocks", "market_cap", {.nullable = false});
  try {
    strata::sqlite_sql::statements(alter.operations()[0], {});
    FAIL() << "an alteration alone cannot be planned";
  } catch (const strata::operation_failed& e) {
    EXPECT_NE(std::string(e.what()).find("render the whole revision with strata::render<strata::sqlite_sql>"), std::string::npos) << e.what();
  }
}

TEST(Render, PostgresqlHasStoredGeneratedColumnsOnly) {
  strata::ops op;
  op.add_column("items", strata::column("total", strata::integer).generated("price * quantity", strata::stored));
  op.add_column("items", strata::column("half", strata::integer).generated("price / 2"));
  try {
    strata::render<strata::postgresql_sql>(op.operations(), {});
    FAIL() << "VIRTUAL";
  } catch (const strata::operation_failed& e) {
    EXPECT_EQ(std::string(e.what()), "add_column items.half (generated VIRTUAL): PostgreSQL 15 has STORED generated columns only; write "
                                     ".generated(\"price / 2\", strata::stored) for column 'half'");
  }
  EXPECT_EQ(strata::postgresql_sql::statements(op.operations()[0], {}),
            std::vector<std::string>{"ALTER TABLE \"items\" ADD COLUMN \"total\" INTEGER GENERATED ALWAYS AS (price * quantity) STORED"});
}

TEST(Render, NamingConventionNamesConstraintsWhereTheyAreCreated) {
  strata::ops op;
  op.use_naming_convention({.primary_key = "pk_%(table_name)s",
                            .unique = "uq_%(table_name)s_%(column_0N_name)s",
                            .check = "ck_%(table_name)s_%(constraint_name)s",
                            .foreign_key = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"});
  op.create_table("pets", {strata::column("id", strata::integer).primary_key(),
                           strata::column("owner_id", strata::integer).references("owners", "id"),
                           strata::column("tag", strata::text).unique(), strata::column("legs", strata::integer),
                           strata::check("legs", "legs >= 0"), strata::check("legs < 100"), strata::unique({"tag", "legs"})});
  const std::string expected = "CREATE TABLE \"pets\" (\n  \"id\" INTEGER NOT NULL CONSTRAINT \"pk_pets\" PRIMARY KEY,\n"
                               "  \"owner_id\" INTEGER CONSTRAINT \"fk_pets_owner_id_owners\" REFERENCES \"owners\" (\"id\"),\n"
                               "  \"tag\" TEXT CONSTRAINT \"uq_pets_tag\" UNIQUE,\n  \"legs\" INTEGER,\n"
                               "  CONSTRAINT \"ck_pets_legs\" CHECK (legs >= 0),\n  CHECK (legs < 100),\n"
                               "  CONSTRAINT \"uq_pets_taglegs\" UNIQUE (\"tag\", \"legs\")\n)";
  EXPECT_EQ(strata::render<strata::sqlite_sql>(op.operations(), {}), std::vector<std::string>{expected})
      << "%(constraint_name)s renames a named CHECK and leaves the unnamed one";
}

#ifdef STRATA_HAVE_POSTGRESQL
class PostgresqlRender : public strata_test::postgresql_test {};

TEST_F(PostgresqlRender, PostgresqlRenderedIsWhatTheMigrationRuns) {
  strata::migrator<strata::postgresql> m{history{}, url()};
  const auto online = online_walk(m);
  const auto rendered = rendered_walk<strata::postgresql_sql>();
  ASSERT_EQ(online.size(), rendered.size());
  for (std::size_t i = 0; i < online.size(); ++i) EXPECT_EQ(online[i], rendered[i]);
}
#endif

}  // namespace
