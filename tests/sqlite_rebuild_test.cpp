// The SQLite dialect's 12-step table rebuild (sqlite.org/lang_altertable.html) on a 100,000-row
// table: rows, indexes, foreign keys both ways, CHECKs, defaults, triggers, views and the
// AUTOINCREMENT sequence survive; several alterations make one copy; a failing rebuild rolls back.
#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/sqlite_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;
using strata::referential_action;

constexpr int item_count = 100'000;

// owners <- items <- item_tags, with every kind of object a rebuild must keep around items.
struct schema : strata::revision<"b10000000001", strata::base> {
  static constexpr std::string_view message = "inventory";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("owners", {column("id", strata::integer).primary_key(), column("name", strata::text).not_null()});
    op.create_table("categories", {column("name", strata::text).primary_key()});
    op.create_table("items", {column("id", strata::integer).primary_key().auto_increment(),
                              column("owner_id", strata::integer).not_null().references("owners", "id"),
                              column("sku", strata::varchar(32)).not_null(),
                              column("barcode", strata::text).unique(),
                              column("quantity", strata::integer).server_default("0"),
                              column("price", strata::real).check("price >= 0"),
                              column("category", strata::text),
                              column("archived", strata::boolean).not_null().server_default("0"),
                              column("note", strata::text),
                              strata::check("ck_items_sku", "length(sku) > 0")});
    op.create_index("uq_items_sku", "items", {"sku"}, {.unique = true});
    op.create_index("ix_items_owner_category", "items", {"owner_id", "category"});
    op.create_index("ix_items_live_category", "items", {"category"}, {.where = "archived = 0"});
    op.create_table("item_tags", {column("id", strata::integer).primary_key(),
                                  column("item_id", strata::integer).not_null().references("items", "id", referential_action::cascade),
                                  column("tag", strata::text).not_null()});
    op.create_table("audit", {column("id", strata::integer).primary_key(), column("item_id", strata::integer), column("event", strata::text)});
    op.execute(
        "CREATE TRIGGER trg_items_quantity AFTER UPDATE OF quantity ON items "
        "BEGIN INSERT INTO audit (item_id, event) VALUES (new.id, 'quantity ' || old.quantity || ' -> ' || new.quantity); END;\n"
        "CREATE VIEW v_live_items AS SELECT id, sku, quantity FROM items WHERE archived = 0");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.execute("DROP VIEW v_live_items");
    op.drop_table("audit");
    op.drop_table("item_tags");
    op.drop_table("items");
    op.drop_table("categories");
    op.drop_table("owners");
  }
};

struct make_quantity_required : strata::revision<"b10000000002", "b10000000001"> {
  static constexpr std::string_view message = "quantity is required";
  static constexpr void upgrade(strata::ops& op) { op.alter_column("items", "quantity", {.nullable = false, .server_default = "1"}); }
  static constexpr void downgrade(strata::ops& op) { op.alter_column("items", "quantity", {.nullable = true, .server_default = "0"}); }
};
using alter_history = strata::history<schema, make_quantity_required>;

// "B" + std::to_string(n) makes GCC 12 report a false -Wrestrict at -O2 (GCC bug 105329, in
// std::string's insert): the text is built by appending instead.
std::string numbered(std::string prefix, int n) {
  prefix += std::to_string(n);
  return prefix;
}

// Fills the schema: 100 owners, 100,000 items (the last ten deleted again, so that the AUTOINCREMENT
// sequence is ahead of max(id)), 1,000 tags. One transaction, one prepared statement.
void fill(SQLite::Database& db, bool null_notes = true) {
  SQLite::Transaction transaction(db);
  db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100) "
          "INSERT INTO owners (id, name) SELECT i, 'owner ' || i FROM n");
  db.exec("INSERT INTO categories VALUES ('tools'), ('toys')");
  SQLite::Statement insert(db, "INSERT INTO items (owner_id, sku, barcode, quantity, price, category, archived, note) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  const char* categories[] = {"tools", "toys", "books", "food", "garden"};
  for (int i = 1; i <= item_count; ++i) {
    insert.bind(1, 1 + i % 100);
    insert.bind(2, numbered("SKU-", i));
    if (i % 7 == 0) insert.bind(3);
    else insert.bind(3, numbered("B", i * 31));
    insert.bind(4, i % 50);
    insert.bind(5, (i % 1000) / 4.0);
    insert.bind(6, categories[i % 5]);
    insert.bind(7, i % 3 == 0 ? 1 : 0);
    if (null_notes && i % 11 == 0) insert.bind(8);
    else insert.bind(8, numbered("note ", i));
    insert.exec();
    insert.reset();
  }
  db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) "
          "INSERT INTO item_tags (item_id, tag) SELECT i * 37, 'tag ' || (i % 13) FROM n");
  db.exec("DELETE FROM items WHERE id > " + std::to_string(item_count - 10));
  transaction.commit();
}

