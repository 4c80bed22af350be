// Alembic's batch-mode round trips (alembic/tests/test_batch.py, BatchRoundTripTest) as strata
// revisions run by strata::migrator<strata::sqlite> on real SQLite files, and the defects of the
// old rebuild that issue 10 lists, each with the test that caught it.
#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "support/sqlite_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;

class SqliteBatch : public ::testing::Test {
 protected:
  scratch_folder dir;
  SQLite::Database db = open(dir.file());

  template <class History>
  void upgrade() {
    strata::migrator<strata::sqlite> m{History{}, dir.url()};
    m.upgrade();
  }
  // The table's columns and rows (each value with its storage class), ordered by rowid.
  std::string data(const std::string& table = "foo") { return dump(db, table); }
  std::vector<std::string> names(const std::string& table = "foo") { return column_names(db, table); }
  // The primary key's columns, in key order.
  std::vector<std::string> primary_key(const std::string& table) {
    std::vector<std::string> out;
    for (auto& r : rows_with(db, "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk", table)) out.push_back(*r[0]);
    return out;
  }
  table_rows foreign_keys(const std::string& table) {
    return rows_with(db, "SELECT \"table\", \"from\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq", table);
  }
};

// Alembic's fixture: foo(id, data VARCHAR(50), x) with five rows.
struct foo : strata::revision<"ba0000000000", strata::base> {
  static constexpr std::string_view message = "foo";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("foo", {column("id", strata::integer).primary_key(), column("data", strata::varchar(50)), column("x", strata::integer)});
    op.execute("INSERT INTO foo (id, data, x) VALUES (1, 'd1', 5), (2, '22', 6), (3, '8.5', 7), (4, '9.46', 8), (5, 'd5', 9)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("foo"); }
};

#define STRATA_BATCH_REVISION(name, id, down, ...)           \
  struct name : strata::revision<id, down> {                 \
    static constexpr std::string_view message = #name;       \
    static constexpr void upgrade(strata::ops& op) { __VA_ARGS__ } \
    static constexpr void downgrade(strata::ops&) {}         \
    static constexpr bool irreversible = true;               \
  }

// ---- Alembic's BatchRoundTripTest ----------------------------------------------------------------------

STRATA_BATCH_REVISION(change_type, "ba0000000001", "ba0000000000", op.alter_column("foo", "data", {.type = strata::integer}););

// test_change_type: VARCHAR to INTEGER CASTs the values (SQLite's affinity changes), as Alembic does.
TEST_F(SqliteBatch, ChangeType) {
  upgrade<strata::history<foo, change_type>>();
  EXPECT_EQ(find_column(db, "foo", "data")->type, "INTEGER");
  EXPECT_EQ(data(), "1:1|1:0|1:5\n1:2|1:22|1:6\n1:3|1:8|1:7\n1:4|1:9|1:8\n1:5|1:0|1:9\n");
}

STRATA_BATCH_REVISION(drop_data, "ba0000000002", "ba0000000000", op.drop_column("foo", "data"););

// test_drop_column, test_drop_column_fk_recreate (strata decides alone whether to rebuild: here in place).
TEST_F(SqliteBatch, DropColumn) {
  upgrade<strata::history<foo, drop_data>>();
  EXPECT_EQ(names(), (std::vector<std::string>{"id", "x"}));
  EXPECT_EQ(data(), "1:1|1:5\n1:2|1:6\n1:3|1:7\n1:4|1:8\n1:5|1:9\n");
}

STRATA_BATCH_REVISION(drop_pk_readd, "ba0000000003", "ba0000000000", op.drop_column("foo", "id"); op.add_column("foo", column("id", strata::integer)););
STRATA_BATCH_REVISION(drop_pk_readd_pk, "ba0000000004", "ba0000000000", op.drop_column("foo", "id");
                      op.add_column("foo", column("id", strata::integer).primary_key()););
STRATA_BATCH_REVISION(drop_pk_readd_pk_constraint, "ba0000000005", "ba0000000000", op.drop_column("foo", "id");
                      op.add_column("foo", column("id", strata::integer)); op.add_constraint("foo", strata::primary_key("newpk", {"id"})););

// test_drop_pk_col_readd_col, test_drop_pk_col_readd_pk_col, test_drop_pk_col_readd_col_also_pk_const.
TEST_F(SqliteBatch, DropPrimaryKeyColumnAndAddItBack) {
  upgrade<strata::history<foo, drop_pk_readd>>();
  EXPECT_TRUE(primary_key("foo").empty());
  EXPECT_EQ(names(), (std::vector<std::string>{"data", "x", "id"}));
  EXPECT_EQ(count(db, "SELECT count(*) FROM foo WHERE id IS NULL"), 5) << "a new column, not the old values";
}

TEST_F(SqliteBatch, DropPrimaryKeyColumnAndAddAKeyColumnBack) {
  upgrade<strata::history<foo, drop_pk_readd_pk>>();
  EXPECT_EQ(primary_key("foo"), std::vector<std::string>{"id"});
}

TEST_F(SqliteBatch, DropPrimaryKeyColumnAndAddItBackWithAKeyConstraint) {
  upgrade<strata::history<foo, drop_pk_readd_pk_constraint>>();
  EXPECT_EQ(primary_key("foo"), std::vector<std::string>{"id"});
  EXPECT_NE(object_sql(db, "table", "foo").find("CONSTRAINT \"newpk\" PRIMARY KEY"), std::string::npos);
}

struct nopk : strata::revision<"ba0000000006", "ba0000000000"> {
  static constexpr std::string_view message = "nopk";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("nopk", {column("a", strata::integer), column("b", strata::integer), column("c", strata::integer)});
    op.execute("INSERT INTO nopk VALUES (1, 2, 3), (2, 4, 5)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("nopk"); }
};
STRATA_BATCH_REVISION(add_pk, "ba0000000007", "ba0000000006", op.add_constraint("nopk", strata::primary_key("newpk", {"a", "b"})););

// test_add_pk_constraint.
TEST_F(SqliteBatch, AddPrimaryKeyConstraint) {
  upgrade<strata::history<foo, nopk, add_pk>>();
  EXPECT_EQ(primary_key("nopk"), (std::vector<std::string>{"a", "b"}));
  EXPECT_NE(object_sql(db, "table", "nopk").find("CONSTRAINT \"newpk\" PRIMARY KEY (\"a\", \"b\")"), std::string::npos);
  EXPECT_EQ(data("nopk"), "1:1|1:2|1:3\n1:2|1:4|1:5\n");
}

STRATA_BATCH_REVISION(add_check, "ba0000000008", "ba0000000000", op.add_constraint("foo", strata::check("newck", "x > 0")););

// test_add_ck_constraint.
TEST_F(SqliteBatch, AddCheckConstraint) {
  upgrade<strata::history<foo, add_check>>();
  const auto error = sql_error(db, "INSERT INTO foo (id, data, x) VALUES (6, 5, -2)");
  ASSERT_NE(error, std::nullopt);
  EXPECT_NE(error->find("newck"), std::string::npos) << *error;
}

struct ck_table : strata::revision<"ba0000000009", "ba0000000000"> {
  static constexpr std::string_view message = "ck_table";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("ck_table", {column("id", strata::integer).not_null(), strata::check("ck", "id is not NULL")});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("ck_table"); }
};
STRATA_BATCH_REVISION(drop_check, "ba0000000010", "ba0000000009", op.drop_constraint("ck_table", "ck"););

// test_drop_ck_constraint.
TEST_F(SqliteBatch, DropCheckConstraint) {
  upgrade<strata::history<foo, ck_table, drop_check>>();
  EXPECT_EQ(object_sql(db, "table", "ck_table").find("CHECK"), std::string::npos);
}

// bar(id, foo_id REFERENCES foo (id)) with one row, and Alembic's naming convention for foreign keys.
struct bar : strata::revision<"ba0000000011", "ba0000000000"> {
  static constexpr std::string_view message = "bar";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("bar", {column("id", strata::integer).primary_key(), column("foo_id", strata::integer).references("foo", "id")});
    op.execute("INSERT INTO bar (id, foo_id) VALUES (1, 3)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("bar"); }
};
STRATA_BATCH_REVISION(drop_foreign_key, "ba0000000012", "ba0000000011",
                      op.use_naming_convention({.foreign_key = "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"});
                      op.drop_constraint("bar", "fk_bar_foo_id_foo"););

// test_drop_foreign_key: an unnamed foreign key dropped by the name the convention gives it.
TEST_F(SqliteBatch, DropUnnamedForeignKeyByTheNamingConvention) {
  upgrade<strata::history<foo, bar, drop_foreign_key>>();
  EXPECT_TRUE(foreign_keys("bar").empty());
  EXPECT_EQ(data("bar"), "1:1|1:3\n");
}

STRATA_BATCH_REVISION(rename_x, "ba0000000013", "ba0000000000", op.rename_column("foo", "x", "y"););
STRATA_BATCH_REVISION(rename_id, "ba0000000014", "ba0000000000", op.rename_column("foo", "id", "ident"););
STRATA_BATCH_REVISION(drop_id, "ba0000000015", "ba0000000000", op.drop_column("foo", "id"););

// test_rename_column, test_rename_column_pk (strata's rename_column is SQLite's own RENAME COLUMN).
TEST_F(SqliteBatch, RenameColumns) {
  upgrade<strata::history<foo, rename_x>>();
  EXPECT_EQ(names(), (std::vector<std::string>{"id", "data", "y"}));
  EXPECT_EQ(data(), "1:1|3:d1|1:5\n1:2|3:22|1:6\n1:3|3:8.5|1:7\n1:4|3:9.46|1:8\n1:5|3:d5|1:9\n");
}

TEST_F(SqliteBatch, RenamePrimaryKeyColumn) {
  upgrade<strata::history<foo, rename_id>>();
  EXPECT_EQ(primary_key("foo"), std::vector<std::string>{"ident"});
  EXPECT_EQ(data(), "1:1|3:d1|1:5\n1:2|3:22|1:6\n1:3|3:8.5|1:7\n1:4|3:9.46|1:8\n1:5|3:d5|1:9\n");
}

// test_drop_column_pk.
TEST_F(SqliteBatch, DropPrimaryKeyColumn) {
  upgrade<strata::history<foo, drop_id>>();
  EXPECT_EQ(names(), (std::vector<std::string>{"data", "x"}));
  EXPECT_EQ(data(), "3:d1|1:5\n3:22|1:6\n3:8.5|1:7\n3:9.46|1:8\n3:d5|1:9\n");
}

struct flags : strata::revision<"ba0000000016", "ba0000000000"> {
  static constexpr std::string_view message = "bar with a boolean";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("bar", {column("id", strata::integer).primary_key(), column("flag", strata::boolean).check("flag IN (0, 1)")});
    op.execute("INSERT INTO bar VALUES (1, 1), (2, 0)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("bar"); }
};
STRATA_BATCH_REVISION(rename_flag, "ba0000000017", "ba0000000016", op.rename_column("bar", "flag", "bflag"););

// test_rename_column_boolean: SQLAlchemy's Boolean CHECK follows the column.
TEST_F(SqliteBatch, RenameBooleanColumn) {
  upgrade<strata::history<foo, flags, rename_flag>>();
  EXPECT_EQ(data("bar"), "1:1|1:1\n1:2|1:0\n");
  EXPECT_NE(sql_error(db, "INSERT INTO bar VALUES (3, 5)"), std::nullopt) << "the CHECK now names bflag";
}

STRATA_BATCH_REVISION(add_data2, "ba0000000018", "ba0000000000", op.add_column("foo", column("data2", strata::varchar(50)).server_default("'hi'")););
STRATA_BATCH_REVISION(add_data2_calculated, "ba0000000019", "ba0000000000",
                      op.add_column("foo", column("data2", strata::datetime).server_default("datetime('now', 'localtime')")););

// test_add_column_auto (ALTER TABLE ADD COLUMN), test_add_column_recreate (the same result).
TEST_F(SqliteBatch, AddColumnWithADefault) {
  strata::migrator<strata::sqlite> m{strata::history<foo, add_data2>{}, dir.url()};
  m.upgrade("ba0000000000");
  const auto page = scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'foo'");
  m.upgrade();
  EXPECT_EQ(scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'foo'"), page) << "in place";
  EXPECT_EQ(names(), (std::vector<std::string>{"id", "data", "x", "data2"}));
  EXPECT_EQ(data(), "1:1|3:d1|1:5|3:hi\n1:2|3:22|1:6|3:hi\n1:3|3:8.5|1:7|3:hi\n1:4|3:9.46|1:8|3:hi\n1:5|3:d5|1:9|3:hi\n");
}

// test_add_column_auto_server_default_calculated: an expression default takes a rebuild, and every
// row copied gets it.
TEST_F(SqliteBatch, AddColumnWithACalculatedDefault) {
  upgrade<strata::history<foo, add_data2_calculated>>();
  EXPECT_EQ(names(), (std::vector<std::string>{"id", "data", "x", "data2"}));
  EXPECT_EQ(count(db, "SELECT count(*) FROM foo WHERE data2 >= '2000-01-01'"), 5);
}

STRATA_BATCH_REVISION(add_virtual, "ba0000000020", "ba0000000000", op.add_column("foo", column("data2", strata::integer).generated("1 + 1")););
STRATA_BATCH_REVISION(add_stored, "ba0000000021", "ba0000000000",
                      op.add_column("foo", column("data2", strata::integer).generated("1 + 1", strata::stored)););

// test_add_column_auto_generated (both kinds). SQLite adds a VIRTUAL one in place; a STORED one
// ("cannot add a STORED column") takes a rebuild, which the old rebuild could not do.
TEST_F(SqliteBatch, AddGeneratedColumns) {
  {
    strata::migrator<strata::sqlite> m{strata::history<foo, add_virtual>{}, dir.url()};
    m.upgrade("ba0000000000");
    const auto page = scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'foo'");
    m.upgrade();
    EXPECT_EQ(scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'foo'"), page) << "VIRTUAL: in place";
    EXPECT_EQ(dump_query(db, "SELECT id, data2 FROM foo"), "1:1|1:2\n1:2|1:2\n1:3|1:2\n1:4|1:2\n1:5|1:2\n");
  }
  scratch_folder other;
  auto stored_db = open(other.file());
  strata::migrator<strata::sqlite> m{strata::history<foo, add_stored>{}, other.url()};
  m.upgrade();
  EXPECT_EQ(dump_query(stored_db, "SELECT id, data2 FROM foo"), "1:1|1:2\n1:2|1:2\n1:3|1:2\n1:4|1:2\n1:5|1:2\n");
  EXPECT_NE(object_sql(stored_db, "table", "foo").find("GENERATED ALWAYS AS (1 + 1) STORED"), std::string::npos);
  EXPECT_EQ(rows_with(stored_db, "SELECT hidden FROM pragma_table_xinfo(?) WHERE name = 'data2'", "foo").at(0).at(0), "3") << "STORED";
}

STRATA_BATCH_REVISION(insert_before, "ba0000000022", "ba0000000000",
                      op.add_column("foo", column("data2", strata::varchar(50)).server_default("'hi'"), {.insert_before = "data"}););
STRATA_BATCH_REVISION(insert_after, "ba0000000023", "ba0000000000",
                      op.add_column("foo", column("data2", strata::varchar(50)).server_default("'hi'"), {.insert_after = "data"}););

// test_add_column_insert_before_recreate, test_add_column_insert_after_recreate.
TEST_F(SqliteBatch, AddColumnInsertBeforeAndAfter) {
  upgrade<strata::history<foo, insert_before>>();
  EXPECT_EQ(names(), (std::vector<std::string>{"id", "data2", "data", "x"}));
  EXPECT_EQ(data(), "1:1|3:hi|3:d1|1:5\n1:2|3:hi|3:22|1:6\n1:3|3:hi|3:8.5|1:7\n1:4|3:hi|3:9.46|1:8\n1:5|3:hi|3:d5|1:9\n");
  scratch_folder other;
  auto after_db = open(other.file());
  strata::migrator<strata::sqlite> m{strata::history<foo, insert_after>{}, other.url()};
  m.upgrade();
  EXPECT_EQ(column_names(after_db, "foo"), (std::vector<std::string>{"id", "data", "data2", "x"}));
  EXPECT_EQ(dump(after_db, "foo"), "1:1|3:d1|3:hi|1:5\n1:2|3:22|3:hi|1:6\n1:3|3:8.5|3:hi|1:7\n1:4|3:9.46|3:hi|1:8\n1:5|3:d5|3:hi|1:9\n");
}

STRATA_BATCH_REVISION(create_ix, "ba0000000024", "ba0000000000", op.create_index("ix_data", "foo", {"data"}, {.unique = true}););
STRATA_BATCH_REVISION(drop_ix, "ba0000000025", "ba0000000024", op.drop_index("ix_data"););

// test_create_drop_index.
TEST_F(SqliteBatch, CreateAndDropIndex) {
  strata::migrator<strata::sqlite> m{strata::history<foo, create_ix, drop_ix>{}, dir.url()};
  m.upgrade("ba0000000024");
  EXPECT_EQ(rows(db, "SELECT name, \"unique\" FROM pragma_index_list('foo')"), (table_rows{{"ix_data", "1"}}));
  EXPECT_EQ(data(), "1:1|3:d1|1:5\n1:2|3:22|1:6\n1:3|3:8.5|1:7\n1:4|3:9.46|1:8\n1:5|3:d5|1:9\n");
  m.upgrade();
  EXPECT_EQ(count(db, "SELECT count(*) FROM pragma_index_list('foo')"), 0);
}

struct t_w_ix : strata::revision<"ba0000000026", "ba0000000000"> {
  static constexpr std::string_view message = "t_w_ix";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("t_w_ix", {column("id", strata::integer).primary_key(), column("thing", strata::integer), column("data", strata::varchar(20))});
    op.create_index("ix_thing", "t_w_ix", {"thing"});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("t_w_ix"); }
};
STRATA_BATCH_REVISION(ix_existing, "ba0000000027", "ba0000000026", op.alter_column("t_w_ix", "data", {.type = strata::varchar(30)});
                      op.create_index("ix_data", "t_w_ix", {"data"}););

// test_ix_existing: the rebuild keeps the table's index, next to the new one.
TEST_F(SqliteBatch, RebuildKeepsExistingIndex) {
  upgrade<strata::history<foo, t_w_ix, ix_existing>>();
  EXPECT_EQ(rows(db, "SELECT name FROM pragma_index_list('t_w_ix') ORDER BY name"), (table_rows{{"ix_data"}, {"ix_thing"}}));
  EXPECT_EQ(find_column(db, "t_w_ix", "data")->type, "VARCHAR(30)");
}

STRATA_BATCH_REVISION(rebuild_foo, "ba0000000028", "ba0000000011", op.alter_column("foo", "data", {.type = strata::varchar(60)}););

// test_fk_points_to_me_auto, and test_fk_points_to_me_sqlite_refinteg, which fails in Alembic:
// strata's own connection has foreign keys on, and the rebuild switches them off around itself.
TEST_F(SqliteBatch, ForeignKeyPointingAtTheRebuiltTableStays) {
  upgrade<strata::history<foo, bar, rebuild_foo>>();
  EXPECT_EQ(foreign_keys("bar"), (table_rows{{"foo", "foo_id", "id"}}));
  EXPECT_EQ(data("bar"), "1:1|1:3\n");
  EXPECT_EQ(scalar(db, "PRAGMA foreign_key_check"), "");
}

struct selfref : strata::revision<"ba0000000029", "ba0000000000"> {
  static constexpr std::string_view message = "self-referencing bar";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("bar", {column("id", strata::integer).primary_key(), column("bar_id", strata::integer).references("bar", "id"),
                            column("data", strata::varchar(50))});
    op.execute("INSERT INTO bar VALUES (1, NULL, 'x'), (2, 1, 'y')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("bar"); }
};
STRATA_BATCH_REVISION(rebuild_selfref, "ba0000000030", "ba0000000029", op.alter_column("bar", "data", {.type = strata::varchar(60)}););

// test_selfref_fk_auto.
TEST_F(SqliteBatch, SelfReferencingForeignKeyStays) {
  upgrade<strata::history<foo, selfref, rebuild_selfref>>();
  EXPECT_EQ(foreign_keys("bar"), (table_rows{{"bar", "bar_id", "id"}}));
  EXPECT_EQ(data("bar"), "1:1|NULL|3:x\n1:2|1:1|3:y\n");
}

struct hasbool : strata::revision<"ba0000000031", "ba0000000000"> {
  static constexpr std::string_view message = "hasbool";
  static constexpr void upgrade(strata::ops& op) {
    // SQLAlchemy's Boolean(create_constraint=True, name="ck1") on SQLite.
    op.create_table("hasbool", {column("x", strata::boolean), column("y", strata::integer), strata::check("ck1", "x IN (0, 1)")});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("hasbool"); }
};
STRATA_BATCH_REVISION(boolean_to_int, "ba0000000032", "ba0000000031", op.alter_column("hasbool", "x", {.type = strata::integer}););
STRATA_BATCH_REVISION(drop_boolean, "ba0000000033", "ba0000000031", op.drop_column("hasbool", "x"););

// test_change_type_boolean_to_int: the Boolean's CHECK goes with the type, as in Alembic.
TEST_F(SqliteBatch, BooleanToIntegerDropsItsCheck) {
  upgrade<strata::history<foo, hasbool, boolean_to_int>>();
  EXPECT_EQ(find_column(db, "hasbool", "x")->type, "INTEGER");
  db.exec("INSERT INTO hasbool (x, y) VALUES (5, 1)");
}

// test_drop_col_schematype.
TEST_F(SqliteBatch, DropBooleanColumnWithItsCheck) {
  upgrade<strata::history<foo, hasbool, drop_boolean>>();
  EXPECT_EQ(names("hasbool"), std::vector<std::string>{"y"});
}

struct hasint : strata::revision<"ba0000000034", "ba0000000000"> {
  static constexpr std::string_view message = "hasint";
  static constexpr void upgrade(strata::ops& op) { op.create_table("hasbool", {column("x", strata::integer)}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("hasbool"); }
};
STRATA_BATCH_REVISION(int_to_boolean, "ba0000000035", "ba0000000034", op.alter_column("hasbool", "x", {.type = strata::boolean}););

// test_change_type_int_to_boolean.
TEST_F(SqliteBatch, IntegerToBoolean) {
  upgrade<strata::history<foo, hasint, int_to_boolean>>();
  EXPECT_EQ(find_column(db, "hasbool", "x")->type, "BOOLEAN");
}

struct hasts : strata::revision<"ba0000000036", "ba0000000000"> {
  static constexpr std::string_view message = "hasts";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("hasts", {column("x", strata::datetime).not_null().server_default("datetime('now', 'localtime')")});
    op.execute("INSERT INTO hasts VALUES ('2012-05-18 15:32:05')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("hasts"); }
};
STRATA_BATCH_REVISION(same_timestamp, "ba0000000037", "ba0000000036",
                      op.alter_column("hasts", "x", {.type = strata::datetime, .nullable = false, .server_default = "datetime('now', 'localtime')"}););

// test_no_net_change_timestamp, test_no_net_change_timestamp_w_default.
TEST_F(SqliteBatch, NoNetChangeTimestamp) {
  upgrade<strata::history<foo, hasts, same_timestamp>>();
  EXPECT_EQ(data("hasts"), "3:2012-05-18 15:32:05\n");
  db.exec("INSERT INTO hasts DEFAULT VALUES");
  EXPECT_EQ(count(db, "SELECT count(*) FROM hasts WHERE x IS NOT NULL"), 2);
}

STRATA_BATCH_REVISION(add_uq, "ba0000000038", "ba0000000000", op.add_constraint("foo", strata::unique("newuk", {"x"})););
STRATA_BATCH_REVISION(add_uq_plus_col, "ba0000000039", "ba0000000000", op.add_column("foo", column("y", strata::integer));
                      op.add_constraint("foo", strata::unique("newuk", {"x", "y"})););

// test_add_uq, test_add_uq_plus_col.
TEST_F(SqliteBatch, AddUniqueConstraints) {
  upgrade<strata::history<foo, add_uq>>();
  EXPECT_NE(object_sql(db, "table", "foo").find("CONSTRAINT \"newuk\" UNIQUE (\"x\")"), std::string::npos);
  EXPECT_NE(sql_error(db, "INSERT INTO foo (id, x) VALUES (6, 5)"), std::nullopt);
  scratch_folder other;
  auto plus = open(other.file());
  strata::migrator<strata::sqlite> m{strata::history<foo, add_uq_plus_col>{}, other.url()};
  m.upgrade();
  EXPECT_NE(object_sql(plus, "table", "foo").find("CONSTRAINT \"newuk\" UNIQUE (\"x\", \"y\")"), std::string::npos);
  EXPECT_EQ(column_names(plus, "foo"), (std::vector<std::string>{"id", "data", "x", "y"}));
}

// ---- the defects of issue 10 --------------------------------------------------------------------------

STRATA_BATCH_REVISION(replace_data, "bb0000000001", "ba0000000000", op.drop_column("foo", "data");
                      op.add_column("foo", column("data", strata::integer).not_null().server_default("0")););
STRATA_BATCH_REVISION(drop_data_2, "bb0000000002", "ba0000000000", op.drop_column("foo", "data"););
STRATA_BATCH_REVISION(add_data_2, "bb0000000003", "bb0000000002", op.add_column("foo", column("data", strata::integer).not_null().server_default("0")););
STRATA_BATCH_REVISION(index_data, "bb0000000004", "ba0000000000", op.create_index("ix_foo_data", "foo", {"data"}););
STRATA_BATCH_REVISION(replace_indexed_data, "bb0000000005", "bb0000000004", op.drop_column("foo", "data");
                      op.add_column("foo", column("data", strata::integer).not_null().server_default("0")););

// Silent corruption: a column dropped and added again in one revision got the old values.
TEST_F(SqliteBatch, ColumnDroppedAndAddedInOneRevisionGetsItsDefaultAsInTwo) {
  upgrade<strata::history<foo, replace_data>>();
  const std::string zeros = "1:1|1:5|1:0\n1:2|1:6|1:0\n1:3|1:7|1:0\n1:4|1:8|1:0\n1:5|1:9|1:0\n";
  EXPECT_EQ(data(), zeros);
  scratch_folder two;
  auto two_db = open(two.file());
  strata::migrator<strata::sqlite> m{strata::history<foo, drop_data_2, add_data_2>{}, two.url()};
  m.upgrade();
  EXPECT_EQ(dump(two_db, "foo"), zeros) << "in two revisions";
  // The same through a rebuild (the index on data keeps SQLite from dropping it in place).
  scratch_folder rebuilt;
  auto rebuilt_db = open(rebuilt.file());
  strata::migrator<strata::sqlite> r{strata::history<foo, index_data, replace_indexed_data>{}, rebuilt.url()};
  r.upgrade("bb0000000004");
  statement_log log(r.dialect().database());
  r.upgrade();
  EXPECT_EQ(log.count("INSERT INTO \"_strata_new_foo\""), 1);
  EXPECT_EQ(dump(rebuilt_db, "foo"), zeros) << "through a rebuild";
  EXPECT_FALSE(exists(rebuilt_db, "index", "ix_foo_data")) << "the index went with the dropped column";
}

STRATA_BATCH_REVISION(change_type_using, "bb0000000006", "ba0000000000",
                      op.alter_column("foo", "data", {.type = strata::integer, .using_sql = "length(data) * 10"}););

// Type changes: CAST when the affinity changes (ChangeType above), and USING on SQLite too.
TEST_F(SqliteBatch, UsingIsHonouredInTheCopy) {
  upgrade<strata::history<foo, change_type_using>>();
  EXPECT_EQ(dump_query(db, "SELECT data FROM foo ORDER BY id"), "1:20\n1:20\n1:30\n1:40\n1:20\n");
}

struct orphans : strata::revision<"bb0000000007", "ba0000000000"> {
  static constexpr std::string_view message = "unrelated tables";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("parent", {column("id", strata::integer).primary_key()});
    op.create_table("child", {column("id", strata::integer).primary_key(), column("parent_id", strata::integer).references("parent", "id")});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("child");
    op.drop_table("parent");
  }
};
STRATA_BATCH_REVISION(rebuild_after_orphans, "bb0000000008", "bb0000000007", op.alter_column("foo", "x", {.nullable = false}););

// Whole-database foreign-key check: one orphan row in an unrelated table blocked every rebuild.
TEST_F(SqliteBatch, OrphanInAnUnrelatedTableDoesNotBlockARebuild) {
  strata::migrator<strata::sqlite> m{strata::history<foo, orphans, rebuild_after_orphans>{}, dir.url()};
  m.upgrade("bb0000000007");
  {
    auto without_keys = open(dir.file(), false);  // a database made with foreign keys off
    without_keys.exec("INSERT INTO child VALUES (1, 42)");
  }
  statement_log log(m.dialect().database());
  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"bb0000000008"});
  EXPECT_TRUE(find_column(db, "foo", "x")->not_null);
  EXPECT_EQ(log.count("PRAGMA foreign_key_check"), 0) << "foo has no foreign key and no table references it";
  EXPECT_EQ(scalar(db, "SELECT parent_id FROM child"), "42") << "the orphan is left alone";
}

STRATA_BATCH_REVISION(rebuild_referenced, "bb0000000010", "ba0000000011", op.alter_column("foo", "x", {.nullable = false}););

// A table that references the rebuilt one is checked: its orphans are reported, the revision rolls back.
TEST_F(SqliteBatch, OrphanInATableReferencingTheRebuiltOneIsReported) {
  strata::migrator<strata::sqlite> m{strata::history<foo, bar, rebuild_referenced>{}, dir.url()};
  m.upgrade("ba0000000011");
  {
    auto without_keys = open(dir.file(), false);
    without_keys.exec("INSERT INTO bar VALUES (2, 99)");
  }
  try {
    m.upgrade();
    FAIL() << "bar references foo's row 99, which does not exist";
  } catch (const strata::migration_failed& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("table 'bar' (rowid 2) references missing rows of 'foo'"), std::string::npos) << what;
    EXPECT_NE(what.find("rolled back"), std::string::npos) << what;
  }
  EXPECT_FALSE(find_column(db, "foo", "x")->not_null);
}

struct unnamed : strata::revision<"bb0000000011", "ba0000000000"> {
  static constexpr std::string_view message = "unnamed constraints";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("things", {column("id", strata::integer).primary_key(), column("x", strata::integer).check("x > 0"),
                               column("code", strata::text).unique(), column("foo_id", strata::integer).references("foo", "id"),
                               strata::check("id < 100")});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("things"); }
};
STRATA_BATCH_REVISION(drop_by_columns, "bb0000000012", "bb0000000011", op.drop_constraint("things", strata::constraint_kind::check, {"x"});
                      op.drop_constraint("things", strata::constraint_kind::unique, {"code"});
                      op.drop_constraint("things", strata::constraint_kind::foreign_key, {"foo_id"}););
STRATA_BATCH_REVISION(drop_by_convention, "bb0000000013", "bb0000000011",
                      op.use_naming_convention({.check = "ck_%(table_name)s_%(column_0_name)s"}); op.drop_constraint("things", "ck_things_x"););

// Unnamed constraints could not be dropped: by kind and columns they can, and the schema model agrees.
TEST_F(SqliteBatch, UnnamedConstraintsDroppedByKindAndColumns) {
  using history = strata::history<foo, unnamed, drop_by_columns>;
  upgrade<history>();
  db.exec("INSERT INTO things (id, x, code, foo_id) VALUES (1, -1, 'a', 99), (2, -2, 'a', 98)");
  EXPECT_NE(sql_error(db, "INSERT INTO things (id, x) VALUES (100, 1)"), std::nullopt) << "the table's CHECK (id < 100) stays";
  const auto model = strata::replay<history>();
  const auto* x = model.find_table("things")->find_column("x");
  EXPECT_FALSE(x->check_sql.has_value());
  EXPECT_FALSE(model.find_table("things")->find_column("code")->is_unique);
  EXPECT_EQ(model.find_table("things")->constraints.size(), 1U);
}

// ... and by the names a naming convention gives them, which the rebuilt table then keeps.
TEST_F(SqliteBatch, UnnamedCheckDroppedByTheNamingConvention) {
  upgrade<strata::history<foo, unnamed, drop_by_convention>>();
  const auto sql = object_sql(db, "table", "things");
  EXPECT_EQ(sql.find("x > 0"), std::string::npos) << sql;
  EXPECT_NE(sql.find("CONSTRAINT \"ck_things_id\" CHECK (id < 100)"), std::string::npos) << "named on the way: " << sql;
  db.exec("INSERT INTO things (id, x) VALUES (1, -1)");
}

struct pairs : strata::revision<"bb0000000015", "ba0000000000"> {
  static constexpr std::string_view message = "pairs";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("pairs", {column("a", strata::integer).not_null(), column("b", strata::text).not_null(), column("c", strata::text),
                              strata::primary_key({"a", "b"})});
    op.create_table("flagged", {column("a", strata::integer).primary_key(), column("b", strata::text).primary_key(), column("c", strata::text)});
    op.execute("INSERT INTO pairs VALUES (1, 'x', 'one'), (2, 'x', 'two'); INSERT INTO flagged VALUES (1, 'x', 'one'), (2, 'y', 'two')");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("flagged");
    op.drop_table("pairs");
  }
};
STRATA_BATCH_REVISION(drop_b, "bb0000000016", "bb0000000015", op.drop_column("pairs", "b"); op.drop_column("flagged", "b"););

// Composite primary key: dropping b of PRIMARY KEY (a, b) keeps PRIMARY KEY (a), as Alembic does
// (the old rebuild dropped the whole key); the schema model agrees.
TEST_F(SqliteBatch, CompositePrimaryKeyKeepsTheOtherColumn) {
  using history = strata::history<foo, pairs, drop_b>;
  upgrade<history>();
  EXPECT_EQ(primary_key("pairs"), std::vector<std::string>{"a"});
  EXPECT_EQ(primary_key("flagged"), std::vector<std::string>{"a"});
  EXPECT_EQ(data("pairs"), "1:1|3:one\n1:2|3:two\n");
  EXPECT_NE(sql_error(db, "INSERT INTO pairs VALUES (1, 'dup')"), std::nullopt);
  const auto model = strata::replay<history>();
  const auto* t = model.find_table("pairs");
  ASSERT_NE(t, nullptr);
  ASSERT_EQ(t->constraints.size(), 1U);
  EXPECT_EQ(t->constraints[0].columns, std::vector<std::string_view>{"a"});
  EXPECT_TRUE(model.find_table("flagged")->find_column("a")->is_primary_key);
}

struct big : strata::revision<"bb0000000017", "ba0000000000"> {
  static constexpr std::string_view message = "a large table";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("big", {column("id", strata::integer).primary_key(), column("value", strata::text)});
    op.create_index("ix_big_value", "big", {"value"});
    op.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) INSERT INTO big SELECT i, 'v' || i FROM n");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("big"); }
};
struct add_note : strata::revision<"bb0000000018", "bb0000000017"> {
  static constexpr std::string_view message = "add note";
  static constexpr void upgrade(strata::ops& op) { op.add_column("big", column("note", strata::text)); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("big", "note"); }
};

