// op::backfill on PostgreSQL: batches keyed on the primary key, each committed on its own outside a
// transaction; a failure or a killed process keeps the batches that committed, and the next run
// resumes after them without redoing any; progress from 0 to the total; a table it cannot batch on
// refused before any change; the safe NOT NULL sequence after it. Skipped without a server.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include <strata/dialect/postgresql.hpp>
#include <strata/strata.hpp>

#include "support/error_messages.hpp"
#include "support/postgresql_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;
using pg = strata::migrator<strata::postgresql>;
using strings = std::vector<std::string>;

// 100 items; knob.stop_at: the backfill's expression breaks the CHECK on items beyond it.
struct items_table : strata::revision<"b10000000001", strata::base> {
  static constexpr std::string_view message = "items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {column("id", strata::integer).primary_key(), column("n", strata::integer).not_null(),
                              column("doubled", strata::integer).check("doubled IS NULL OR doubled >= 0"),
                              column("hits", strata::integer).not_null().server_default("0")});
    op.create_table("knob", {column("stop_at", strata::integer).primary_key()});
    op.execute("INSERT INTO items (id, n) SELECT i, i FROM generate_series(1, 100) AS s(i)");
    op.execute("INSERT INTO knob (stop_at) VALUES (1000000)");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("knob");
    op.drop_table("items");
  }
};
// hits counts how often a row was updated: a batch done twice shows (the WHERE does not skip it).
struct fill : strata::revision<"b10000000002", "b10000000001"> {
  static constexpr std::string_view message = "fill doubled";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) {
    op.backfill("items", "doubled = CASE WHEN id > (SELECT stop_at FROM knob) THEN -1 ELSE n * 2 END, hits = hits + 1", "n > 0", 10);
  }
  static constexpr void downgrade(strata::ops& op) { op.execute("UPDATE items SET doubled = NULL"); }
};
using history = strata::history<items_table, fill>;

// A slow backfill (10 ms a row), for killing its process part-way.
struct slow_fill : strata::revision<"b10000000002", "b10000000001"> {
  static constexpr std::string_view message = "fill doubled slowly";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) {
    op.backfill("items", "doubled = n * 2 + (SELECT 0 FROM pg_sleep(0.01 + 0 * id)), hits = hits + 1", {}, 10);
  }
  static constexpr void downgrade(strata::ops& op) { op.execute("UPDATE items SET doubled = NULL"); }
};
using slow_history = strata::history<items_table, slow_fill>;

// The safe way to a NOT NULL column on a large table: nullable, backfilled, a CHECK added NOT VALID
// and validated (no long lock), SET NOT NULL (which the validated CHECK spares its scan), the CHECK dropped.
struct required_code : strata::revision<"b10000000003", "b10000000001"> {
  static constexpr std::string_view message = "items get a code";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", column("code", strata::text));
    op.backfill("items", "code = 'item-' || id", "code IS NULL", 25);
    op.execute("ALTER TABLE items ADD CONSTRAINT items_code_not_null CHECK (code IS NOT NULL) NOT VALID");
    op.execute("ALTER TABLE items VALIDATE CONSTRAINT items_code_not_null");
    op.alter_column("items", "code", {.nullable = false});
    op.execute("ALTER TABLE items DROP CONSTRAINT items_code_not_null");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "code"); }
};
using safe_history = strata::history<items_table, required_code>;

// A composite key: no batches on it.
struct pairs_table : strata::revision<"b20000000001", strata::base> {
  static constexpr std::string_view message = "pairs";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("pairs", {column("a", strata::integer), column("b", strata::integer), column("v", strata::integer),
                              strata::primary_key({"a", "b"})});
    op.execute("INSERT INTO pairs (a, b) VALUES (1, 1), (1, 2)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("pairs"); }
};
struct fill_pairs : strata::revision<"b20000000002", "b20000000001"> {
  static constexpr std::string_view message = "fill pairs";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) { op.backfill("pairs", "v = a + b"); }
  static constexpr void downgrade(strata::ops& op) { op.execute("UPDATE pairs SET v = NULL"); }
};
using pairs_history = strata::history<pairs_table, fill_pairs>;