std::size_t hash_of(SQLite::Database& db, const std::string& table) { return std::hash<std::string>{}(dump(db, table)); }

// Everything a rebuild must not change (but the table's own CREATE TABLE): rows, indexes, triggers,
// views, foreign keys, the sequence.
struct picture {
  std::size_t items = 0, item_tags = 0, owners = 0, audit = 0;
  std::int64_t item_rows = 0;
  table_rows objects;  // every index, trigger, view: type, name, table, sql
  table_rows foreign_keys;
  std::string sequence;
  std::string other_tables;

  static picture take(SQLite::Database& db) {
    picture p;
    p.items = hash_of(db, "items");
    p.item_tags = hash_of(db, "item_tags");
    p.owners = hash_of(db, "owners");
    p.audit = hash_of(db, "audit");
    p.item_rows = count(db, "SELECT count(*) FROM items");
    p.objects = rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger', 'view') ORDER BY type, name");
    p.foreign_keys = rows(db, "SELECT m.name, f.* FROM sqlite_master m, pragma_foreign_key_list(m.name) f WHERE m.type = 'table' "
                              "ORDER BY m.name, f.id, f.seq");
    p.sequence = scalar(db, "SELECT seq FROM sqlite_sequence WHERE name = 'items'");
    p.other_tables = std::to_string(rows(db, "SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name <> 'items' ORDER BY name").size()) +
                     scalar(db, "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE type = 'table' AND name "
                                "NOT IN ('items', 'alembic_version') ORDER BY name)");
    return p;
  }
};

void expect_same(const picture& a, const picture& b) {
  EXPECT_EQ(a.item_rows, b.item_rows);
  EXPECT_EQ(a.items, b.items) << "the rows of items changed";
  EXPECT_EQ(a.item_tags, b.item_tags);
  EXPECT_EQ(a.owners, b.owners);
  EXPECT_EQ(a.audit, b.audit);
  EXPECT_EQ(a.objects, b.objects) << "an index, trigger or view changed";
  EXPECT_EQ(a.foreign_keys, b.foreign_keys);
  EXPECT_EQ(a.sequence, b.sequence);
  EXPECT_EQ(a.other_tables, b.other_tables);
}

class SqliteRebuild : public ::testing::Test {
 protected:
  scratch_folder dir;
  SQLite::Database db = open(dir.file());
};

