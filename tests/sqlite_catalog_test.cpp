// The SQLite dialect as strata::Inspectable and strata::ReportsProgress: objects() lists the schema
// in an order it can be dropped in, drop_objects() drops it in one transaction, and table rebuilds
// report their row copy to a progress listener.
#include <strata/dialect.hpp>
#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <functional>
#include <optional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "support/sqlite_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;
using strata::database_object;
using strata::referential_action;

// Names are chosen so that name order is not a drop order: a_parent <- b_child <- c_grandchild.
struct shop : strata::revision<"c20000000001", strata::base> {
  static constexpr std::string_view message = "shop";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("a_parent", {column("id", strata::integer).primary_key(), column("name", strata::text).not_null().unique()});
    op.create_table("b_child", {column("id", strata::integer).primary_key(),
                                column("parent_id", strata::integer).not_null().references("a_parent", "id", referential_action::cascade),
                                column("label", strata::text)});
    op.create_table("c_grandchild", {column("id", strata::integer).primary_key(),
                                     column("child_id", strata::integer).references("b_child", "id")});
    op.create_table("counters", {column("id", strata::integer).primary_key().auto_increment(), column("hits", strata::integer)});
    op.create_index("ix_b_child_label", "b_child", {"label"});
    op.execute("CREATE VIEW v_children AS SELECT b_child.id, a_parent.name FROM b_child JOIN a_parent ON a_parent.id = b_child.parent_id;\n"
               "CREATE TRIGGER trg_b_child_count AFTER INSERT ON b_child BEGIN INSERT INTO counters (hits) VALUES (new.id); END;");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.execute("DROP VIEW v_children");
    op.drop_table("counters");
    op.drop_table("c_grandchild");
    op.drop_table("b_child");
    op.drop_table("a_parent");
  }
};
using shop_history = strata::history<shop>;

void fill_shop(SQLite::Database& db) {
  db.exec("INSERT INTO a_parent (id, name) VALUES (1, 'one'), (2, 'two');"
          "INSERT INTO b_child (id, parent_id, label) VALUES (10, 1, 'x'), (11, 2, 'y');"
          "INSERT INTO c_grandchild (id, child_id) VALUES (100, 10), (101, 11);");
}

