// Every operation of strata::ops run by strata::migrator<strata::sqlite> on a real SQLite file,
// checked by reading the file back with SQLiteCpp, and undone by the revision's downgrade.
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

class SqliteOperations : public ::testing::Test {
 protected:
  scratch_folder dir;
  [[nodiscard]] std::string url() const { return dir.url(); }
  [[nodiscard]] SQLite::Database db() const { return open(dir.file()); }
};

// The rootpage of a table changes when it is rebuilt (a new b-tree), never when it is altered in place.
std::string rootpage(SQLite::Database& db, const std::string& table) {
  return scalar(db, "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = '" + table + "'");
}

// ---- create_table: every portable type, nullability, defaults --------------------------------------

namespace every_type {
struct create : strata::revision<"a00000000001", strata::base> {
  static constexpr std::string_view message = "every portable type";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("every_type", {column("id", strata::integer).primary_key(),
                                   column("big", strata::big_integer).not_null().server_default("0"),
                                   column("ratio", strata::real),
                                   column("amount", strata::float_).server_default("1.5"),
                                   column("body", strata::text).server_default("'draft'"),
                                   column("code", strata::varchar(20)).not_null(),
                                   column("active", strata::boolean).not_null().server_default("1"),
                                   column("born", strata::date),
                                   column("created_at", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP"),
                                   column("payload", strata::blob),
                                   column("price", strata::sql_type("NUMERIC(12, 2)")),
                                   column("negative", strata::integer).server_default("-3"),
                                   column("computed", strata::integer).server_default("abs(-4)"),
                                   // Start like a literal or a group, but are expressions: they need parentheses.
                                   column("joined", strata::text).server_default("'a' || 'b'"),
                                   column("sum", strata::integer).server_default("(1) + (2)"),
                                   column("quoted", strata::text).server_default("'it''s (x)'")});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("every_type"); }
};
using history = strata::history<create>;
}  // namespace every_type

TEST_F(SqliteOperations, CreateTableMapsEveryPortableTypeNullabilityAndDefault) {
  strata::migrator<strata::sqlite> m{every_type::history{}, url()};
  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"a00000000001"});
  auto d = db();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"id", "INTEGER"},  {"big", "BIGINT"},     {"ratio", "REAL"},   {"amount", "FLOAT"},
      {"body", "TEXT"},   {"code", "VARCHAR(20)"}, {"active", "BOOLEAN"}, {"born", "DATE"},
      {"created_at", "DATETIME"}, {"payload", "BLOB"}, {"price", "NUMERIC(12, 2)"}, {"negative", "INTEGER"},
      {"computed", "INTEGER"}, {"joined", "TEXT"}, {"sum", "INTEGER"}, {"quoted", "TEXT"}};
  const auto cols = columns(d, "every_type");
  ASSERT_EQ(cols.size(), expected.size());
  for (std::size_t i = 0; i < cols.size(); ++i) {
    EXPECT_EQ(cols[i].name, expected[i].first);
    EXPECT_EQ(cols[i].type, expected[i].second) << cols[i].name;
  }
  EXPECT_EQ(find_column(d, "every_type", "id")->primary_key, 1);
  EXPECT_TRUE(find_column(d, "every_type", "big")->not_null);
  EXPECT_FALSE(find_column(d, "every_type", "ratio")->not_null);
  EXPECT_TRUE(find_column(d, "every_type", "code")->not_null);
  EXPECT_EQ(find_column(d, "every_type", "big")->default_sql, "0");
  EXPECT_EQ(find_column(d, "every_type", "body")->default_sql, "'draft'");
  EXPECT_EQ(find_column(d, "every_type", "created_at")->default_sql, "CURRENT_TIMESTAMP");
  EXPECT_EQ(find_column(d, "every_type", "ratio")->default_sql, std::nullopt);

  // NOT NULL rejects a NULL; the defaults fill what an INSERT leaves out.
  EXPECT_NE(sql_error(d, "INSERT INTO every_type (code) VALUES (NULL)"), std::nullopt);
  d.exec("INSERT INTO every_type (id, code, payload) VALUES (1, 'x', x'00ff')");
  const auto row = rows(d, "SELECT big, amount, body, active, created_at IS NOT NULL, ratio, negative, computed, hex(payload), "
                           "joined, sum, quoted "
                           "FROM every_type WHERE id = 1")
                       .at(0);
  EXPECT_EQ(row[0], "0");
  EXPECT_EQ(row[1], "1.5");
  EXPECT_EQ(row[2], "draft");
  EXPECT_EQ(row[3], "1");
  EXPECT_EQ(row[4], "1");
  EXPECT_EQ(row[5], std::nullopt);
  EXPECT_EQ(row[6], "-3");
  EXPECT_EQ(row[7], "4");
  EXPECT_EQ(row[8], "00FF");
  EXPECT_EQ(row[9], "ab");
  EXPECT_EQ(row[10], "3");
  EXPECT_EQ(row[11], "it's (x)");
  EXPECT_EQ(find_column(d, "every_type", "quoted")->default_sql, "'it''s (x)'") << "a single literal needs no parentheses";

  EXPECT_EQ(m.downgrade("base"), std::vector<std::string>{"a00000000001"});
  EXPECT_FALSE(exists(d, "table", "every_type"));
  EXPECT_TRUE(m.current().empty());
}