TEST_F(SqliteRebuild, HundredThousandRowsSurviveAnAlterWithEverythingAroundThem) {
  strata::migrator<strata::sqlite> m{alter_history{}, db};
  m.upgrade("b10000000001");
  fill(db);
  ASSERT_EQ(count(db, "SELECT count(*) FROM items"), item_count - 10);
  ASSERT_EQ(scalar(db, "SELECT seq FROM sqlite_sequence WHERE name = 'items'"), std::to_string(item_count));
  const auto before = picture::take(db);
  const auto live_before = count(db, "SELECT count(*) FROM v_live_items");
  const auto page_before = scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'items'");

  statement_log log(db);
  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"b10000000002"});
  EXPECT_EQ(log.count("INSERT INTO \"_strata_new_"), 1);
  EXPECT_NE(scalar(db, "SELECT rootpage FROM sqlite_master WHERE name = 'items'"), page_before) << "the table was rebuilt";

  // The alteration itself.
  const auto quantity = find_column(db, "items", "quantity");
  EXPECT_TRUE(quantity->not_null);
  EXPECT_EQ(quantity->default_sql, "1");
  // Everything else as it was.
  expect_same(picture::take(db), before);
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), "1") << "foreign keys are switched back on after the migration";
  EXPECT_EQ(scalar(db, "PRAGMA foreign_key_check"), "");
  EXPECT_EQ(scalar(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '_strata_%'"), 0);
  EXPECT_EQ(count(db, "SELECT count(*) FROM v_live_items"), live_before);
  EXPECT_EQ(m.current(), std::vector<std::string>{"b10000000002"});

  // Foreign keys both ways, still enforced.
  EXPECT_NE(sql_error(db, "INSERT INTO items (owner_id, sku) VALUES (4242, 'SKU-X')"), std::nullopt) << "items -> owners";
  EXPECT_NE(sql_error(db, "INSERT INTO item_tags (item_id, tag) VALUES (" + std::to_string(item_count + 5) + ", 'x')"), std::nullopt)
      << "item_tags -> items";
  EXPECT_NE(sql_error(db, "DELETE FROM owners WHERE id = 1"), std::nullopt) << "owners still has items";
  EXPECT_EQ(count(db, "SELECT count(*) FROM item_tags WHERE item_id = 37"), 1);
  db.exec("DELETE FROM items WHERE id = 37");
  EXPECT_EQ(count(db, "SELECT count(*) FROM item_tags WHERE item_id = 37"), 0) << "ON DELETE CASCADE from item_tags";
  // CHECKs (column and named), unique index, column UNIQUE, the new NOT NULL and DEFAULT.
  EXPECT_NE(sql_error(db, "INSERT INTO items (owner_id, sku, price) VALUES (1, 'SKU-N', -1)"), std::nullopt);
  EXPECT_NE(sql_error(db, "INSERT INTO items (owner_id, sku) VALUES (1, '')"), std::nullopt);
  EXPECT_NE(sql_error(db, "INSERT INTO items (owner_id, sku) VALUES (1, 'SKU-1')"), std::nullopt);
  EXPECT_NE(sql_error(db, "INSERT INTO items (owner_id, sku, barcode) VALUES (1, 'SKU-N', 'B31')"), std::nullopt);
  EXPECT_NE(sql_error(db, "INSERT INTO items (owner_id, sku, quantity) VALUES (1, 'SKU-N', NULL)"), std::nullopt);
  db.exec("INSERT INTO items (owner_id, sku) VALUES (1, 'SKU-NEW')");
  // AUTOINCREMENT continues after the deleted rows, and the default is the new one.
  EXPECT_EQ(rows(db, "SELECT id, quantity, archived FROM items WHERE sku = 'SKU-NEW'").at(0),
            (std::vector<std::optional<std::string>>{std::to_string(item_count + 1), "1", "0"}));
  // The trigger fires.
  const auto audit = count(db, "SELECT count(*) FROM audit");
  db.exec("UPDATE items SET quantity = 99 WHERE id = 5");
  EXPECT_EQ(count(db, "SELECT count(*) FROM audit"), audit + 1);
  EXPECT_EQ(scalar(db, "SELECT event FROM audit ORDER BY id DESC LIMIT 1"), "quantity 5 -> 99");
  // The indexes are used by the planner, not only present.
  EXPECT_NE(rows(db, "EXPLAIN QUERY PLAN SELECT id FROM items WHERE sku = 'SKU-9'").at(0).at(3)->find("uq_items_sku"), std::string::npos);

  // And back: the downgrade is a rebuild too.
  m.downgrade("-1");
  EXPECT_FALSE(find_column(db, "items", "quantity")->not_null);
  EXPECT_EQ(find_column(db, "items", "quantity")->default_sql, "0");
  EXPECT_EQ(scalar(db, "PRAGMA foreign_key_check"), "");
  EXPECT_EQ(scalar(db, "SELECT seq FROM sqlite_sequence WHERE name = 'items'"), std::to_string(item_count + 1));
  EXPECT_EQ(picture::take(db).objects, before.objects);
}

TEST_F(SqliteRebuild, ForeignKeysStayOnForAMigratorThatOpensTheFileItself) {
  {
    strata::migrator<strata::sqlite> m{alter_history{}, dir.url()};
    m.upgrade("b10000000001");
  }
  fill(db);
  const auto before = picture::take(db);
  strata::migrator<strata::sqlite> m{alter_history{}, dir.url()};
  m.upgrade();
  expect_same(picture::take(db), before);
  auto& own = m.dialect().database();
  EXPECT_EQ(scalar(own, "PRAGMA foreign_keys"), "1");
  EXPECT_NE(sql_error(own, "INSERT INTO items (owner_id, sku) VALUES (4242, 'SKU-X')"), std::nullopt);
}

// ---- several alterations, one copy -----------------------------------------------------------------

struct many_alterations : strata::revision<"b10000000003", "b10000000001"> {
  static constexpr std::string_view message = "reshape items";
  static constexpr void upgrade(strata::ops& op) {
    op.alter_column("items", "quantity", {.nullable = false});
    op.alter_column("items", "price", {.type = strata::sql_type("NUMERIC(10, 2)")});
    op.alter_column("items", "archived", {.server_default = "1"});
    op.add_column("items", column("supplier", strata::text).not_null().server_default("'unknown'"));
    op.add_column("items", column("external_id", strata::text).unique());
    op.drop_column("items", "note");
    op.add_constraint("items", strata::check("ck_items_quantity", "quantity >= 0"));
    // Another table's alteration in between does not split the batch of items.
    op.alter_column("owners", "name", {.type = strata::varchar(100)});
    op.alter_column("items", "category", {.server_default = "'misc'"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.alter_column("items", "category", {.drop_default = true});
    op.alter_column("owners", "name", {.type = strata::text});
    op.drop_constraint("items", "ck_items_quantity");
    op.add_column("items", column("note", strata::text));
    op.drop_column("items", "external_id");
    op.drop_column("items", "supplier");
    op.alter_column("items", "archived", {.server_default = "0"});
    op.alter_column("items", "price", {.type = strata::real});
    op.alter_column("items", "quantity", {.nullable = true});
  }
};
using many_history = strata::history<schema, many_alterations>;

TEST_F(SqliteRebuild, SeveralAlterationsOfOneTableMakeOneCopy) {
  strata::migrator<strata::sqlite> m{many_history{}, db};
  m.upgrade("b10000000001");
  fill(db);
  const std::string kept = "SELECT id, owner_id, sku, barcode, quantity, price, category, archived FROM items ORDER BY id";
  const auto items_before = std::hash<std::string>{}(dump_query(db, kept));
  {
    statement_log log(db);
    m.upgrade();
    EXPECT_EQ(log.count("INSERT INTO \"_strata_new_items\""), 1);
    EXPECT_EQ(log.count("INSERT INTO \"_strata_new_owners\""), 1);
    EXPECT_EQ(log.count("INSERT INTO \"_strata_new_"), 2);
  }

  EXPECT_EQ(column_names(db, "items"), (std::vector<std::string>{"id", "owner_id", "sku", "barcode", "quantity", "price", "category",
                                                                 "archived", "supplier", "external_id"}));
  EXPECT_TRUE(find_column(db, "items", "quantity")->not_null);
  EXPECT_EQ(find_column(db, "items", "price")->type, "NUMERIC(10, 2)");
  EXPECT_EQ(find_column(db, "items", "archived")->default_sql, "1");
  EXPECT_EQ(find_column(db, "items", "category")->default_sql, "'misc'");
  EXPECT_EQ(find_column(db, "owners", "name")->type, "VARCHAR(100)");
  EXPECT_EQ(count(db, "SELECT count(*) FROM items WHERE supplier = 'unknown' AND external_id IS NULL"), item_count - 10);
  EXPECT_NE(sql_error(db, "INSERT INTO items (owner_id, sku, quantity) VALUES (1, 'SKU-N', -5)"), std::nullopt);
  EXPECT_EQ(scalar(db, "PRAGMA foreign_key_check"), "");
  EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'items' AND sql IS NOT NULL"), 3);

  {
    statement_log log(db);
    m.downgrade("-1");
    EXPECT_EQ(log.count("INSERT INTO \"_strata_new_"), 2);
  }
  EXPECT_EQ(std::hash<std::string>{}(dump_query(db, kept)), items_before)
      << "the downgrade brings the table back, rows included (but the dropped column's values)";
  EXPECT_EQ(count(db, "SELECT count(*) FROM items WHERE note IS NULL"), item_count - 10);
}

// ---- an empty AUTOINCREMENT table keeps its sequence -------------------------------------------------

TEST_F(SqliteRebuild, EmptiedAutoincrementTableKeepsItsSequence) {
  strata::migrator<strata::sqlite> m{alter_history{}, db};
  m.upgrade("b10000000001");
  db.exec("INSERT INTO owners VALUES (1, 'o'); INSERT INTO items (owner_id, sku) VALUES (1, 'a'), (1, 'b'), (1, 'c'); "
          "DELETE FROM items");
  ASSERT_EQ(scalar(db, "SELECT seq FROM sqlite_sequence WHERE name = 'items'"), "3");
  m.upgrade();
  EXPECT_EQ(scalar(db, "SELECT seq FROM sqlite_sequence WHERE name = 'items'"), "3");
  db.exec("INSERT INTO items (owner_id, sku) VALUES (1, 'd')");
  EXPECT_EQ(scalar(db, "SELECT id FROM items WHERE sku = 'd'"), "4") << "AUTOINCREMENT never reuses an id";
}

// ---- failing rebuilds roll back -----------------------------------------------------------------------

struct note_required : strata::revision<"b10000000004", "b10000000001"> {
  static constexpr std::string_view message = "note is required";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("side_effect", {column("id", strata::integer).primary_key()});
    op.alter_column("items", "note", {.nullable = false});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.alter_column("items", "note", {.nullable = true});
    op.drop_table("side_effect");
  }
};
using note_history = strata::history<schema, note_required>;

TEST_F(SqliteRebuild, NotNullViolationRollsBackAndLeavesEverythingAsItWas) {
  strata::migrator<strata::sqlite> m{note_history{}, db};
  m.upgrade("b10000000001");
  fill(db);
  const auto before = picture::take(db);
  const auto table_sql = object_sql(db, "table", "items");
  const auto versions = rows(db, "SELECT * FROM alembic_version");
  try {
    m.upgrade();
    FAIL() << "item notes have NULLs";
  } catch (const strata::migration_failed& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.revision(), "b10000000004");
    EXPECT_NE(what.find("b10000000004"), std::string::npos) << what;
    EXPECT_NE(what.find("alter_column items.note"), std::string::npos) << what;
    EXPECT_NE(what.find("NOT NULL constraint failed: items.note"), std::string::npos) << what;
    EXPECT_EQ(what.find("_strata_new_"), std::string::npos) << "the temporary table is an implementation detail: " << what;
    EXPECT_NE(what.find("rolled back"), std::string::npos) << what;
  }
  expect_same(picture::take(db), before);
  EXPECT_EQ(object_sql(db, "table", "items"), table_sql);
  EXPECT_EQ(rows(db, "SELECT * FROM alembic_version"), versions);
  EXPECT_FALSE(exists(db, "table", "side_effect"));
  EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '_strata_%'"), 0);
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(scalar(db, "PRAGMA legacy_alter_table"), "0");
  EXPECT_EQ(m.current(), std::vector<std::string>{"b10000000001"});

  // Fixed data, same revision: it goes through.
  db.exec("UPDATE items SET note = '' WHERE note IS NULL");
  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"b10000000004"});
  EXPECT_TRUE(find_column(db, "items", "note")->not_null);
}