struct event {
  std::uint64_t done, total;
};

class PostgresqlBackfill : public postgresql_test {
 protected:
  std::string history_rows() {
    std::string out;
    for (const auto& r : db().rows("SELECT revision, outcome, progress FROM alembic_version_history WHERE direction = 'upgrade' ORDER BY id"))
      out += r.at(0).value_or("") + " " + r.at(1).value_or("") + " [" + r.at(2).value_or("") + "]\n";
    return out;
  }
};

TEST_F(PostgresqlBackfill, UpdatesTheRowsItSelectsInBatchesEachItsOwnTransactionWithProgress) {
  if (!db_) return;
  {
    pg m{history{}, url()};
    m.upgrade("b10000000001");
  }
  db().exec("UPDATE items SET n = 0, doubled = 0 WHERE id IN (5, 50)");  // not selected by the WHERE
  std::vector<event> events;
  strata::postgresql dialect{url()};
  dialect.on_progress([&](const strata::progress& p) {
    EXPECT_EQ(p.task, "backfilling table 'items'");
    events.push_back({p.done, p.total});
  });
  pg m{history{}, std::move(dialect)};
  EXPECT_EQ(m.upgrade(), strings{"b10000000002"});

  EXPECT_EQ(db().count("SELECT count(*) FROM items WHERE doubled = n * 2 AND hits = 1"), 98);
  EXPECT_EQ(db().count("SELECT count(*) FROM items WHERE id IN (5, 50) AND doubled = 0 AND hits = 0"), 2);
  // Ten batches of ten selected rows, each committed by a transaction of its own.
  EXPECT_EQ(db().count("SELECT count(DISTINCT xmin::text) FROM items WHERE hits = 1"), 10);
  EXPECT_EQ(db().count("SELECT count(DISTINCT xmin::text) FROM items WHERE id <= 11 AND hits = 1"), 1);

  ASSERT_GE(events.size(), 3U);
  EXPECT_EQ(events.front().done, 0U);
  EXPECT_EQ(events.front().total, 98U);
  for (std::size_t i = 1; i + 1 < events.size(); ++i) EXPECT_GT(events[i].done, events[i - 1].done);
  EXPECT_EQ(events.back().done, 98U);
  EXPECT_EQ(events.back().total, 98U);
  EXPECT_EQ(history_rows(), "b10000000001 succeeded []\nb10000000002 succeeded [backfill items]\n");
}

TEST_F(PostgresqlBackfill, AFailedBatchKeepsTheBatchesBeforeItAndTheNextRunResumesAfterThem) {
  if (!db_) return;
  pg m{history{}, url()};
  m.upgrade("b10000000001");
  db().exec("UPDATE knob SET stop_at = 25");  // the third batch (21..30) breaks the CHECK

  const auto what = message_of<strata::migration_failed>([&] { m.upgrade(); });
  expect_words(what, {"upgrade of revision 'b10000000002' (fill doubled) failed at backfill items", "items_doubled_check",
                      "its batches up to key 20 stayed committed", "running it again once the cause is fixed resumes after them"});
  EXPECT_EQ(m.current(), strings{"b10000000001"});
  EXPECT_EQ(db().count("SELECT count(*) FROM items WHERE hits = 1 AND doubled = n * 2"), 20);
  EXPECT_EQ(db().count("SELECT count(*) FROM items WHERE hits = 0 AND doubled IS NULL"), 80);
  EXPECT_EQ(history_rows(), "b10000000001 succeeded []\nb10000000002 failed [in progress: backfill items, committed through key 20]\n");

  // Resumed, and failing again before its first batch commits: the key stays recorded.
  db().exec("UPDATE knob SET stop_at = 15");
  (void)message_of<strata::migration_failed>([&] { m.upgrade(); });
  EXPECT_EQ(db().count("SELECT count(*) FROM items WHERE hits = 1"), 20);

  db().exec("UPDATE knob SET stop_at = 1000000");
  EXPECT_EQ(m.upgrade(), strings{"b10000000002"});
  EXPECT_EQ(db().count("SELECT count(*) FROM items WHERE hits = 1 AND doubled = n * 2"), 100) << "no row updated twice";
  EXPECT_EQ(history_rows(),
            "b10000000001 succeeded []\n"
            "b10000000002 failed [in progress: backfill items, committed through key 20]\n"
            "b10000000002 failed [in progress: backfill items, committed through key 20]\n"
            "b10000000002 succeeded [backfill items]\n");
}

