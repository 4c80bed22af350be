// The dialect conformance suite: what every dialect must do, run on each dialect's test backend
// (support/backends/<dialect>.hpp), as golang-migrate's database/testing runs on every driver.
// A new dialect passes when every test here passes on its backend: each operation, transactions
// (a failing unit leaves every row and the version table as they were), the migration lock,
// inspection (objects(), drop_objects()), ExecutesSql, and provisioning (test databases, copies of
// a template, snapshots, the clone pool and the template it serves). What a test checks is read back
// through the database's own client (the backend), never through the dialect under test; only the
// provisioning tests, whose databases are not the backend's, read theirs through a data migration
// (op.run), the one way of reading every dialect has.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <latch>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <strata/strata.hpp>
#include <strata/testing/clone_pool.hpp>
#include <strata/testing/database_template.hpp>

#include "support/databases.hpp"

namespace {

using strata::column;
using strings = std::vector<std::string>;
using strata_test::table_rows;

template <class B>
using dialect_of = typename B::dialect;
template <class B>
using provisioner_of = typename B::dialect::provisioner;

bool contains(const strings& list, std::string_view item) { return std::find(list.begin(), list.end(), item) != list.end(); }

template <class B>
class DialectConformance : public ::testing::Test {
 protected:
  void SetUp() override { strata_test::open_backend(db_); }

  B& db() { return *db_; }

  // The operations as one unit of work, as the migrator runs a revision.
  void apply(const strata::ops& recorded) {
    auto d = db().open();
    const strata::unit_of_work unit{"conformance", recorded.operations(), true, "alembic_version"};
    d.transaction(unit, [&] { d.apply(unit.operations); });
  }

  // Whether the backend's own client refuses a statement.
  bool refuses(const std::string& sql) {
    try {
      db().execute(sql);
      return false;
    } catch (const std::exception&) {
      return true;
    }
  }

  std::string count(const std::string& table) { return db().scalar("SELECT count(*) FROM " + table); }

  // conf_items (id, name NOT NULL, note) with one row.
  void make_items() {
    strata::ops op;
    op.create_table("conf_items", {column("id", strata::integer).primary_key(), column("name", strata::varchar(20)).not_null(),
                                   column("note", strata::text)});
    apply(op);
    db().execute("INSERT INTO conf_items (name, note) VALUES ('first', 'a note')");
  }

