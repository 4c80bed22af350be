// op::backfill on SQLite: the same batches as on PostgreSQL, in the revision's one transaction (a
// failure leaves every row as it was, and the run after the fix does the whole job once); progress
// from 0 to the total; a table it cannot batch on refused before any change. And what a terminal
// shows of progress: rows, rows/s and the time left.
#include <chrono>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <strata/cli.hpp>
#include <strata/dialect/sqlite.hpp>
#include <strata/offline.hpp>
#include <strata/strata.hpp>

#include "support/error_messages.hpp"
#include "support/sqlite_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;
using sq = strata::migrator<strata::sqlite>;
using strings = std::vector<std::string>;

struct items_table : strata::revision<"b10000000001", strata::base> {
  static constexpr std::string_view message = "items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {column("id", strata::integer).primary_key(), column("n", strata::integer).not_null(),
                              column("doubled", strata::integer).check("doubled IS NULL OR doubled >= 0"),
                              column("hits", strata::integer).not_null().server_default("0")});
    op.create_table("knob", {column("stop_at", strata::integer).primary_key()});
    op.execute("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100) INSERT INTO items (id, n) SELECT i, i FROM s");
    op.execute("INSERT INTO knob (stop_at) VALUES (1000000)");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("knob");
    op.drop_table("items");
  }
};
struct fill : strata::revision<"b10000000002", "b10000000001"> {
  static constexpr std::string_view message = "fill doubled";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) {
    op.backfill("items", "doubled = CASE WHEN id > (SELECT stop_at FROM knob) THEN -1 ELSE n * 2 END, hits = hits + 1", "n > 0", 10);
  }
  static constexpr void downgrade(strata::ops& op) { op.execute("UPDATE items SET doubled = NULL"); }
};
using history = strata::history<items_table, fill>;

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

// No downgrade(): the derived one drops what the upgrade added, and has nothing to undo for the backfill.
struct derived : strata::revision<"c1", strata::base> {
  static constexpr std::string_view message = "derived";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("t", {column("id", strata::integer).primary_key()});
    op.add_column("t", column("v", strata::integer));
    op.allow(strata::rule::backfill_in_transaction).backfill("t", "v = id");
  }
};

struct event {
  std::uint64_t done, total;
};

TEST(SqliteBackfill, UpdatesTheRowsItSelectsWithProgressFromZeroToTotal) {
  scratch_folder dir;
  {
    sq m{history{}, dir.url()};
    m.upgrade("b10000000001");
  }
  auto db = open(dir.file());
  db.exec("UPDATE items SET n = 0, doubled = 0 WHERE id IN (5, 50)");  // not selected by the WHERE
  std::vector<event> events;
  strata::sqlite dialect{dir.url()};
  dialect.on_progress([&](const strata::progress& p) {
    EXPECT_EQ(p.task, "backfilling table 'items'");
    events.push_back({p.done, p.total});
  });
  sq m{history{}, std::move(dialect)};
  std::vector<std::string> statements;
  m.dialect().on_statement([&](std::string_view s) { statements.emplace_back(s); });
  EXPECT_EQ(m.upgrade(), strings{"b10000000002"});

  EXPECT_EQ(count(db, "SELECT count(*) FROM items WHERE doubled = n * 2 AND hits = 1"), 98);
  EXPECT_EQ(count(db, "SELECT count(*) FROM items WHERE id IN (5, 50) AND doubled = 0 AND hits = 0"), 2);
  // What it reports running is what a script prints for it: the one UPDATE.
  EXPECT_EQ(statements, strings{"UPDATE \"items\" SET doubled = CASE WHEN id > (SELECT stop_at FROM knob) THEN -1 ELSE n * 2 END, hits = hits "
                                "+ 1 WHERE n > 0"});

  ASSERT_EQ(events.size(), 12U) << "0, ten batches, the end";
  EXPECT_EQ(events.front().done, 0U);
  for (std::size_t i = 1; i < 11; ++i) {
    EXPECT_EQ(events[i].done, i * 10 - (i == 10 ? 2 : 0)) << i;
    EXPECT_EQ(events[i].total, 98U);
  }
  EXPECT_EQ(events.back().done, 98U);
  EXPECT_EQ(events.back().total, 98U);
}