// drop_column uses SQLite's own DROP COLUMN when nothing uses the column: the downgrade of an
// add_column does not copy a large table (the old rebuild always did).
TEST_F(SqliteBatch, DowngradeOfAddColumnDoesNotCopyTheTable) {
  strata::migrator<strata::sqlite> m{strata::history<foo, big, add_note>{}, dir.url()};
  m.upgrade();
  const auto page = scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'big'");
  auto rows_of_big = [&] { return std::hash<std::string>{}(dump_query(db, "SELECT id, value FROM big ORDER BY id")); };
  const auto rows_before = rows_of_big();
  std::vector<std::string> ran;
  m.dialect().on_statement([&](std::string_view s) { ran.emplace_back(s); });
  statement_log log(m.dialect().database());
  m.downgrade("-1");
  EXPECT_EQ(ran, std::vector<std::string>{"ALTER TABLE \"big\" DROP COLUMN \"note\""});
  EXPECT_EQ(log.count("INSERT INTO \"_strata_new_"), 0);
  EXPECT_EQ(log.count("SELECT name, sql FROM sqlite_master"), 0) << "a drop that SQLite makes reads no catalogue first";
  EXPECT_EQ(scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'big'"), page) << "the same b-tree";
  EXPECT_EQ(rows_of_big(), rows_before);
  EXPECT_EQ(column_names(db, "big"), (std::vector<std::string>{"id", "value"}));
  EXPECT_TRUE(exists(db, "index", "ix_big_value"));
}

// alpha and beta, each with a note, and a view over beta's that names alpha.
struct named_twice : strata::revision<"bb0000000019", strata::base> {
  static constexpr std::string_view message = "two notes and a view";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("alpha", {column("id", strata::integer).primary_key(), column("note", strata::text)});
    op.create_table("beta", {column("id", strata::integer).primary_key(), column("note", strata::text)});
    op.execute("INSERT INTO alpha VALUES (1, 'a'), (2, 'b')");
    op.execute("INSERT INTO beta VALUES (1, 'x')");
    op.execute("CREATE VIEW notes AS SELECT beta.note FROM beta WHERE EXISTS (SELECT 1 FROM alpha)");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.execute("DROP VIEW notes");
    op.drop_table("beta");
    op.drop_table("alpha");
  }
};
STRATA_BATCH_REVISION(drop_alpha_note, "bb000000001a", "bb0000000019", op.drop_column("alpha", "note"););