// Every object of the database, sqlite_* ones included: type, name, table, sql.
table_rows master(SQLite::Database& db) { return rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"); }

std::size_t position(const std::vector<database_object>& objects, const std::string& name) {
  const auto at = std::find_if(objects.begin(), objects.end(), [&](const database_object& o) { return o.name == name; });
  EXPECT_NE(at, objects.end()) << name << " is not listed";
  return static_cast<std::size_t>(at - objects.begin());
}

class SqliteCatalog : public ::testing::Test {
 protected:
  scratch_folder dir;
  SQLite::Database db = open(dir.file());
};

// ---- objects() ------------------------------------------------------------------------------------

TEST_F(SqliteCatalog, ObjectsListsEveryKindInDropOrderWithoutSqlitesOwn) {
  strata::migrator<strata::sqlite> m{shop_history{}, db};
  m.upgrade();
  fill_shop(db);
  db.exec("ANALYZE");  // creates sqlite_stat1
  ASSERT_TRUE(exists(db, "table", "sqlite_sequence"));
  ASSERT_TRUE(exists(db, "table", "sqlite_stat1"));
  ASSERT_EQ(count(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'sqlite_autoindex_%'"), 2)
      << "a_parent.name's UNIQUE and alembic_version's primary key";

  const std::vector<database_object> expected{
      {"trigger", "trg_b_child_count", "b_child", {}},
      {"view", "v_children", "", {}},
      {"index", "ix_b_child_label", "b_child", {}},
      {"table", "alembic_version", "", {"version_num"}},
      {"table", "alembic_version_history", "", {"id", "revision", "direction", "started_at", "duration_ms", "outcome", "error", "checksum",
                                                "progress", "application", "host", "database_user"}},
      {"table", "c_grandchild", "", {"id", "child_id"}},
      {"table", "b_child", "", {"id", "parent_id", "label"}},
      {"table", "a_parent", "", {"id", "name"}},
      {"table", "counters", "", {"id", "hits"}},
  };
  EXPECT_EQ(m.dialect().objects(), expected);
}

TEST_F(SqliteCatalog, ObjectsPutsReferencingTablesFirstAndSurvivesCycles) {
  // Parents have the earlier names, so that name order is wrong.
  db.exec("CREATE TABLE a_root (id INTEGER PRIMARY KEY);"
          "CREATE TABLE m_middle (id INTEGER PRIMARY KEY, root_id INTEGER REFERENCES a_root(id));"
          "CREATE TABLE z_leaf (id INTEGER PRIMARY KEY, middle_id INTEGER REFERENCES m_middle(id), "
          "  root_id INTEGER REFERENCES A_ROOT(id), self_id INTEGER REFERENCES z_leaf(id));"
          "CREATE TABLE q_loop_a (id INTEGER PRIMARY KEY, b_id INTEGER REFERENCES q_loop_b(id));"
          "CREATE TABLE q_loop_b (id INTEGER PRIMARY KEY, a_id INTEGER REFERENCES q_loop_a(id));"
          "CREATE TABLE z_user (id INTEGER PRIMARY KEY, loop_id INTEGER REFERENCES q_loop_a(id));");
  strata::sqlite dialect{db};
  const auto objects = dialect.objects();
  ASSERT_EQ(objects.size(), 6U);
  EXPECT_LT(position(objects, "z_leaf"), position(objects, "m_middle"));
  EXPECT_LT(position(objects, "m_middle"), position(objects, "a_root"));
  EXPECT_LT(position(objects, "z_user"), position(objects, "q_loop_a")) << "a table outside the cycle still goes first";
  EXPECT_LT(position(objects, "q_loop_a"), position(objects, "q_loop_b")) << "a cycle is broken in name order";
}

TEST_F(SqliteCatalog, ObjectsOfAFileThatIsNotADatabaseIsAStrataError) {
  { std::ofstream(dir.file("notes.db")) << "these are notes, not a database, and long enough to have a header page\n"; }
  SQLite::Database notes(dir.file("notes.db"), SQLite::OPEN_READWRITE);
  strata::sqlite dialect{notes};
  try {
    (void)dialect.objects();
    FAIL() << "the file is not a database";
  } catch (const strata::error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("listing the schema's objects"), std::string::npos) << what;
    EXPECT_NE(what.find("notes.db"), std::string::npos) << what;
  }
}

// ---- drop_objects() -----------------------------------------------------------------------------------

TEST_F(SqliteCatalog, DropObjectsLeavesAnEmptyDatabase) {
  strata::migrator<strata::sqlite> m{shop_history{}, db};
  m.upgrade();
  fill_shop(db);
  ASSERT_EQ(scalar(db, "SELECT seq FROM sqlite_sequence WHERE name = 'counters'"), "2") << "trg_b_child_count ran twice";

  m.dialect().drop_objects(m.dialect().objects(), "alembic_version");

  EXPECT_EQ(rows(db, "SELECT type, name FROM sqlite_master WHERE name <> 'sqlite_sequence'"), table_rows{});
  EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_sequence"), 0);
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), "1") << "switched back on";
  EXPECT_EQ(m.current(), std::vector<std::string>{});
  EXPECT_EQ(m.dialect().objects(), std::vector<database_object>{});
  // The database is reset: migrating again starts from base, AUTOINCREMENT from 1.
  m.upgrade();
  db.exec("INSERT INTO counters (hits) VALUES (7)");
  EXPECT_EQ(scalar(db, "SELECT id FROM counters"), "1");
}

TEST_F(SqliteCatalog, DropObjectsInParentFirstOrderIsNotBlockedByForeignKeys) {
  strata::migrator<strata::sqlite> m{shop_history{}, db};
  m.upgrade();
  fill_shop(db);
  // Tables parent first, then the indexes and triggers that went with them: with foreign keys on,
  // dropping a_parent would delete its rows, which c_grandchild's rows (via b_child) forbid.
  auto objects = m.dialect().objects();
  std::reverse(objects.begin(), objects.end());
  ASSERT_EQ(objects.front().name, "counters");
  ASSERT_EQ(objects.back().name, "trg_b_child_count");

  m.dialect().drop_objects(objects, "alembic_version");
  EXPECT_EQ(rows(db, "SELECT type, name FROM sqlite_master WHERE name <> 'sqlite_sequence'"), table_rows{});
  EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_sequence"), 0);
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), "1");
}

TEST_F(SqliteCatalog, DropObjectsKeepsTheSequencesOfTablesItDoesNotDrop) {
  strata::migrator<strata::sqlite> m{shop_history{}, db};
  m.upgrade();
  db.exec("CREATE TABLE log (id INTEGER PRIMARY KEY AUTOINCREMENT, line TEXT); INSERT INTO log (line) VALUES ('a'), ('b')");
  fill_shop(db);
  m.dialect().drop_objects({{"table", "counters", "", {}}}, "alembic_version");
  EXPECT_FALSE(exists(db, "table", "counters"));
  EXPECT_EQ(rows(db, "SELECT name, seq FROM sqlite_sequence"), (table_rows{{"log", "2"}}));
}

