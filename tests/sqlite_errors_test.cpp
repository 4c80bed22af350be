// What the SQLite dialect does when things go wrong: malformed URLs, missing folders, read-only
// connections, locks, files that are not databases, failing revisions, concurrent migrators.
#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>

#include <initializer_list>
#include <chrono>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <typeinfo>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "support/error_messages.hpp"
#include "support/sqlite_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;

class SqliteErrors : public ::testing::Test {
 protected:
  scratch_folder dir;
};

using strata_test::expect_words;
using strata_test::message_of;

struct first : strata::revision<"e10000000001", strata::base> {
  static constexpr std::string_view message = "items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {column("id", strata::integer).primary_key(), column("name", strata::text), column("note", strata::text)});
    op.execute("INSERT INTO items VALUES (1, 'one', NULL), (2, 'two', 'b'), (3, 'three', NULL)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};
struct second : strata::revision<"e10000000002", "e10000000001"> {
  static constexpr std::string_view message = "tags";
  static constexpr void upgrade(strata::ops& op) { op.create_table("tags", {column("id", strata::integer).primary_key()}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("tags"); }
};
struct note_required : strata::revision<"e10000000003", "e10000000002"> {
  static constexpr std::string_view message = "note required";
  static constexpr void upgrade(strata::ops& op) { op.alter_column("items", "note", {.nullable = false}); }
  static constexpr void downgrade(strata::ops& op) { op.alter_column("items", "note", {.nullable = true}); }
};
using history = strata::history<first, second>;

// ---- URLs ----------------------------------------------------------------------------------------------

TEST_F(SqliteErrors, MalformedUrlsSayWhatToWrite) {
  const std::string file = dir.file("never.db");
  struct bad {
    std::string url;
    std::vector<std::string_view> words;
  };
  const std::vector<bad> cases = {
      {file, {"not a database URL", "sqlite:///"}},
      {"sqlite:" + file, {"not a database URL", "sqlite:///"}},
      {"", {"not a database URL"}},
      {"sqlite://host/" + file, {"host", "three slashes", "four"}},
      {"sqlite://user@/" + file, {"host", "sqlite:///relative.db"}},
      {"postgresql://app:s3cret@db.example.com/app", {"not a SQLite URL", "sqlite:///", "***"}},
      {"mysql://x/y", {"not a SQLite URL"}},
      {"sqlite:///" + file + "?mode=ro", {"'mode'", "migration_lock_wait=<seconds>"}},
      {"sqlite:///" + file + "?timeout=abc", {"timeout='abc'", "in seconds", "?migration_lock_wait=5"}},
      {"sqlite:///" + file + "?timeout=-1", {"timeout='-1'", "in seconds"}},
      {"sqlite:///" + file + "?timeout=nan", {"timeout='nan'"}},
      {"sqlite:///" + file + "?timeout=inf", {"timeout='inf'"}},
      {"sqlite:///" + file + "?timeout=", {"timeout=''"}},
      {"sqlite:///" + file + "?timeout", {"key=value"}},
      {"sqlite:///" + file + "?migration_lock_wait=soon", {"migration_lock_wait='soon'", "?migration_lock_wait=5"}},
      {"sqlite:///" + file + "?statement_lock_timeout=5", {"'statement_lock_timeout'", "PostgreSQL setting", "migration_lock_wait"}},
      {"sqlite:///" + file + "?lock_retries=3", {"'lock_retries'", "PostgreSQL setting"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    const auto what = message_of<strata::malformed_url>([&] { strata::migrator<strata::sqlite> m{history{}, c.url}; });
    for (auto w : c.words) EXPECT_NE(what.find(w), std::string::npos) << "'" << w << "' is not in: " << what;
    EXPECT_EQ(what.find("s3cret"), std::string::npos) << "a password is never shown: " << what;
  }
  EXPECT_FALSE(std::filesystem::exists(file)) << "a malformed URL creates no file";
}

TEST_F(SqliteErrors, GoodUrlsOpen) {
  for (const auto& url : {dir.url("a.db"), dir.url("b.db") + "?timeout=0.5", std::string("sqlite:///:memory:"), std::string("sqlite://")}) {
    SCOPED_TRACE(url);
    strata::migrator<strata::sqlite> m{history{}, url};
    EXPECT_EQ(m.upgrade().size(), 2U);
    EXPECT_EQ(m.current(), std::vector<std::string>{"e10000000002"});
  }
  EXPECT_TRUE(std::filesystem::exists(dir.file("a.db")));
}

TEST_F(SqliteErrors, MissingFolderIsUnavailable) {
  const auto url = "sqlite:///" + (dir.path() / "no" / "such" / "folder" / "app.db").string();
  const auto what = message_of<strata::database_unavailable>([&] { strata::migrator<strata::sqlite> m{history{}, url}; });
  expect_words(what, {"cannot open", "no/such/folder/app.db", "folder exists"});
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "no"));
}

// ---- a connection that cannot write ----------------------------------------------------------------------

TEST_F(SqliteErrors, ReadOnlyConnectionIsUnavailableAndChangesNothing) {
  {
    strata::migrator<strata::sqlite> m{strata::history<first>{}, dir.url()};
    m.upgrade();
  }
  auto writer = open(dir.file());
  const auto schema = schema_snapshot(writer);
  const auto rows_before = dump(writer, "items");

  SQLite::Database read_only(dir.file(), SQLite::OPEN_READONLY);
  strata::migrator<strata::sqlite> m{history{}, read_only};
  EXPECT_EQ(m.current(), std::vector<std::string>{"e10000000001"}) << "reading works";
  const auto what = message_of<strata::database_unavailable>([&] { m.upgrade(); });
  expect_words(what, {"cannot be written", "readonly", "read-write"});
  message_of<strata::database_unavailable>([&] { m.stamp("head"); });
  message_of<strata::database_unavailable>([&] { m.downgrade("base"); });

  EXPECT_EQ(schema_snapshot(writer), schema);
  EXPECT_EQ(dump(writer, "items"), rows_before);
  EXPECT_EQ(rows(writer, "SELECT version_num FROM alembic_version"), (table_rows{{"e10000000001"}}));
}

// ---- locks ------------------------------------------------------------------------------------------------

class SqliteLocked : public SqliteErrors, public ::testing::WithParamInterface<const char*> {};

TEST_P(SqliteLocked, AnotherWriterMakesItWaitThenGiveUpThenWork) {
  {
    strata::migrator<strata::sqlite> m{history{}, dir.url()};
    m.upgrade("e10000000001");
  }
  auto holder = open(dir.file());
  holder.exec(GetParam());  // BEGIN IMMEDIATE (a writer) or BEGIN EXCLUSIVE (no readers either)
  holder.exec("INSERT INTO items VALUES (4, 'four', 'd')");

  strata::migrator<strata::sqlite> m{history{}, dir.url() + "?timeout=0.2"};
  const auto start = std::chrono::steady_clock::now();
  const auto what = message_of<strata::database_locked>([&] { m.upgrade(); });
  const auto waited = std::chrono::steady_clock::now() - start;
  expect_words(what, {"is locked by another connection", "200 ms", "migration_lock_wait=<seconds>"});
  EXPECT_GE(waited, std::chrono::milliseconds(150));  // it did wait for the lock (no upper bound: that is speed)

  holder.exec("COMMIT");
  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"e10000000002"});
  EXPECT_EQ(count(holder, "SELECT count(*) FROM items"), 4);
  EXPECT_TRUE(exists(holder, "table", "tags"));
}

INSTANTIATE_TEST_SUITE_P(SqliteHolders, SqliteLocked, ::testing::Values("BEGIN IMMEDIATE", "BEGIN EXCLUSIVE"));

// A revision with a rebuild switches foreign keys off around its transaction: a lock timeout at
// BEGIN must switch them back on.
TEST_F(SqliteErrors, LockedRebuildLeavesForeignKeysOn) {
  {
    strata::migrator<strata::sqlite> m{history{}, dir.url()};
    m.upgrade();
  }
  auto holder = open(dir.file());
  holder.exec("UPDATE items SET note = '' WHERE note IS NULL");
  holder.exec("BEGIN IMMEDIATE");
  strata::migrator<strata::sqlite> m{strata::history<first, second, note_required>{}, dir.url() + "?timeout=0.1"};
  message_of<strata::database_locked>([&] { m.upgrade(); });
  EXPECT_EQ(scalar(m.dialect().database(), "PRAGMA foreign_keys"), "1");
  holder.exec("ROLLBACK");
  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"e10000000003"});
  EXPECT_EQ(scalar(m.dialect().database(), "PRAGMA foreign_keys"), "1");
}