// SQLite's own rules decide whether a lone drop_column runs in place: the view names alpha and a
// note, but not alpha's, so SQLite drops it; the planner, for which any mention counts, would have
// rebuilt alpha.
TEST_F(SqliteBatch, AColumnThatAViewOnlyMentionsIsDroppedInPlace) {
  strata::migrator<strata::sqlite> m{strata::history<named_twice, drop_alpha_note>{}, dir.url()};
  m.upgrade("bb0000000019");
  std::vector<std::string> ran;
  m.dialect().on_statement([&](std::string_view s) { ran.emplace_back(s); });
  m.upgrade();
  EXPECT_EQ(ran, std::vector<std::string>{"ALTER TABLE \"alpha\" DROP COLUMN \"note\""});
  EXPECT_EQ(column_names(db, "alpha"), std::vector<std::string>{"id"});
  EXPECT_EQ(data("alpha"), "1:1\n1:2\n");
  EXPECT_EQ(dump_query(db, "SELECT note FROM notes"), "3:x\n");
}

STRATA_BATCH_REVISION(drop_indexed_data, "bb000000001b", "bb0000000004", op.drop_column("foo", "data"););

// A drop that SQLite refuses is planned from the live table and made by a rebuild; the listener
// hears the rebuild's statements, not the refused one. SQLite refuses the primary key's column as
// it parses the statement, an indexed column as it runs it (the index no longer parses), after
// writing the table's new definition: that write is rolled back with the statement.
TEST_F(SqliteBatch, ADropThatSqliteRefusesIsRebuiltAndTheRefusalIsNotReported) {
  const auto refused_then_rebuilt = [](strata::migrator<strata::sqlite>& m, const std::string& refused) {
    std::vector<std::string> ran;
    m.dialect().on_statement([&](std::string_view s) { ran.emplace_back(s); });
    m.upgrade();
    EXPECT_EQ(std::count(ran.begin(), ran.end(), refused), 0);
    EXPECT_TRUE(std::any_of(ran.begin(), ran.end(), [](const std::string& s) { return s.starts_with("INSERT INTO \"_strata_new_foo\""); }));
  };
  strata::migrator<strata::sqlite> m{strata::history<foo, drop_id>{}, dir.url()};
  m.upgrade("ba0000000000");
  refused_then_rebuilt(m, "ALTER TABLE \"foo\" DROP COLUMN \"id\"");
  EXPECT_EQ(names(), (std::vector<std::string>{"data", "x"}));
  EXPECT_EQ(data(), "3:d1|1:5\n3:22|1:6\n3:8.5|1:7\n3:9.46|1:8\n3:d5|1:9\n");

  scratch_folder indexed;
  auto indexed_db = open(indexed.file());
  strata::migrator<strata::sqlite> i{strata::history<foo, index_data, drop_indexed_data>{}, indexed.url()};
  i.upgrade("bb0000000004");
  refused_then_rebuilt(i, "ALTER TABLE \"foo\" DROP COLUMN \"data\"");
  EXPECT_EQ(column_names(indexed_db, "foo"), (std::vector<std::string>{"id", "x"}));
  EXPECT_EQ(dump(indexed_db, "foo"), "1:1|1:5\n1:2|1:6\n1:3|1:7\n1:4|1:8\n1:5|1:9\n");
  EXPECT_FALSE(exists(indexed_db, "index", "ix_foo_data"));
  EXPECT_EQ(scalar(indexed_db, "PRAGMA integrity_check"), "ok");
}