TEST(SqliteBackfill, AFailureLeavesEveryRowAsItWasAndTheRunAfterTheFixDoesItOnce) {
  scratch_folder dir;
  sq m{history{}, dir.url()};
  m.upgrade("b10000000001");
  auto db = open(dir.file());
  db.exec("UPDATE knob SET stop_at = 25");
  const auto what = message_of<strata::migration_failed>([&] { m.upgrade(); });
  expect_words(what, {"upgrade of revision 'b10000000002' (fill doubled) failed at backfill items", "CHECK constraint failed"});
  EXPECT_EQ(count(db, "SELECT count(*) FROM items WHERE hits = 0 AND doubled IS NULL"), 100) << "one transaction on SQLite";
  EXPECT_EQ(m.current(), strings{"b10000000001"});

  db.exec("UPDATE knob SET stop_at = 1000000");
  EXPECT_EQ(m.upgrade(), strings{"b10000000002"});
  EXPECT_EQ(count(db, "SELECT count(*) FROM items WHERE hits = 1 AND doubled = n * 2"), 100);
}

TEST(SqliteBackfill, ATableWithoutAKeyOfOneColumnIsRefusedBeforeAnyChange) {
  scratch_folder dir;
  sq m{pairs_history{}, dir.url()};
  m.upgrade("b20000000001");
  const auto what = message_of<strata::migration_failed>([&] { m.upgrade(); });
  expect_words(what, {"table 'pairs' has a primary key of 2 columns (a, b), so nothing was changed"});
  auto db = open(dir.file());
  EXPECT_EQ(count(db, "SELECT count(*) FROM pairs WHERE v IS NULL"), 2);
}

TEST(SqliteBackfill, AScriptPrintsItAsOneUpdateAndADerivedDowngradeSkipsIt) {
  EXPECT_EQ(strata::sqlite_sql::statements(strata::op::backfill{"items", "n = 0", "n IS NULL", 10}, {}),
            strings{"UPDATE \"items\" SET n = 0 WHERE n IS NULL"});
  EXPECT_EQ(strata::sqlite_sql::statements(strata::op::backfill{"items", "n = 0", {}, 10}, {}), strings{"UPDATE \"items\" SET n = 0"});
  const auto batches = strata::sqlite_sql::backfill_batches({"items", "n = 0", "n IS NULL", 500}, "id", true, {});
  EXPECT_EQ(batches.keyed,
            "SELECT COALESCE((SELECT \"id\" FROM \"items\" WHERE \"id\" > $1 AND (n IS NULL) ORDER BY \"id\" LIMIT 1 OFFSET 499), "
            "(SELECT max(\"id\") FROM \"items\" WHERE \"id\" > $1 AND (n IS NULL)))");
  EXPECT_EQ(batches.update, "UPDATE \"items\" SET n = 0 WHERE \"id\" > $1 AND \"id\" <= $2 AND (n IS NULL)");
  EXPECT_EQ(strata::sqlite_sql::backfill_batches({"items", "n = 0", {}, 500}, "id", false, {}).update,
            "UPDATE \"items\" SET n = 0 WHERE \"id\" <= $1");

  strata::ops down;
  strata::detail::downgrade_of<derived>(down);
  ASSERT_EQ(down.size(), 2U);
  EXPECT_EQ(strata::describe(down.operations()[0]), "drop_column t.v");
}

TEST(Progress, ATerminalLineShowsRowsRateAndTimeLeft) {
  using namespace std::chrono_literals;
  const strata::progress start{"backfilling table 'items'", 0, 1000000, 0ms};
  EXPECT_EQ(start.rate(), 0.0);
  EXPECT_FALSE(start.remaining());
  EXPECT_EQ(strata::cli::detail::progress_line::text(start), "backfilling table 'items': 0% (0 of 1000000 rows)");

  const strata::progress part{"backfilling table 'items'", 250000, 1000000, 5s};
  EXPECT_DOUBLE_EQ(part.rate(), 50000.0);
  EXPECT_EQ(part.remaining(), std::chrono::seconds(15));
  EXPECT_EQ(strata::cli::detail::progress_line::text(part), "backfilling table 'items': 25% (250000 of 1000000 rows), 50000 rows/s, 15 s left");

  const strata::progress slow{"rebuilding table 'big'", 1000, 1000000, 10s};
  EXPECT_EQ(strata::cli::detail::progress_line::text(slow), "rebuilding table 'big': 0% (1000 of 1000000 rows), 100 rows/s, 2 h 46 min left");

  const strata::progress end{"backfilling table 'items'", 1000000, 1000000, 20s};
  EXPECT_EQ(strata::cli::detail::progress_line::text(end), "backfilling table 'items': 100% (1000000 of 1000000 rows), 50000 rows/s");
  const strata::progress unknown{"copying", 300, 0, 3s};
  EXPECT_FALSE(unknown.remaining());
  EXPECT_EQ(strata::cli::detail::progress_line::text(unknown), "copying: 300 rows, 100 rows/s");
}

}  // namespace