TEST_F(PostgresqlBackfill, AKilledProcessLeavesItsCommittedBatchesAndTheNextRunFinishesTheJob) {
  if (!db_) return;
  {
    pg m{slow_history{}, url()};
    m.upgrade("b10000000001");
  }
  const pid_t child = ::fork();
  ASSERT_NE(child, -1);
  if (child == 0) {
    try {
      pg c{slow_history{}, url()};
      c.upgrade();
    } catch (...) {  // NOLINT: the parent looks at the database
    }
    ::_exit(0);
  }
  bool reached = false;
  for (int i = 0; i < 400 && !reached; ++i) {
    reached = db().count("SELECT count(*) FROM alembic_version_history WHERE progress LIKE '%committed through key 30'") == 1;
    if (!reached) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(reached) << "the child never committed its third batch";
  for (int i = 0; i < 400; ++i) {  // its server session ends, its open batch rolled back
    if (db().count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()") == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const auto done = db().count("SELECT count(*) FROM items WHERE hits = 1");
  EXPECT_GE(done, 30);
  EXPECT_LT(done, 100);
  EXPECT_EQ(done % 10, 0) << "whole batches only";

  pg m{slow_history{}, url()};
  const auto said = m.interrupted();
  ASSERT_TRUE(said);
  expect_words(*said, {"revision 'b10000000002' (fill doubled slowly)", "none of its operations completed",
                       "its backfill items, committed through key ", "running it again resumes there"});
  EXPECT_EQ(m.upgrade(), strings{"b10000000002"});
  EXPECT_EQ(db().count("SELECT count(*) FROM items WHERE hits = 1 AND doubled = n * 2"), 100) << "no row updated twice";
  EXPECT_EQ(db().count("SELECT count(*) FROM alembic_version_history WHERE revision = 'b10000000002' AND outcome = 'failed' AND "
                       "error LIKE 'interrupted; resumed by the run started at %'"),
            1);
  EXPECT_FALSE(m.interrupted());
}

TEST_F(PostgresqlBackfill, ATableWithoutAKeyOfOneColumnIsRefusedBeforeAnyChange) {
  if (!db_) return;
  pg m{pairs_history{}, url()};
  m.upgrade("b20000000001");
  const auto what = message_of<strata::migration_failed>([&] { m.upgrade(); });
  expect_words(what, {"table 'pairs' has a primary key of 2 columns (a, b), so nothing was changed",
                      "give the table a primary key of one column, or update its rows with op.execute(\"UPDATE ...\")"});
  EXPECT_EQ(db().count("SELECT count(*) FROM pairs WHERE v IS NULL"), 2);
  EXPECT_EQ(m.current(), strings{"b20000000001"});
}

TEST_F(PostgresqlBackfill, TheSafeNotNullSequenceAfterABackfill) {
  if (!db_) return;
  pg m{safe_history{}, url()};
  std::vector<std::string> statements;
  m.dialect().on_statement([&](std::string_view s) { statements.emplace_back(s); });
  EXPECT_EQ(m.upgrade(), (strings{"b10000000001", "b10000000003"}));
  EXPECT_EQ(db().count("SELECT count(*) FROM items WHERE code = 'item-' || id"), 100);
  EXPECT_EQ(db().scalar("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'code'"), "t");
  EXPECT_EQ(db().count("SELECT count(*) FROM pg_constraint WHERE conname = 'items_code_not_null'"), 0);
  EXPECT_NE(std::find(statements.begin(), statements.end(), "UPDATE \"items\" SET code = 'item-' || id WHERE code IS NULL"), statements.end());
  EXPECT_THROW(db().exec("INSERT INTO items (id, n) VALUES (101, 101)"), std::exception);
}

}  // namespace