// A borrowed connection keeps its own busy timeout (SQLiteCpp's default: none).
TEST_F(SqliteErrors, LockedBorrowedConnectionSaysHowToWaitLonger) {
  auto holder = open(dir.file());
  holder.exec("CREATE TABLE x (y); BEGIN IMMEDIATE; INSERT INTO x VALUES (1)");
  auto mine = open(dir.file());
  strata::migrator<strata::sqlite> m{history{}, mine};
  const auto what = message_of<strata::database_locked>([&] { m.upgrade(); });
  expect_words(what, {"is locked by another connection", "setBusyTimeout"});
  holder.exec("COMMIT");
}

// ---- not a database -----------------------------------------------------------------------------------

TEST_F(SqliteErrors, FileThatIsNotADatabase) {
  const std::string garbage(8192, 'x');
  {
    std::ofstream out(dir.file("notes.db"), std::ios::binary);
    out << "These are my notes, not a database.\n" << garbage;
  }
  const auto what = message_of<strata::database_unavailable>([&] {
    strata::migrator<strata::sqlite> m{history{}, dir.url("notes.db")};
    m.upgrade();
  });
  expect_words(what, {"notes.db", "is not a usable SQLite database", "point the URL at a SQLite database file"});
  std::ifstream in(dir.file("notes.db"), std::ios::binary);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "These are my notes, not a database.\n" + garbage) << "the file is left alone";
}

