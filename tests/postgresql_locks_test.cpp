// PostgreSQL's lock and statement timeouts around a migration: statement_lock_timeout (the server's
// lock_timeout) with its retries, statement_timeout, and one migration lock for a whole upgrade.
// Another session holds a lock on the table a revision alters, as a long reader would.
#include <strata/dialect/postgresql.hpp>
#include <strata/strata.hpp>

#include <atomic>
#include <cstdio>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "support/error_messages.hpp"
#include "support/postgresql_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;
using pg = strata::migrator<strata::postgresql>;
using namespace std::chrono_literals;

class PostgresqlLocks : public postgresql_test {
 protected:
  // A session that reads the table in a transaction it keeps open: it holds ACCESS SHARE on it,
  // which an ALTER TABLE waits for.
  void hold_reader_lock(const std::string& table) {
    reader_.emplace("dbname='" + db().name() + "'");
    reading_.emplace(*reader_);
    reading_->exec("SELECT count(*) FROM " + table);
  }
  void let_go() { reading_->commit(); }

  std::optional<pqxx::connection> reader_;
  std::optional<pqxx::work> reading_;
};

struct stocks : strata::revision<"f10000000001", strata::base> {
  static constexpr std::string_view message = "stocks";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("stocks", {column("id", strata::integer).primary_key(), column("symbol", strata::text)});
    op.execute("INSERT INTO stocks (symbol) VALUES ('AAPL'), ('MSFT'), ('NVDA')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("stocks"); }
};
struct market_cap : strata::revision<"f10000000002", "f10000000001"> {
  static constexpr std::string_view message = "market cap";
  static constexpr void upgrade(strata::ops& op) { op.add_column("stocks", column("market_cap", strata::big_integer)); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("stocks", "market_cap"); }
};
using history = strata::history<stocks, market_cap>;

void expect_at_first_revision(postgresql_database& db) {
  EXPECT_EQ(db.versions(), std::vector<std::string>{"f10000000001"});
  EXPECT_FALSE(db.column("stocks", "market_cap").has_value()) << "rolled back";
  EXPECT_EQ(db.count("SELECT count(*) FROM stocks"), 3);
}

TEST_F(PostgresqlLocks, LockTimeoutRetriesThenFailsInOneLineNamingTheTable) {
  pg m{history{}, url() + "?statement_lock_timeout=0.2&lock_retries=1"};
  m.upgrade("f10000000001");
  hold_reader_lock("stocks");
  int started = 0;
  m.on_event([&](const strata::migration_event& e) { started += e.what == strata::migration_event::kind::starting; });
  const auto start = std::chrono::steady_clock::now();
  const auto what = message_of<strata::migration_failed>([&] { m.upgrade(); });
  const auto took = std::chrono::steady_clock::now() - start;
  expect_words(what, {"upgrade of revision 'f10000000002' (market cap) failed at add_column stocks.market_cap",
                      "waited longer than statement_lock_timeout (200 ms) for a lock on table 'stocks' that another session holds",
                      "lock timeout (SQLSTATE 55P03)", "on each of 2 attempts", "it was rolled back, so the database is still at 'f10000000001'",
                      "SELECT pid, state, query FROM pg_stat_activity WHERE pid IN (SELECT pid FROM pg_locks WHERE relation = '\"stocks\"'::regclass)",
                      "statement_lock_timeout=<seconds> or lock_retries=<count>"});
  EXPECT_EQ(what.find("fix the revision"), std::string::npos) << what;
  EXPECT_EQ(started, 2) << "run twice: once, and once more after a pause";
  EXPECT_GE(took, 1400ms) << "two waits of 200 ms and a pause of 1 s";
  EXPECT_LT(took, 5s);
  let_go();
  expect_at_first_revision(db());

  // No retries: one wait, no pause.
  pg once{history{}, url() + "?statement_lock_timeout=0.2&lock_retries=0"};
  hold_reader_lock("stocks");
  const auto again = std::chrono::steady_clock::now();
  expect_words(message_of<strata::migration_failed>([&] { once.upgrade(); }), {"on each of 1 attempts"});
  EXPECT_LT(std::chrono::steady_clock::now() - again, 1s);
  let_go();
  expect_at_first_revision(db());
}

TEST_F(PostgresqlLocks, RetrySucceedsOnceTheOtherSessionLetsGo) {
  pg m{history{}, url() + "?statement_lock_timeout=0.2&lock_retries=3"};
  m.upgrade("f10000000001");
  hold_reader_lock("stocks");
  int started = 0;
  m.on_event([&](const strata::migration_event& e) { started += e.what == strata::migration_event::kind::starting; });
  std::thread reader([&] {
    std::this_thread::sleep_for(500ms);  // past the first attempt's wait, before its retry
    let_go();
  });
  std::vector<std::string> applied;
  try {
    applied = m.upgrade();
  } catch (...) {
    reader.join();
    throw;
  }
  reader.join();
  EXPECT_EQ(applied, std::vector<std::string>{"f10000000002"});
  EXPECT_EQ(started, 2) << "the first attempt timed out, the retry went through";
  EXPECT_EQ(db().versions(), std::vector<std::string>{"f10000000002"});
  EXPECT_TRUE(db().column("stocks", "market_cap").has_value());
  EXPECT_EQ(db().count("SELECT count(*) FROM stocks"), 3);
}

// In tx_mode all, the retry runs the whole group again: what its first attempt did before the lock
// timeout was rolled back with it, and the history table has one row a revision.
struct notes : strata::revision<"f10000000002", "f10000000001"> {
  static constexpr std::string_view message = "notes";
  static constexpr void upgrade(strata::ops& op) { op.create_table("notes", {column("id", strata::integer).primary_key()}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("notes"); }
};
struct market_cap_after_notes : strata::revision<"f10000000003", "f10000000002"> {
  static constexpr std::string_view message = "market cap";
  static constexpr void upgrade(strata::ops& op) { op.add_column("stocks", column("market_cap", strata::big_integer)); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("stocks", "market_cap"); }
};
TEST_F(PostgresqlLocks, RetryRunsTheWholeGroupAgain) {
  strata::migrator_options options;
  options.transactions = strata::transaction_mode::all;
  pg m{strata::history<stocks, notes, market_cap_after_notes>{}, options, url() + "?statement_lock_timeout=0.2&lock_retries=3"};
  m.upgrade("f10000000001");
  hold_reader_lock("stocks");
  std::vector<std::string> started;
  m.on_event([&](const strata::migration_event& e) {
    if (e.what == strata::migration_event::kind::starting) started.emplace_back(e.revision->id);
  });
  std::thread reader([&] {
    std::this_thread::sleep_for(500ms);  // past the first attempt's wait, before its retry
    let_go();
  });
  std::vector<std::string> applied;
  try {
    applied = m.upgrade();
  } catch (...) {
    reader.join();
    throw;
  }
  reader.join();
  EXPECT_EQ(applied, (std::vector<std::string>{"f10000000002", "f10000000003"}));
  EXPECT_EQ(started, (std::vector<std::string>{"f10000000002", "f10000000003", "f10000000002", "f10000000003"}))
      << "the first attempt timed out at market cap, the retry ran the group from its start";
  EXPECT_EQ(db().versions(), std::vector<std::string>{"f10000000003"});
  EXPECT_TRUE(db().column("stocks", "market_cap").has_value());
  EXPECT_EQ(db().count("SELECT count(*) FROM alembic_version_history WHERE revision = 'f10000000002'"), 1);
  EXPECT_EQ(db().count("SELECT count(*) FROM alembic_version_history"), 3);
}

// execute() names no table: the one other sessions hold locks on is named.
struct raw_alter : strata::revision<"f10000000002", "f10000000001"> {
  static constexpr std::string_view message = "raw alter";
  static constexpr void upgrade(strata::ops& op) { op.execute("ALTER TABLE stocks ADD COLUMN market_cap bigint"); }
  static constexpr void downgrade(strata::ops& op) { op.execute("ALTER TABLE stocks DROP COLUMN market_cap"); }
};

TEST_F(PostgresqlLocks, LockTimeoutOfAnExecuteFindsTheTableInPgLocks) {
  pg m{strata::history<stocks, raw_alter>{}, url() + "?statement_lock_timeout=0.2&lock_retries=0"};
  m.upgrade("f10000000001");
  hold_reader_lock("stocks");
  expect_words(message_of<strata::migration_failed>([&] { m.upgrade(); }),
               {"failed at execute", "for a lock on table 'stocks' that another session holds", "relation = '\"stocks\"'::regclass"});
  let_go();
  expect_at_first_revision(db());
}

struct slow_backfill : strata::revision<"f10000000002", "f10000000001"> {
  static constexpr std::string_view message = "slow backfill";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("stocks", column("market_cap", strata::big_integer));
    op.execute("UPDATE stocks SET market_cap = 1 FROM (SELECT pg_sleep(3)) s");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("stocks", "market_cap"); }
};

TEST_F(PostgresqlLocks, StatementTimeoutSaysWhichSettingToRaise) {
  pg m{strata::history<stocks, slow_backfill>{}, url() + "?statement_timeout=0.3"};
  m.upgrade("f10000000001");
  const auto start = std::chrono::steady_clock::now();
  const auto what = message_of<strata::migration_failed>([&] { m.upgrade(); });
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "stopped by the server, not retried";
  expect_words(what, {"upgrade of revision 'f10000000002' (slow backfill) failed at execute", "ran longer than statement_timeout (300 ms",
                      "statement timeout (SQLSTATE 57014)", "rolled back, so the database is still at 'f10000000001'",
                      "raise statement_timeout=<seconds>"});
  EXPECT_EQ(what.find("fix the revision"), std::string::npos) << what;
  expect_at_first_revision(db());
}

// What the migration's session runs with, read from inside a revision.
std::string seen_lock_timeout, seen_statement_timeout;
void read_settings(strata::connection& c) {
  const auto rows = c.query("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')");
  seen_lock_timeout = rows.at(0).at(0).value_or("");
  seen_statement_timeout = rows.at(0).at(1).value_or("");
}
struct reads_settings : strata::revision<"f10000000002", "f10000000001"> {
  static constexpr std::string_view message = "reads its settings";
  static constexpr void upgrade(strata::ops& op) { op.run(&read_settings, "read lock_timeout and statement_timeout"); }
  static constexpr void downgrade(strata::ops& op) { op.run(&read_settings, "read lock_timeout and statement_timeout"); }
};
using settings_history = strata::history<stocks, reads_settings>;

TEST_F(PostgresqlLocks, RevisionsRunWithTheSettingsAndTheSessionGetsItsOwnBack) {
  {
    pg m{settings_history{}, url()};
    m.upgrade();
    EXPECT_EQ(seen_lock_timeout, "5s") << "a few seconds by default";
    EXPECT_EQ(seen_statement_timeout, "0") << "no statement_timeout by default";
  }
  pqxx::connection mine("dbname='" + db().name() + "' options='-c lock_timeout=42s'");
  pg m{settings_history{}, strata::migrator_options{}, mine,
       strata::postgresql_options{.schema = {}, .statement_lock_timeout = 1500ms, .statement_timeout = 600s}};
  m.downgrade("f10000000001");
  EXPECT_EQ(seen_lock_timeout, "1500ms");
  EXPECT_EQ(seen_statement_timeout, "10min");
  EXPECT_EQ(scalar(mine, "SHOW lock_timeout"), "42s") << "the caller's connection gets its settings back";
  EXPECT_EQ(scalar(mine, "SHOW statement_timeout"), "0");
}

// ---- one migration lock for a whole upgrade ---------------------------------------------------------------

// Another session tries the migration lock as fast as it can while an upgrade of several
// revisions runs: with the lock taken per revision it gets it between two of them.
// The rival counts what it got; the last revision notes the count (after it, the lock is free again).
std::atomic<bool> upgrading{false};
std::atomic<int> taken{0}, taken_before_the_last{-1};
void start_upgrading(strata::connection&) { upgrading = true; }
void note_taken(strata::connection&) { taken_before_the_last = taken.load(); }

struct one : strata::revision<"f20000000001", "f10000000001"> {
  static constexpr std::string_view message = "one";
  static constexpr void upgrade(strata::ops& op) { op.run(&start_upgrading, "signal"); }
  static constexpr void downgrade(strata::ops&) {}
};
#define STRATA_LOCK_STEP(name, id, down)                                                                     \
  struct name : strata::revision<id, down> {                                                                 \
    static constexpr std::string_view message = #name;                                                       \
    static constexpr void upgrade(strata::ops& op) { op.execute("UPDATE stocks SET symbol = symbol"); } \
    static constexpr void downgrade(strata::ops&) {}                                                         \
  };
STRATA_LOCK_STEP(two, "f20000000002", "f20000000001")
STRATA_LOCK_STEP(three, "f20000000003", "f20000000002")
STRATA_LOCK_STEP(four, "f20000000004", "f20000000003")
STRATA_LOCK_STEP(five, "f20000000005", "f20000000004")
STRATA_LOCK_STEP(six, "f20000000006", "f20000000005")
STRATA_LOCK_STEP(seven, "f20000000007", "f20000000006")
struct eight : strata::revision<"f20000000008", "f20000000007"> {
  static constexpr std::string_view message = "eight";
  static constexpr void upgrade(strata::ops& op) { op.run(&note_taken, "note what the rival got"); }
  static constexpr void downgrade(strata::ops&) {}
};
#undef STRATA_LOCK_STEP
using long_history = strata::history<stocks, one, two, three, four, five, six, seven, eight>;

TEST_F(PostgresqlLocks, AnUpgradeHoldsTheMigrationLockFromItsFirstRevisionToItsLast) {
  pg m{long_history{}, url()};
  m.upgrade("f10000000001");
  upgrading = false;
  taken = 0;
  std::atomic<bool> done{false}, ready{false};
  std::thread rival([&] {
    pqxx::connection c("dbname='" + db().name() + "'");
    ready = true;
    const auto key = std::to_string(strata::postgresql::lock_key("public", "alembic_version"));
    while (!upgrading && !done) std::this_thread::yield();
    while (!done) {
      pqxx::nontransaction n(c);
      if (std::string_view(n.exec("SELECT pg_try_advisory_lock(" + key + ")")[0][0].c_str()) == "t") {
        ++taken;
        n.exec("SELECT pg_advisory_unlock(" + key + ")");
      }
    }
  });
  while (!ready) std::this_thread::yield();
  std::vector<std::string> applied;
  try {
    applied = m.upgrade();
  } catch (...) {
    done = true;
    rival.join();
    throw;
  }
  done = true;
  rival.join();
  EXPECT_EQ(applied.size(), 8U);
  EXPECT_EQ(taken_before_the_last, 0) << "another session got the migration lock between two revisions of one upgrade";
  EXPECT_EQ(db().versions(), std::vector<std::string>{"f20000000008"});
  // And the lock is free afterwards.
  EXPECT_EQ(db().scalar("SELECT pg_try_advisory_lock(" + std::to_string(strata::postgresql::lock_key("public", "alembic_version")) + ")"), "t");
}


// A fresh database's upgrade asks the catalogue whether strata's tables exist three times in all,
// however many revisions it runs: the version table once before the lock (the plan), then each
// table once under it; what it found missing it creates without asking again. (Before: six.)
TEST_F(PostgresqlLocks, AFreshDatabasesUpgradeAsksTheCatalogueForItsTablesThreeTimes) {
  pqxx::connection c("dbname='" + db().name() + "'");
  std::FILE* trace = std::tmpfile();
  ASSERT_NE(trace, nullptr);
  c.trace(trace);  // libpq's trace of every message sent and received
  pg m{long_history{}, c};
  EXPECT_EQ(m.upgrade().size(), 9U);
  c.trace(nullptr);
  std::string text;
  std::rewind(trace);
  for (int ch = std::fgetc(trace); ch != EOF; ch = std::fgetc(trace)) text += static_cast<char>(ch);
  std::fclose(trace);
  std::size_t probes = 0;
  for (auto at = text.find("to_regclass("); at != std::string::npos; at = text.find("to_regclass(", at + 1)) ++probes;
  EXPECT_EQ(probes, 3U) << "the catalogue was asked " << probes << " times whether strata's tables exist";
  EXPECT_EQ(db().versions(), std::vector<std::string>{"f20000000008"});
  EXPECT_EQ(db().count("SELECT count(*) FROM alembic_version_history"), 9);
}

}  // namespace
