// strata::postgresql::inspect() on a real server (the PG* variables; STRATA_REQUIRE_POSTGRESQL=1
// pg_virtualenv -t ...): tables, columns, keys, foreign keys and indexes made with SQL are read back
// from pg_catalog into a strata::schema, named constraints keep their names, a migrated history
// reads back as its replay, and only the dialect's schema is read.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <insightbull/migrations/history.hpp>
#include <strata/dialect/postgresql.hpp>
#include <strata/schema_diff.hpp>
#include <strata/strata.hpp>

#include "support/postgresql_scratch.hpp"
#include "support/schema_support.hpp"

namespace {

using strata::column;
using strata::constraint_kind;
using strata::difference_kind;
using strata::schema_difference;

using strata_test::constraint_of;
using strata_test::names;

class PostgresqlInspect : public strata_test::postgresql_test {};

TEST_F(PostgresqlInspect, AnEmptySchemaHasNoTables) {
  if (IsSkipped()) return;
  strata::postgresql dialect(url());
  const auto live = dialect.inspect();
  EXPECT_TRUE(live->tables.empty());
  EXPECT_TRUE(live->indexes.empty());
}

TEST_F(PostgresqlInspect, ReadsTablesColumnsKeysAndIndexesMadeWithSql) {
  if (IsSkipped()) return;
  db().exec(
      "CREATE TABLE parent (id SERIAL PRIMARY KEY, code VARCHAR(8) NOT NULL CONSTRAINT uq_parent_code UNIQUE, name TEXT DEFAULT 'x', "
      "  flag BOOLEAN, born DATE, at TIMESTAMP, ratio REAL, score FLOAT, big BIGINT, data BYTEA, amount NUMERIC(12, 2), "
      "  ident BIGINT GENERATED ALWAYS AS IDENTITY, CONSTRAINT ck_parent_ratio CHECK (ratio > 0));"
      "CREATE TABLE child (parent_id INTEGER NOT NULL REFERENCES parent (id) ON DELETE CASCADE ON UPDATE RESTRICT, seq INTEGER, "
      "  note TEXT, CONSTRAINT pk_child PRIMARY KEY (parent_id, seq), UNIQUE (note, seq));"
      "CREATE TABLE pair_ref (a INTEGER, b INTEGER, FOREIGN KEY (a, b) REFERENCES child (parent_id, seq) ON DELETE SET NULL);"
      "CREATE TABLE nothing ();"
      "CREATE INDEX ix_child_note ON child (note) INCLUDE (seq);"
      "CREATE UNIQUE INDEX ix_parent_name ON parent (name) WHERE name IS NOT NULL;"
      "CREATE INDEX ix_parent_lower ON parent (lower(name), id);"
      "CREATE VIEW v_parent AS SELECT * FROM parent;"
      "CREATE SCHEMA other; CREATE TABLE other.elsewhere (id INTEGER); CREATE INDEX ix_elsewhere ON other.elsewhere (id);");
  strata::postgresql dialect(url());
  const auto live = dialect.inspect();

  std::vector<std::string> tables;
  for (const auto& t : live->tables) tables.emplace_back(t.name);
  EXPECT_EQ(tables, (std::vector<std::string>{"child", "nothing", "pair_ref", "parent"}));  // not other.elsewhere, not the view

  const auto* parent = live->find_table("parent");
  ASSERT_NE(parent, nullptr);
  ASSERT_EQ(parent->columns.size(), 12u);
  const std::vector<strata::column_type> types{strata::integer, strata::varchar(8), strata::text, strata::boolean, strata::date,
                                               strata::datetime, strata::real, strata::float_, strata::big_integer, strata::blob};
  for (std::size_t i = 0; i < types.size(); ++i) EXPECT_EQ(parent->columns[i].type, types[i]) << parent->columns[i].name;
  EXPECT_EQ(parent->columns[10].type, strata::sql_type("numeric(12,2)"));
  const auto* id = parent->find_column("id");
  EXPECT_FALSE(id->nullable);
  EXPECT_TRUE(id->autoincrement);  // SERIAL: a sequence feeds it, and its nextval() default is not listed
  EXPECT_FALSE(id->default_sql.has_value());
  EXPECT_TRUE(parent->find_column("ident")->autoincrement);  // IDENTITY
  EXPECT_FALSE(parent->find_column("code")->nullable);
  EXPECT_EQ(parent->find_column("name")->default_sql, std::optional<std::string_view>("'x'::text"));
  EXPECT_FALSE(parent->find_column("big")->autoincrement);
  const auto* pk = constraint_of(*parent, constraint_kind::primary_key);
  ASSERT_NE(pk, nullptr);
  EXPECT_EQ(pk->name, "parent_pkey");
  EXPECT_EQ(names(pk->columns), std::vector<std::string>{"id"});
  const auto* uq = constraint_of(*parent, constraint_kind::unique);
  ASSERT_NE(uq, nullptr);
  EXPECT_EQ(uq->name, "uq_parent_code");
  EXPECT_EQ(names(uq->columns), std::vector<std::string>{"code"});
  const auto* check = constraint_of(*parent, constraint_kind::check);
  ASSERT_NE(check, nullptr);
  EXPECT_EQ(check->name, "ck_parent_ratio");
  EXPECT_EQ(check->check_sql, "ratio > 0::double precision");

  const auto* child = live->find_table("child");
  ASSERT_NE(child, nullptr);
  EXPECT_EQ(constraint_of(*child, constraint_kind::primary_key)->name, "pk_child");
  EXPECT_EQ(names(constraint_of(*child, constraint_kind::primary_key)->columns), (std::vector<std::string>{"parent_id", "seq"}));
  EXPECT_FALSE(child->find_column("seq")->nullable);  // a key column: PostgreSQL makes it NOT NULL
  EXPECT_EQ(names(constraint_of(*child, constraint_kind::unique)->columns), (std::vector<std::string>{"note", "seq"}));
  const auto* fk = constraint_of(*child, constraint_kind::foreign_key);
  ASSERT_NE(fk, nullptr);
  EXPECT_EQ(fk->name, "child_parent_id_fkey");
  EXPECT_EQ(names(fk->columns), std::vector<std::string>{"parent_id"});
  EXPECT_EQ(fk->referenced_table, "parent");
  EXPECT_EQ(names(fk->referenced_columns), std::vector<std::string>{"id"});
  EXPECT_EQ(fk->on_delete, strata::referential_action::cascade);
  EXPECT_EQ(fk->on_update, strata::referential_action::restrict);
  const auto* pair = constraint_of(*live->find_table("pair_ref"), constraint_kind::foreign_key);
  EXPECT_EQ(names(pair->columns), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(names(pair->referenced_columns), (std::vector<std::string>{"parent_id", "seq"}));
  EXPECT_EQ(pair->on_delete, strata::referential_action::set_null);
  EXPECT_TRUE(live->find_table("nothing")->columns.empty());

  // Indexes that back no constraint; INCLUDE columns are not key columns.
  std::vector<std::string> indexes;
  for (const auto& i : live->indexes) indexes.emplace_back(i.name);
  EXPECT_EQ(indexes, (std::vector<std::string>{"ix_child_note", "ix_parent_lower", "ix_parent_name"}));
  const auto* note = live->find_index("ix_child_note");
  EXPECT_EQ(note->table, "child");
  EXPECT_EQ(names(note->columns), std::vector<std::string>{"note"});
  EXPECT_FALSE(note->options.unique);
  const auto* name = live->find_index("ix_parent_name");
  EXPECT_TRUE(name->options.unique);
  EXPECT_EQ(name->options.where, "name IS NOT NULL");
  EXPECT_EQ(names(live->find_index("ix_parent_lower")->columns), (std::vector<std::string>{"lower(name)", "id"}));
}

// The SQL of tables strata could have created reads back as the operations that create them.
TEST_F(PostgresqlInspect, MatchesTheOperationsThatDescribeTheSameTables) {
  if (IsSkipped()) return;
  db().exec(
      "CREATE TABLE stocks (id SERIAL PRIMARY KEY, symbol VARCHAR(10) NOT NULL UNIQUE, cap BIGINT, updated TIMESTAMP DEFAULT CURRENT_TIMESTAMP);"
      "CREATE TABLE prices (stock_id INTEGER NOT NULL, ts TIMESTAMP NOT NULL, close FLOAT, CONSTRAINT pk_prices PRIMARY KEY (stock_id, ts), "
      "  CONSTRAINT fk_prices_stock FOREIGN KEY (stock_id) REFERENCES stocks (id) ON DELETE CASCADE);"
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
  strata::postgresql dialect(url());
  EXPECT_EQ(strata::differences(expected, *dialect.inspect()), std::vector<schema_difference>{});

  db().exec("DROP INDEX ix_prices_ts; ALTER TABLE stocks ALTER COLUMN cap SET NOT NULL, ALTER COLUMN symbol TYPE TEXT; "
            "ALTER TABLE prices DROP CONSTRAINT fk_prices_stock; CREATE INDEX ix_by_hand ON prices (close)");
  std::vector<difference_kind> kinds;
  for (const auto& d : strata::differences(expected, *dialect.inspect())) kinds.push_back(d.kind);
  EXPECT_EQ(kinds, (std::vector{difference_kind::column_type, difference_kind::column_nullability, difference_kind::missing_foreign_key,
                                difference_kind::missing_index, difference_kind::unexpected_index}));
}

// examples/insightbull's revisions, migrated, read back as their replay; in a schema of its own too.
TEST_F(PostgresqlInspect, AMigratedHistoryReadsBackAsItsReplay) {
  if (IsSkipped()) return;
  for (const std::string schema : {"", "app"}) {
    strata::migrator<strata::postgresql> m{migrations::history{}, url() + (schema.empty() ? "" : "?schema=" + schema)};
    for (const auto& target : {"8653cc238299", "3b1f0c2d4e5a", "c7d2a9e1f0b3"}) {
      m.upgrade(target);
      const auto differences = strata::differences(strata::replay<migrations::history>(target), *m.dialect().inspect());
      EXPECT_EQ(differences, (std::vector<schema_difference>{{difference_kind::unexpected_table, "alembic_version", "", "", "table"},
                                            {difference_kind::unexpected_table, "alembic_version_history", "", "", "table"}}))
          << schema << " " << target;
    }
    if (schema.empty()) continue;
    // The other schema's tables are not this one's.
    strata::postgresql public_schema(url());
    EXPECT_EQ(public_schema.inspect()->tables.size(), 5u);
  }
}

}  // namespace