  std::optional<B> db_;
};
TYPED_TEST_SUITE(DialectConformance, strata_test::backends);

TEST(DialectConformanceBackends, EveryBackendIsBuilt) { strata_test::expect_every_backend_built(); }

// ---- Operations --------------------------------------------------------------------------------------

TYPED_TEST(DialectConformance, CreateTable) {
  this->make_items();
  EXPECT_EQ(this->db().tables(), strings{"conf_items"});
  EXPECT_EQ(this->db().columns("conf_items"), (strings{"id", "name", "note"}));
  EXPECT_TRUE(this->refuses("INSERT INTO conf_items (name) VALUES (NULL)"));  // NOT NULL
  EXPECT_TRUE(this->refuses("INSERT INTO conf_items (id, name) VALUES (1, 'twice')"));  // the first row has id 1: PRIMARY KEY
  this->db().execute("INSERT INTO conf_items (name) VALUES ('second')");  // an integer key the database fills (not always 2:
  EXPECT_EQ(this->db().rows("SELECT name FROM conf_items ORDER BY id"), (table_rows{{"first"}, {"second"}}));  // a sequence skips)
  EXPECT_EQ(this->db().scalar("SELECT count(DISTINCT id) FROM conf_items"), "2");
}

TYPED_TEST(DialectConformance, DropTable) {
  this->make_items();
  strata::ops op;
  op.drop_table("conf_items");
  this->apply(op);
  EXPECT_EQ(this->db().tables(), strings{});
}

TYPED_TEST(DialectConformance, RenameTableKeepsItsRows) {
  this->make_items();
  strata::ops op;
  op.rename_table("conf_items", "conf_renamed");
  this->apply(op);
  EXPECT_EQ(this->db().tables(), strings{"conf_renamed"});
  EXPECT_EQ(this->db().rows("SELECT name, note FROM conf_renamed"), (table_rows{{"first", "a note"}}));
}

TYPED_TEST(DialectConformance, AddColumnWithADefaultFillsTheRows) {
  this->make_items();
  strata::ops op;
  op.add_column("conf_items", column("qty", strata::integer).not_null().server_default("7"));
  this->apply(op);
  EXPECT_EQ(this->db().columns("conf_items"), (strings{"id", "name", "note", "qty"}));
  EXPECT_EQ(this->db().rows("SELECT name, qty FROM conf_items"), (table_rows{{"first", "7"}}));
}

TYPED_TEST(DialectConformance, DropColumnKeepsTheOthers) {
  this->make_items();
  strata::ops op;
  op.drop_column("conf_items", "note");
  this->apply(op);
  EXPECT_EQ(this->db().columns("conf_items"), (strings{"id", "name"}));
  EXPECT_EQ(this->db().rows("SELECT id, name FROM conf_items"), (table_rows{{"1", "first"}}));
}

TYPED_TEST(DialectConformance, RenameColumnKeepsItsValues) {
  this->make_items();
  strata::ops op;
  op.rename_column("conf_items", "note", "remark");
  this->apply(op);
  EXPECT_EQ(this->db().columns("conf_items"), (strings{"id", "name", "remark"}));
  EXPECT_EQ(this->db().rows("SELECT remark FROM conf_items"), (table_rows{{"a note"}}));
}

TYPED_TEST(DialectConformance, AlterColumnNullabilityDefaultAndType) {
  this->make_items();
  const auto type_before = this->db().layout("conf_items").at(1).type;
  {
    strata::ops op;
    op.alter_column("conf_items", "note", {.nullable = false});
    op.alter_column("conf_items", "note", {.server_default = "'none'"});
    op.alter_column("conf_items", "name", {.type = strata::varchar(50)});
    this->apply(op);
  }
  const auto layout = this->db().layout("conf_items");
  EXPECT_TRUE(layout.at(2).not_null);
  EXPECT_TRUE(layout.at(2).default_sql.has_value());
  EXPECT_NE(layout.at(1).type, type_before);
  EXPECT_NE(layout.at(1).type.find("50"), std::string::npos) << layout.at(1).type;
  EXPECT_TRUE(this->refuses("INSERT INTO conf_items (name, note) VALUES ('x', NULL)"));
  this->db().execute("INSERT INTO conf_items (name) VALUES ('defaulted')");
  EXPECT_EQ(this->db().rows("SELECT name, note FROM conf_items ORDER BY id"), (table_rows{{"first", "a note"}, {"defaulted", "none"}}));
  {
    strata::ops op;
    op.alter_column("conf_items", "note", {.nullable = true, .drop_default = true});
    this->apply(op);
  }
  this->db().execute("INSERT INTO conf_items (name) VALUES ('no default')");
  EXPECT_EQ(this->db().rows("SELECT note FROM conf_items WHERE name = 'no default'"), (table_rows{{std::nullopt}}));
}

TYPED_TEST(DialectConformance, AddAndDropConstraints) {
  this->make_items();
  {
    strata::ops op;
    op.create_table("conf_parents", {column("id", strata::integer).primary_key()});
    op.add_column("conf_items", column("parent_id", strata::integer));
    op.add_column("conf_items", column("qty", strata::integer));
    op.add_constraint("conf_items", strata::unique("uq_conf_items_name", {"name"}));
    op.add_constraint("conf_items", strata::check("ck_conf_items_qty", "qty > 0"));
    op.add_constraint("conf_items", strata::foreign_key("fk_conf_items_parent", {"parent_id"}, "conf_parents", {"id"}));
    this->apply(op);
  }
  EXPECT_TRUE(this->refuses("INSERT INTO conf_items (name) VALUES ('first')"));           // unique
  EXPECT_TRUE(this->refuses("INSERT INTO conf_items (name, qty) VALUES ('q', -1)"));      // check
  EXPECT_TRUE(this->refuses("INSERT INTO conf_items (name, parent_id) VALUES ('p', 42)"));  // foreign key
  EXPECT_EQ(this->count("conf_items"), "1");
  {
    strata::ops op;
    op.drop_constraint("conf_items", "uq_conf_items_name");
    op.drop_constraint("conf_items", "ck_conf_items_qty");
    op.drop_constraint("conf_items", "fk_conf_items_parent");
    this->apply(op);
  }
  this->db().execute("INSERT INTO conf_items (name) VALUES ('first')");
  this->db().execute("INSERT INTO conf_items (name, qty) VALUES ('q', -1)");
  this->db().execute("INSERT INTO conf_items (name, parent_id) VALUES ('p', 42)");
  EXPECT_EQ(this->count("conf_items"), "4");
}

TYPED_TEST(DialectConformance, CreateAndDropIndexes) {
  this->make_items();
  {
    strata::ops op;
    op.create_index("ix_conf_items_note", "conf_items", {"note"});
    op.create_index("ix_conf_items_name", "conf_items", {"name"}, {.unique = true, .where = "note IS NOT NULL"});
    this->apply(op);
  }
  EXPECT_EQ(this->db().indexes(), (strings{"ix_conf_items_name", "ix_conf_items_note"}));
  EXPECT_TRUE(this->refuses("INSERT INTO conf_items (name, note) VALUES ('first', 'x')"));  // unique where note is set
  this->db().execute("INSERT INTO conf_items (name) VALUES ('first')");                     // not in the partial index
  {
    strata::ops op;
    op.drop_index("ix_conf_items_name", "conf_items");
    op.drop_index("ix_conf_items_note", "conf_items");
    this->apply(op);
  }
  EXPECT_EQ(this->db().indexes(), strings{});
  this->db().execute("INSERT INTO conf_items (name, note) VALUES ('first', 'x')");
}

TYPED_TEST(DialectConformance, ExecuteRunsEveryStatement) {
  this->make_items();
  strata::ops op;
  op.execute("INSERT INTO conf_items (name) VALUES ('one'); INSERT INTO conf_items (name) VALUES ('two')");
  op.execute("UPDATE conf_items SET note = 'set' WHERE name = 'two'");
  this->apply(op);
  EXPECT_EQ(this->db().rows("SELECT name, note FROM conf_items WHERE id > 1 ORDER BY id"), (table_rows{{"one", std::nullopt}, {"two", "set"}}));
}

// What the data migration below saw.
std::vector<strata::connection::row> seen_by_run;
void data_migration(strata::connection& c) {
  c.execute("INSERT INTO conf_items (name) VALUES ('from run')");
  seen_by_run = c.query("SELECT name FROM conf_items ORDER BY id");
}

TYPED_TEST(DialectConformance, RunGetsTheConnectionInsideTheUnit) {
  this->make_items();
  seen_by_run.clear();
  strata::ops op;
  op.execute("UPDATE conf_items SET name = 'updated'");
  op.run(&data_migration, "insert a row");
  this->apply(op);
  EXPECT_EQ(seen_by_run, (std::vector<strata::connection::row>{{"updated"}, {"from run"}}));  // sees what ran before it
  EXPECT_EQ(this->db().rows("SELECT name FROM conf_items ORDER BY id"), (table_rows{{"updated"}, {"from run"}}));
}

// ---- Transactions ------------------------------------------------------------------------------------

struct t1 : strata::revision<"c0f000000001", strata::base> {
  static constexpr std::string_view message = "items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("conf_items", {column("id", strata::integer).primary_key(), column("name", strata::text).not_null()});
    op.execute("INSERT INTO conf_items (name) VALUES ('kept'); INSERT INTO conf_items (name) VALUES ('kept too')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("conf_items"); }
};
struct t2_fails : strata::revision<"c0f000000002", "c0f000000001"> {
  static constexpr std::string_view message = "fails half-way";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("conf_items", column("qty", strata::integer).server_default("1"));
    op.execute("DELETE FROM conf_items WHERE name = 'kept'");
    op.create_table("conf_more", {column("id", strata::integer).primary_key()});
    op.execute("INSERT INTO conf_no_such_table (id) VALUES (1)");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("conf_more");
    op.drop_column("conf_items", "qty");
  }
};
using failing_history = strata::history<t1, t2_fails>;

TYPED_TEST(DialectConformance, AFailingRevisionLeavesEveryRowAndTheVersionTable) {
  strata::migrator<dialect_of<TypeParam>> m{failing_history{}, this->db().url()};
  m.upgrade("c0f000000001");
  const auto before = this->db().snapshot();  // the version table's rows included
  try {
    m.upgrade();
    FAIL() << "the failing revision succeeded";
  } catch (const strata::migration_failed& e) {
    EXPECT_EQ(e.revision(), "c0f000000002");
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
  EXPECT_EQ(this->db().snapshot(), before);
  EXPECT_EQ(m.current(), strings{"c0f000000001"});
}

TYPED_TEST(DialectConformance, AFailingUnitOfWorkRollsBackItsVersionRows) {
  this->make_items();
  auto d = this->db().open();
  {
    const strata::unit_of_work stamp{"stamp", {}, true, "alembic_version"};
    d.transaction(stamp, [&] { d.write_versions("alembic_version", {"c0f000000001"}); });
  }
  const auto before = this->db().snapshot();
  strata::ops op;
  op.execute("INSERT INTO conf_items (name) VALUES ('lost')");
  op.execute("INSERT INTO conf_items (name) VALUES (NULL)");
  const strata::unit_of_work unit{"c0f000000002", op.operations(), true, "alembic_version"};
  EXPECT_THROW(d.transaction(unit,
                             [&] {
                               d.apply(unit.operations);
                               d.write_versions("alembic_version", {"c0f000000002"});
                             }),
               strata::operation_failed);
  EXPECT_EQ(this->db().snapshot(), before);
  EXPECT_EQ(d.read_versions("alembic_version"), strings{"c0f000000001"});
  EXPECT_EQ(d.read_versions("conf_no_version_table"), strings{});
}

// ---- KeepsHistory: the history table ----------------------------------------------------------------

TYPED_TEST(DialectConformance, AHistoryRowIsReadBackFieldForFieldAndGoesWithItsTransaction) {
  using D = dialect_of<TypeParam>;
  if constexpr (strata::KeepsHistory<D>) {
    auto d = this->db().open();
    EXPECT_EQ(d.read_history("alembic_version"), std::vector<strata::history_record>{});
    strata::history_record r{0, "c0f000000001", "upgrade", "2026-12-02T09:30:00.123Z", 12, "started", "", "v1:0123456789abcdef",
                             "", "app 1.0", "host-1", ""};
    const strata::unit_of_work unit{"c0f000000001", {}, true, "alembic_version"};
    // Rolled back with its transaction: no row, and no table.
    EXPECT_THROW(d.transaction(unit,
                               [&] {
                                 r.id = d.write_history("alembic_version", r);
                                 throw std::runtime_error("rolled back");
                               }),
                 std::runtime_error);
    EXPECT_EQ(this->db().tables(), strings{});
    EXPECT_EQ(d.write_history("alembic_version", r), 0) << "an update of a row that is not there";
    r.id = 0;
    d.transaction(unit, [&] { r.id = d.write_history("alembic_version", r); });
    ASSERT_NE(r.id, 0);
    r.outcome = "succeeded";
    r.progress = "execute \"x\"\ncreate_index ix on t";
    r.error = "it's \"quoted\"";
    r.duration_ms = 34;
    EXPECT_EQ(d.write_history("alembic_version", r), r.id);  // outside a transaction: one of its own
    auto second = r;
    second.id = 0;
    second.direction = "downgrade";
    second.id = d.write_history("alembic_version", second);
    EXPECT_GT(second.id, r.id);
    const auto rows = d.read_history("alembic_version");
    ASSERT_EQ(rows.size(), 2u);
    auto expected = r;
    expected.database_user = rows[0].database_user;  // the dialect's to fill in
    EXPECT_EQ(rows[0], expected);
    EXPECT_EQ(rows[1].direction, "downgrade");
    EXPECT_EQ(this->db().tables(), strings{"alembic_version_history"});
    EXPECT_EQ(d.read_history("other_versions"), std::vector<strata::history_record>{});
  } else {
    GTEST_SKIP() << "the dialect keeps no history table";
  }
}

// ---- The migration lock --------------------------------------------------------------------------

TYPED_TEST(DialectConformance, AHeldLockMakesAMigratorFailWithDatabaseLocked) {
  auto holder = this->db().hold_write_lock();
  strata::migrator<dialect_of<TypeParam>> m{failing_history{}, this->db().locked_url(0.3)};
  try {
    m.upgrade("c0f000000001");
    FAIL() << "the migration ran while another connection held the lock";
  } catch (const strata::database_locked& e) {
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
  }
  holder.release();
  EXPECT_EQ(this->db().tables(), strings{});
  m.upgrade("c0f000000001");  // free again
  EXPECT_EQ(this->count("conf_items"), "2");
}

TYPED_TEST(DialectConformance, AMigratorWaitsForTheLock) {
  auto holder = this->db().hold_write_lock();
  std::atomic<bool> released{false};
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    released = true;
    holder.release();
  });
  strata::migrator<dialect_of<TypeParam>> m{failing_history{}, this->db().locked_url(30)};
  std::vector<std::string> done;
  try {
    done = m.upgrade("c0f000000001");
  } catch (const std::exception& e) {
    ADD_FAILURE() << e.what();
  }
  const bool was_released = released;
  release.join();
  EXPECT_TRUE(was_released);  // it ran only once the other connection let go
  EXPECT_EQ(done, strings{"c0f000000001"});
}

