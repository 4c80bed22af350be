// strata::sqlite::inspect() on real SQLite files: tables, columns, keys, foreign keys and indexes
// made with SQL are read back into a strata::schema as strata would have recorded them, a migrated
// history (rebuilds included) reads back as its replay, and the result owns its text.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <insightbull/migrations/history.hpp>
#include <strata/dialect/sqlite.hpp>
#include <strata/schema_diff.hpp>
#include <strata/strata.hpp>

#include "support/schema_support.hpp"
#include "support/sqlite_scratch.hpp"

namespace {

using strata::column;
using strata::constraint_kind;
using strata::difference_kind;
using strata::schema_difference;

using strata_test::constraint_of;
using strata_test::names;

class SqliteInspect : public ::testing::Test {
 protected:
  strata_test::scratch_folder dir;
  SQLite::Database db = strata_test::open(dir.file());
  strata::sqlite dialect{db};
};

TEST_F(SqliteInspect, AnEmptyDatabaseHasNoTables) {
  const auto live = dialect.inspect();
  EXPECT_TRUE(live->tables.empty());
  EXPECT_TRUE(live->indexes.empty());
}

TEST_F(SqliteInspect, ReadsTablesColumnsKeysAndIndexesMadeWithSql) {
  db.exec(
      "CREATE TABLE parent (id INTEGER PRIMARY KEY AUTOINCREMENT, code VARCHAR(8) NOT NULL UNIQUE, name TEXT DEFAULT 'x', flag BOOLEAN, "
      "  born DATE, at DATETIME, ratio REAL, score FLOAT, big BIGINT, data BLOB, amount NUMERIC(12, 2));"
      "CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE ON UPDATE RESTRICT, seq INTEGER NOT NULL, "
      "  note TEXT, PRIMARY KEY (parent_id, seq), UNIQUE (note, seq));"
      "CREATE TABLE keyless (x, y TEXT);"
      "CREATE TABLE implicit_ref (p INTEGER REFERENCES parent);"
      "CREATE TABLE pair_ref (a INTEGER, b INTEGER, FOREIGN KEY (a, b) REFERENCES child (parent_id, seq) ON DELETE SET NULL);"
      "CREATE TABLE words (k TEXT PRIMARY KEY, v INT) WITHOUT ROWID;"
      "CREATE INDEX ix_child_note ON child (note);"
      "CREATE UNIQUE INDEX ix_parent_name ON parent (name) WHERE name <> 'where' AND name IS NOT NULL;"
      "CREATE INDEX ix_parent_lower ON parent (lower(name), id);"
      "CREATE VIEW v_parent AS SELECT * FROM parent;"
      "CREATE TRIGGER t_parent AFTER INSERT ON parent BEGIN SELECT 1; END;");
  const auto live = dialect.inspect();

  std::vector<std::string> tables;
  for (const auto& t : live->tables) tables.emplace_back(t.name);
  EXPECT_EQ(tables, (std::vector<std::string>{"child", "implicit_ref", "keyless", "pair_ref", "parent", "words"}));  // no sqlite_sequence

  const auto* parent = live->find_table("parent");
  ASSERT_NE(parent, nullptr);
  ASSERT_EQ(parent->columns.size(), 11u);
  const std::vector<strata::column_type> types{strata::integer, strata::varchar(8), strata::text, strata::boolean, strata::date,
                                               strata::datetime, strata::real, strata::float_, strata::big_integer, strata::blob};
  for (std::size_t i = 0; i < types.size(); ++i) EXPECT_EQ(parent->columns[i].type, types[i]) << parent->columns[i].name;
  EXPECT_EQ(parent->columns[10].type.kind, strata::type_kind::custom);
  EXPECT_EQ(parent->columns[10].type.sql, "NUMERIC(12, 2)");
  const auto* id = parent->find_column("id");
  EXPECT_FALSE(id->nullable);  // the rowid: never NULL
  EXPECT_TRUE(id->autoincrement);
  EXPECT_FALSE(parent->find_column("code")->nullable);
  EXPECT_TRUE(parent->find_column("name")->nullable);
  EXPECT_EQ(parent->find_column("name")->default_sql, std::optional<std::string_view>("'x'"));
  EXPECT_FALSE(parent->find_column("flag")->default_sql.has_value());
  ASSERT_NE(constraint_of(*parent, constraint_kind::primary_key), nullptr);
  EXPECT_EQ(names(constraint_of(*parent, constraint_kind::primary_key)->columns), std::vector<std::string>{"id"});
  ASSERT_NE(constraint_of(*parent, constraint_kind::unique), nullptr);
  EXPECT_EQ(names(constraint_of(*parent, constraint_kind::unique)->columns), std::vector<std::string>{"code"});

  const auto* child = live->find_table("child");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(names(constraint_of(*child, constraint_kind::primary_key)->columns), (std::vector<std::string>{"parent_id", "seq"}));
  EXPECT_EQ(names(constraint_of(*child, constraint_kind::unique)->columns), (std::vector<std::string>{"note", "seq"}));
  const auto* fk = constraint_of(*child, constraint_kind::foreign_key);
  ASSERT_NE(fk, nullptr);
  EXPECT_EQ(names(fk->columns), std::vector<std::string>{"parent_id"});
  EXPECT_EQ(fk->referenced_table, "parent");
  EXPECT_EQ(names(fk->referenced_columns), std::vector<std::string>{"id"});
  EXPECT_EQ(fk->on_delete, strata::referential_action::cascade);
  EXPECT_EQ(fk->on_update, strata::referential_action::restrict);

  const auto* keyless = live->find_table("keyless");
  EXPECT_EQ(keyless->columns.at(0).type, strata::sql_type(""));  // no declared type
  EXPECT_TRUE(keyless->constraints.empty());

  // REFERENCES parent with no column: the parent's primary key.
  EXPECT_EQ(names(constraint_of(*live->find_table("implicit_ref"), constraint_kind::foreign_key)->referenced_columns),
            std::vector<std::string>{"id"});
  const auto* pair = constraint_of(*live->find_table("pair_ref"), constraint_kind::foreign_key);
  EXPECT_EQ(names(pair->columns), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names(pair->referenced_columns), (std::vector<std::string>{"parent_id", "seq"}));
  EXPECT_EQ(pair->on_delete, strata::referential_action::set_null);
  // A WITHOUT ROWID table's TEXT key is no rowid: its key column is as declared.
  EXPECT_EQ(names(constraint_of(*live->find_table("words"), constraint_kind::primary_key)->columns), std::vector<std::string>{"k"});
  EXPECT_FALSE(live->find_table("words")->find_column("k")->autoincrement);

  // Indexes made by CREATE INDEX; those of UNIQUE and PRIMARY KEY are constraints above.
  std::vector<std::string> indexes;
  for (const auto& i : live->indexes) indexes.emplace_back(i.name);
  std::sort(indexes.begin(), indexes.end());
  EXPECT_EQ(indexes, (std::vector<std::string>{"ix_child_note", "ix_parent_lower", "ix_parent_name"}));
  const auto* note = live->find_index("ix_child_note");
  EXPECT_EQ(note->table, "child");
  EXPECT_EQ(names(note->columns), std::vector<std::string>{"note"});
  EXPECT_FALSE(note->options.unique);
  EXPECT_TRUE(note->options.where.empty());
  const auto* name = live->find_index("ix_parent_name");
  EXPECT_TRUE(name->options.unique);
  EXPECT_EQ(name->options.where, "name <> 'where' AND name IS NOT NULL");
  EXPECT_EQ(names(live->find_index("ix_parent_lower")->columns), (std::vector<std::string>{"<expression>", "id"}));
}

// The SQL of tables strata could have created reads back as the operations that create them.
TEST_F(SqliteInspect, MatchesTheOperationsThatDescribeTheSameTables) {
  db.exec(
      "CREATE TABLE stocks (id INTEGER NOT NULL PRIMARY KEY, symbol VARCHAR(10) NOT NULL UNIQUE, cap BIGINT, updated DATETIME "
      "  DEFAULT CURRENT_TIMESTAMP);"
      "CREATE TABLE prices (stock_id INTEGER NOT NULL, ts DATETIME NOT NULL, close FLOAT, "
      "  CONSTRAINT pk_prices PRIMARY KEY (stock_id, ts), CONSTRAINT fk_prices_stock FOREIGN KEY (stock_id) REFERENCES stocks (id) "
      "  ON DELETE CASCADE);"
      "CREATE INDEX ix_prices_ts ON prices (ts);"
      "CREATE UNIQUE INDEX ix_stocks_cap ON stocks (cap) WHERE cap > 0;");
  strata::ops op;
  op.create_table("stocks", {column("id", strata::integer).primary_key(), column("symbol", strata::varchar(10)).not_null().unique(),
                             column("cap", strata::big_integer), column("updated", strata::datetime).server_default("CURRENT_TIMESTAMP")});
  op.create_table("prices", {column("stock_id", strata::integer).not_null().references("stocks", "id", strata::referential_action::cascade),
                             column("ts", strata::datetime).not_null(), column("close", strata::float_), strata::primary_key({"stock_id", "ts"})});
  op.create_index("ix_prices_ts", "prices", {"ts"});
  op.create_index("ix_stocks_cap", "stocks", {"cap"}, {.unique = true, .where = "cap > 0"});
  strata::schema expected;
  expected.apply(op);
  EXPECT_EQ(strata::differences(expected, *dialect.inspect()), std::vector<schema_difference>{});

  // And what differs is found: a column made NOT NULL by hand, an index dropped by hand.
  db.exec("DROP INDEX ix_prices_ts; CREATE TABLE stocks2 (id INTEGER NOT NULL PRIMARY KEY, symbol VARCHAR(10) NOT NULL UNIQUE, "
          "cap BIGINT NOT NULL, updated DATETIME); INSERT INTO stocks2 SELECT * FROM stocks; DROP TABLE stocks; "
          "ALTER TABLE stocks2 RENAME TO stocks");
  std::vector<difference_kind> kinds;
  for (const auto& d : strata::differences(expected, *dialect.inspect())) kinds.push_back(d.kind);
  // (the rename leaves prices' foreign key naming stocks; ix_stocks_cap went with the old table)
  EXPECT_EQ(kinds, (std::vector{difference_kind::column_nullability, difference_kind::missing_index, difference_kind::missing_index}));
}

// examples/insightbull's revisions, migrated (their last one rebuilds stocks), read back as their replay.
TEST_F(SqliteInspect, AMigratedHistoryReadsBackAsItsReplay) {
  strata::migrator<strata::sqlite> m{migrations::history{}, db};
  for (const auto& target : {"8653cc238299", "3b1f0c2d4e5a", "c7d2a9e1f0b3"}) {
    m.upgrade(target);
    const auto differences = strata::differences(strata::replay<migrations::history>(target), *m.dialect().inspect());
    EXPECT_EQ(differences, (std::vector<schema_difference>{{difference_kind::unexpected_table, "alembic_version", "", "", "table"},
                                            {difference_kind::unexpected_table, "alembic_version_history", "", "", "table"}})) << target;
  }
  m.downgrade("base");
  EXPECT_EQ(strata::differences(strata::schema{}, *m.dialect().inspect()),
            (std::vector<schema_difference>{{difference_kind::unexpected_table, "alembic_version", "", "", "table"},
                                            {difference_kind::unexpected_table, "alembic_version_history", "", "", "table"}}));
}

// Its names are its own: they outlive the connection and the database file.
TEST(SqliteInspectOwnership, TheSchemaOutlivesItsConnection) {
  strata::owned_schema kept;
  {
    strata_test::scratch_folder dir;
    strata::sqlite dialect(dir.url());
    dialect.execute("CREATE TABLE \"a table with a long name, longer than any short string\" (\"a column with a long name too\" TEXT);"
                    "CREATE INDEX ix ON \"a table with a long name, longer than any short string\" (\"a column with a long name too\")");
    kept = dialect.inspect();
  }
  const auto moved = std::move(kept);
  ASSERT_EQ(moved->tables.size(), 1u);
  EXPECT_EQ(moved->tables[0].name, "a table with a long name, longer than any short string");
  EXPECT_EQ(moved->tables[0].columns.at(0).name, "a column with a long name too");
  EXPECT_EQ(moved->indexes.at(0).table, "a table with a long name, longer than any short string");
}

}  // namespace
