// Identifiers are always quoted: tables, columns, indexes, constraints and the version table named
// with spaces, quotes, SQL keywords and mixed case go through every operation and the rebuild.
#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>

#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "support/sqlite_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;

class SqliteQuoting : public ::testing::Test {
 protected:
  scratch_folder dir;
  SQLite::Database db = open(dir.file());
};

struct create : strata::revision<"c10000000001", strata::base> {
  static constexpr std::string_view message = "odd names";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("order", {column("id", strata::integer).primary_key(),
                              column("select", strata::text).not_null(),
                              column("first name", strata::text),
                              column("o'clock", strata::datetime),
                              column("MixedCase", strata::text),
                              column("say \"hi\"", strata::integer).server_default("0"),  // last: the downgrade adds it back at the end
                              strata::unique("uq \"odd\" 'name'", {"first name", "o'clock"}),
                              strata::check("check", "\"say \"\"hi\"\"\" >= 0")});
    op.create_table("it's", {column("id", strata::integer).primary_key(),
                             column("order id", strata::integer).references("order", "id", strata::referential_action::cascade)});
    op.create_index("ix \"odd\" 'name'", "order", {"select", "MixedCase"});
    op.execute(R"sql(
      INSERT INTO "order" ("id", "select", "first name", "say ""hi""", "o'clock", "MixedCase")
        VALUES (1, 'a', 'Ann', 1, '2024-01-01', 'M'), (2, 'b', 'Bob', 2, '2024-01-02', NULL);
      INSERT INTO "it's" ("id", "order id") VALUES (10, 1), (20, 2);
    )sql");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix \"odd\" 'name'");
    op.drop_table("it's");
    op.drop_table("order");
  }
};

struct reshape : strata::revision<"c10000000002", "c10000000001"> {
  static constexpr std::string_view message = "add, alter, rename, drop";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("order", column("new col", strata::text));                   // in place
    op.add_column("order", column("from", strata::text).unique());             // rebuild
    op.alter_column("order", "first name", {.type = strata::varchar(50), .server_default = "'it''s'"});
    op.alter_column("ORDER", "mixedcase", {.server_default = "'m'"});         // names are case-insensitive
    op.drop_column("order", "say \"hi\"");                                    // its CHECK goes with it
    op.drop_constraint("order", "uq \"odd\" 'name'");
    op.rename_column("order", "o'clock", "at \"time\"");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.rename_column("order", "at \"time\"", "o'clock");
    op.add_constraint("order", strata::unique("uq \"odd\" 'name'", {"first name", "o'clock"}));
    op.add_column("order", column("say \"hi\"", strata::integer).server_default("0"));
    op.add_constraint("order", strata::check("check", "\"say \"\"hi\"\"\" >= 0"));
    op.alter_column("order", "MixedCase", {.drop_default = true});
    op.alter_column("order", "first name", {.type = strata::text, .drop_default = true});
    op.drop_column("order", "from");
    op.drop_column("order", "new col");
  }
};

struct rename : strata::revision<"c10000000003", "c10000000002"> {
  static constexpr std::string_view message = "rename the table, index a keyword";
  static constexpr void upgrade(strata::ops& op) {
    op.rename_table("order", "select");
    op.create_index("index", "select", {"from", "new col"}, {.unique = true, .where = "\"new col\" IS NOT NULL"});
    op.alter_column("select", "select", {.nullable = true});  // a rebuild of the renamed table
  }
  static constexpr void downgrade(strata::ops& op) {
    op.alter_column("select", "select", {.nullable = false});
    op.drop_index("index");
    op.rename_table("select", "order");
  }
};

using history = strata::history<create, reshape, rename>;