// ---- create_table: keys, unique, foreign keys, checks, named table constraints ---------------------

namespace keys {
struct create : strata::revision<"b00000000001", strata::base> {
  static constexpr std::string_view message = "keys and constraints";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("owners", {column("id", strata::integer).primary_key(), column("email", strata::text).not_null().unique()});
    op.create_table("pets", {column("id", strata::integer).primary_key().auto_increment(),
                             column("owner_id", strata::integer).not_null().references("owners", "id", strata::referential_action::cascade),
                             column("legs", strata::integer).check("legs >= 0")});
    op.create_table("memberships", {column("club", strata::text).primary_key(), column("member", strata::integer).primary_key(),
                                    column("since", strata::date)});
    op.create_table("licences", {column("country", strata::text).not_null(),
                                 column("number", strata::text).not_null(),
                                 column("owner_id", strata::integer),
                                 column("valid_from", strata::date),
                                 column("valid_to", strata::date),
                                 strata::primary_key("pk_licences", {"country", "number"}),
                                 strata::unique("uq_licences_owner", {"owner_id", "country"}),
                                 strata::foreign_key("fk_licences_owner", {"owner_id"}, "owners", {"id"},
                                                     strata::referential_action::set_null),
                                 strata::check("ck_licences_dates", "valid_to IS NULL OR valid_to >= valid_from")});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("licences");
    op.drop_table("memberships");
    op.drop_table("pets");
    op.drop_table("owners");
  }
};
using history = strata::history<create>;
}  // namespace keys

TEST_F(SqliteOperations, CreateTableKeysUniqueForeignKeysAndChecks) {
  strata::migrator<strata::sqlite> m{keys::history{}, url()};
  m.upgrade();
  auto d = db();

  // Single primary key, AUTOINCREMENT, unique column.
  EXPECT_EQ(find_column(d, "owners", "id")->primary_key, 1);
  EXPECT_NE(object_sql(d, "table", "pets").find("AUTOINCREMENT"), std::string::npos);
  d.exec("INSERT INTO owners (id, email) VALUES (1, 'a@example.com'), (2, 'b@example.com')");
  EXPECT_NE(sql_error(d, "INSERT INTO owners (id, email) VALUES (3, 'a@example.com')"), std::nullopt);

  // Column foreign key with ON DELETE CASCADE: enforced, and it cascades.
  const auto fk = rows(d, "SELECT \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list('pets')");
  ASSERT_EQ(fk.size(), 1U);
  EXPECT_EQ(fk[0], (std::vector<std::optional<std::string>>{"owners", "owner_id", "id", "CASCADE"}));
  d.exec("INSERT INTO pets (owner_id, legs) VALUES (1, 4), (1, 2), (2, 0)");
  const auto error = sql_error(d, "INSERT INTO pets (owner_id, legs) VALUES (99, 4)");
  ASSERT_NE(error, std::nullopt);
  EXPECT_NE(error->find("FOREIGN KEY"), std::string::npos) << *error;
  d.exec("DELETE FROM owners WHERE id = 1");
  EXPECT_EQ(count(d, "SELECT count(*) FROM pets"), 1);

  // Column CHECK rejects a row.
  const auto check = sql_error(d, "INSERT INTO pets (owner_id, legs) VALUES (2, -1)");
  ASSERT_NE(check, std::nullopt);
  EXPECT_NE(check->find("CHECK"), std::string::npos) << *check;

  // Composite primary key from two .primary_key() columns.
  EXPECT_EQ(find_column(d, "memberships", "club")->primary_key, 1);
  EXPECT_EQ(find_column(d, "memberships", "member")->primary_key, 2);
  d.exec("INSERT INTO memberships (club, member) VALUES ('chess', 1), ('chess', 2)");
  EXPECT_NE(sql_error(d, "INSERT INTO memberships (club, member) VALUES ('chess', 1)"), std::nullopt);
  EXPECT_NE(sql_error(d, "INSERT INTO memberships (club, member) VALUES (NULL, 3)"), std::nullopt);

  // Named table constraints: their names are in the SQL, and each is enforced.
  const auto sql = object_sql(d, "table", "licences");
  for (const char* name : {"\"pk_licences\"", "\"uq_licences_owner\"", "\"fk_licences_owner\"", "\"ck_licences_dates\""})
    EXPECT_NE(sql.find(std::string("CONSTRAINT ") + name), std::string::npos) << sql;
  EXPECT_EQ(find_column(d, "licences", "country")->primary_key, 1);
  EXPECT_EQ(find_column(d, "licences", "number")->primary_key, 2);
  d.exec("INSERT INTO licences (country, number, owner_id) VALUES ('FR', '1', 2)");
  EXPECT_NE(sql_error(d, "INSERT INTO licences (country, number) VALUES ('FR', '1')"), std::nullopt);                   // primary key
  EXPECT_NE(sql_error(d, "INSERT INTO licences (country, number, owner_id) VALUES ('FR', '2', 2)"), std::nullopt);      // unique
  EXPECT_NE(sql_error(d, "INSERT INTO licences (country, number, owner_id) VALUES ('DE', '3', 42)"), std::nullopt);     // foreign key
  EXPECT_NE(sql_error(d, "INSERT INTO licences (country, number, valid_from, valid_to) VALUES ('DE', '4', '2024-01-02', '2024-01-01')"),
            std::nullopt);                                                                                               // check
  d.exec("DELETE FROM owners WHERE id = 2");  // ON DELETE SET NULL
  EXPECT_EQ(scalar(d, "SELECT owner_id FROM licences WHERE number = '1'"), "NULL");

  m.downgrade("base");
  for (const char* t : {"owners", "pets", "memberships", "licences"}) EXPECT_FALSE(exists(d, "table", t)) << t;
}

