// strata::manager<sqlite> on real SQLite files: check_status, upgrade and downgrade report values
// (never exceptions), also for a failing revision, a malformed URL and an unknown version row.
#include <string>
#include <type_traits>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <strata/dialect/sqlite.hpp>
#include <strata/manager.hpp>
#include <strata/strata.hpp>

#include "support/sqlite_scratch.hpp"

namespace {

using strings = std::vector<std::string>;

struct create_items : strata::revision<"a10000", strata::base> {
  static constexpr std::string_view message = "create items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {strata::column("id", strata::integer).primary_key(), strata::column("name", strata::text).not_null()});
    op.execute("INSERT INTO items (id, name) VALUES (1, 'apple'), (2, 'pear')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};

struct add_price : strata::revision<"b20000", "a10000"> {
  static constexpr std::string_view message = "add a price to items";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", strata::column("price", strata::integer)); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "price"); }
};

struct create_tags : strata::revision<"c30000", "b20000"> {
  static constexpr std::string_view message = "create tags";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("tags", {strata::column("item_id", strata::integer).not_null(), strata::column("tag", strata::text)});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("tags"); }
};

using good = strata::history<create_items, add_price, create_tags>;

// Fails on the existing rows: their price is NULL, so the rebuild's copy breaks NOT NULL.
struct require_price : strata::revision<"d40000", "c30000"> {
  static constexpr std::string_view message = "require a price";
  static constexpr void upgrade(strata::ops& op) {
    op.execute("INSERT INTO tags (item_id, tag) VALUES (1, 'fruit')");
    op.alter_column("items", "price", {.nullable = false});
  }
  static constexpr void downgrade(strata::ops& op) { op.alter_column("items", "price", {.nullable = true}); }
};

using failing_last = strata::history<create_items, add_price, create_tags, require_price>;

// Invalid SQL in the middle of a history: its first statement runs, the second fails.
struct broken_sql : strata::revision<"b2bad0", "a10000"> {
  static constexpr std::string_view message = "broken sql";
  static constexpr void upgrade(strata::ops& op) {
    op.execute("CREATE TABLE half_done (id INTEGER); INSERT INTO no_such_table VALUES (1)");
  }
  static constexpr void downgrade(strata::ops& op) { op.execute("DROP TABLE half_done"); }
};
struct after_broken : strata::revision<"c3after", "b2bad0"> {
  static constexpr std::string_view message = "after the broken one";
  static constexpr void upgrade(strata::ops& op) { op.create_table("later", {strata::column("id", strata::integer)}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("later"); }
};

using failing_middle = strata::history<create_items, broken_sql, after_broken>;

// A downgrade that fails in the middle of going to base.
struct bad_downgrade : strata::revision<"b2down", "a10000"> {
  static constexpr std::string_view message = "irreversible by accident";
  static constexpr bool irreversible = true;
  static constexpr void upgrade(strata::ops& op) { op.create_table("audit", {strata::column("id", strata::integer)}); }
  static constexpr void downgrade(strata::ops& op) { op.execute("DROP TABLE no_such_audit_table"); }
};
struct on_top : strata::revision<"c3down", "b2down"> {
  static constexpr std::string_view message = "on top";
  static constexpr void upgrade(strata::ops& op) { op.create_table("notes", {strata::column("id", strata::integer)}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("notes"); }
};

using failing_downgrade = strata::history<create_items, bad_downgrade, on_top>;

// Value-returning calls: the promise is in the signature too.
static_assert(noexcept(std::declval<strata::manager<strata::sqlite>&>().check_status()));
static_assert(noexcept(std::declval<strata::manager<strata::sqlite>&>().upgrade()));
static_assert(noexcept(std::declval<strata::manager<strata::sqlite>&>().downgrade("base")));

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

class Manager : public ::testing::Test {
 protected:
  [[nodiscard]] std::string url() const { return scratch_.url("db.sqlite"); }
  [[nodiscard]] std::string file() const { return scratch_.file("db.sqlite"); }

  // Read back through SQLiteCpp, never through strata.
  [[nodiscard]] strings version_rows(const std::string& table = "alembic_version") const {
    SQLite::Database db(file());
    strings out;
    if (!db.tableExists(table)) return out;
    SQLite::Statement q(db, "SELECT version_num FROM \"" + table + "\" ORDER BY version_num");
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
  }
  [[nodiscard]] bool has_table(const std::string& name) const {
    SQLite::Database db(file());
    return db.tableExists(name);
  }
  [[nodiscard]] std::string items() const {
    SQLite::Database db(file());
    return strata_test::dump(db, "items");
  }
  [[nodiscard]] std::string schema() const {
    SQLite::Database db(file());
    return strata_test::schema_snapshot(db);
  }