// ---- constraints removed by a schema edit ----------------------------------------------------------

// items(id, owner_id REFERENCES owners, name NOT NULL, price CHECK, note) with a named CHECK, an
// index and 2,000 rows.
struct guarded_items : strata::revision<"bc0000000000", strata::base> {
  static constexpr std::string_view message = "items with constraints";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("owners", {column("id", strata::integer).primary_key()});
    op.create_table("items", {column("id", strata::integer).primary_key(), column("owner_id", strata::integer).references("owners", "id"),
                              column("name", strata::varchar(50)).not_null(), column("price", strata::real).check("price >= 0"),
                              column("note", strata::text), strata::check("ck_items_note", "length(note) < 10")});
    op.create_index("ix_items_name", "items", {"name"});
    op.execute("INSERT INTO owners (id) VALUES (1), (2)");
    op.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) "
               "INSERT INTO items (id, owner_id, name, price, note) SELECT i, 1 + i % 2, 'item ' || i, i * 0.5, 'n' FROM n");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("items");
    op.drop_table("owners");
  }
};
STRATA_BATCH_REVISION(loosen_items, "bc0000000001", "bc0000000000", op.alter_column("items", "name", {.nullable = true});
                      op.drop_constraint("items", strata::constraint_kind::check, {"price"}); op.drop_constraint("items", "ck_items_note");
                      op.drop_constraint("items", strata::constraint_kind::foreign_key, {"owner_id"}););