// ---- drop_table, rename_table ------------------------------------------------------------------

namespace tables {
struct create : strata::revision<"c00000000001", strata::base> {
  static constexpr std::string_view message = "two tables";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("keep", {column("id", strata::integer).primary_key(), column("name", strata::text)});
    op.create_table("doomed", {column("id", strata::integer).primary_key()});
    op.execute("INSERT INTO keep (id, name) VALUES (1, 'one'), (2, 'two')");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("doomed");
    op.drop_table("keep");
  }
};
struct rename : strata::revision<"c00000000002", "c00000000001"> {
  static constexpr std::string_view message = "rename keep, drop doomed";
  static constexpr void upgrade(strata::ops& op) {
    op.rename_table("keep", "kept");
    op.drop_table("doomed");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.create_table("doomed", {column("id", strata::integer).primary_key()});
    op.rename_table("kept", "keep");
  }
};
using history = strata::history<create, rename>;
}  // namespace tables

TEST_F(SqliteOperations, DropTableAndRenameTable) {
  strata::migrator<strata::sqlite> m{tables::history{}, url()};
  m.upgrade();
  auto d = db();
  EXPECT_FALSE(exists(d, "table", "keep"));
  EXPECT_FALSE(exists(d, "table", "doomed"));
  EXPECT_EQ(dump(d, "kept"), "1:1|3:one\n1:2|3:two\n");

  EXPECT_EQ(m.downgrade("-1"), std::vector<std::string>{"c00000000002"});
  EXPECT_TRUE(exists(d, "table", "doomed"));
  EXPECT_FALSE(exists(d, "table", "kept"));
  EXPECT_EQ(dump(d, "keep"), "1:1|3:one\n1:2|3:two\n");
  EXPECT_EQ(m.current(), std::vector<std::string>{"c00000000001"});
}

// ---- add_column: in place, and through a rebuild -------------------------------------------------

namespace add_columns {
struct create : strata::revision<"d00000000001", strata::base> {
  static constexpr std::string_view message = "tables";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("full", {column("id", strata::integer).primary_key(), column("name", strata::text)});
    op.create_table("empty", {column("id", strata::integer).primary_key()});
    op.execute("INSERT INTO full (id, name) VALUES (1, 'a'), (2, 'b')");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("empty");
    op.drop_table("full");
  }
};
struct in_place : strata::revision<"d00000000002", "d00000000001"> {
  static constexpr std::string_view message = "nullable column and a plain default";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("full", column("note", strata::text));
    op.add_column("full", column("score", strata::integer).not_null().server_default("7"));
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_column("full", "score");
    op.drop_column("full", "note");
  }
};
struct rebuild : strata::revision<"d00000000003", "d00000000002"> {
  static constexpr std::string_view message = "columns ADD COLUMN cannot add";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("empty", column("required", strata::text).not_null());
    op.add_column("full", column("code", strata::text).unique());
    op.add_column("full", column("stamp", strata::datetime).server_default("CURRENT_TIMESTAMP"));
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_column("full", "stamp");
    op.drop_column("full", "code");
    op.drop_column("empty", "required");
  }
};
using history = strata::history<create, in_place, rebuild>;
}  // namespace add_columns