TEST_F(SqliteCatalog, DropObjectsWhileAnotherConnectionWritesIsLockedAndDropsNothing) {
  {
    strata::migrator<strata::sqlite> m{shop_history{}, dir.url()};
    m.upgrade();
  }
  fill_shop(db);
  const auto before = master(db);
  strata::sqlite dialect{dir.url() + "?timeout=0.1"};
  const auto objects = dialect.objects();
  ASSERT_EQ(objects.size(), 9U);

  SQLite::Database other(dir.file(), SQLite::OPEN_READWRITE);
  other.exec("BEGIN IMMEDIATE");
  try {
    dialect.drop_objects(objects, "alembic_version");
    FAIL() << "another connection holds the write lock";
  } catch (const strata::database_locked& e) {
    EXPECT_NE(std::string(e.what()).find("migration_lock_wait=<seconds>"), std::string::npos) << e.what();
  }
  other.exec("ROLLBACK");

  EXPECT_EQ(master(db), before);
  EXPECT_EQ(count(db, "SELECT count(*) FROM c_grandchild"), 2);
  EXPECT_EQ(scalar(dialect.database(), "PRAGMA foreign_keys"), "1") << "switched back on after the failed attempt";
  // Once the other writer is done, it goes through.
  dialect.drop_objects(objects, "alembic_version");
  EXPECT_EQ(rows(db, "SELECT name FROM sqlite_master WHERE name <> 'sqlite_sequence'"), table_rows{});
}

TEST_F(SqliteCatalog, FailingDropRollsBackEverythingAndNamesTheObject) {
  strata::migrator<strata::sqlite> m{shop_history{}, db};
  m.upgrade();
  fill_shop(db);
  const auto before = master(db);
  const auto sequence = rows(db, "SELECT * FROM sqlite_sequence");
  auto objects = m.dialect().objects();
  // After every other object: the view, listed as a table, which DROP TABLE refuses.
  ASSERT_EQ(std::erase(objects, database_object{"view", "v_children", "", {}}), 1U);
  objects.push_back({"table", "v_children", "", {}});
  try {
    m.dialect().drop_objects(objects, "alembic_version");
    FAIL() << "v_children is a view";
  } catch (const strata::operation_failed& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.operation(), "dropping table 'v_children'");
    EXPECT_NE(what.find("table 'v_children'"), std::string::npos) << what;
    EXPECT_NE(what.find("DROP VIEW"), std::string::npos) << "SQLite's own message: " << what;
    EXPECT_NE(what.find("nothing was dropped"), std::string::npos) << what;
  }
  EXPECT_EQ(master(db), before);
  EXPECT_EQ(rows(db, "SELECT * FROM sqlite_sequence"), sequence);
  EXPECT_EQ(count(db, "SELECT count(*) FROM a_parent") + count(db, "SELECT count(*) FROM b_child") +
                count(db, "SELECT count(*) FROM c_grandchild"),
            6);
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(m.current(), std::vector<std::string>{"c20000000001"});
}

TEST_F(SqliteCatalog, UnknownObjectTypeDropsNothing) {
  strata::migrator<strata::sqlite> m{shop_history{}, db};
  m.upgrade();
  const auto before = master(db);
  auto objects = m.dialect().objects();
  objects.insert(objects.begin() + 4, database_object{"sequence", "counters_seq", "", {}});
  try {
    m.dialect().drop_objects(objects, "alembic_version");
    FAIL() << "SQLite has no sequences";
  } catch (const strata::operation_failed& e) {
    EXPECT_EQ(e.operation(), "dropping sequence 'counters_seq'");
  }
  EXPECT_EQ(master(db), before);
}

// ---- progress of a rebuild ---------------------------------------------------------------------------

constexpr std::uint64_t big_rows = 50'000;

struct big_table : strata::revision<"c20000000002", strata::base> {
  static constexpr std::string_view message = "big";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("big", {column("id", strata::integer).primary_key(), column("value", strata::text)});
    op.create_index("ix_big_value", "big", {"value"});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("big"); }
};
struct big_value_required : strata::revision<"c20000000003", "c20000000002"> {
  static constexpr std::string_view message = "value is required";
  static constexpr void upgrade(strata::ops& op) { op.alter_column("big", "value", {.nullable = false}); }
  static constexpr void downgrade(strata::ops& op) { op.alter_column("big", "value", {.nullable = true}); }
};
using big_history = strata::history<big_table, big_value_required>;

struct event {
  std::string task;
  std::uint64_t done = 0;
  std::uint64_t total = 0;
  friend bool operator==(const event&, const event&) = default;
  friend std::ostream& operator<<(std::ostream& out, const event& e) { return out << e.task << " " << e.done << "/" << e.total; }
};