TYPED_TEST(DialectConformance, HoldMigrationLockKeepsTheLockAcrossUnits) {
  using D = dialect_of<TypeParam>;
  if constexpr (!strata::HoldsMigrationLock<D>) {
    GTEST_SKIP() << D::name << " takes its lock per unit (HoldsMigrationLock)";
  } else {
    auto d = this->db().open();
    D other(this->db().locked_url(0.2));
    const strata::unit_of_work stamp{"stamp", {}, true, "alembic_version"};
    int units = 0;
    d.hold_migration_lock("alembic_version", [&] {
      d.transaction(stamp, [&] {
        d.write_versions("alembic_version", {"c0f000000001"});
        ++units;
      });
      EXPECT_THROW(other.transaction(stamp, [] {}), strata::database_locked) << "held between two units";
      d.transaction(stamp, [&] {
        EXPECT_EQ(d.read_versions("alembic_version"), strings{"c0f000000001"});
        ++units;
      });
    });
    EXPECT_EQ(units, 2);
    other.transaction(stamp, [] {});  // released after
    // Also when the body throws.
    EXPECT_THROW(d.hold_migration_lock("alembic_version", [] { throw std::runtime_error("stop"); }), std::runtime_error);
    other.transaction(stamp, [] {});
  }
}

// ---- Inspection ----------------------------------------------------------------------------------