// ---- a failing revision in the middle of an upgrade ------------------------------------------------------

struct broken_sql : strata::revision<"e20000000002", "e10000000001"> {
  static constexpr std::string_view message = "broken sql";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("half_done", {column("id", strata::integer).primary_key()});
    op.execute("UPDATE items SET name = upper(name)");
    op.execute("INSERT INTO no_such_table VALUES (1)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("half_done"); }
};
struct after_broken : strata::revision<"e20000000003", "e20000000002"> {
  static constexpr std::string_view message = "after";
  static constexpr void upgrade(strata::ops& op) { op.create_table("after_broken", {column("id", strata::integer)}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("after_broken"); }
};

TEST_F(SqliteErrors, FailingRevisionInTheMiddleStopsThereAndRollsBack) {
  strata::migrator<strata::sqlite> m{strata::history<first, broken_sql, after_broken>{}, dir.url()};
  try {
    m.upgrade();
    FAIL() << "the second revision's SQL is invalid";
  } catch (const strata::migration_failed& e) {
    EXPECT_EQ(e.revision(), "e20000000002");
    EXPECT_NE(e.operation().find("execute \"INSERT INTO no_such_table"), std::string::npos) << e.operation();
    EXPECT_NE(e.database_message().find("no such table: no_such_table"), std::string::npos) << e.database_message();
    expect_words(e.what(), {"upgrade of revision 'e20000000002'", "broken sql", "INSERT INTO no_such_table", "no such table: no_such_table",
                            "rolled back", "still at 'e10000000001'"});
  }
  auto d = open(dir.file());
  EXPECT_EQ(m.current(), std::vector<std::string>{"e10000000001"});
  EXPECT_EQ(dump(d, "items"), "1:1|3:one|NULL\n1:2|3:two|3:b\n1:3|3:three|NULL\n") << "the UPDATE before the failure is undone";
  EXPECT_FALSE(exists(d, "table", "half_done"));
  EXPECT_FALSE(exists(d, "table", "after_broken"));
}

TEST_F(SqliteErrors, FailingAlterInTheMiddleNamesTheOperationAndSQLitesMessage) {
  strata::migrator<strata::sqlite> m{strata::history<first, second, note_required>{}, dir.url()};
  m.upgrade("e10000000001");
  try {
    m.upgrade();
    FAIL() << "items.note has NULLs";
  } catch (const strata::migration_failed& e) {
    EXPECT_EQ(e.revision(), "e10000000003");
    expect_words(e.what(), {"'e10000000003'", "alter_column items.note", "NOT NULL constraint failed: items.note", "update or delete them first",
                            "still at 'e10000000002'"});
  }
  auto d = open(dir.file());
  EXPECT_EQ(m.current(), std::vector<std::string>{"e10000000002"}) << "the revisions before the failing one stay applied";
  EXPECT_TRUE(exists(d, "table", "tags"));
  EXPECT_EQ(dump(d, "items"), "1:1|3:one|NULL\n1:2|3:two|3:b\n1:3|3:three|NULL\n");
  EXPECT_FALSE(find_column(d, "items", "note")->not_null);
  EXPECT_EQ(scalar(m.dialect().database(), "PRAGMA foreign_keys"), "1");

  d.exec("UPDATE items SET note = '' WHERE note IS NULL");
  EXPECT_EQ(m.upgrade(), std::vector<std::string>{"e10000000003"});
}

// An ADD COLUMN that SQLite makes in place runs without the table being read first: a missing
// table or a column that is there already is SQLite's own refusal, named with the operation; one
// column added twice in a revision is the planner's. Each rolls its revision back.
struct add_to_missing : strata::revision<"e30000000002", "e10000000001"> {
  static constexpr std::string_view message = "add to a missing table";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", column("size", strata::integer));
    op.add_column("no_such_items", column("size", strata::integer));
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "size"); }
};
struct add_existing : strata::revision<"e30000000003", "e10000000001"> {
  static constexpr std::string_view message = "add a column that is there";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", column("size", strata::integer));
    op.add_column("items", column("NAME", strata::text));
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "size"); }
};
struct add_twice : strata::revision<"e30000000004", "e10000000001"> {
  static constexpr std::string_view message = "add a column twice";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", column("size", strata::integer));
    op.add_column("items", column("size", strata::integer));
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "size"); }
};
using add_errors = strata::history<first, add_to_missing, add_existing, add_twice>;
}  // namespace
// The compiler's replay would refuse these revisions before they run: not reviewed.
template <>
inline constexpr strata::review_policy strata::review_policy_for<add_errors> = strata::policy::unchecked;
namespace {

TEST_F(SqliteErrors, AddColumnInPlaceRefusalsNameTheOperation) {
  strata::migrator<strata::sqlite> m{add_errors{}, dir.url()};
  m.upgrade("e10000000001");
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"e30000000002", {"add_column no_such_items.size", "no such table: no_such_items"}},
      {"e30000000003", {"add_column items.NAME", "duplicate column name: NAME"}},
      {"e30000000004", {"add_column items.size", "already has a column 'size'"}},
  };
  for (const auto& [revision, words] : cases) {
    try {
      m.upgrade(revision);
      ADD_FAILURE() << revision << " ran";
    } catch (const strata::migration_failed& e) {
      EXPECT_EQ(e.revision(), revision);
      for (const auto& w : words) EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << e.what();
    }
    EXPECT_EQ(m.current(), std::vector<std::string>{"e10000000001"});
    auto d = open(dir.file());
    EXPECT_EQ(find_column(d, "items", "size"), std::nullopt) << revision << " is rolled back whole";
  }
}

}  // namespace
