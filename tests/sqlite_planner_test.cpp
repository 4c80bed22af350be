// The SQLite planner on its own, with no database: a table's CREATE TABLE text and a run of
// alterations in, the plan out (in place or a rebuild; the new table, the copy's column mapping,
// the indexes and triggers recreated, the foreign-key checks).
#include <strata/dialect/sqlite_sql.hpp>
#include <strata/strata.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace {

using strata::column;
using strata::detail::sqlite_plan::column_copy;
using strata::detail::sqlite_plan::plan;
using strata::detail::sqlite_plan::step;
using strata::detail::sqlite_plan::table_inputs;

// Alembic's batch-mode fixture table.
constexpr std::string_view foo = R"sql(CREATE TABLE "foo" (
  "id" INTEGER NOT NULL PRIMARY KEY,
  "data" VARCHAR(50),
  "x" INTEGER
))sql";

table_inputs inputs(std::string_view create_table) {
  table_inputs in;
  in.table = strata::detail::sqlite_table::parse_create_table(create_table);
  return in;
}

plan planned(const table_inputs& in, const strata::ops& recorded, std::uint32_t server_version = 0) {
  return strata::sqlite_sql::plan(recorded.operations(), in, {.server_version = server_version});
}

// The CREATE TABLE of the new table (the plan's first statement).
std::string new_table(const plan& p) { return p.steps.at(0).sql; }