TYPED_TEST(DialectConformance, ObjectsListsEveryObjectDependentsFirst) {
  strata::ops op;
  op.create_table("conf_owners", {column("id", strata::integer).primary_key(), column("label", strata::text)});
  op.create_table("conf_pets", {column("id", strata::integer).primary_key(),
                                    column("owner_id", strata::integer).references("conf_owners", "id")});
  op.create_index("ix_conf_pets_owner", "conf_pets", {"owner_id"});
  op.execute("CREATE VIEW conf_names AS SELECT label FROM conf_owners");
  this->apply(op);
  auto d = this->db().open();
  {
    const strata::unit_of_work stamp{"stamp", {}, true, "alembic_version"};
    d.transaction(stamp, [&] { d.write_versions("alembic_version", {"c0f000000001"}); });
  }
  const auto objects = d.objects();
  auto at = [&](std::string_view type, std::string_view name) -> std::ptrdiff_t {
    for (std::size_t i = 0; i < objects.size(); ++i)
      if (objects[i].type == type && objects[i].name == name) return static_cast<std::ptrdiff_t>(i);
    ADD_FAILURE() << "objects() lacks " << type << " " << name;
    return -1;
  };
  const auto parents = at("table", "conf_owners"), children = at("table", "conf_pets"), index = at("index", "ix_conf_pets_owner"),
             view = at("view", "conf_names"), versions = at("table", "alembic_version");
  ASSERT_TRUE(parents >= 0 && children >= 0 && index >= 0 && view >= 0 && versions >= 0);
  EXPECT_EQ(objects.size(), 5U);
  EXPECT_LT(children, parents);  // a table before the tables it references (not their names' order)
  EXPECT_LT(index, children);
  EXPECT_LT(view, parents);
  EXPECT_EQ(objects[static_cast<std::size_t>(index)].table, "conf_pets");
  EXPECT_EQ(objects[static_cast<std::size_t>(parents)].columns, (strings{"id", "label"}));

  // A list that cannot be dropped whole drops nothing.
  auto with_unknown = objects;
  with_unknown.push_back({"no such kind", "conf_x", "", {}});
  EXPECT_THROW(d.drop_objects(with_unknown, "alembic_version"), strata::operation_failed);
  EXPECT_EQ(this->db().tables().size(), 3U);

  d.drop_objects(objects, "alembic_version");
  EXPECT_TRUE(d.objects().empty());
  EXPECT_EQ(this->db().tables(), strings{});
}