struct category_references : strata::revision<"b10000000005", "b10000000001"> {
  static constexpr std::string_view message = "categories are a foreign key";
  static constexpr void upgrade(strata::ops& op) {
    op.add_constraint("items", strata::foreign_key("fk_items_category", {"category"}, "categories", {"name"}));
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_constraint("items", "fk_items_category"); }
};
using category_history = strata::history<schema, category_references>;

TEST_F(SqliteRebuild, ForeignKeyViolationFailsAtTheCheckAndRollsBack) {
  strata::migrator<strata::sqlite> m{category_history{}, db};
  m.upgrade("b10000000001");
  fill(db);
  const auto before = picture::take(db);
  const auto table_sql = object_sql(db, "table", "items");
  try {
    m.upgrade();
    FAIL() << "items has categories that are not in categories";
  } catch (const strata::migration_failed& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.revision(), "b10000000005");
    EXPECT_NE(what.find("foreign key"), std::string::npos) << what;
    EXPECT_NE(what.find("'items'"), std::string::npos) << what;
    EXPECT_NE(what.find("'categories'"), std::string::npos) << what;
    EXPECT_NE(what.find("rolled back"), std::string::npos) << what;
  }
  expect_same(picture::take(db), before);
  EXPECT_EQ(object_sql(db, "table", "items"), table_sql);
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(m.current(), std::vector<std::string>{"b10000000001"});

  // With the missing categories added, the same revision applies and the key is enforced.
  db.exec("INSERT INTO categories VALUES ('books'), ('food'), ('garden')");
  m.upgrade();
  EXPECT_NE(sql_error(db, "INSERT INTO items (owner_id, sku, category) VALUES (1, 'SKU-N', 'cars')"), std::nullopt);
}

}  // namespace