std::string message_of(const table_inputs& in, const strata::ops& recorded) {
  try {
    planned(in, recorded);
  } catch (const strata::operation_failed& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(SqlitePlanner, TypeChangeAcrossAffinitiesCastsInTheCopy) {
  strata::ops op;
  op.alter_column("foo", "data", {.type = strata::integer});
  const auto p = planned(inputs(foo), op);
  ASSERT_TRUE(p.rebuild);
  EXPECT_EQ(p.table, "foo");
  EXPECT_EQ(p.copy, (std::vector<column_copy>{{"id", "\"id\""}, {"data", "CAST(\"data\" AS INTEGER)"}, {"x", "\"x\""}}));
  EXPECT_EQ(p.statements(), (std::vector<std::string>{
                                "CREATE TABLE \"_strata_new_foo\" (\n  \"id\" INTEGER NOT NULL PRIMARY KEY,\n  \"data\" INTEGER,\n  \"x\" INTEGER\n)",
                                "INSERT INTO \"_strata_new_foo\" (\"id\", \"data\", \"x\") SELECT \"id\", CAST(\"data\" AS INTEGER), \"x\" FROM \"foo\"",
                                "DROP TABLE \"foo\"",
                                "PRAGMA legacy_alter_table = ON",
                                "ALTER TABLE \"_strata_new_foo\" RENAME TO \"foo\"",
                                "PRAGMA legacy_alter_table = OFF"}));
  EXPECT_TRUE(p.checks.empty()) << "foo has no foreign key and nothing references it";
}

TEST(SqlitePlanner, TypeChangeWithinAnAffinityCopiesAsIs) {
  strata::ops op;
  op.alter_column("foo", "data", {.type = strata::text});                          // VARCHAR -> TEXT: both TEXT affinity
  op.alter_column("foo", "x", {.type = strata::big_integer});                      // INTEGER -> BIGINT: both INTEGER
  const auto p = planned(inputs(foo), op);
  EXPECT_EQ(p.copy, (std::vector<column_copy>{{"id", "\"id\""}, {"data", "\"data\""}, {"x", "\"x\""}}));
  EXPECT_NE(new_table(p).find("\"x\" BIGINT"), std::string::npos) << new_table(p);
}

TEST(SqlitePlanner, UsingIsWhatTheCopySelects) {
  strata::ops op;
  op.alter_column("foo", "data", {.type = strata::integer, .using_sql = "length(data)"});
  EXPECT_EQ(planned(inputs(foo), op).copy.at(1), (column_copy{"data", "length(data)"}));
}

// The defect of issue 10: the old values went into the new column of the same name.
TEST(SqlitePlanner, ColumnDroppedAndAddedAgainTakesItsDefaultNotTheOldValues) {
  strata::ops op;
  op.drop_column("foo", "data");
  op.add_column("foo", column("data", strata::integer).not_null().server_default("0"));
  const auto in_place = planned(inputs(foo), op);
  EXPECT_FALSE(in_place.rebuild);
  EXPECT_EQ(in_place.statements(), (std::vector<std::string>{"ALTER TABLE \"foo\" DROP COLUMN \"data\"",
                                                              "ALTER TABLE \"foo\" ADD COLUMN \"data\" INTEGER NOT NULL DEFAULT 0"}));
  // Without DROP COLUMN (SQLite before 3.35), or with an index on the column, it is one rebuild.
  const auto rebuilt = planned(inputs(foo), op, 3034000);
  ASSERT_TRUE(rebuilt.rebuild);
  EXPECT_EQ(rebuilt.copy, (std::vector<column_copy>{{"id", "\"id\""}, {"x", "\"x\""}}));
  EXPECT_NE(new_table(rebuilt).find("\"data\" INTEGER NOT NULL DEFAULT 0"), std::string::npos) << new_table(rebuilt);
}

TEST(SqlitePlanner, AddColumnWithinSqlitesRulesIsInPlace) {
  strata::ops op;
  op.add_column("foo", column("note", strata::text));
  op.add_column("foo", column("score", strata::integer).not_null().server_default("7"));
  op.add_column("foo", column("twice", strata::integer).generated("x * 2"));
  const auto p = planned(inputs(foo), op);
  EXPECT_FALSE(p.rebuild);
  EXPECT_EQ(p.statements(), (std::vector<std::string>{"ALTER TABLE \"foo\" ADD COLUMN \"note\" TEXT",
                                                       "ALTER TABLE \"foo\" ADD COLUMN \"score\" INTEGER NOT NULL DEFAULT 7",
                                                       "ALTER TABLE \"foo\" ADD COLUMN \"twice\" INTEGER GENERATED ALWAYS AS (x * 2) VIRTUAL"}));
  EXPECT_TRUE(p.copy.empty());
}

TEST(SqlitePlanner, AddColumnSqliteCannotAddInPlaceRebuilds) {
  for (const auto& definition : {column("stamp", strata::datetime).server_default("CURRENT_TIMESTAMP"), column("code", strata::text).unique(),
                                 column("required", strata::text).not_null(), column("twice", strata::integer).generated("x * 2", strata::stored)}) {
    strata::ops op;
    op.add_column("foo", definition);
    const auto p = planned(inputs(foo), op);
    EXPECT_TRUE(p.rebuild) << definition.name;
    EXPECT_EQ(p.copy.size(), 3U) << "the new column is not copied: " << definition.name;
  }
  strata::ops op;
  op.add_column("foo", column("twice", strata::integer).generated("x * 2", strata::stored));
  EXPECT_NE(new_table(planned(inputs(foo), op)).find("\"twice\" INTEGER GENERATED ALWAYS AS (x * 2) STORED"), std::string::npos);
}

TEST(SqlitePlanner, GeneratedColumnsAreNeverCopied) {
  const auto p = [] {
    strata::ops op;
    op.alter_column("g", "a", {.nullable = false});
    return planned(inputs("CREATE TABLE g (a INT, b INT GENERATED ALWAYS AS (a + 1) STORED, c INT AS (a * 2))"), op);
  }();
  EXPECT_EQ(p.copy, (std::vector<column_copy>{{"a", "\"a\""}}));
}

TEST(SqlitePlanner, PlacedColumnsRebuildInTheirPlace) {
  strata::ops op;
  op.add_column("foo", column("before_data", strata::text).server_default("'hi'"), {.insert_before = "data"});
  op.add_column("foo", column("after_data", strata::text), {.insert_after = "DATA"});
  op.add_column("foo", column("first", strata::integer), {.insert_before = "id"});
  op.add_column("foo", column("last", strata::integer), {.insert_after = "x"});
  const auto p = planned(inputs(foo), op);
  ASSERT_TRUE(p.rebuild);
  EXPECT_EQ(new_table(p), "CREATE TABLE \"_strata_new_foo\" (\n  \"first\" INTEGER,\n  \"id\" INTEGER NOT NULL PRIMARY KEY,\n"
                          "  \"before_data\" TEXT DEFAULT 'hi',\n  \"data\" VARCHAR(50),\n  \"after_data\" TEXT,\n  \"x\" INTEGER,\n"
                          "  \"last\" INTEGER\n)");
  EXPECT_EQ(p.copy, (std::vector<column_copy>{{"id", "\"id\""}, {"data", "\"data\""}, {"x", "\"x\""}}));

  strata::ops missing;
  missing.add_column("foo", column("y", strata::integer), {.insert_after = "nope"});
  EXPECT_NE(message_of(inputs(foo), missing).find("table 'foo' has no column 'nope'"), std::string::npos);
}

TEST(SqlitePlanner, DropColumnNothingUsesIsInPlace) {
  strata::ops op;
  op.drop_column("foo", "data");
  const auto p = planned(inputs(foo), op);
  EXPECT_FALSE(p.rebuild);
  EXPECT_EQ(p.statements(), std::vector<std::string>{"ALTER TABLE \"foo\" DROP COLUMN \"data\""});
  EXPECT_TRUE(planned(inputs(foo), op, 3034001).rebuild) << "SQLite before 3.35 has no DROP COLUMN";
  EXPECT_FALSE(planned(inputs(foo), op, 3035000).rebuild);
}

TEST(SqlitePlanner, DropColumnSomethingUsesRebuilds) {
  strata::ops op;
  op.drop_column("t", "b");
  const std::string t = "CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c TEXT";
  auto rebuilds = [&](table_inputs in) { return planned(in, op).rebuild; };
  EXPECT_FALSE(rebuilds(inputs(t + ")")));
  EXPECT_TRUE(rebuilds(inputs(t + ", CHECK (b <> c))"))) << "a table CHECK";
  EXPECT_TRUE(rebuilds(inputs("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c TEXT CHECK (c > b))"))) << "another column's CHECK";
  EXPECT_TRUE(rebuilds(inputs("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c TEXT AS (upper(b)))"))) << "a generated column";
  EXPECT_TRUE(rebuilds(inputs("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT UNIQUE, c TEXT)"))) << "UNIQUE";
  EXPECT_TRUE(rebuilds(inputs("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT REFERENCES u (id), c TEXT)"))) << "a foreign key";
  EXPECT_TRUE(rebuilds(inputs(t + ", UNIQUE (c, b))"))) << "a table UNIQUE";
  auto with = [&](auto member, std::string sql) {
    auto in = inputs(t + ")");
    (in.*member).push_back({"object", std::move(sql)});
    return in;
  };
  EXPECT_TRUE(rebuilds(with(&table_inputs::indexes, "CREATE INDEX ix ON t (c, b)"))) << "an index";
  EXPECT_TRUE(rebuilds(with(&table_inputs::indexes, "CREATE INDEX ix ON t (c) WHERE b IS NOT NULL"))) << "a partial index";
  EXPECT_TRUE(rebuilds(with(&table_inputs::triggers, "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT new.b; END"))) << "a trigger";
  EXPECT_TRUE(rebuilds(with(&table_inputs::dependents, "CREATE VIEW v AS SELECT b FROM t"))) << "a view";
  auto referenced = inputs(t + ")");
  referenced.referenced_columns = {"B"};
  EXPECT_TRUE(rebuilds(referenced)) << "another table's foreign key";
  EXPECT_FALSE(rebuilds(with(&table_inputs::dependents, "CREATE VIEW v AS SELECT c FROM t")));
}

TEST(SqlitePlanner, DropColumnIndexedDropsTheIndexAndKeepsTheOthers) {
  auto in = inputs("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT, c TEXT)");
  in.indexes = {{"ix_b", "CREATE INDEX ix_b ON t (c, b)"}, {"ix_c", "CREATE INDEX \"ix_c\" ON \"t\" (\"c\")"},
                {"ix_partial", "CREATE INDEX ix_partial ON t (c) WHERE b IS NOT NULL"}};
  in.triggers = {{"tr", "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END"}};
  strata::ops op;
  op.drop_column("t", "b");
  const auto p = planned(in, op);
  ASSERT_TRUE(p.rebuild);
  std::vector<step> recreated(p.steps.end() - 3, p.steps.end());
  EXPECT_EQ(recreated, (std::vector<step>{{step::role::index, "CREATE INDEX \"ix_c\" ON \"t\" (\"c\")", "ix_c"},
                                          {step::role::index, "CREATE INDEX ix_partial ON t (c) WHERE b IS NOT NULL", "ix_partial"},
                                          {step::role::trigger, "CREATE TRIGGER tr AFTER INSERT ON t BEGIN SELECT 1; END", "tr"}}))
      << "an index on the column goes; one that only filters on it is recreated (and fails, naming it)";
  EXPECT_EQ(p.copy, (std::vector<column_copy>{{"a", "\"a\""}, {"c", "\"c\""}}));
}

TEST(SqlitePlanner, CompositePrimaryKeyKeepsTheColumnsLeft) {
  strata::ops op;
  op.drop_column("pairs", "b");
  const auto unnamed = planned(inputs("CREATE TABLE pairs (a INTEGER NOT NULL, b TEXT NOT NULL, c TEXT, PRIMARY KEY (a, b))"), op);
  ASSERT_TRUE(unnamed.rebuild);
  EXPECT_EQ(new_table(unnamed), "CREATE TABLE \"_strata_new_pairs\" (\n  \"a\" INTEGER NOT NULL,\n  \"c\" TEXT,\n  PRIMARY KEY (\"a\")\n)");
  const auto named = planned(inputs("CREATE TABLE pairs (a INTEGER, b TEXT, CONSTRAINT pk_pairs PRIMARY KEY (a, b)) WITHOUT ROWID"), op);
  EXPECT_EQ(new_table(named), "CREATE TABLE \"_strata_new_pairs\" (\n  \"a\" INTEGER,\n  CONSTRAINT \"pk_pairs\" PRIMARY KEY (\"a\")\n) WITHOUT ROWID");

  strata::ops both;
  both.drop_column("pairs", "a");
  both.drop_column("pairs", "b");
  EXPECT_EQ(new_table(planned(inputs("CREATE TABLE pairs (a INTEGER, b TEXT, c TEXT, PRIMARY KEY (a, b))"), both)),
            "CREATE TABLE \"_strata_new_pairs\" (\n  \"c\" TEXT\n)")
      << "a key with no column left goes";
}

TEST(SqlitePlanner, DroppingAColumnDropsTheConstraintsOnIt) {
  strata::ops op;
  op.drop_column("t", "b");
  const auto p = planned(inputs("CREATE TABLE t (a INTEGER PRIMARY KEY, b INTEGER, c INTEGER, UNIQUE (b, c), CHECK (b > 0), "
                                "FOREIGN KEY (b) REFERENCES u (id), CHECK (c > 0), CONSTRAINT uq_c UNIQUE (c))"),
                         op);
  EXPECT_EQ(new_table(p), "CREATE TABLE \"_strata_new_t\" (\n  \"a\" INTEGER PRIMARY KEY,\n  \"c\" INTEGER,\n  CHECK (c > 0),\n  CONSTRAINT uq_c UNIQUE (c)\n)");
  EXPECT_TRUE(p.checks.empty()) << "the foreign key went with the column";
}

TEST(SqlitePlanner, ChecksAreTheRebuiltTableWithForeignKeysAndTheTablesReferencingIt) {
  auto in = inputs("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id), note TEXT)");
  in.referencing = {"grandchild", "other"};
  strata::ops op;
  op.alter_column("child", "note", {.nullable = false});
  EXPECT_EQ(planned(in, op).checks, (std::vector<std::string>{"child", "grandchild", "other"}));
  auto leaf = inputs(foo);
  leaf.referencing = {"bar"};
  strata::ops alter;
  alter.alter_column("foo", "x", {.nullable = false});
  EXPECT_EQ(planned(leaf, alter).checks, std::vector<std::string>{"bar"});
}

TEST(SqlitePlanner, NotNullAndDefaultGoWhereTheRendererWritesThem) {
  strata::ops op;
  op.alter_column("foo", "x", {.nullable = false, .server_default = "1"});
  op.alter_column("foo", "data", {.server_default = "'d'"});
  op.alter_column("foo", "data", {.nullable = false});
  const auto p = planned(inputs("CREATE TABLE \"foo\" (\n  \"id\" INTEGER NOT NULL PRIMARY KEY,\n  \"data\" VARCHAR(50) CHECK (data <> ''),\n"
                                "  \"x\" INTEGER REFERENCES \"bar\" (\"id\")\n)"),
                         op);
  const auto rendered = strata::sqlite_sql::create_table(
      {"_strata_new_foo",
       {column("id", strata::integer).primary_key(), column("data", strata::varchar(50)).not_null().server_default("'d'").check("data <> ''"),
        column("x", strata::integer).not_null().server_default("1").references("bar", "id")},
       {},
       {}},
      {});
  EXPECT_EQ(new_table(p), rendered) << "a table altered reads as one rendered afresh";
}

TEST(SqlitePlanner, IndexesAndTriggersAreRecreatedInTheirOrder) {
  auto in = inputs(foo);
  in.indexes = {{"ix_2", "CREATE INDEX ix_2 ON foo (x)"}, {"ix_1", "CREATE UNIQUE INDEX ix_1 ON foo (data)"}};
  in.triggers = {{"tr_b", "CREATE TRIGGER tr_b AFTER UPDATE ON foo BEGIN SELECT 1; END"}};
  strata::ops op;
  op.alter_column("foo", "data", {.type = strata::text});
  const auto p = planned(in, op);
  std::vector<std::string> names;
  for (const auto& s : p.steps)
    if (!s.name.empty()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ix_2", "ix_1", "tr_b"}));
}

constexpr strata::naming_convention convention{
    .unique = "uq_%(table_name)s_%(column_0_name)s",
    .check = "ck_%(table_name)s_%(column_0_name)s",
    .foreign_key = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"};

TEST(SqlitePlanner, NamingConventionNamesUnnamedConstraintsSoTheyCanBeDroppedByName) {
  // Alembic's test_drop_foreign_key: batch_alter_table("bar", naming_convention=...) then
  // drop_constraint("fk_bar_foo_id_foo").
  const auto bar = inputs("CREATE TABLE bar (id INTEGER PRIMARY KEY, foo_id INTEGER REFERENCES foo (id), code TEXT UNIQUE, n INTEGER, "
                          "CHECK (n > 0), CONSTRAINT named CHECK (n < 100))");
  strata::ops op;
  op.use_naming_convention(convention);
  op.drop_constraint("bar", "fk_bar_foo_id_foo");
  const auto p = planned(bar, op);
  EXPECT_EQ(new_table(p), "CREATE TABLE \"_strata_new_bar\" (\n  \"id\" INTEGER PRIMARY KEY,\n  \"foo_id\" INTEGER,\n"
                          "  \"code\" TEXT CONSTRAINT \"uq_bar_code\" UNIQUE,\n  \"n\" INTEGER,\n  CONSTRAINT \"ck_bar_n\" CHECK (n > 0),\n"
                          "  CONSTRAINT named CHECK (n < 100)\n)");
  EXPECT_TRUE(p.checks.empty()) << "bar has no foreign key left";

  strata::ops without;
  without.drop_constraint("bar", "fk_bar_foo_id_foo");
  EXPECT_NE(message_of(bar, without).find("has no constraint named 'fk_bar_foo_id_foo'"), std::string::npos) << message_of(bar, without);
  EXPECT_NE(message_of(bar, without).find("use_naming_convention"), std::string::npos);
}

TEST(SqlitePlanner, DropConstraintByKindAndColumns) {
  const auto t = inputs("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER CHECK (a > 0), b INTEGER, c INTEGER REFERENCES u (id), "
                        "UNIQUE (a, b), CHECK (b > a), CHECK (b < 100))");
  auto without = [&](strata::constraint_kind kind, strata::names columns) {
    strata::ops op;
    op.drop_constraint("t", kind, columns);
    return new_table(planned(t, op));
  };
  EXPECT_EQ(without(strata::constraint_kind::unique, {"B", "a"}).find("UNIQUE"), std::string::npos) << "columns in any order and case";
  EXPECT_EQ(without(strata::constraint_kind::check, {"b"}).find("b < 100"), std::string::npos);
  EXPECT_NE(without(strata::constraint_kind::check, {"b"}).find("b > a"), std::string::npos);
  EXPECT_EQ(without(strata::constraint_kind::check, {"a", "b"}).find("b > a"), std::string::npos);
  EXPECT_EQ(without(strata::constraint_kind::check, {"a"}).find("a > 0"), std::string::npos) << "a column's own CHECK";
  EXPECT_EQ(without(strata::constraint_kind::foreign_key, {"c"}).find("REFERENCES"), std::string::npos);
  EXPECT_EQ(without(strata::constraint_kind::primary_key, {}).find("PRIMARY KEY"), std::string::npos) << "no columns: the one there is";

  strata::ops none;
  none.drop_constraint("t", strata::constraint_kind::unique, {"a"});
  EXPECT_NE(message_of(t, none).find("table 't' has no UNIQUE constraint on exactly (a); check the kind and the columns, or drop the "
                                     "constraint by name"),
            std::string::npos)
      << message_of(t, none);
  strata::ops several;
  several.drop_constraint("t", strata::constraint_kind::check, {});
  EXPECT_NE(message_of(t, several).find("table 't' has 3 CHECK constraints on (); drop the one you mean by name"), std::string::npos)
      << message_of(t, several);
}

TEST(SqlitePlanner, BooleanBecomingIntegerLosesItsCheck) {
  const auto t = inputs("CREATE TABLE hasbool (x BOOLEAN CONSTRAINT ck1 CHECK (x IN (0, 1)), y INTEGER, z BOOLEAN, CHECK (\"z\" IN (0,1)), "
                        "CHECK (y IN (0, 1)))");
  strata::ops op;
  op.alter_column("hasbool", "x", {.type = strata::integer});
  op.alter_column("hasbool", "z", {.type = strata::integer});
  EXPECT_EQ(new_table(planned(t, op)), "CREATE TABLE \"_strata_new_hasbool\" (\n  \"x\" INTEGER,\n  \"y\" INTEGER,\n  \"z\" INTEGER,\n  CHECK (y IN (0, 1))\n)");
  strata::ops still_boolean;
  still_boolean.alter_column("hasbool", "x", {.nullable = false});
  EXPECT_NE(new_table(planned(t, still_boolean)).find("ck1"), std::string::npos);
}

TEST(SqlitePlanner, ErrorsNameTheTableAndWhatToDo) {
  strata::ops unknown;
  unknown.alter_column("foo", "nope", {.nullable = false});
  EXPECT_NE(message_of(inputs(foo), unknown).find("alter_column foo.nope: table 'foo' has no column 'nope'"), std::string::npos);
  strata::ops twice;
  twice.add_column("foo", column("data", strata::text).unique());
  EXPECT_NE(message_of(inputs(foo), twice).find("table 'foo' already has a column 'data'"), std::string::npos);
  strata::ops last;
  last.drop_column("one", "a");
  EXPECT_NE(message_of(inputs("CREATE TABLE one (a)"), last).find("it would leave table 'one' with no column; drop the table instead"),
            std::string::npos);
}

// Where the executor may edit the schema: a run that only removes constraints is one UPDATE of the
// table's definition in sqlite_master; anything else in the run (a default, a NOT NULL added, a
// primary key column's NOT NULL, a type) makes it a rebuild, and so does planning for a script.
TEST(SqlitePlanner, ARunThatOnlyRemovesConstraintsIsASchemaEditWhereAllowed) {
  constexpr std::string_view guarded = R"sql(CREATE TABLE "g" (
  "id" INTEGER NOT NULL PRIMARY KEY,
  "a" TEXT NOT NULL COLLATE NOCASE,
  "b" INTEGER CHECK (b > 0) REFERENCES "other" ("id"),
  "c" TEXT DEFAULT 'x',
  CONSTRAINT "ck_g_c" CHECK (length(c) < 9),
  CONSTRAINT "uq_g_a" UNIQUE ("a")
))sql";
  auto edit = [&](const strata::ops& op) { return strata::sqlite_sql::plan(op.operations(), inputs(guarded), {}, true); };
  strata::ops loosen;
  loosen.alter_column("g", "a", {.nullable = true});
  loosen.drop_constraint("g", strata::constraint_kind::check, {"b"});
  loosen.drop_constraint("g", strata::constraint_kind::foreign_key, {"b"});
  loosen.drop_constraint("g", "ck_g_c");
  const auto p = edit(loosen);
  EXPECT_FALSE(p.rebuild);
  ASSERT_TRUE(p.schema_edit);
  ASSERT_EQ(p.steps.size(), 1U);
  EXPECT_EQ(p.steps[0].kind, step::role::definition);
  EXPECT_EQ(p.steps[0].sql, "UPDATE sqlite_master SET sql = 'CREATE TABLE \"g\" (\n  \"id\" INTEGER NOT NULL PRIMARY KEY,\n"
                            "  \"a\" TEXT COLLATE NOCASE,\n  \"b\" INTEGER,\n  \"c\" TEXT DEFAULT ''x'',\n  CONSTRAINT \"uq_g_a\" UNIQUE (\"a\")\n)' "
                            "WHERE type = 'table' AND name = 'g'");
  EXPECT_TRUE(p.checks.empty());
  EXPECT_TRUE(strata::sqlite_sql::plan(loosen.operations(), inputs(guarded), {}).rebuild);  // a script's plan
  auto rebuilds = [&](auto&& record) {
    strata::ops op;
    record(op);
    const auto q = edit(op);
    return q.rebuild && !q.schema_edit;
  };
  EXPECT_TRUE(rebuilds([](strata::ops& op) { op.alter_column("g", "c", {.server_default = "'y'"}); }));
  EXPECT_TRUE(rebuilds([](strata::ops& op) { op.alter_column("g", "c", {.drop_default = true}); }));
  EXPECT_TRUE(rebuilds([](strata::ops& op) { op.alter_column("g", "c", {.nullable = false}); }));
  EXPECT_TRUE(rebuilds([](strata::ops& op) { op.alter_column("g", "id", {.nullable = true}); }));
  EXPECT_TRUE(rebuilds([](strata::ops& op) { op.alter_column("g", "a", {.type = strata::integer, .nullable = true}); }));
  EXPECT_TRUE(rebuilds([](strata::ops& op) { op.drop_constraint("g", "uq_g_a"); }));
  EXPECT_TRUE(rebuilds([](strata::ops& op) {
    op.alter_column("g", "a", {.nullable = true});
    op.add_constraint("g", strata::check("ck_g_b", "b < 100"));
  }));
}

}  // namespace