  strata_test::scratch_folder scratch_;
};

TEST_F(Manager, StatusAtBase) {
  strata::manager<strata::sqlite> m{good{}, url()};
  const auto s = m.check_status();
  EXPECT_TRUE(s.ok) << s.error;
  EXPECT_EQ(s.error, "");
  EXPECT_EQ(s.current, strings{});
  EXPECT_EQ(s.heads, strings{"c30000"});
  EXPECT_EQ(s.pending, (strings{"a10000", "b20000", "c30000"}));
  EXPECT_TRUE(s.needs_upgrade);
  EXPECT_EQ(s.location, url());  // no password to mask in a SQLite URL
  EXPECT_EQ(s.location, m.migrator().dialect().location());
  EXPECT_FALSE(has_table("items"));  // looking changes nothing
}

TEST_F(Manager, StatusAfterUpgradeAndFromASecondManager) {
  strata::manager<strata::sqlite> m{good{}, url()};
  ASSERT_TRUE(m.upgrade().ok);
  auto s = m.check_status();
  EXPECT_TRUE(s.ok) << s.error;
  EXPECT_EQ(s.current, strings{"c30000"});
  EXPECT_EQ(s.pending, strings{});
  EXPECT_FALSE(s.needs_upgrade);

  strata::manager<strata::sqlite> other{good{}, url()};
  ASSERT_TRUE(other.downgrade("a10000").ok);
  s = m.check_status();  // the first manager reads the database again
  EXPECT_TRUE(s.ok) << s.error;
  EXPECT_EQ(s.current, strings{"a10000"});
  EXPECT_EQ(s.pending, (strings{"b20000", "c30000"}));
  EXPECT_TRUE(s.needs_upgrade);
}

TEST_F(Manager, UpgradeResult) {
  strata::manager<strata::sqlite> m{good{}, url()};
  auto r = m.upgrade();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.from, strings{});
  EXPECT_EQ(r.to, strings{"c30000"});
  EXPECT_EQ(r.applied, (strings{"a10000", "b20000", "c30000"}));
  EXPECT_EQ(version_rows(), strings{"c30000"});
  EXPECT_TRUE(has_table("tags"));
  EXPECT_EQ(items(), "1:1|3:apple|NULL\n1:2|3:pear|NULL\n");

  r = m.upgrade();  // nothing left to do
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.from, strings{"c30000"});
  EXPECT_EQ(r.to, strings{"c30000"});
  EXPECT_EQ(r.applied, strings{});
}

TEST_F(Manager, UpgradeToATargetThenToHead) {
  strata::manager<strata::sqlite> m{good{}, url()};
  auto r = m.upgrade("a10000");
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.applied, strings{"a10000"});
  EXPECT_EQ(r.to, strings{"a10000"});
  r = m.upgrade();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.from, strings{"a10000"});
  EXPECT_EQ(r.applied, (strings{"b20000", "c30000"}));
  EXPECT_EQ(r.to, strings{"c30000"});
  EXPECT_EQ(version_rows(), strings{"c30000"});
}

TEST_F(Manager, DowngradeToBaseResult) {
  strata::manager<strata::sqlite> m{good{}, url()};
  ASSERT_TRUE(m.upgrade().ok);
  const auto r = m.downgrade("base");
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.from, strings{"c30000"});
  EXPECT_EQ(r.to, strings{});
  EXPECT_EQ(r.applied, (strings{"c30000", "b20000", "a10000"}));
  EXPECT_EQ(version_rows(), strings{});
  EXPECT_FALSE(has_table("items"));
  EXPECT_FALSE(has_table("tags"));
  EXPECT_TRUE(m.check_status().needs_upgrade);
}

TEST_F(Manager, DowngradeToARevisionResult) {
  strata::manager<strata::sqlite> m{good{}, url()};
  ASSERT_TRUE(m.upgrade().ok);
  const auto r = m.downgrade("a10000");
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.from, strings{"c30000"});
  EXPECT_EQ(r.to, strings{"a10000"});
  EXPECT_EQ(r.applied, (strings{"c30000", "b20000"}));
  EXPECT_EQ(items(), "1:1|3:apple\n1:2|3:pear\n");  // price dropped, rows kept
}