// ---- a rebuild that would leave a view or a trigger broken fails instead ------------------------------

namespace dependents {
struct create : strata::revision<"b20000000001", strata::base> {
  static constexpr std::string_view message = "readings";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("readings", {column("id", strata::integer).primary_key(), column("sensor", strata::text),
                                 column("celsius", strata::real), column("raw", strata::blob)});
    op.create_table("log", {column("message", strata::text)});
    op.execute("CREATE VIEW v_celsius AS SELECT sensor, celsius FROM readings;"
               "CREATE TRIGGER trg_readings_raw AFTER INSERT ON readings BEGIN INSERT INTO log VALUES (hex(new.raw)); END;"
               "INSERT INTO readings VALUES (1, 's1', 21.5, x'01')");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.execute("DROP VIEW v_celsius");
    op.drop_table("log");
    op.drop_table("readings");
  }
};
struct drop_celsius : strata::revision<"b20000000002", "b20000000001"> {
  static constexpr std::string_view message = "drop celsius";
  static constexpr bool irreversible = true;
  static constexpr void upgrade(strata::ops& op) { op.drop_column("readings", "celsius"); }
  static constexpr void downgrade(strata::ops& op) { op.add_column("readings", column("celsius", strata::real)); }
};
struct drop_raw : strata::revision<"b20000000003", "b20000000001"> {
  static constexpr std::string_view message = "drop raw";
  static constexpr void upgrade(strata::ops& op) { op.drop_column("readings", "raw"); }
  static constexpr void downgrade(strata::ops& op) { op.add_column("readings", column("raw", strata::blob)); }
};
struct drop_sensor : strata::revision<"b20000000004", "b20000000001"> {
  static constexpr std::string_view message = "drop sensor, with the view redone";
  static constexpr bool irreversible = true;
  static constexpr void upgrade(strata::ops& op) {
    op.execute("DROP VIEW v_celsius");
    op.drop_column("readings", "sensor");
    op.execute("CREATE VIEW v_celsius AS SELECT celsius FROM readings");
  }
  static constexpr void downgrade(strata::ops&) {}
};
}  // namespace dependents