// A parent whose name holds a quote, referenced in another case: the rebuild of the parent still
// finds its child (the tables whose SQL names the parent have their foreign keys read).
struct odd_parent : strata::revision<"c20000000001", strata::base> {
  static constexpr std::string_view message = "a parent with a quote in its name";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("Pa\"rent", {column("id", strata::integer).primary_key(), column("x", strata::integer)});
    op.create_table("child", {column("id", strata::integer).primary_key(), column("parent_id", strata::integer).references("pA\"RENT", "id")});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("child");
    op.drop_table("Pa\"rent");
  }
};
struct rebuild_odd_parent : strata::revision<"c20000000002", "c20000000001"> {
  static constexpr std::string_view message = "rebuild it";
  static constexpr void upgrade(strata::ops& op) { op.alter_column("Pa\"rent", "x", {.nullable = false}); }
  static constexpr void downgrade(strata::ops& op) { op.alter_column("Pa\"rent", "x", {.nullable = true}); }
};
using odd_parent_history = strata::history<odd_parent, rebuild_odd_parent>;
}  // namespace
// SQLite's names are case-insensitive (`ORDER` is `order`); the compiler's replay compares them as
// written: not reviewed.
template <>
inline constexpr strata::review_policy strata::review_policy_for<history> = strata::policy::unchecked;
template <>
inline constexpr strata::review_policy strata::review_policy_for<odd_parent_history> = strata::policy::unchecked;
namespace {

TEST_F(SqliteQuoting, OddNamesGoThroughEveryOperationAndBack) {
  strata::migrator<strata::sqlite> m{history{}, db};
  std::vector<std::string> snapshots{schema_snapshot(db)};

  m.upgrade("+1");
  snapshots.push_back(schema_snapshot(db));
  EXPECT_EQ(column_names(db, "order"), (std::vector<std::string>{"id", "select", "first name", "o'clock", "MixedCase", "say \"hi\""}));
  EXPECT_TRUE(exists(db, "index", "ix \"odd\" 'name'"));
  EXPECT_NE(sql_error(db, R"(INSERT INTO "order" ("id", "select", "say ""hi""") VALUES (3, 'c', -1))"), std::nullopt) << "CHECK";
  EXPECT_NE(sql_error(db, R"(INSERT INTO "order" ("id", "select", "first name", "o'clock") VALUES (3, 'c', 'Ann', '2024-01-01'))"),
            std::nullopt)
      << "UNIQUE";

  m.upgrade("+1");
  snapshots.push_back(schema_snapshot(db));
  EXPECT_EQ(column_names(db, "order"), (std::vector<std::string>{"id", "select", "first name", "at \"time\"", "MixedCase", "new col", "from"}));
  EXPECT_EQ(find_column(db, "order", "first name")->type, "VARCHAR(50)");
  EXPECT_EQ(find_column(db, "order", "first name")->default_sql, "'it''s'");
  EXPECT_EQ(find_column(db, "order", "MixedCase")->default_sql, "'m'");
  EXPECT_TRUE(exists(db, "table", "order")) << "the table keeps its own spelling";
  EXPECT_TRUE(exists(db, "index", "ix \"odd\" 'name'")) << "kept by the rebuild";
  EXPECT_EQ(rows(db, "SELECT name FROM pragma_index_info('ix \"odd\" ''name''') ORDER BY seqno"), (table_rows{{"select"}, {"MixedCase"}}));
  EXPECT_EQ(object_sql(db, "table", "order").find("uq \"\"odd\"\""), std::string::npos) << "the unique constraint was dropped";
  db.exec(R"(INSERT INTO "order" ("id", "select", "at ""time""", "from") VALUES (3, 'c', '2024-01-01', 'f'))");
  EXPECT_EQ(rows(db, R"(SELECT "first name", "MixedCase" FROM "order" WHERE id = 3)").at(0), (std::vector<std::optional<std::string>>{"it's", "m"}));
  EXPECT_NE(sql_error(db, R"(INSERT INTO "order" ("id", "select", "from") VALUES (4, 'd', 'f'))"), std::nullopt) << "\"from\" is UNIQUE";
  db.exec(R"(DELETE FROM "order" WHERE id = 3)");
  EXPECT_EQ(dump_query(db, R"(SELECT "id", "select", "first name", "at ""time""", "MixedCase" FROM "order" ORDER BY id)"),
            "1:1|3:a|3:Ann|3:2024-01-01|3:M\n1:2|3:b|3:Bob|3:2024-01-02|NULL\n");
  EXPECT_EQ(scalar(db, "PRAGMA foreign_key_check"), "");

  m.upgrade("+1");
  EXPECT_FALSE(exists(db, "table", "order"));
  EXPECT_TRUE(exists(db, "table", "select"));
  EXPECT_FALSE(find_column(db, "select", "select")->not_null);
  EXPECT_EQ(rows(db, "SELECT \"table\", \"from\" FROM pragma_foreign_key_list('it''s')"), (table_rows{{"select", "order id"}}));
  EXPECT_EQ(rows(db, "SELECT \"unique\", partial FROM pragma_index_list('select') WHERE name = 'index'"), (table_rows{{"1", "1"}}));
  EXPECT_TRUE(exists(db, "index", "ix \"odd\" 'name'"));
  db.exec(R"(DELETE FROM "select" WHERE id = 1)");
  EXPECT_EQ(rows(db, R"(SELECT id FROM "it's")"), (table_rows{{"20"}})) << "the foreign key cascades from the renamed table";
  db.exec(R"(INSERT INTO "select" ("id", "select", "first name", "at ""time""", "MixedCase") VALUES (1, 'a', 'Ann', '2024-01-01', 'M');
             INSERT INTO "it's" VALUES (10, 1))");

  for (std::size_t i = 3; i > 0; --i) {
    m.downgrade("-1");
    EXPECT_EQ(schema_snapshot(db), snapshots[i - 1]) << "after reverting revision " << i;
  }
  EXPECT_TRUE(m.current().empty());
}

TEST_F(SqliteQuoting, ReshapeKeepsTheRowsOfOddlyNamedColumns) {
  strata::migrator<strata::sqlite> m{history{}, db};
  m.upgrade("c10000000001");
  const auto before = dump_query(db, R"(SELECT "id", "select", "first name", "o'clock", "MixedCase" FROM "order" ORDER BY id)");
  m.upgrade("c10000000002");
  m.downgrade("c10000000001");
  EXPECT_EQ(dump_query(db, R"(SELECT "id", "select", "first name", "o'clock", "MixedCase" FROM "order" ORDER BY id)"), before);
  EXPECT_EQ(dump_query(db, R"(SELECT "say ""hi""" FROM "order" ORDER BY id)"), "1:0\n1:0\n") << "a re-added column gets its default";
  EXPECT_EQ(dump(db, "it's"), "1:10|1:1\n1:20|1:2\n");
}

TEST_F(SqliteQuoting, VersionTableWithOddName) {
  const std::string name = "my \"versions\" it's";
  strata::migrator<strata::sqlite> m{history{}, strata::migrator_options{.version_table = name}, db};
  m.upgrade("c10000000002");
  EXPECT_TRUE(exists(db, "table", name));
  EXPECT_FALSE(exists(db, "table", "alembic_version"));
  EXPECT_EQ(rows(db, R"(SELECT version_num FROM "my ""versions"" it's")"), (table_rows{{"c10000000002"}}));
  EXPECT_EQ(m.current(), std::vector<std::string>{"c10000000002"});
  // Alembic's layout: VARCHAR(32) NOT NULL, the primary key.
  const auto version = find_column(db, name, "version_num");
  EXPECT_EQ(version->type, "VARCHAR(32)");
  EXPECT_TRUE(version->not_null);
  EXPECT_EQ(version->primary_key, 1);

  strata::migrator<strata::sqlite> plain{history{}, strata::migrator_options{.version_table = "my versions"}, db};
  EXPECT_TRUE(plain.current().empty()) << "another version table, another state";
  m.downgrade("base");
  EXPECT_TRUE(rows(db, R"(SELECT * FROM "my ""versions"" it's")").empty());
}

TEST_F(SqliteQuoting, ARebuiltParentWithAQuoteInItsNameFindsItsChildren) {
  strata::migrator<strata::sqlite> m{odd_parent_history{}, dir.url()};
  m.upgrade("c20000000001");
  {
    auto without_keys = open(dir.file(), false);
    without_keys.exec(R"(INSERT INTO "Pa""rent" (id, x) VALUES (1, 1); INSERT INTO child (id, parent_id) VALUES (1, 1), (2, 99))");
  }
  try {
    m.upgrade();
    FAIL() << "child's row 2 references the parent's row 99, which does not exist";
  } catch (const strata::migration_failed& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("table 'child' (rowid 2) references missing rows of"), std::string::npos) << what;
  }
  EXPECT_EQ(m.current(), std::vector<std::string>{"c20000000001"});
}

}  // namespace