using loosened = strata::history<guarded_items, loosen_items>;

// What loosen_items leaves: every row and the table's b-tree as they were, and a connection opened
// before (whose schema was read then) now storing what the constraints refused.
void expect_loosened(SQLite::Database& db, const std::string& rows_before) {
  EXPECT_EQ(dump(db, "items"), rows_before);
  EXPECT_TRUE(exists(db, "index", "ix_items_name"));
  EXPECT_EQ(scalar(db, "PRAGMA integrity_check"), "ok");
  EXPECT_TRUE(rows_with(db, "SELECT \"table\" FROM pragma_foreign_key_list(?)", "items").empty());
  EXPECT_NO_THROW(db.exec("INSERT INTO items (id, owner_id, name, price, note) VALUES (9001, 99, NULL, -1, 'a long note')"));
}

// A run that only removes constraints (a NOT NULL, a column's CHECK, a named CHECK, a foreign key)
// writes the table's new definition into sqlite_master, as SQLite's documentation describes, and
// copies no row: the same b-tree, the rows as they were; the schema version moves on, so other
// connections read the new definition.
TEST_F(SqliteBatch, RemovingConstraintsEditsTheDefinitionWithoutCopyingTheTable) {
  strata::migrator<strata::sqlite> m{loosened{}, dir.url()};
  m.upgrade("bc0000000000");
  const auto page = scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'items'");
  const auto version = std::stoll(scalar(db, "PRAGMA schema_version"));
  const auto rows = data("items");
  EXPECT_THROW(db.exec("INSERT INTO items (id, owner_id, name) VALUES (9000, 1, NULL)"), SQLite::Exception);  // this connection has read the schema
  std::vector<std::string> ran;
  m.dialect().on_statement([&](std::string_view s) { ran.emplace_back(s); });
  statement_log log(m.dialect().database());
  m.upgrade();
  EXPECT_EQ(log.count("INSERT INTO \"_strata_new_"), 0);
  ASSERT_EQ(ran.size(), 5U) << ::testing::PrintToString(ran);
  EXPECT_EQ(ran[0], "PRAGMA writable_schema = ON");
  EXPECT_TRUE(ran[1].starts_with("UPDATE sqlite_master SET sql = 'CREATE TABLE \"items\"")) << ran[1];
  EXPECT_EQ(ran[2], "PRAGMA schema_version = " + std::to_string(version + 1));
  EXPECT_EQ(ran[3], "PRAGMA writable_schema = OFF");
  EXPECT_EQ(scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'items'"), page) << "the same b-tree";
  EXPECT_EQ(scalar(db, "SELECT sql FROM sqlite_master WHERE name = 'items'"),
            "CREATE TABLE \"items\" (\n  \"id\" INTEGER NOT NULL PRIMARY KEY,\n  \"owner_id\" INTEGER,\n  \"name\" VARCHAR(50),\n"
            "  \"price\" REAL,\n  \"note\" TEXT\n)");
  expect_loosened(db, rows);
}

// The same run rebuilds the table on a connection in SQLITE_DBCONFIG_DEFENSIVE mode (which refuses
// writes to sqlite_master), and with sqlite_options::edit_schema off: the same outcome, by a copy.
TEST_F(SqliteBatch, RemovingConstraintsRebuildsWhereTheSchemaMayNotBeEdited) {
  for (const bool defensive : {true, false}) {
    SCOPED_TRACE(defensive ? "defensive" : "edit_schema = false");
    scratch_folder here;
    SQLite::Database own = open(here.file());
    std::string rows;
    {
      strata::migrator<strata::sqlite> m{loosened{}, here.url()};
      m.upgrade("bc0000000000");
      rows = dump(own, "items");
    }
    SQLite::Database conn = open(here.file());
    sqlite3_db_config(conn.getHandle(), SQLITE_DBCONFIG_DEFENSIVE, defensive ? 1 : 0, nullptr);
    std::vector<std::string> ran;
    auto run = [&](strata::migrator<strata::sqlite>& m) {
      m.dialect().on_statement([&](std::string_view s) { ran.emplace_back(s); });
      m.upgrade();
    };
    if (defensive) {
      strata::migrator<strata::sqlite> m{loosened{}, strata::migrator_options{}, conn};
      run(m);
    } else {
      strata::migrator<strata::sqlite> m{loosened{}, strata::migrator_options{}, here.url(), strata::sqlite_options{.edit_schema = false}};
      run(m);
    }
    auto count = [&](std::string_view prefix) { return std::count_if(ran.begin(), ran.end(), [&](const std::string& x) { return x.starts_with(prefix); }); };
    EXPECT_EQ(count("INSERT INTO \"_strata_new_items\""), 1) << ::testing::PrintToString(ran);
    EXPECT_EQ(count("UPDATE sqlite_master"), 0);
    expect_loosened(own, rows);
  }
}

// Rows written before an in-place ADD COLUMN hold no value for the column: SQLite reads its default
// from the table's definition. A new default is therefore not a schema edit: the table is rebuilt,
// and those rows keep the value they had.
struct with_b : strata::revision<"bc0000000002", "bc0000000000"> {
  static constexpr std::string_view message = "b with a default";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", column("b", strata::text).server_default("'x'")); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "b"); }
};
STRATA_BATCH_REVISION(new_default, "bc0000000003", "bc0000000002", op.alter_column("items", "b", {.server_default = "'y'"}););
TEST_F(SqliteBatch, ANewDefaultKeepsTheValuesOfRowsWrittenBeforeTheColumnWasAdded) {
  upgrade<strata::history<guarded_items, with_b, new_default>>();
  EXPECT_EQ(scalar(db, "SELECT count(*) FROM items WHERE b = 'x'"), "2000");
  db.exec("INSERT INTO items (id, owner_id, name) VALUES (9002, 1, 'new')");
  EXPECT_EQ(scalar(db, "SELECT b FROM items WHERE id = 9002"), "y");
}

}  // namespace