TEST_F(SqliteRebuild, RebuildThatWouldBreakAViewFailsAndNamesIt) {
  strata::migrator<strata::sqlite> m{strata::history<dependents::create, dependents::drop_celsius>{}, db};
  m.upgrade("b20000000001");
  const auto before = schema_snapshot(db);
  try {
    m.upgrade();
    FAIL() << "v_celsius selects celsius";
  } catch (const strata::migration_failed& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("view 'v_celsius' no longer works"), std::string::npos) << what;
    EXPECT_NE(what.find("no such column: celsius"), std::string::npos) << what;
    EXPECT_NE(what.find("drop it before this alteration"), std::string::npos) << what;
  }
  EXPECT_EQ(schema_snapshot(db), before);
  EXPECT_EQ(scalar(db, "SELECT celsius FROM v_celsius"), "21.5");
}

TEST_F(SqliteRebuild, RebuildThatWouldBreakATriggerFailsAndNamesItsTable) {
  strata::migrator<strata::sqlite> m{strata::history<dependents::create, dependents::drop_raw>{}, db};
  m.upgrade("b20000000001");
  const auto before = schema_snapshot(db);
  try {
    m.upgrade();
    FAIL() << "trg_readings_raw reads new.raw";
  } catch (const strata::migration_failed& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("a trigger on 'readings' no longer works"), std::string::npos) << what;
    EXPECT_NE(what.find("new.raw"), std::string::npos) << what;
  }
  EXPECT_EQ(schema_snapshot(db), before);
}