TEST_F(Manager, AFailingRevisionStopsWhereItFailedWithoutThrowing) {
  strata::manager<strata::sqlite> m{failing_last{}, url()};
  const auto r = m.upgrade();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.error, "d40000")) << r.error;
  EXPECT_FALSE(contains(r.error, "\n")) << r.error;
  EXPECT_EQ(r.from, strings{});
  EXPECT_EQ(r.applied, (strings{"a10000", "b20000", "c30000"}));  // what finished before it
  EXPECT_EQ(r.to, strings{"c30000"});
  // d40000 was rolled back whole: its insert too, and the rows are as they were.
  EXPECT_EQ(version_rows(), strings{"c30000"});
  EXPECT_EQ(items(), "1:1|3:apple|NULL\n1:2|3:pear|NULL\n");
  {
    SQLite::Database db(file());
    EXPECT_EQ(strata_test::count(db, "SELECT count(*) FROM tags"), 0);
    const auto price = strata_test::find_column(db, "items", "price");
    ASSERT_TRUE(price.has_value());
    EXPECT_FALSE(price->not_null);
  }
  const auto s = m.check_status();
  EXPECT_TRUE(s.ok) << s.error;
  EXPECT_EQ(s.current, strings{"c30000"});
  EXPECT_EQ(s.pending, strings{"d40000"});
  EXPECT_TRUE(s.needs_upgrade);
}

TEST_F(Manager, InvalidSqlInTheMiddleIsRolledBackAndLaterRevisionsDoNotRun) {
  strata::manager<strata::sqlite> m{failing_middle{}, url()};
  const auto r = m.upgrade();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.error, "b2bad0")) << r.error;
  EXPECT_TRUE(contains(r.error, "no_such_table")) << r.error;  // the database's own message
  EXPECT_FALSE(contains(r.error, "\n")) << r.error;
  EXPECT_EQ(r.applied, strings{"a10000"});
  EXPECT_EQ(r.to, strings{"a10000"});
  EXPECT_EQ(version_rows(), strings{"a10000"});
  EXPECT_FALSE(has_table("half_done"));  // the statement before the failing one was rolled back
  EXPECT_FALSE(has_table("later"));
  EXPECT_EQ(items(), "1:1|3:apple\n1:2|3:pear\n");
}

TEST_F(Manager, AFailingDowngradeStopsWhereItFailed) {
  strata::manager<strata::sqlite> m{failing_downgrade{}, url()};
  ASSERT_TRUE(m.upgrade().ok);
  const auto r = m.downgrade("base");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.error, "b2down")) << r.error;
  EXPECT_FALSE(contains(r.error, "\n")) << r.error;
  EXPECT_EQ(r.from, strings{"c3down"});
  EXPECT_EQ(r.applied, strings{"c3down"});
  EXPECT_EQ(r.to, strings{"b2down"});
  EXPECT_EQ(version_rows(), strings{"b2down"});
  EXPECT_TRUE(has_table("audit"));
  EXPECT_FALSE(has_table("notes"));
  EXPECT_EQ(items(), "1:1|3:apple\n1:2|3:pear\n");
}

TEST_F(Manager, AMalformedUrlIsReportedByEveryCall) {
  for (const std::string bad : {"sqlite//missing-colon.db", "postgresql://localhost/app", "sqlite:///x.db?cache=shared"}) {
    SCOPED_TRACE(bad);
    strata::manager<strata::sqlite> m{good{}, bad};  // must not throw
    std::string expected;
    try {
      strata::sqlite probe{bad};
      ADD_FAILURE() << "the dialect accepted " << bad;
    } catch (const strata::malformed_url& e) {
      expected = e.what();
    }
    const auto s = m.check_status();
    EXPECT_FALSE(s.ok);
    EXPECT_EQ(s.error, expected);
    EXPECT_FALSE(s.error.empty());
    EXPECT_FALSE(s.needs_upgrade);

    auto r = m.upgrade();
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, expected);
    EXPECT_EQ(r.from, strings{});
    EXPECT_EQ(r.to, strings{});
    EXPECT_EQ(r.applied, strings{});

    r = m.downgrade("base");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, expected);
  }
  EXPECT_FALSE(std::filesystem::exists(scratch_.path() / "x.db"));
}

// "The migrator itself ...; throws the open error if any": a caller that catches
// strata::malformed_url around migrator() should see that type, not another one.
TEST_F(Manager, MigratorThrowsTheOpenErrorsOwnType) {
  strata::manager<strata::sqlite> m{good{}, "not-a-url"};
  EXPECT_THROW((void)m.migrator(), strata::malformed_url);
  EXPECT_THROW((void)m.migrator(), strata::error);
}

TEST_F(Manager, AMissingFolderIsReportedWithoutThrowing) {
  const auto missing = scratch_.path() / "no" / "such" / "folder" / "db.sqlite";
  strata::manager<strata::sqlite> m{good{}, "sqlite:///" + missing.string()};
  const auto s = m.check_status();
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(contains(s.error, missing.string())) << s.error;
  const auto r = m.upgrade();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, s.error);
  EXPECT_FALSE(std::filesystem::exists(scratch_.path() / "no"));
}