class SqliteProgress : public SqliteCatalog {
 protected:
  void SetUp() override {
    strata::migrator<strata::sqlite> m{big_history{}, db};
    m.upgrade("c20000000002");
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(big_rows) +
            ") INSERT INTO big (id, value) SELECT i, 'value ' || i FROM n");
    rows_before = dump(db, "big");
  }
  std::string rows_before;
};


TEST_F(SqliteProgress, RebuildReportsTheRowCopyFromZeroToTotal) {
  std::vector<event> events;
  strata::sqlite dialect{dir.url()};
  dialect.on_progress([&](const strata::progress& p) { events.push_back({std::string(p.task), p.done, p.total}); });
  strata::migrator<strata::sqlite> m{big_history{}, std::move(dialect)};  // the listener moves along
  statement_log log(m.dialect().database());

  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"c20000000003"});

  const std::string task = "rebuilding table 'big'";
  ASSERT_GE(events.size(), 3U) << "a start, at least one step of 16384 rows, an end";
  EXPECT_EQ(events.front(), (event{task, 0, big_rows}));
  EXPECT_EQ(events.back(), (event{task, big_rows, big_rows}));
  for (std::size_t i = 1; i < events.size(); ++i) {
    EXPECT_GT(events[i].done, events[i - 1].done) << events[i];
    EXPECT_EQ(events[i].total, big_rows) << events[i];
    EXPECT_EQ(events[i].task, task);
  }
  EXPECT_EQ(events[1], (event{task, 16384, big_rows}));
  EXPECT_EQ(events.size(), 5U) << "0, 16384, 32768, 49152, 50000";

  const auto copies = log.starting_with("INSERT INTO \"_strata_new_big\"");
  ASSERT_EQ(copies.size(), 1U);
  EXPECT_NE(copies[0].find("strata_progress()"), std::string::npos) << copies[0];
  EXPECT_EQ(dump(db, "big"), rows_before);
  EXPECT_TRUE(find_column(db, "big", "value")->not_null);
  EXPECT_TRUE(exists(db, "index", "ix_big_value"));
  EXPECT_NE(sql_error(m.dialect().database(), "SELECT strata_progress()"), std::nullopt) << "the function is unregistered";
}

TEST_F(SqliteProgress, WithoutAListenerTheCopyIsPlain) {
  strata::migrator<strata::sqlite> m{big_history{}, db};
  statement_log log(db);
  m.upgrade();
  const auto copies = log.starting_with("INSERT INTO \"_strata_new_big\"");
  ASSERT_EQ(copies.size(), 1U);
  EXPECT_EQ(copies[0], "INSERT INTO \"_strata_new_big\" (\"id\", \"value\") SELECT \"id\", \"value\" FROM \"big\"");
  EXPECT_EQ(dump(db, "big"), rows_before);
}

// A listener that throws at the given `done` fails the migration, which rolls back.
class SqliteThrowingListener : public SqliteProgress, public ::testing::WithParamInterface<std::uint64_t> {};

TEST_P(SqliteThrowingListener, FailsTheMigrationAndKeepsEveryRow) {
  const auto stop_at = GetParam();
  std::vector<std::uint64_t> seen;
  strata::migrator<strata::sqlite> m{big_history{}, db};
  m.dialect().on_progress([&](const strata::progress& p) {
    seen.push_back(p.done);
    if (p.done == stop_at) throw std::runtime_error("the user cancelled the rebuild");
  });
  const auto table_sql = object_sql(db, "table", "big");
  try {
    m.upgrade();
    FAIL() << "the listener threw";
  } catch (const strata::migration_failed& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.revision(), "c20000000003");
    EXPECT_NE(what.find("the user cancelled the rebuild"), std::string::npos) << what;
    EXPECT_NE(what.find("rolled back"), std::string::npos) << what;
  }
  EXPECT_EQ(seen.back(), stop_at) << "no more events after the throw";
  EXPECT_EQ(dump(db, "big"), rows_before);
  EXPECT_EQ(object_sql(db, "table", "big"), table_sql);
  EXPECT_FALSE(find_column(db, "big", "value")->not_null);
  EXPECT_EQ(count(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '_strata_%'"), 0);
  EXPECT_EQ(scalar(db, "PRAGMA foreign_keys"), "1");
  EXPECT_EQ(m.current(), std::vector<std::string>{"c20000000002"});
  EXPECT_NE(sql_error(db, "SELECT strata_progress()"), std::nullopt) << "the function is unregistered";

  // Without the throw, the same revision goes through.
  m.dialect().on_progress(nullptr);
  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"c20000000003"});
  EXPECT_EQ(dump(db, "big"), rows_before);
}

// 16384 is thrown inside SQLite's callback, 0 and 50000 around the statement.
INSTANTIATE_TEST_SUITE_P(SqliteStops, SqliteThrowingListener, ::testing::Values(0, 16384, big_rows));

}  // namespace