// ---- ExecutesSql ---------------------------------------------------------------------------------

TYPED_TEST(DialectConformance, ExecuteAndTheTestTransaction) {
  auto d = this->db().open();
  d.execute("CREATE TABLE conf_t (n INTEGER); INSERT INTO conf_t (n) VALUES (1)");
  EXPECT_EQ(this->count("conf_t"), "1");
  EXPECT_THROW(d.execute("INSERT INTO conf_no_such_table (n) VALUES (1)"), strata::operation_failed);
  for (int round = 0; round < 2; ++round) {
    d.begin_test_transaction();
    d.execute("INSERT INTO conf_t (n) VALUES (2); DELETE FROM conf_t WHERE n = 1");
    d.rollback_test_transaction();
    EXPECT_EQ(this->db().rows("SELECT n FROM conf_t"), (table_rows{{"1"}}));
  }
  // A failed statement inside the test transaction is undone with it.
  d.begin_test_transaction();
  d.execute("INSERT INTO conf_t (n) VALUES (3)");
  EXPECT_THROW(d.execute("INSERT INTO conf_no_such_table (n) VALUES (1)"), strata::operation_failed);
  d.rollback_test_transaction();
  d.execute("INSERT INTO conf_t (n) VALUES (4)");  // usable as before, and committing on its own
  EXPECT_EQ(this->db().rows("SELECT n FROM conf_t ORDER BY n"), (table_rows{{"1"}, {"4"}}));
}