TEST_F(Manager, AnUnknownVersionRowIsReportedByName) {
  {
    strata::manager<strata::sqlite> m{good{}, url()};
    ASSERT_TRUE(m.upgrade("b20000").ok);
  }
  {
    SQLite::Database db(file(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE alembic_version SET version_num = 'f00d99'");
  }
  const auto before = schema();
  strata::manager<strata::sqlite> m{good{}, url()};
  const auto s = m.check_status();
  EXPECT_FALSE(s.ok);
  EXPECT_TRUE(contains(s.error, "f00d99")) << s.error;
  EXPECT_FALSE(contains(s.error, "\n")) << s.error;

  auto r = m.upgrade();
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.error, "f00d99")) << r.error;
  EXPECT_EQ(r.from, strings{"f00d99"});
  EXPECT_EQ(r.to, strings{"f00d99"});
  EXPECT_EQ(r.applied, strings{});

  r = m.downgrade("base");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.error, "f00d99")) << r.error;
  EXPECT_EQ(r.applied, strings{});

  EXPECT_EQ(version_rows(), strings{"f00d99"});
  EXPECT_EQ(schema(), before);
}

TEST_F(Manager, DowngradeToAnUnknownRevisionChangesNothing) {
  strata::manager<strata::sqlite> m{good{}, url()};
  ASSERT_TRUE(m.upgrade().ok);
  const auto before = schema();
  const auto r = m.downgrade("e99999");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.error, "e99999")) << r.error;
  EXPECT_FALSE(contains(r.error, "\n")) << r.error;
  EXPECT_EQ(r.from, strings{"c30000"});
  EXPECT_EQ(r.to, strings{"c30000"});
  EXPECT_EQ(r.applied, strings{});
  EXPECT_EQ(version_rows(), strings{"c30000"});
  EXPECT_EQ(schema(), before);
  EXPECT_EQ(items(), "1:1|3:apple|NULL\n1:2|3:pear|NULL\n");
}

TEST_F(Manager, DowngradeToARevisionNotAppliedChangesNothing) {
  strata::manager<strata::sqlite> m{good{}, url()};
  ASSERT_TRUE(m.upgrade("a10000").ok);
  const auto r = m.downgrade("c30000");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.error, "c30000")) << r.error;
  EXPECT_EQ(r.to, strings{"a10000"});
  EXPECT_EQ(r.applied, strings{});
  EXPECT_EQ(version_rows(), strings{"a10000"});
}

TEST_F(Manager, UpgradeToAnUnknownTargetChangesNothing) {
  strata::manager<strata::sqlite> m{good{}, url()};
  const auto r = m.upgrade("e99999");
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(contains(r.error, "e99999")) << r.error;
  EXPECT_EQ(r.applied, strings{});
  EXPECT_EQ(r.to, strings{});
  EXPECT_FALSE(has_table("items"));
}

TEST_F(Manager, ALockedDatabaseIsReportedAfterTheBusyTimeout) {
  SQLite::Database holder(file(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  holder.exec("BEGIN IMMEDIATE");  // another process holds the write lock
  strata::manager<strata::sqlite> m{good{}, url() + "?timeout=0.2"};
  auto r = m.upgrade();
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.error.empty());
  EXPECT_FALSE(contains(r.error, "\n")) << r.error;
  EXPECT_EQ(r.applied, strings{});
  EXPECT_EQ(r.to, strings{});
  holder.exec("ROLLBACK");
  r = m.upgrade();  // once the lock is gone, the same manager works
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.to, strings{"c30000"});
}

TEST_F(Manager, ACustomVersionTable) {
  strata::manager<strata::sqlite> m{good{}, strata::migrator_options{.version_table = "strata_versions"}, url()};
  const auto r = m.upgrade();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(version_rows("strata_versions"), strings{"c30000"});
  EXPECT_FALSE(has_table("alembic_version"));
  const auto s = m.check_status();
  EXPECT_TRUE(s.ok) << s.error;
  EXPECT_EQ(s.current, strings{"c30000"});
  EXPECT_FALSE(s.needs_upgrade);
}

TEST_F(Manager, OnAnOpenConnection) {
  SQLite::Database db(file(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  strata::manager<strata::sqlite> m{good{}, db};
  const auto r = m.upgrade();
  EXPECT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.applied, (strings{"a10000", "b20000", "c30000"}));
  const auto s = m.check_status();
  EXPECT_TRUE(s.ok) << s.error;
  EXPECT_FALSE(s.needs_upgrade);
  EXPECT_EQ(s.location, m.migrator().dialect().location());
  EXPECT_EQ(version_rows(), strings{"c30000"});
}

}  // namespace