TEST_F(SqliteRebuild, ViewDroppedAndRecreatedAroundTheRebuildIsFine) {
  strata::migrator<strata::sqlite> m{strata::history<dependents::create, dependents::drop_sensor>{}, db};
  m.upgrade();
  EXPECT_EQ(column_names(db, "readings"), (std::vector<std::string>{"id", "celsius", "raw"}));
  EXPECT_EQ(scalar(db, "SELECT celsius FROM v_celsius"), "21.5");
  db.exec("INSERT INTO readings (celsius, raw) VALUES (3, x'02')");
  EXPECT_EQ(scalar(db, "SELECT group_concat(message) FROM log"), "01,02") << "the trigger was kept";
}

// ---- tables written by hand: whatever SQLite accepts, the rebuild reproduces -------------------------

namespace hand_written {
struct create : strata::revision<"b30000000001", strata::base> {
  static constexpr std::string_view message = "hand-written tables";
  static constexpr void upgrade(strata::ops& op) {
    op.execute(R"sql(
      CREATE TABLE [node tree] (
        `id` INTEGER PRIMARY KEY,          -- a comment, with a comma, and a ) parenthesis
        parent INTEGER REFERENCES [node tree] (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
        label TEXT COLLATE NOCASE NOT NULL ON CONFLICT ABORT CONSTRAINT "uq label" UNIQUE,
        weight REAL DEFAULT -1.5 CHECK (weight <> 0) /* not zero */,
        doubled REAL GENERATED ALWAYS AS (weight * 2) VIRTUAL,
        tripled REAL AS (weight * 3) STORED,
        kind TEXT DEFAULT 'it''s' CHECK (kind IN ('it''s', 'leaf', 'root')),
        payload BLOB DEFAULT x'00ff',
        CONSTRAINT "ck weight" CHECK (weight < 1000)
      );
      CREATE TABLE pairs (a INTEGER NOT NULL, b TEXT NOT NULL, c ANY, PRIMARY KEY (a, b)) WITHOUT ROWID, STRICT;
      INSERT INTO [node tree] (id, parent, label, weight, kind) VALUES (1, NULL, 'Root', 10, 'root'), (2, 1, 'a', 2.5, 'leaf'), (3, 1, 'b', NULL, 'it''s');
      INSERT INTO pairs VALUES (1, 'x', 1), (1, 'y', 'text'), (2, 'x', x'01');
    )sql");
  }
  static constexpr void downgrade(strata::ops& op) { op.execute("DROP TABLE pairs; DROP TABLE [node tree]"); }
};
struct alter : strata::revision<"b30000000002", "b30000000001"> {
  static constexpr std::string_view message = "alter them";
  static constexpr void upgrade(strata::ops& op) {
    op.alter_column("node tree", "kind", {.nullable = false, .server_default = "'leaf'"});
    op.alter_column("pairs", "c", {.type = strata::sql_type("INTEGER")});
  }
  static constexpr void downgrade(strata::ops&) {}
};
using history = strata::history<create, alter>;
}  // namespace hand_written
// Its tables are made by hand-written SQL, which the compiler's replay does not read: not reviewed.
template <>
inline constexpr strata::review_policy strata::review_policy_for<hand_written::history> = strata::policy::unchecked;