TEST_F(SqliteOperations, AddColumnInPlaceKeepsTheTable) {
  strata::migrator<strata::sqlite> m{add_columns::history{}, url()};
  m.upgrade("d00000000001");
  auto d = db();
  const auto page = rootpage(d, "full");
  m.upgrade("+1");
  EXPECT_EQ(rootpage(d, "full"), page) << "a nullable column or a plain default needs no rebuild";
  EXPECT_EQ(column_names(d, "full"), (std::vector<std::string>{"id", "name", "note", "score"}));
  EXPECT_TRUE(find_column(d, "full", "score")->not_null);
  EXPECT_EQ(dump(d, "full"), "1:1|3:a|NULL|1:7\n1:2|3:b|NULL|1:7\n");

  m.downgrade("-1");
  EXPECT_EQ(column_names(d, "full"), (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(dump(d, "full"), "1:1|3:a\n1:2|3:b\n");
}

TEST_F(SqliteOperations, AddColumnThatNeedsARebuild) {
  strata::migrator<strata::sqlite> m{add_columns::history{}, url()};
  m.upgrade("d00000000002");
  auto d = db();
  const auto page = rootpage(d, "full");
  m.upgrade();
  EXPECT_NE(rootpage(d, "full"), page);
  EXPECT_TRUE(find_column(d, "empty", "required")->not_null);
  EXPECT_NE(sql_error(d, "INSERT INTO empty (id) VALUES (1)"), std::nullopt);
  EXPECT_EQ(column_names(d, "full"), (std::vector<std::string>{"id", "name", "note", "score", "code", "stamp"}));
  EXPECT_EQ(find_column(d, "full", "stamp")->default_sql, "CURRENT_TIMESTAMP");
  // The rows copied by the rebuild get the new column's DEFAULT, as ADD COLUMN would give them.
  EXPECT_EQ(dump(d, "full", "id").substr(0, 21), "1:1|3:a|NULL|1:7|NULL");
  EXPECT_EQ(count(d, "SELECT count(*) FROM full WHERE stamp >= '2000-01-01'"), 2);
  d.exec("UPDATE full SET code = 'x' WHERE id = 1");
  EXPECT_NE(sql_error(d, "UPDATE full SET code = 'x' WHERE id = 2"), std::nullopt) << "the new column is UNIQUE";
  d.exec("INSERT INTO full (id, name) VALUES (3, 'c')");
  EXPECT_NE(scalar(d, "SELECT stamp FROM full WHERE id = 3"), "NULL");

  m.downgrade("d00000000002");
  EXPECT_EQ(column_names(d, "full"), (std::vector<std::string>{"id", "name", "note", "score"}));
  EXPECT_EQ(column_names(d, "empty"), (std::vector<std::string>{"id"}));
  EXPECT_EQ(dump(d, "full"), "1:1|3:a|NULL|1:7\n1:2|3:b|NULL|1:7\n1:3|3:c|NULL|1:7\n");
}

// ---- drop_column, rename_column ------------------------------------------------------------------

namespace column_changes {
struct create : strata::revision<"e00000000001", strata::base> {
  static constexpr std::string_view message = "people";
  static constexpr void upgrade(strata::ops& op) {
    // nickname last: the downgrade adds it back at the end.
    op.create_table("people", {column("id", strata::integer).primary_key(), column("name", strata::text).not_null(),
                               column("age", strata::integer), column("nickname", strata::text)});
    op.create_index("ix_people_name", "people", {"name"});
    op.create_index("ix_people_nickname", "people", {"nickname"});
    op.execute("INSERT INTO people (id, name, age, nickname) VALUES (1, 'Ada', 36, 'countess'), (2, 'Alan', 41, NULL)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("people"); }
};
struct drop : strata::revision<"e00000000002", "e00000000001"> {
  static constexpr std::string_view message = "drop nickname";
  static constexpr void upgrade(strata::ops& op) { op.drop_column("people", "nickname"); }
  static constexpr void downgrade(strata::ops& op) {
    op.add_column("people", column("nickname", strata::text));
    op.create_index("ix_people_nickname", "people", {"nickname"});
  }
};
struct rename : strata::revision<"e00000000003", "e00000000002"> {
  static constexpr std::string_view message = "rename name";
  static constexpr void upgrade(strata::ops& op) { op.rename_column("people", "name", "full_name"); }
  static constexpr void downgrade(strata::ops& op) { op.rename_column("people", "full_name", "name"); }
};
using history = strata::history<create, drop, rename>;
}  // namespace column_changes

TEST_F(SqliteOperations, DropColumnAndRenameColumn) {
  strata::migrator<strata::sqlite> m{column_changes::history{}, url()};
  m.upgrade("e00000000001");
  auto d = db();
  const auto at_create = schema_snapshot(d);

  m.upgrade("+1");
  EXPECT_EQ(column_names(d, "people"), (std::vector<std::string>{"id", "name", "age"}));
  EXPECT_FALSE(exists(d, "index", "ix_people_nickname")) << "an index on a dropped column goes with it";
  EXPECT_TRUE(exists(d, "index", "ix_people_name"));
  EXPECT_EQ(dump(d, "people"), "1:1|3:Ada|1:36\n1:2|3:Alan|1:41\n");
  const auto at_drop = schema_snapshot(d);

  m.upgrade("+1");
  EXPECT_EQ(column_names(d, "people"), (std::vector<std::string>{"id", "full_name", "age"}));
  EXPECT_EQ(rows(d, "SELECT name FROM pragma_index_info('ix_people_name')").at(0).at(0), "full_name");
  EXPECT_TRUE(find_column(d, "people", "full_name")->not_null);
  EXPECT_EQ(dump(d, "people"), "1:1|3:Ada|1:36\n1:2|3:Alan|1:41\n");

  m.downgrade("-1");
  EXPECT_EQ(schema_snapshot(d), at_drop);
  m.downgrade("-1");
  EXPECT_EQ(schema_snapshot(d), at_create);
  EXPECT_EQ(dump(d, "people"), "1:1|3:Ada|1:36|NULL\n1:2|3:Alan|1:41|NULL\n");
}

// ---- alter_column: type, nullability both ways, default set and dropped ------------------------------

namespace alters {
struct create : strata::revision<"f00000000001", strata::base> {
  static constexpr std::string_view message = "accounts";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("accounts", {column("id", strata::integer).primary_key(), column("balance", strata::integer),
                                 column("owner", strata::text).not_null(), column("status", strata::text).server_default("'new'"),
                                 column("opened", strata::date)});
    op.execute("INSERT INTO accounts (id, balance, owner, opened) VALUES (1, 10, 'ann', '2024-01-01'), (2, 20, 'bob', NULL)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("accounts"); }
};
struct alter : strata::revision<"f00000000002", "f00000000001"> {
  static constexpr std::string_view message = "alter every way";
  static constexpr void upgrade(strata::ops& op) {
    op.alter_column("accounts", "balance", {.type = strata::sql_type("NUMERIC(12, 2)"), .nullable = false, .server_default = "0"});
    op.alter_column("accounts", "owner", {.nullable = true});
    op.alter_column("accounts", "status", {.drop_default = true});
    op.alter_column("accounts", "opened", {.type = strata::datetime, .server_default = "CURRENT_DATE"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.alter_column("accounts", "opened", {.type = strata::date, .drop_default = true});
    op.alter_column("accounts", "status", {.server_default = "'new'"});
    op.alter_column("accounts", "owner", {.nullable = false});
    op.alter_column("accounts", "balance", {.type = strata::integer, .nullable = true, .drop_default = true});
  }
};
using history = strata::history<create, alter>;
}  // namespace alters

TEST_F(SqliteOperations, AlterColumnTypeNullabilityAndDefault) {
  strata::migrator<strata::sqlite> m{alters::history{}, url()};
  m.upgrade("f00000000001");
  auto d = db();
  const auto before = schema_snapshot(d);
  const auto rows_before = dump(d, "accounts");

  m.upgrade();
  const auto balance = find_column(d, "accounts", "balance");
  EXPECT_EQ(balance->type, "NUMERIC(12, 2)");
  EXPECT_TRUE(balance->not_null);
  EXPECT_EQ(balance->default_sql, "0");
  EXPECT_FALSE(find_column(d, "accounts", "owner")->not_null);
  EXPECT_EQ(find_column(d, "accounts", "status")->default_sql, std::nullopt);
  EXPECT_EQ(find_column(d, "accounts", "opened")->type, "DATETIME");
  EXPECT_EQ(find_column(d, "accounts", "opened")->default_sql, "CURRENT_DATE");
  EXPECT_EQ(dump(d, "accounts"), rows_before);

  EXPECT_NE(sql_error(d, "INSERT INTO accounts (id, balance, owner) VALUES (3, NULL, 'x')"), std::nullopt);
  d.exec("INSERT INTO accounts (id, owner) VALUES (3, NULL)");  // owner is nullable now, balance has a default
  EXPECT_EQ(rows(d, "SELECT balance, owner, status, opened IS NOT NULL FROM accounts WHERE id = 3").at(0),
            (std::vector<std::optional<std::string>>{"0", std::nullopt, std::nullopt, "1"}));
  d.exec("DELETE FROM accounts WHERE id = 3");

  m.downgrade("-1");
  EXPECT_EQ(schema_snapshot(d), before);
  EXPECT_EQ(dump(d, "accounts"), rows_before);
  EXPECT_NE(sql_error(d, "INSERT INTO accounts (id, owner) VALUES (4, NULL)"), std::nullopt);
}

// ---- add_constraint / drop_constraint (named) ----------------------------------------------------

namespace constraints {
struct create : strata::revision<"a10000000001", strata::base> {
  static constexpr std::string_view message = "orders";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("customers", {column("id", strata::integer).primary_key()});
    op.create_table("orders", {column("id", strata::integer).primary_key(), column("customer_id", strata::integer),
                               column("reference", strata::text), column("total", strata::integer),
                               strata::check("ck_orders_total", "total >= 0")});
    op.execute("INSERT INTO customers (id) VALUES (1); INSERT INTO orders VALUES (1, 1, 'A-1', 5), (2, 1, 'A-2', 0)");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("orders");
    op.drop_table("customers");
  }
};
struct add : strata::revision<"a10000000002", "a10000000001"> {
  static constexpr std::string_view message = "constraints";
  static constexpr void upgrade(strata::ops& op) {
    op.add_constraint("orders", strata::unique("uq_orders_reference", {"reference"}));
    op.add_constraint("orders", strata::foreign_key("fk_orders_customer", {"customer_id"}, "customers", {"id"}));
    op.add_constraint("orders", strata::check("ck_orders_reference", "length(reference) > 2"));
    op.drop_constraint("orders", "ck_orders_total");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.add_constraint("orders", strata::check("ck_orders_total", "total >= 0"));
    op.drop_constraint("orders", "ck_orders_reference");
    op.drop_constraint("orders", "fk_orders_customer");
    op.drop_constraint("orders", "uq_orders_reference");
  }
};
using history = strata::history<create, add>;
}  // namespace constraints

TEST_F(SqliteOperations, AddAndDropNamedConstraints) {
  strata::migrator<strata::sqlite> m{constraints::history{}, url()};
  m.upgrade("a10000000001");
  auto d = db();
  const auto before = schema_snapshot(d);
  EXPECT_NE(sql_error(d, "INSERT INTO orders VALUES (9, 1, 'A-9', -1)"), std::nullopt);

  m.upgrade();
  const auto sql = object_sql(d, "table", "orders");
  EXPECT_EQ(sql.find("ck_orders_total"), std::string::npos) << sql;
  EXPECT_NE(sql.find("\"uq_orders_reference\""), std::string::npos) << sql;
  d.exec("INSERT INTO orders VALUES (3, 1, 'A-3', -1)");  // the dropped CHECK no longer applies
  EXPECT_NE(sql_error(d, "INSERT INTO orders VALUES (4, 1, 'A-1', 1)"), std::nullopt);   // unique
  EXPECT_NE(sql_error(d, "INSERT INTO orders VALUES (5, 42, 'A-5', 1)"), std::nullopt);  // foreign key
  EXPECT_NE(sql_error(d, "INSERT INTO orders VALUES (6, 1, 'A', 1)"), std::nullopt);     // check
  d.exec("DELETE FROM orders WHERE id = 3");

  m.downgrade("base");
  m.upgrade("a10000000001");
  EXPECT_EQ(schema_snapshot(d), before);
  m.upgrade();
  m.downgrade("-1");
  EXPECT_EQ(schema_snapshot(d), before);
  EXPECT_NE(sql_error(d, "INSERT INTO orders VALUES (7, 1, 'A-7', -1)"), std::nullopt) << "ck_orders_total is back";
  d.exec("INSERT INTO orders VALUES (8, 1, 'A-1', 1)");  // the unique constraint is gone
}

// ---- create_index / drop_index ---------------------------------------------------------------------

namespace indexes {
struct create : strata::revision<"a20000000001", strata::base> {
  static constexpr std::string_view message = "events";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("events", {column("id", strata::integer).primary_key(), column("kind", strata::text),
                               column("at", strata::datetime), column("handle", strata::text), column("deleted", strata::boolean)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("events"); }
};
struct index : strata::revision<"a20000000002", "a20000000001"> {
  static constexpr std::string_view message = "indexes";
  static constexpr void upgrade(strata::ops& op) {
    op.create_index("ix_events_kind_at", "events", {"kind", "at"});
    op.create_index("uq_events_handle", "events", {"handle"}, {.unique = true});
    op.create_index("uq_events_live_kind", "events", {"kind"}, {.unique = true, .where = "deleted = 0"});
    op.create_index("ix_events_doomed", "events", {"at"});
    op.drop_index("ix_events_doomed");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("uq_events_live_kind");
    op.drop_index("uq_events_handle", "events");
    op.drop_index("ix_events_kind_at");
  }
};
using history = strata::history<create, index>;
}  // namespace indexes

TEST_F(SqliteOperations, CreateIndexUniqueMultiColumnPartialAndDropIndex) {
  strata::migrator<strata::sqlite> m{indexes::history{}, url()};
  m.upgrade();
  auto d = db();
  const auto list = rows(d, "SELECT name, \"unique\", partial FROM pragma_index_list('events') ORDER BY name");
  EXPECT_EQ(list, (table_rows{{"ix_events_kind_at", "0", "0"}, {"uq_events_handle", "1", "0"}, {"uq_events_live_kind", "1", "1"}}));
  EXPECT_EQ(rows(d, "SELECT name FROM pragma_index_info('ix_events_kind_at') ORDER BY seqno"), (table_rows{{"kind"}, {"at"}}));
  EXPECT_FALSE(exists(d, "index", "ix_events_doomed"));

  d.exec("INSERT INTO events (kind, handle, deleted) VALUES ('a', 'h1', 0), ('a', 'h2', 1), ('a', 'h3', 1)");
  EXPECT_NE(sql_error(d, "INSERT INTO events (kind, handle, deleted) VALUES ('b', 'h1', 1)"), std::nullopt);  // unique
  EXPECT_NE(sql_error(d, "INSERT INTO events (kind, handle, deleted) VALUES ('a', 'h4', 0)"), std::nullopt);  // partial unique
  d.exec("INSERT INTO events (kind, handle, deleted) VALUES ('b', 'h5', 0)");
  EXPECT_EQ(count(d, "SELECT count(*) FROM events WHERE kind = 'a' AND deleted = 0"), 1);

  m.downgrade("-1");
  EXPECT_EQ(count(d, "SELECT count(*) FROM pragma_index_list('events')"), 0);
}

// ---- execute (several statements), run(fn) -----------------------------------------------------------

namespace data {
struct create : strata::revision<"a30000000001", strata::base> {
  static constexpr std::string_view message = "prices";
  static constexpr void upgrade(strata::ops& op) {
    op.execute(
        "CREATE TABLE prices (symbol TEXT PRIMARY KEY, cents INTEGER NOT NULL);\n"
        "INSERT INTO prices VALUES ('AAA', 1050);\n"
        "INSERT INTO prices VALUES ('BBB', 99); -- a comment\n"
        "INSERT INTO prices VALUES ('C;D', 5);");
  }
  static constexpr void downgrade(strata::ops& op) { op.execute("DROP TABLE prices; DROP TABLE IF EXISTS never_there"); }
};

void to_dollars(strata::connection& db) {
  if (db.dialect() != "sqlite") throw std::runtime_error("expected the sqlite dialect");
  db.execute("ALTER TABLE prices ADD COLUMN dollars TEXT");
  for (const auto& row : db.query("SELECT symbol, cents FROM prices WHERE cents > ?", {std::string("10")})) {
    const auto cents = std::stoll(*row[1]);
    db.query("UPDATE prices SET dollars = ? WHERE symbol = ?",
             {std::to_string(cents / 100) + "." + (cents % 100 < 10 ? "0" : "") + std::to_string(cents % 100), row[0]});
  }
  // The native handle, for what the portable interface does not cover.
  auto& native = db.native<SQLite::Database>();
  native.exec("CREATE TABLE conversion_log (rows INTEGER)");
  SQLite::Statement insert(native, "INSERT INTO conversion_log VALUES (?)");
  insert.bind(1, native.execAndGet("SELECT count(*) FROM prices WHERE dollars IS NOT NULL").getInt());
  insert.exec();
}
void from_dollars(strata::connection& db) {
  db.execute("DROP TABLE conversion_log");
  db.execute("ALTER TABLE prices DROP COLUMN dollars");
}

struct convert : strata::revision<"a30000000002", "a30000000001"> {
  static constexpr std::string_view message = "dollars";
  static constexpr void upgrade(strata::ops& op) { op.run(&to_dollars, "cents to dollars"); }
  static constexpr void downgrade(strata::ops& op) { op.run(&from_dollars); }
};
using history = strata::history<create, convert>;
}  // namespace data

TEST_F(SqliteOperations, ExecuteRunsSeveralStatements) {
  strata::migrator<strata::sqlite> m{data::history{}, url()};
  m.upgrade("a30000000001");
  auto d = db();
  EXPECT_EQ(rows(d, "SELECT symbol, cents FROM prices ORDER BY symbol"), (table_rows{{"AAA", "1050"}, {"BBB", "99"}, {"C;D", "5"}}));
  m.downgrade("base");
  EXPECT_FALSE(exists(d, "table", "prices"));
}

TEST_F(SqliteOperations, RunIsADataMigrationInCpp) {
  strata::migrator<strata::sqlite> m{data::history{}, url()};
  m.upgrade();
  auto d = db();
  EXPECT_EQ(rows(d, "SELECT symbol, dollars FROM prices ORDER BY symbol"),
            (table_rows{{"AAA", "10.50"}, {"BBB", "0.99"}, {"C;D", std::nullopt}}));
  EXPECT_EQ(scalar(d, "SELECT rows FROM conversion_log"), "2");
  m.downgrade("-1");
  EXPECT_EQ(column_names(d, "prices"), (std::vector<std::string>{"symbol", "cents"}));
  EXPECT_FALSE(exists(d, "table", "conversion_log"));
}

// A data migration runs inside the revision's transaction: when it throws, its writes are undone.
namespace failing_run {
void half_then_throw(strata::connection& db) {
  db.execute("INSERT INTO prices VALUES ('ZZZ', 1)");
  throw std::runtime_error("the exchange rate service is down");
}
struct broken : strata::revision<"a30000000003", "a30000000001"> {
  static constexpr std::string_view message = "broken data migration";
  static constexpr void upgrade(strata::ops& op) { op.run(&half_then_throw, "fetch rates"); }
  static constexpr void downgrade(strata::ops&) {}
};
using history = strata::history<data::create, broken>;
}  // namespace failing_run

TEST_F(SqliteOperations, RunThatThrowsRollsBack) {
  strata::migrator<strata::sqlite> m{failing_run::history{}, url()};
  m.upgrade("a30000000001");
  try {
    m.upgrade();
    FAIL() << "the data migration throws";
  } catch (const strata::migration_failed& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.revision(), "a30000000003");
    EXPECT_NE(what.find("run fetch rates"), std::string::npos) << what;
    EXPECT_NE(what.find("the exchange rate service is down"), std::string::npos) << what;
  }
  auto d = db();
  EXPECT_EQ(count(d, "SELECT count(*) FROM prices WHERE symbol = 'ZZZ'"), 0);
  EXPECT_EQ(m.current(), std::vector<std::string>{"a30000000001"});
}

// ---- a whole history walked up and down: each downgrade restores the schema exactly -----------------

namespace walk {
struct r1 : strata::revision<"a40000000001", strata::base> {
  static constexpr std::string_view message = "authors and books";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("authors", {column("id", strata::integer).primary_key(), column("name", strata::text).not_null()});
    op.create_table("books", {column("id", strata::integer).primary_key(),
                              column("author_id", strata::integer).references("authors", "id", strata::referential_action::cascade),
                              column("title", strata::varchar(200)).not_null(), column("pages", strata::integer).check("pages > 0")});
    op.create_index("ix_books_title", "books", {"title"});
    op.execute("INSERT INTO authors VALUES (1, 'Le Guin'), (2, 'Lem'); "
               "INSERT INTO books VALUES (1, 1, 'The Dispossessed', 387), (2, 2, 'Solaris', 204), (3, 1, 'Lavinia', 279)");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_books_title");
    op.drop_table("books");
    op.drop_table("authors");
  }
};
struct r2 : strata::revision<"a40000000002", "a40000000001"> {
  static constexpr std::string_view message = "isbn";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("books", column("isbn", strata::varchar(13)));
    op.create_index("uq_books_isbn", "books", {"isbn"}, {.unique = true});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("uq_books_isbn");
    op.drop_column("books", "isbn");
  }
};
struct r3 : strata::revision<"a40000000003", "a40000000002"> {
  static constexpr std::string_view message = "rename, alter";
  static constexpr void upgrade(strata::ops& op) {
    op.rename_table("authors", "writers");
    op.rename_column("books", "pages", "page_count");
    op.alter_column("books", "title", {.type = strata::text, .nullable = true});
    op.add_constraint("books", strata::unique("uq_books_author_title", {"author_id", "title"}));
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_constraint("books", "uq_books_author_title");
    op.alter_column("books", "title", {.type = strata::varchar(200), .nullable = false});
    op.rename_column("books", "page_count", "pages");
    op.rename_table("writers", "authors");
  }
};
using history = strata::history<r1, r2, r3>;
}  // namespace walk

TEST_F(SqliteOperations, DowngradeRestoresEachRevisionsSchema) {
  strata::migrator<strata::sqlite> m{walk::history{}, url()};
  auto d = db();
  std::vector<std::string> snapshots{schema_snapshot(d)};
  std::vector<std::string> books{""};
  while (!m.upgrade("+1").empty()) {
    snapshots.push_back(schema_snapshot(d));
    books.push_back(dump(d, "books"));
    if (m.pending().empty()) break;
  }
  ASSERT_EQ(snapshots.size(), 4U);
  EXPECT_NE(snapshots[3].find("table writers"), std::string::npos) << snapshots[3];
  EXPECT_EQ(scalar(d, "PRAGMA foreign_key_check"), "");
  d.exec("DELETE FROM writers WHERE id = 1");  // the foreign key follows the renamed table, and cascades
  EXPECT_EQ(count(d, "SELECT count(*) FROM books"), 1);
  d.exec("INSERT INTO writers VALUES (1, 'Le Guin'); "
         "INSERT INTO books (id, author_id, title, page_count) VALUES (1, 1, 'The Dispossessed', 387), (3, 1, 'Lavinia', 279)");

  for (std::size_t i = 3; i > 0; --i) {
    m.downgrade("-1");
    EXPECT_EQ(schema_snapshot(d), snapshots[i - 1]) << "after reverting revision " << i;
    if (i > 1) {
      EXPECT_EQ(dump(d, "books"), books[i - 1]) << "after reverting revision " << i;
    }
  }
  EXPECT_TRUE(m.current().empty());
}

}  // namespace