// ---- Provisioning ----------------------------------------------------------------------------------

// The first value of a query, read through a data migration (op.run): the one way to read that
// every dialect has.
thread_local std::string query_sql, query_result;
template <class D>
std::string first_value(D& d, std::string sql) {
  query_sql = std::move(sql);
  strata::ops op;
  op.run(+[](strata::connection& c) { query_result = c.query(query_sql).at(0).at(0).value_or("NULL"); }, "read");
  const strata::unit_of_work unit{"read", op.operations(), true, "alembic_version"};
  d.transaction(unit, [&] { d.apply(unit.operations); });
  return query_result;
}

// A name of this test's own on the provisioner's place.
template <class P>
std::string own_name(const P& p, std::string_view what) {
  return "strata_conf_" + p.session() + "_" + std::string(what);
}

TYPED_TEST(DialectConformance, ProvisionerCreatesOpensListsAndDropsADatabase) {
  using D = dialect_of<TypeParam>;
  provisioner_of<TypeParam> p;
  const auto session = p.session();
  ASSERT_FALSE(session.empty());
  EXPECT_EQ(session.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"), std::string::npos) << session;
  EXPECT_TRUE(p.alive(session));
  EXPECT_FALSE(p.alive("999999999"));  // beyond any process id
  const auto name = own_name(p, "a");
  p.drop(name);  // none: no error
  p.create(name);
  EXPECT_TRUE(contains(p.list("strata_conf_" + session + "_"), name));
  EXPECT_THROW(p.create(name), strata::error);
  {
    D d = p.open(name);
    EXPECT_TRUE(d.objects().empty());
    d.execute("CREATE TABLE conf_t (n INTEGER); INSERT INTO conf_t (n) VALUES (5)");
    D other(p.url(name));  // the URL opens the same database
    EXPECT_EQ(other.objects().size(), 1U);
  }
  p.drop(name);
  EXPECT_FALSE(contains(p.list("strata_conf_" + session + "_"), name));
  p.drop(name);
}

TYPED_TEST(DialectConformance, ProvisionerCopiesATemplate) {
  using D = dialect_of<TypeParam>;
  provisioner_of<TypeParam> p;
  const auto source = own_name(p, "tpl"), copy = own_name(p, "copy"), renamed = own_name(p, "renamed"), again = own_name(p, "again");
  for (const auto& n : {source, copy, renamed, again}) p.drop(n);
  p.create(source);
  {
    D d = p.open(source);
    d.execute("CREATE TABLE conf_t (n INTEGER); INSERT INTO conf_t (n) VALUES (1)");
  }
  p.mark_template(source);
  const auto identity = p.identity(source);
  EXPECT_FALSE(identity.empty());
  EXPECT_EQ(p.identity(source), identity);
  p.copy(source, copy);
  {
    D d = p.open(copy);
    EXPECT_EQ(first_value(d, "SELECT count(*) FROM conf_t"), "1");
    d.execute("INSERT INTO conf_t (n) VALUES (2)");
  }
  p.copy(source, again);
  {
    D d = p.open(again);
    EXPECT_EQ(first_value(d, "SELECT count(*) FROM conf_t"), "1");  // the source is as it was
  }
  p.rename(copy, renamed);
  EXPECT_THROW(p.rename(copy, own_name(p, "gone")), strata::error);  // taken already
  EXPECT_FALSE(contains(p.list(own_name(p, "")), copy));
  EXPECT_TRUE(contains(p.list(own_name(p, "")), renamed));
  {
    D d = p.open(renamed);
    EXPECT_EQ(first_value(d, "SELECT count(*) FROM conf_t"), "2");
  }
  EXPECT_FALSE(p.note(source).has_value());
  p.note(source, "strata::testing template; last used 2024-01-02");
  EXPECT_EQ(p.note(source), "strata::testing template; last used 2024-01-02");
  p.drop(source);  // a template too
  p.create(source);
  EXPECT_NE(p.identity(source), identity);  // made anew
  for (const auto& n : {source, renamed, again}) p.drop(n);
  EXPECT_EQ(p.list(own_name(p, "")), strings{});
  // A template another process dropped cannot be noted as used (strata::testing then builds it again).
  EXPECT_THROW(p.note(source, "strata::testing template; last used 2024-01-03"), strata::error);
}

// Test processes running side by side may drop the same template at once (the housekeeping of an
// unused one): neither fails, and it is gone. PostgreSQL refuses one of two concurrent updates of a
// database's catalog row ("tuple concurrently updated"), which drop() takes again.
TYPED_TEST(DialectConformance, ATemplateDroppedByTwoSessionsAtOnceIsGoneWithoutAnError) {
  provisioner_of<TypeParam> p, other;
  const auto name = own_name(p, "twice");
  for (int round = 0; round < 20; ++round) {
    p.drop(name);
    p.create(name);
    p.mark_template(name);
    std::latch start(2);
    std::string failure;
    std::mutex failure_mutex;
    auto drop = [&](provisioner_of<TypeParam>& by) {
      start.arrive_and_wait();
      try {
        by.drop(name);
      } catch (const std::exception& e) {
        const std::lock_guard lock(failure_mutex);
        failure = e.what();
      }
    };
    std::thread a(drop, std::ref(p)), b(drop, std::ref(other));
    a.join();
    b.join();
    ASSERT_EQ(failure, "") << "round " << round;
    ASSERT_FALSE(contains(p.list(own_name(p, "")), name)) << "round " << round;
  }
}

TYPED_TEST(DialectConformance, ProvisionerLocksAcrossSessions) {
  provisioner_of<TypeParam> p, other;
  const auto key = "strata::conformance:" + p.session();
  ASSERT_TRUE(p.try_lock(key));
  EXPECT_FALSE(other.try_lock(key));
  p.unlock(key);
  EXPECT_TRUE(other.try_lock(key));
  EXPECT_FALSE(p.try_lock(key));
  other.unlock(key);
}

TYPED_TEST(DialectConformance, SnapshotsRoundTrip) {
  using D = dialect_of<TypeParam>;
  if constexpr (!strata::SnapshotsDatabases<D>) {
    GTEST_SKIP() << D::name << " does not snapshot databases (SnapshotsDatabases)";
  } else {
    using P = provisioner_of<TypeParam>;
    D empty = P::open_snapshot({});
    EXPECT_TRUE(empty.objects().empty());
    empty.execute("CREATE TABLE conf_t (n INTEGER); INSERT INTO conf_t (n) VALUES (1)");
    const auto image = P::snapshot(empty);
    ASSERT_FALSE(image.empty());
    D copy = P::open_snapshot(image);
    EXPECT_EQ(first_value(copy, "SELECT count(*) FROM conf_t"), "1");
    copy.execute("DELETE FROM conf_t");  // a copy of its own
    P p;
    const auto name = own_name(p, "snapshot");
    p.drop(name);
    p.write(name, image);
    {
      D d = p.open(name);
      EXPECT_EQ(first_value(d, "SELECT count(*) FROM conf_t"), "1");
      D other(p.url(name));
      EXPECT_EQ(first_value(other, "SELECT n FROM conf_t"), "1");
    }
    D again = P::open_snapshot(image);  // the image is unchanged by the copies
    EXPECT_EQ(first_value(again, "SELECT count(*) FROM conf_t"), "1");
    p.drop(name);
  }
}

// What test processes that were killed left (clones and STRATA_MIGRATION_TESTS' databases of
// sessions that are gone, spares of templates that are gone) is dropped; what live sessions have is not.
TYPED_TEST(DialectConformance, OrphansOfGoneSessionsAreDropped) {
  provisioner_of<TypeParam> p;
  const std::string gone_clone = "strata_clone_999999999_0", gone_empty = "strata_mt_999999999_0",
                    gone_spare = "strata_spare_4000000001_1_0", live = "strata_clone_" + p.session() + "_999";
  for (const auto& n : {gone_clone, gone_empty, gone_spare, live}) {
    p.drop(n);
    p.create(n);
  }
  strata::testing::detail::drop_orphans<dialect_of<TypeParam>>(p);
  EXPECT_EQ(p.list("strata_clone_999999999_"), strings{});
  EXPECT_EQ(p.list("strata_mt_999999999_"), strings{});
  EXPECT_EQ(p.list("strata_spare_4000000001_"), strings{});
  EXPECT_EQ(p.list(live), strings{live});
  p.drop(live);
}

// ---- The clone pool and the template it serves ------------------------------------------------------

struct p1 : strata::revision<"c0f100000001", strata::base> {
  static constexpr std::string_view message = "pooled items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("conf_pooled", {column("id", strata::integer).primary_key(), column("name", strata::text).not_null()});
    op.execute("INSERT INTO conf_pooled (name) VALUES ('from the template')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("conf_pooled"); }
};
using pooled_history = strata::history<p1>;

template <class D>
std::string pooled_row(D& d) {
  return first_value(d, "SELECT name FROM conf_pooled");
}

TYPED_TEST(DialectConformance, ClonePoolMakesClonesAheadAndDropsReleasedOnes) {
  using D = dialect_of<TypeParam>;
  provisioner_of<TypeParam> p;
  const auto source = own_name(p, "pool_tpl");
  p.drop(source);
  p.create(source);
  strata::migrator<D>(pooled_history{}, p.open(source)).upgrade();
  p.mark_template(source);
  {
    strata::testing::clone_pool<D> pool(source);
    pool.make_ahead(2);
    const auto prefix = pool.prefix();
    EXPECT_EQ(prefix, "strata_clone_" + pool.with_admin([](auto& admin) { return admin.session(); }) + "_");
    auto a = pool.take();
    auto b = pool.take();
    pool.settle();
    EXPECT_EQ(p.list(prefix).size(), 4U);  // a, b and two ready
    ASSERT_TRUE(a.connection && b.connection);
    EXPECT_NE(a.name, b.name);
    EXPECT_EQ(pooled_row(*a.connection), "from the template");
    a.connection.reset();
    pool.release(a.name);
    pool.settle();
    EXPECT_FALSE(contains(p.list(prefix), a.name));
    pool.make_ahead(0);  // the two ready are dropped
    EXPECT_EQ(p.list(prefix), strings{b.name});
    b.connection.reset();
    pool.release(b.name);  // no workers: dropped at once
    EXPECT_EQ(p.list(prefix), strings{});
  }
  p.drop(source);
}

// pooled_template on every dialect (database_template picks snapshot_template for SQLite): built
// once under its lock and renamed into place, noted as used today, cloned through its pool.
TYPED_TEST(DialectConformance, PooledTemplateIsBuiltOnceAndCloned) {
  using D = dialect_of<TypeParam>;
  using tpl = strata::testing::pooled_template<pooled_history, D>;
  provisioner_of<TypeParam> p;
  const auto name = tpl::name();
  EXPECT_EQ(name, (strata::testing::template_name<pooled_history, D>()));
  if (contains(p.list(name), name)) p.drop(name);  // built by this test each run
  auto& t = tpl::instance();
  t.make_ahead(0);
  {
    auto c = t.clone();
    EXPECT_TRUE(c.name().starts_with(t.clone_prefix())) << c.name();
    EXPECT_EQ(pooled_row(c.dialect()), "from the template");
    D other(c.url());
    EXPECT_EQ(pooled_row(other), "from the template");
  }
  EXPECT_TRUE(contains(p.list(name), name));
  EXPECT_EQ(p.list(name + "_building_"), strings{});
  EXPECT_EQ(p.note(name), "strata::testing template; last used " + strata::testing::detail::utc_date());
  EXPECT_EQ(t.identity(), p.identity(name));
  EXPECT_EQ(t.spare_prefix(), "strata_spare_" + t.identity() + "_");
  EXPECT_EQ(p.list(t.clone_prefix()), strings{});
  p.drop(name);
}

}  // namespace