TEST_F(SqliteRebuild, HandWrittenTableSqlSurvives) {
  strata::migrator<strata::sqlite> m{hand_written::history{}, db};
  m.upgrade("b30000000001");
  db.exec("DELETE FROM pairs WHERE c = 'text' OR typeof(c) = 'blob'");
  const auto tree = dump(db, "node tree", "id");
  const auto tree_schema = table_snapshot(db, "node tree");
  m.upgrade();

  EXPECT_EQ(dump(db, "node tree", "id"), tree);
  auto expected = tree_schema;
  const std::string kind_before = "column 6 kind TEXT 0 'it''s' 0 0";
  ASSERT_NE(expected.find(kind_before), std::string::npos) << expected;
  expected.replace(expected.find(kind_before), kind_before.size(), "column 6 kind TEXT 1 'leaf' 0 0");
  EXPECT_EQ(table_snapshot(db, "node tree"), expected);
  const auto sql = object_sql(db, "table", "node tree");
  EXPECT_EQ(sql.find("-- a comment"), std::string::npos) << "comments between elements go, the definitions stay: " << sql;
  EXPECT_NE(sql.find("DEFERRABLE INITIALLY DEFERRED"), std::string::npos) << sql;
  EXPECT_NE(sql.find("ON CONFLICT ABORT"), std::string::npos) << sql;

  EXPECT_NE(sql_error(db, "INSERT INTO [node tree] (id, label) VALUES (9, 'ROOT')"), std::nullopt) << "UNIQUE with COLLATE NOCASE";
  EXPECT_NE(sql_error(db, "INSERT INTO [node tree] (id, label, weight) VALUES (9, 'z', 0)"), std::nullopt) << "column CHECK";
  EXPECT_NE(sql_error(db, "INSERT INTO [node tree] (id, label, weight) VALUES (9, 'z', 5000)"), std::nullopt) << "named CHECK";
  EXPECT_NE(sql_error(db, "INSERT INTO [node tree] (id, label, kind) VALUES (9, 'z', 'branch')"), std::nullopt) << "CHECK with a quote";
  EXPECT_NE(sql_error(db, "INSERT INTO [node tree] (id, label, kind) VALUES (9, 'z', NULL)"), std::nullopt) << "the new NOT NULL";
  db.exec("INSERT INTO [node tree] (id, parent, label, weight) VALUES (9, 2, 'z', 4)");
  EXPECT_EQ(rows(db, "SELECT doubled, tripled, kind, hex(payload), weight FROM [node tree] WHERE id = 9").at(0),
            (std::vector<std::optional<std::string>>{"8.0", "12.0", "leaf", "00FF", "4.0"}));
  db.exec("INSERT INTO [node tree] (id, label) VALUES (10, 'w')");
  EXPECT_EQ(scalar(db, "SELECT weight FROM [node tree] WHERE id = 10"), "-1.5");
  EXPECT_NE(sql_error(db, "INSERT INTO [node tree] (id, parent, label) VALUES (11, 99, 'orphan')"), std::nullopt) << "self reference";
  db.exec("DELETE FROM [node tree] WHERE id = 2");
  EXPECT_EQ(scalar(db, "SELECT parent FROM [node tree] WHERE id = 9"), "NULL") << "ON DELETE SET NULL on itself";

  const auto pairs_sql = object_sql(db, "table", "pairs");
  EXPECT_NE(pairs_sql.find("WITHOUT ROWID, STRICT"), std::string::npos) << pairs_sql;
  EXPECT_EQ(find_column(db, "pairs", "c")->type, "INTEGER");
  EXPECT_EQ(dump(db, "pairs", "a, b"), "1:1|3:x|1:1\n");
  EXPECT_NE(sql_error(db, "INSERT INTO pairs VALUES (3, 'z', 'not an integer')"), std::nullopt) << "still STRICT";
  EXPECT_NE(sql_error(db, "INSERT INTO pairs VALUES (1, 'x', 2)"), std::nullopt) << "still keyed on (a, b)";
  EXPECT_EQ(scalar(db, "PRAGMA integrity_check"), "ok");
}

namespace partial_index {
struct create : strata::revision<"b40000000001", strata::base> {
  static constexpr std::string_view message = "tasks";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("tasks", {column("id", strata::integer).primary_key(), column("title", strata::text), column("done", strata::boolean)});
    op.create_index("ix_tasks_open", "tasks", {"title"}, {.where = "done = 0"});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("tasks"); }
};
struct drop_done : strata::revision<"b40000000002", "b40000000001"> {
  static constexpr std::string_view message = "drop done";
  static constexpr void upgrade(strata::ops& op) { op.drop_column("tasks", "done"); }
  static constexpr void downgrade(strata::ops& op) { op.add_column("tasks", column("done", strata::boolean)); }
};
}  // namespace partial_index

TEST_F(SqliteRebuild, DroppingAColumnAPartialIndexFiltersOnFailsAndNamesTheIndex) {
  strata::migrator<strata::sqlite> m{strata::history<partial_index::create, partial_index::drop_done>{}, db};
  m.upgrade("b40000000001");
  const auto before = schema_snapshot(db);
  try {
    m.upgrade();
    FAIL() << "ix_tasks_open filters on done";
  } catch (const strata::migration_failed& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("index 'ix_tasks_open' no longer works after the rebuild of 'tasks'"), std::string::npos) << what;
    EXPECT_NE(what.find("no such column: done"), std::string::npos) << what;
  }
  EXPECT_EQ(schema_snapshot(db), before);
}
