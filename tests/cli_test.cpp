// manage_db end to end: examples/insightbull's manage_db run as a program in a fresh folder for
// every command, its exit status and output, and the bad input it must refuse with one line on
// stderr while leaving the database and its rows as they were. The database is read back through
// its own client (SQLiteCpp, libpqxx), never through manage_db.
//
// What works on any database runs on each backend of support/databases.hpp (cli/sqlite,
// cli/postgresql); what is about SQLite files, where the configuration comes from, the usage
// errors and the commands that need no database run once, on SQLite (cli).
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <ostream>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/databases.hpp"
#include "support/process.hpp"
#include "support/sqlite_scratch.hpp"

namespace {

namespace fs = std::filesystem;
using strings = std::vector<std::string>;
using environment = std::map<std::string, std::string>;

constexpr const char* initial = "8653cc238299";
constexpr const char* confidence = "3b1f0c2d4e5a";
constexpr const char* market_cap = "c7d2a9e1f0b3";

// What a run of manage_db did: exit status (128 + N for a program killed by signal N), stdout, stderr.
struct outcome : strata_test::process_result {};

std::ostream& operator<<(std::ostream& os, const outcome& o) {
  return os << "exit status " << o.status << "\n--- stdout:\n" << o.out << "--- stderr:\n" << o.err << "---";
}

std::string read_file(const fs::path& p) { return strata_test::read_whole_file(p); }

void write_file(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

std::size_t line_count(const std::string& s) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n')); }

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

bool contains(const strings& list, const std::string& item) { return std::find(list.begin(), list.end(), item) != list.end(); }

// The URL as manage_db shows it: any password as ***.
std::string masked(const std::string& url) {
  const auto authority = url.find("://") + 3;
  const auto end = url.find_first_of("/?", authority);
  const auto at = url.rfind('@', end);
  if (at == std::string::npos || at < authority) return url;
  const auto colon = url.find(':', authority);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

// A failure's stderr: exactly one line, "manage_db: <sentence>".
::testing::AssertionResult one_line_error(const outcome& o) {
  if (line_count(o.err) != 1 || o.err.back() != '\n')
    return ::testing::AssertionFailure() << "stderr is not one line:\n" << o.err;
  if (!o.err.starts_with("manage_db: ")) return ::testing::AssertionFailure() << "stderr does not start with 'manage_db: ':\n" << o.err;
  return ::testing::AssertionSuccess();
}

// manage_db run in a scratch folder of its own, with InsightBull's revisions.
class manage_db_test : public ::testing::Test {
 protected:
  void SetUp() override {
#if !defined(STRATA_MANAGE_DB) || !defined(STRATA_INSIGHTBULL_DIR)
    GTEST_SKIP() << "manage_db is not built (needs STRATA_BUILD_EXAMPLES and CLI11)";
#endif
  }

  // Runs manage_db in the scratch folder with the caller's environment minus DATABASE_URL and
  // STRATA_CONFIG, plus `env`; stdout and stderr go to files beside the folder.
  outcome run(const strings& args, const environment& env = {}) const {
#ifdef STRATA_MANAGE_DB
    const std::string program = STRATA_MANAGE_DB;
#else
    const std::string program = "manage_db";
#endif
    const auto io = dir.path().parent_path() / (dir.path().filename().string() + ".io");
    return outcome{strata_test::child_process(program, args, env, dir.path(), io).wait()};
  }

  // strata.ini in the scratch folder; versions_dir defaults to ./migrations.
  void write_config(const std::string& url, const std::string& extra = "") const {
    write_file(dir.path() / "strata.ini", "[strata]\n" + (url.empty() ? "" : "url = " + url + "\n") + extra);
  }

  // A copy of InsightBull's versions folder at ./migrations.
  fs::path copy_migrations() const {
    const auto target = dir.path() / "migrations";
#ifdef STRATA_INSIGHTBULL_DIR
    fs::copy(fs::path(STRATA_INSIGHTBULL_DIR) / "migrations", target, fs::copy_options::recursive);
#endif
    return target;
  }

  // The version rows, sorted.
  template <class B>
  static strings versions(const B& db, const std::string& table = "alembic_version") {
    if (!contains(db.tables(), table)) return {"<no version table>"};
    strings out;
    for (const auto& r : db.rows("SELECT version_num FROM \"" + table + "\" ORDER BY version_num")) out.push_back(r.at(0).value_or("NULL"));
    return out;
  }

  // The database at `target` (through manage_db --url) with a row in each table; returns its
  // snapshot. (The rows go in at 3b1f0c2d4e5a or before, since c7d2a9e1f0b3's market_cap is NOT NULL.)
  template <class B>
  std::string seed(const B& db, const std::string& url, const std::string& target) const {
    const bool later = target == market_cap;
    auto o = run({"--url", url, "upgrade", later ? confidence : target});
    EXPECT_EQ(o.status, 0) << o;
    db.execute("INSERT INTO stocks (id, symbol, name, sector) VALUES (1, 'AAPL', 'Apple', 'Tech'), (2, 'MSFT', 'Microsoft', NULL);"
               "INSERT INTO sentiment_data (stock_id, source, score) VALUES (1, 'news', 0.75);"
               "INSERT INTO stock_prices (stock_id, ts, open, close, volume) VALUES (2, '2025-08-01', 10.5, 11.25, 1000);");
    if (later) {
      o = run({"--url", url, "upgrade", target});
      EXPECT_EQ(o.status, 0) << o;
    }
    EXPECT_EQ(versions(db), strings{target});
    return db.snapshot();
  }

  strata_test::scratch_folder dir;
};

// ================================================================================================
// On each backend: cli/sqlite, cli/postgresql
// ================================================================================================

namespace on_each_backend {

template <class B>
class cli : public manage_db_test {
 protected:
  void SetUp() override {
    manage_db_test::SetUp();
    if (IsSkipped()) return;
    strata_test::open_backend(db_);
  }

  [[nodiscard]] const B& db() const { return *db_; }
  [[nodiscard]] std::string url() const { return db().url(); }

  // strata.ini naming the backend's database.
  void write_ini(const std::string& extra = "") const { write_config(url(), extra); }

  [[nodiscard]] strings versions(const std::string& table = "alembic_version") const { return manage_db_test::versions(db(), table); }
  [[nodiscard]] std::string state() const { return db().snapshot(); }
  void exec(const std::string& sql) const { db().execute(sql); }
  std::string seed(const std::string& target = confidence) const { return manage_db_test::seed(db(), url(), target); }

 private:
  std::optional<B> db_;
};

TYPED_TEST_SUITE(cli, strata_test::backends);

#ifndef STRATA_HAVE_POSTGRESQL  // no cli/postgresql: fails the run if it had to include PostgreSQL
TEST(cliBackends, IncludePostgresqlWhenRequired) { strata_test::expect_postgresql_built(); }
#endif

// ---- status, current, history --------------------------------------------------------------------

TYPED_TEST(cli, StatusOnAFreshDatabaseReportsBaseAndThreePending) {
  this->write_ini();
  const auto o = this->run({"status"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.err, "");
  EXPECT_TRUE(contains(o.out, "Database:       " + masked(this->url()) + "\n")) << o;
  EXPECT_TRUE(contains(o.out, "Current:        base\n")) << o;
  EXPECT_TRUE(std::regex_search(o.out, std::regex("\nHead: +c7d2a9e1f0b3"))) << o;
  EXPECT_TRUE(contains(o.out, "Pending:        3 revisions\n")) << o;
  for (const char* id : {initial, confidence, market_cap}) EXPECT_TRUE(contains(o.out, std::string("  ") + id + "  ")) << o;
  EXPECT_TRUE(contains(o.out, "Upgrade needed")) << o;
  EXPECT_EQ(this->db().tables(), strings{});  // status migrates nothing
}

TYPED_TEST(cli, StatusJsonBeforeAndAfterUpgrade) {
  this->write_ini();
  auto o = this->run({"status", "--json"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(line_count(o.out), 1u) << o;
  EXPECT_TRUE(o.out.starts_with("{") && o.out.ends_with("}\n")) << o;
  for (const std::string& part : {"\"url\": \"" + masked(this->url()) + "\"", std::string("\"version_table\": \"alembic_version\""),
                                 std::string("\"current\": []"), std::string("\"heads\": [\"c7d2a9e1f0b3\"]"),
                                 std::string("\"needs_upgrade\": true, \"stale\": false, \"not_in_program\": [], \"not_in_folder\": [], \"unfinished\": null}"),
                                 std::string("\"pending\": [{\"id\": \"8653cc238299\", \"message\": \"initial schema\"}, {\"id\": \"3b1f0c2d4e5a\", "),
                                 std::string("{\"id\": \"c7d2a9e1f0b3\", \"message\": \"Add market_cap to stocks\"}]")})
    EXPECT_TRUE(contains(o.out, part)) << part << "\n" << o;

  ASSERT_EQ(this->run({"upgrade"}).status, 0);
  o = this->run({"status", "--json"});
  EXPECT_EQ(o.status, 0) << o;
  for (const char* part : {"\"current\": [\"c7d2a9e1f0b3\"]", "\"pending\": []", "\"needs_upgrade\": false"})
    EXPECT_TRUE(contains(o.out, part)) << part << "\n" << o;
}

TYPED_TEST(cli, CurrentAndCurrentJson) {
  this->write_ini();
  auto o = this->run({"current"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.out, "base\n");
  o = this->run({"current", "--json"});
  EXPECT_EQ(o.out, "{\"current\": []}\n") << o;

  this->seed();
  o = this->run({"current"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.out, "3b1f0c2d4e5a, Add sentiment_confidence column to sentiment_data table\n");
  o = this->run({"current", "--json"});
  EXPECT_EQ(o.out, "{\"current\": [\"3b1f0c2d4e5a\"]}\n") << o;
}

TYPED_TEST(cli, HistoryMarksCurrentAndHead) {
  this->write_ini();
  this->seed();
  auto o = this->run({"history"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.out,
            "base -> 8653cc238299, initial schema\n"
            "8653cc238299 -> 3b1f0c2d4e5a (current), Add sentiment_confidence column to sentiment_data table\n"
            "3b1f0c2d4e5a -> c7d2a9e1f0b3 (head), Add market_cap to stocks\n");

  o = this->run({"history", "--verbose"});
  EXPECT_EQ(o.status, 0) << o;
  for (const char* part : {"Rev: 8653cc238299\n", "Rev: 3b1f0c2d4e5a (current)\n", "Rev: c7d2a9e1f0b3 (head)\n",
                           "Parent: 3b1f0c2d4e5a\n", "create_table stocks", "add_column sentiment_data.sentiment_confidence",
                           "drop_column stocks.market_cap"})
    EXPECT_TRUE(contains(o.out, part)) << part << "\n" << o;

  o = this->run({"history", "--json"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(line_count(o.out), 1u) << o;
  for (const char* part :
       {"{\"id\": \"8653cc238299\", \"down_revisions\": [], \"message\": \"initial schema\", \"head\": false, \"current\": false, "
        "\"applied\": true,",
        "{\"id\": \"3b1f0c2d4e5a\", \"down_revisions\": [\"8653cc238299\"], \"message\": \"Add sentiment_confidence column to "
        "sentiment_data table\", \"head\": false, \"current\": true, \"applied\": true,",
        "{\"id\": \"c7d2a9e1f0b3\", \"down_revisions\": [\"3b1f0c2d4e5a\"], \"message\": \"Add market_cap to stocks\", \"head\": "
        "true, \"current\": false, \"applied\": false,"})
    EXPECT_TRUE(contains(o.out, part)) << part << "\n" << o;
}

// ---- upgrade, downgrade, stamp -------------------------------------------------------------------

TYPED_TEST(cli, UpgradeToHeadBuildsInsightBullsSchema) {
  this->write_ini();
  auto o = this->run({"upgrade"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "Running upgrade base -> 8653cc238299, initial schema\n")) << o;
  EXPECT_TRUE(contains(o.out, "Running upgrade 8653cc238299 -> 3b1f0c2d4e5a, ")) << o;
  EXPECT_TRUE(contains(o.out, "Running upgrade 3b1f0c2d4e5a -> c7d2a9e1f0b3, Add market_cap to stocks\n")) << o;
  EXPECT_TRUE(contains(o.out, "Upgraded 3 revisions; the database is at c7d2a9e1f0b3 (head).")) << o;
  EXPECT_EQ(this->versions(), strings{market_cap});
  const auto& db = this->db();
  EXPECT_EQ(db.tables(), (strings{"alembic_version", "alembic_version_history", "sentiment_data", "stock_prices", "stocks"}));
  const auto stocks = db.layout("stocks");
  const auto cap = std::find_if(stocks.begin(), stocks.end(), [](const auto& c) { return c.name == "market_cap"; });
  ASSERT_NE(cap, stocks.end());
  EXPECT_TRUE(cap->not_null);
  EXPECT_EQ(cap->type, strata_test::is_sqlite<TypeParam> ? "BIGINT" : "bigint");
  EXPECT_TRUE(contains(db.columns("sentiment_data"), "sentiment_confidence"));
  EXPECT_TRUE(contains(db.indexes(), "ix_sentiment_data_stock_id"));
  EXPECT_TRUE(contains(db.indexes(), "ix_stock_prices_stock_id_ts"));

  o = this->run({"upgrade"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.out, "Nothing to upgrade: the database is at c7d2a9e1f0b3 (head).\n");
}

TYPED_TEST(cli, UpgradeToAPrefixAndByRelativeSteps) {
  this->write_ini();
  auto o = this->run({"upgrade", "+1"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(this->versions(), strings{initial});
  o = this->run({"upgrade", "3b1f"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(this->versions(), strings{confidence});
  EXPECT_TRUE(contains(this->db().columns("sentiment_data"), "sentiment_confidence"));
  EXPECT_FALSE(contains(this->db().columns("stocks"), "market_cap"));
}

TYPED_TEST(cli, DowngradeOneStepKeepsTheRows) {
  this->write_ini();
  this->seed(market_cap);
  auto o = this->run({"downgrade", "-1"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "Running downgrade c7d2a9e1f0b3 -> 3b1f0c2d4e5a, Add market_cap to stocks\n")) << o;
  EXPECT_EQ(this->versions(), strings{confidence});
  EXPECT_FALSE(contains(this->db().columns("stocks"), "market_cap"));
  EXPECT_EQ(this->db().rows("SELECT id, symbol, name, sector FROM stocks ORDER BY id"),
            (strata_test::table_rows{{"1", "AAPL", "Apple", "Tech"}, {"2", "MSFT", "Microsoft", std::nullopt}}));
  if constexpr (strata_test::is_sqlite<TypeParam>) {  // and the SQLite rebuild kept each value's storage class
    const auto& db = this->db();
    auto handle = strata_test::open(db.file());
    EXPECT_EQ(strata_test::dump_query(handle, "SELECT id, symbol, name, sector FROM stocks ORDER BY id"),
              "1:1|3:AAPL|3:Apple|3:Tech\n1:2|3:MSFT|3:Microsoft|NULL\n");
  }
  EXPECT_EQ(this->db().scalar("SELECT count(*) FROM sentiment_data"), "1");
}

TYPED_TEST(cli, DowngradeToBaseLeavesOnlyAnEmptyVersionTableAndTheHistoryTable) {
  this->write_ini();
  this->seed();
  const auto o = this->run({"downgrade", "base"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "the database is at base.")) << o;
  EXPECT_EQ(this->db().tables(), (strings{"alembic_version", "alembic_version_history"}));
  EXPECT_EQ(this->versions(), strings{});
}

TYPED_TEST(cli, StampWritesTheVersionTableOnly) {
  this->write_ini();
  this->seed(initial);
  const auto before = this->db().snapshot("alembic_version");  // all but the version rows
  auto o = this->run({"stamp", "head"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "Stamped the database at c7d2a9e1f0b3 (head) (it was at 8653cc238299)")) << o;
  EXPECT_EQ(this->versions(), strings{market_cap});
  EXPECT_EQ(this->db().snapshot("alembic_version"), before);
  o = this->run({"stamp", "base"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(this->versions(), strings{});
  EXPECT_EQ(this->db().snapshot("alembic_version"), before);
}

TYPED_TEST(cli, AnUnknownRevisionIsNamedAndChangesNothing) {
  this->write_ini();
  const auto before = this->seed();
  for (const strings& args : {strings{"upgrade", "zzzz"}, strings{"downgrade", "zzzz"}, strings{"stamp", "zzzz"}}) {
    const auto o = this->run(args);
    EXPECT_EQ(o.status, 1) << args.front() << ": " << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    EXPECT_TRUE(contains(o.err, "'zzzz'")) << o;
    EXPECT_EQ(this->state(), before) << args.front();
  }
}

TYPED_TEST(cli, UnreachableTargetsAreRefusedAndChangeNothing) {
  this->write_ini();
  const auto before = this->seed();
  const auto beyond = this->run({"upgrade", "+5"});
  EXPECT_EQ(beyond.status, 1) << beyond;
  EXPECT_TRUE(one_line_error(beyond)) << beyond;
  const auto not_applied = this->run({"downgrade", "c7d2"});
  EXPECT_EQ(not_applied.status, 1) << not_applied;
  EXPECT_TRUE(one_line_error(not_applied)) << not_applied;
  EXPECT_TRUE(contains(not_applied.err, "c7d2a9e1f0b3")) << not_applied;
  const auto below = this->run({"downgrade", "-3"});
  EXPECT_EQ(below.status, 1) << below;
  EXPECT_TRUE(one_line_error(below)) << below;
  EXPECT_EQ(this->state(), before);
}

// ---- validate ------------------------------------------------------------------------------------

TYPED_TEST(cli, ValidateAcceptsAMatchingDatabaseAndFolder) {
  this->write_ini();
  this->copy_migrations();
  this->seed();
  const auto o = this->run({"validate"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.err, "");
  EXPECT_TRUE(contains(o.out, "Version table:   ok, at 3b1f0c2d4e5a")) << o;
  EXPECT_TRUE(contains(o.out, "Versions folder: ok, 3 revision files")) << o;
  EXPECT_TRUE(contains(o.out, "Valid.")) << o;
}

TYPED_TEST(cli, ValidateNamesAColumnDroppedByHand) {
  this->write_ini();
  this->copy_migrations();
  this->seed();
  this->exec("ALTER TABLE sentiment_data DROP COLUMN sentiment_confidence");
  const auto before = this->state();
  const auto o = this->run({"validate"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "column 'sentiment_data.sentiment_confidence' is missing")) << o;
  EXPECT_FALSE(contains(o.out, "Valid.")) << o;
  EXPECT_EQ(this->state(), before);
}

TYPED_TEST(cli, ValidateNamesAnIndexDroppedByHand) {
  this->write_ini();
  this->copy_migrations();
  this->seed();
  this->exec("DROP INDEX ix_stock_prices_stock_id_ts");
  const auto o = this->run({"validate"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "index 'ix_stock_prices_stock_id_ts' is missing")) << o;
}

TYPED_TEST(cli, ValidateNamesARevisionFileTheProgramLacks) {
  this->write_ini();
  this->copy_migrations();
  this->seed();
  const auto made = this->run({"migrate", "later work", "--no-autogenerate"});
  ASSERT_EQ(made.status, 0) << made;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(made.out, m, std::regex("Revision ([0-9a-f]{12})"))) << made;
  const auto o = this->run({"validate"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "revision '" + m[1].str() + "'")) << o;
  EXPECT_TRUE(contains(o.err, "rebuild manage_db")) << o;
}

// ---- a version row the history lacks --------------------------------------------------------------

TYPED_TEST(cli, AnUnknownVersionRowStopsUpgradeAndDowngradeAndChangesNothing) {
  this->write_ini();
  this->copy_migrations();
  this->seed();
  this->exec("INSERT INTO alembic_version (version_num) VALUES ('ffffffffffff')");
  const auto before = this->state();
  for (const strings& args : {strings{"upgrade"}, strings{"downgrade", "-1"}, strings{"downgrade", "base"}, strings{"validate"}}) {
    const auto o = this->run(args);
    EXPECT_EQ(o.status, 1) << args.front() << ": " << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    EXPECT_TRUE(contains(o.err, "'ffffffffffff'")) << o;
    EXPECT_TRUE(contains(o.err, "alembic_version")) << o;
    EXPECT_EQ(this->state(), before) << args.front();
  }
  const auto current = this->run({"current"});
  EXPECT_EQ(current.status, 0) << current;
  EXPECT_TRUE(contains(current.out, "ffffffffffff (not in this history)")) << current;
}

// ---- a lock held by another connection, a failing revision -----------------------------------------

TYPED_TEST(cli, ALockedDatabaseIsReportedAndLeftAsItWas) {
  this->write_ini();
  const auto before = this->seed();
  const environment short_wait{{"DATABASE_URL", this->db().locked_url(0.2)}};
  {
    auto lock = this->db().hold_write_lock();
    for (const strings& args : {strings{"upgrade"}, strings{"downgrade", "base"}, strings{"stamp", "head"}, strings{"reset", "--confirm"}}) {
      const auto started = std::chrono::steady_clock::now();
      const auto o = this->run(args, short_wait);
      EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(4)) << "the 0.2 s wait of the URL was not used";
      EXPECT_EQ(o.status, 1) << args.front() << ": " << o;
      EXPECT_TRUE(one_line_error(o)) << o;
      EXPECT_TRUE(contains(o.err, "lock")) << o;
      EXPECT_FALSE(contains(o.out, "Running")) << "a revision was announced that never ran\n" << o;
      EXPECT_TRUE(contains(o.err, this->db().where())) << "the message does not name the database " << this->db().where() << "\n" << o;
    }
    lock.release();
  }
  EXPECT_EQ(this->state(), before);
  // Once the lock is gone the same command works.
  const auto o = this->run({"upgrade"}, short_wait);
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(this->versions(), strings{market_cap});
}

TYPED_TEST(cli, AFailingRevisionIsRolledBackAndNamed) {
  this->write_ini();
  this->seed();
  // c7d2a9e1f0b3 runs UPDATE stocks ...: this trigger makes it fail.
  if constexpr (strata_test::is_sqlite<TypeParam>)
    this->exec("CREATE TRIGGER stocks_read_only BEFORE UPDATE ON stocks BEGIN SELECT RAISE(ABORT, 'stocks are read-only'); END");
  else
    this->exec("CREATE FUNCTION stocks_read_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'stocks are read-only'; "
               "END $$; CREATE TRIGGER stocks_read_only BEFORE UPDATE ON stocks FOR EACH ROW EXECUTE FUNCTION stocks_read_only()");
  const auto before = this->state();
  const auto o = this->run({"upgrade"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "'c7d2a9e1f0b3'")) << o;
  EXPECT_TRUE(contains(o.err, "stocks are read-only")) << o;
  EXPECT_TRUE(contains(o.err, "still at '3b1f0c2d4e5a'")) << o;
  EXPECT_EQ(this->state(), before);
  EXPECT_EQ(this->versions(), strings{confidence});
}

// ---- reset -----------------------------------------------------------------------------------------

TYPED_TEST(cli, ResetWithoutConfirmListsAndDropsNothing) {
  this->write_ini();
  const auto before = this->seed();
  const auto o = this->run({"reset"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "reset --confirm")) << o;
  for (const char* part : {"Would drop 7 objects", "table alembic_version_history", "table stocks", "table sentiment_data", "table stock_prices", "table alembic_version",
                           "index ix_sentiment_data_stock_id (on sentiment_data)", "index ix_stock_prices_stock_id_ts"})
    EXPECT_TRUE(contains(o.out, part)) << part << "\n" << o;
  EXPECT_EQ(this->state(), before);
}

TYPED_TEST(cli, ResetConfirmDropsEverything) {
  this->write_ini();
  this->seed();
  this->exec("CREATE VIEW apple AS SELECT * FROM stocks WHERE symbol = 'AAPL'");
  auto o = this->run({"reset", "--confirm"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "Dropped 8 objects")) << o;
  EXPECT_EQ(this->state(), "");  // no table, index, view or trigger left

  o = this->run({"reset"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "nothing to reset")) << o;
}

// ---- configuration that is not about where it comes from --------------------------------------------

TYPED_TEST(cli, ConfigOptionAndVersionTable) {
  write_file(this->dir.path() / "conf" / "other.ini", "[strata]\nurl = " + this->url() + "\nversion_table = my_versions\n");
  auto o = this->run({"-c", "conf/other.ini", "upgrade", "+1"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(this->versions("my_versions"), strings{initial});
  EXPECT_EQ(this->db().tables(), (strings{"my_versions", "my_versions_history", "sentiment_data", "stock_prices", "stocks"}));
  o = this->run({"status"}, {{"STRATA_CONFIG", "conf/other.ini"}});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "Version table:  my_versions\n")) << o;
  EXPECT_TRUE(contains(o.out, "Current:        8653cc238299\n")) << o;
}

// A URL the dialect refuses (its lock wait is not a number) names where it came from.
TYPED_TEST(cli, AUrlTheDialectRefusesNamesItsSource) {
  this->write_ini();
  const auto before = this->seed();
  const auto parameter = std::string(TypeParam::lock_wait_parameter) + "=soon";
  write_file(this->dir.path() / ".env", "DATABASE_URL=" + this->url() + "?" + parameter + "\n");
  const auto o = this->run({"upgrade"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, std::string(TypeParam::lock_wait_parameter) + "='soon'")) << o;
  EXPECT_TRUE(contains(o.err, ".env line 1")) << o;
  EXPECT_EQ(this->state(), before);
}

// A URL with a password that the dialect refuses or cannot connect to: the message masks it.
TYPED_TEST(cli, APasswordInARefusedUrlIsMasked) {
  this->write_ini();
  // {URL, what the message shows of it}
  std::vector<std::pair<std::string, std::string>> urls;
  if constexpr (strata_test::is_sqlite<TypeParam>) {
    urls = {{"sqlite://admin:hunter2@dbhost/x.db", "admin:***@dbhost"}};
  } else {
    urls = {{"postgresql://admin:hunter2@dbhost/x?colour=blue", "admin:***@dbhost"},
            {"postgresql://admin:hunter2@127.0.0.1:1/x?connect_timeout=5", "127.0.0.1:1"}};  // nothing listens on port 1
  }
  for (const auto& [url, shown] : urls) {
    const auto o = this->run({"--url", url, "status"});
    EXPECT_EQ(o.status, 1) << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    EXPECT_TRUE(contains(o.err, shown)) << shown << "\n" << o;
    EXPECT_FALSE(contains(o.err, "hunter2")) << o;
  }
}


// ---- bad version tables: a revision with its ancestor, a table of another layout -------------------

TYPED_TEST(cli, AVersionTableHoldingARevisionAndItsAncestorIsRefusedPointingToStamp) {
  this->write_ini();
  this->seed();
  this->exec("INSERT INTO alembic_version (version_num) VALUES ('8653cc238299')");
  const auto before = this->state();
  for (const strings& args : {strings{"upgrade"}, strings{"downgrade", "-1"}, strings{"upgrade", "--backup"}}) {
    const auto o = this->run(args);
    EXPECT_EQ(o.status, 1) << args.front() << ": " << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    EXPECT_TRUE(contains(o.err, "'3b1f0c2d4e5a' and its ancestor '8653cc238299'")) << o;
    EXPECT_TRUE(contains(o.err, "overlap")) << o;
    EXPECT_TRUE(contains(o.err, "'stamp'")) << o;
    EXPECT_FALSE(contains(o.out, "Running")) << o;
    EXPECT_FALSE(contains(o.out, "Backed up")) << "a backup was made of a database that cannot be migrated\n" << o;
    EXPECT_EQ(this->state(), before) << args.front();
  }
  // stamp is the way out
  const auto o = this->run({"stamp", confidence});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(this->run({"upgrade"}).status, 0);
  EXPECT_EQ(this->versions(), strings{market_cap});
}

TYPED_TEST(cli, AVersionTableOfAnotherLayoutIsNamedWithWhatToDo) {
  this->write_ini();
  this->exec("CREATE TABLE alembic_version (id INTEGER PRIMARY KEY, note VARCHAR(20))");
  this->exec("INSERT INTO alembic_version (id, note) VALUES (1, 'mine')");
  const auto before = this->state();
  for (const strings& args : {strings{"upgrade"}, strings{"stamp", "head"}, strings{"current"}, strings{"downgrade", "base"}}) {
    const auto o = this->run(args);
    EXPECT_EQ(o.status, 1) << args.front() << ": " << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    EXPECT_TRUE(contains(o.err, "'alembic_version' exists with another layout")) << o;
    EXPECT_TRUE(contains(o.err, "version_table = <name> in strata.ini")) << o;
    EXPECT_FALSE(contains(o.err, "fix the revision")) << o;
    EXPECT_EQ(this->state(), before) << args.front();
  }
  // as it says: strata's versions in a table of their own
  this->write_ini("version_table = strata_versions\n");
  const auto o = this->run({"upgrade"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(this->versions("strata_versions"), strings{market_cap});
}

// ---- backups -----------------------------------------------------------------------------------------

// The file a "Backed up <where> to <file> (<tool>)." line names.
std::string backed_up_file(const std::string& out) {
  static const std::regex line(" to (.+) \\([^()]+\\)\\.\n");
  std::smatch m;
  return std::regex_search(out, m, line) ? m[1].str() : std::string();
}

TYPED_TEST(cli, UpgradeAndDowngradeWithBackupCopyTheDatabaseFirst) {
  this->write_ini();
  this->seed(confidence);
  auto o = this->run({"upgrade", "--backup"});
  ASSERT_EQ(o.status, 0) << o;
  EXPECT_LT(o.out.find("Backed up " + masked(this->url())), o.out.find("Running upgrade")) << o;
  const auto file = backed_up_file(o.out);
  ASSERT_FALSE(file.empty()) << o;
  const fs::path backup = fs::path(file).is_absolute() ? fs::path(file) : this->dir.path() / file;
  ASSERT_TRUE(fs::exists(backup)) << backup;
  EXPECT_TRUE(std::regex_search(backup.filename().string(), std::regex("\\.[0-9]{8}T[0-9]{6}Z\\.(bak|sql)$"))) << backup;
  if constexpr (strata_test::is_sqlite<TypeParam>) {
    // beside the database, a database at the revision before, with its rows
    EXPECT_EQ(backup.parent_path(), fs::path(this->url().substr(std::string("sqlite:///").size())).parent_path());
    const strata_test::sqlite_backend copy(backup);
    EXPECT_EQ(manage_db_test::versions(copy), strings{confidence});
    EXPECT_EQ(copy.scalar("SELECT count(*) FROM stocks"), "2");
  } else {
    // pg_dump's SQL, in the working directory, with the rows as they were
    EXPECT_EQ(backup.parent_path(), this->dir.path());
    const auto sql = read_file(backup);
    EXPECT_TRUE(contains(sql, "CREATE TABLE public.stocks")) << sql.substr(0, 2000);
    EXPECT_TRUE(contains(sql, "AAPL")) << sql.substr(0, 2000);
    EXPECT_TRUE(contains(sql, confidence)) << "the version table's row is missing";
    EXPECT_FALSE(contains(sql, "market_cap")) << "the backup was made after the upgrade";
  }
  EXPECT_EQ(this->versions(), strings{market_cap});

  // nothing to run: no backup
  o = this->run({"upgrade", "--backup"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "No backup: there is nothing to upgrade.")) << o;

  // downgrade too, into --backup-dir
  o = this->run({"downgrade", "-1", "--backup", "--backup-dir", this->dir.path().string()});
  ASSERT_EQ(o.status, 0) << o;
  const fs::path second = backed_up_file(o.out);
  EXPECT_EQ(second.parent_path(), this->dir.path()) << o;
  EXPECT_NE(second, backup);
  EXPECT_TRUE(fs::exists(second)) << o;
  EXPECT_EQ(this->versions(), strings{confidence});
}

TYPED_TEST(cli, ABackupThatCannotBeMadeStopsTheMigration) {
  this->write_ini();
  const auto before = this->seed(confidence);
  outcome o;
  if constexpr (strata_test::is_sqlite<TypeParam>) {
    o = this->run({"upgrade", "--backup", "--backup-dir", (this->dir.path() / "no" / "such" / "folder").string()});
    EXPECT_TRUE(contains(o.err, "cannot back up the SQLite database")) << o;
  } else {
    o = this->run({"upgrade", "--backup"}, {{"PATH", (this->dir.path() / "empty").string()}});
    EXPECT_TRUE(contains(o.err, "pg_dump is not installed or not on PATH")) << o;
    EXPECT_TRUE(contains(o.err, "without --backup")) << o;
  }
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "nothing ran")) << o;
  EXPECT_FALSE(contains(o.out, "Running")) << o;
  EXPECT_EQ(this->state(), before);
}


// pg_dump gets the URL's password in its environment (PGPASSWORD), never on its command line: a
// pg_dump on PATH before the real one writes down what it was given, then runs it.
TYPED_TEST(cli, PgDumpGetsThePasswordInItsEnvironmentOnly) {
  if constexpr (strata_test::is_sqlite<TypeParam>) {
    GTEST_SKIP() << "about pg_dump";
  } else {
    const auto url = this->url();
    const auto at = url.find('@'), colon = url.find(':', std::string("postgresql://").size());
    if (at == std::string::npos || colon > at) GTEST_SKIP() << "the test server's URL has no password (PGPASSWORD is not set)";
    const auto password = url.substr(colon + 1, at - colon - 1);
    this->write_ini();
    this->seed(confidence);
    const auto bin = this->dir.path() / "bin";
    write_file(bin / "pg_dump",
               "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"" + (this->dir.path() / "argv.txt").string() + "\"\nprintf '%s' \"$PGPASSWORD\" > \"" +
                   (this->dir.path() / "password.txt").string() + "\"\nPATH=\"${PATH#*:}\" exec pg_dump \"$@\"\n");
    fs::permissions(bin / "pg_dump", fs::perms::owner_all);
    const char* path = std::getenv("PATH");
    // A wrong PGPASSWORD in manage_db's environment: the URL's password must win for pg_dump too.
    const auto o = this->run({"upgrade", "--backup"}, {{"PATH", bin.string() + ":" + (path != nullptr ? path : "/usr/bin")}, {"PGPASSWORD", "wrong-password"}});
    ASSERT_EQ(o.status, 0) << o;
    EXPECT_FALSE(contains(read_file(this->dir.path() / "argv.txt"), password)) << read_file(this->dir.path() / "argv.txt");
    EXPECT_EQ(read_file(this->dir.path() / "password.txt"), password);
    EXPECT_FALSE(contains(o.out + o.err, password)) << o;
    EXPECT_TRUE(fs::exists(backed_up_file(o.out))) << o;
  }
}

// ---- reset of a protected database ---------------------------------------------------------------

TYPED_TEST(cli, ResetRefusesAProtectedDatabaseUnlessForced) {
  const auto before = this->seed();
  for (const auto& [extra, env] : {std::pair<std::string, environment>{"protected = true\n", {}},
                                   std::pair<std::string, environment>{"", {{"STRATA_PROTECTED", "1"}}}}) {
    this->write_ini(extra);
    for (const strings& args : {strings{"reset"}, strings{"reset", "--confirm"}}) {
      const auto o = this->run(args, env);
      EXPECT_EQ(o.status, 1) << o;
      EXPECT_TRUE(one_line_error(o)) << o;
      EXPECT_TRUE(contains(o.err, "is protected (" + std::string(extra.empty() ? "STRATA_PROTECTED=1 in the environment" : "protected = true in "))) << o;
      EXPECT_TRUE(contains(o.err, "reset --confirm --force-protected")) << o;
      EXPECT_EQ(o.out, "") << o;
      EXPECT_EQ(this->state(), before);
    }
  }
  this->write_ini("protected = false\n");
  EXPECT_EQ(this->run({"reset"}).status, 1);  // lists only, as always
  this->write_ini("protected = true\n");
  const auto o = this->run({"reset", "--confirm", "--force-protected"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(this->state(), "");
}

}  // namespace on_each_backend

// ================================================================================================
// Once, on SQLite: files and folders, where the configuration comes from, usage errors, and the
// commands that need no database (cli)
// ================================================================================================

namespace sqlite_only {

class cli : public manage_db_test {
 protected:
  // strata.ini in the scratch folder.
  void write_ini(const std::string& url = "sqlite:///./data/x.db", const std::string& extra = "") const { write_config(url, extra); }

  [[nodiscard]] std::string db_file(const std::string& name = "x.db") const { return (dir.path() / "data" / name).string(); }
  // A database in ./data, as sqlite:///./data/<name> names it from the scratch folder.
  [[nodiscard]] strata_test::sqlite_backend database(const std::string& name = "x.db") const { return strata_test::sqlite_backend(db_file(name)); }

  // The version rows, sorted; {"<no file>"} when the database file does not exist.
  [[nodiscard]] strings versions(const std::string& name = "x.db", const std::string& table = "alembic_version") const {
    if (!fs::exists(db_file(name))) return {"<no file>"};
    return manage_db_test::versions(database(name), table);
  }
  [[nodiscard]] std::string state() const { return database().snapshot(); }
  std::string seed(const std::string& target = confidence) const { return manage_db_test::seed(database(), "sqlite:///./data/x.db", target); }
};

// ---- usage ---------------------------------------------------------------------------------------

TEST_F(cli, HelpListsEveryCommandAndExitsZero) {
  const auto o = run({"--help"});
  EXPECT_EQ(o.status, 0) << o;
  for (const char* command : {"init", "migrate", "upgrade", "downgrade", "stamp", "current", "heads", "history", "show", "status",
                              "validate", "merge", "reset", "--config", "--url"})
    EXPECT_TRUE(contains(o.out, command)) << command << "\n" << o;
  EXPECT_FALSE(fs::exists(dir.path() / "data"));
}

TEST_F(cli, NoCommandIsAUsageError) {
  write_ini();
  const auto o = run({});
  EXPECT_EQ(o.status, 2) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "name a command")) << o;
  EXPECT_FALSE(fs::exists(dir.path() / "data"));
}

TEST_F(cli, AnUnknownCommandIsAUsageErrorThatNamesIt) {
  write_ini();
  const auto o = run({"upgarde"});
  EXPECT_EQ(o.status, 2) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "upgarde")) << o;
  EXPECT_FALSE(fs::exists(dir.path() / "data"));
}

TEST_F(cli, UnexpectedArgumentsAndOptionsAreUsageErrors) {
  write_ini();
  for (const strings& args : {strings{"upgrade", "head", "extra"}, strings{"status", "--bogus"}, strings{"migrate"},
                              strings{"merge", "heads"}, strings{"--url"}, strings{"show"}, strings{"stamp"}}) {
    const auto o = run(args);
    EXPECT_EQ(o.status, 2) << args.front() << ": " << o;
    EXPECT_TRUE(one_line_error(o)) << o;
  }
  EXPECT_FALSE(fs::exists(db_file()));
}

// An empty --url (an unset variable in a script) is an error, never the ini's database.
TEST_F(cli, AnEmptyUrlIsAUsageErrorNotTheConfiguredDatabase) {
  write_ini();
  for (const strings& args : {strings{"--url", "", "upgrade"}, strings{"--url=", "status"}, strings{"--url", " ", "reset", "--confirm"}}) {
    const auto o = run(args);
    EXPECT_EQ(o.status, 2) << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    EXPECT_TRUE(contains(o.err, "--url is empty")) << o;
    EXPECT_FALSE(fs::exists(db_file())) << "the ini's database was used";
  }
}

TEST_F(cli, BackupDirWithoutBackupIsAUsageError) {
  write_ini();
  const auto o = run({"upgrade", "--backup-dir", "."});
  EXPECT_EQ(o.status, 2) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "add --backup")) << o;
  EXPECT_FALSE(fs::exists(db_file()));
}

TEST_F(cli, DowngradeWithoutATargetIsAUsageErrorAndChangesNothing) {
  write_ini();
  const auto before = seed();
  const auto o = run({"downgrade"});
  EXPECT_EQ(o.status, 2) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "downgrade needs a target")) << o;
  EXPECT_TRUE(contains(o.err, "base")) << o;
  EXPECT_EQ(state(), before);
}

TEST_F(cli, StampWithoutATargetIsAUsageError) {
  write_ini();
  const auto o = run({"stamp"});
  EXPECT_EQ(o.status, 2) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "stamp needs a target")) << o;
  EXPECT_FALSE(fs::exists(db_file()));
}

// ---- status makes the SQLite file's folder; commands that need no database ----------------------------

TEST_F(cli, StatusOnAFreshFolderCreatesTheDatabasesFolder) {
  write_ini();
  const auto o = run({"status"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.err, "");
  EXPECT_TRUE(fs::is_directory(dir.path() / "data"));
  EXPECT_TRUE(contains(o.out, "Database:       sqlite:///./data/x.db\n")) << o;  // the URL as written, relative
  EXPECT_TRUE(contains(o.out, "Current:        base\n")) << o;
  EXPECT_EQ(database().tables(), strings{});  // status migrates nothing
}

TEST_F(cli, HeadsNeedNoDatabaseNorConfiguration) {
  auto o = run({"heads"});  // no strata.ini, no DATABASE_URL
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.out, "c7d2a9e1f0b3 (head), Add market_cap to stocks\n");
  o = run({"heads", "--json"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.out, "{\"heads\": [\"c7d2a9e1f0b3\"]}\n");
  EXPECT_EQ(o.err, "");
  EXPECT_FALSE(fs::exists(dir.path() / "data"));
}

TEST_F(cli, ShowListsARevisionsOperations) {
  auto o = run({"show", "c7d2"});
  EXPECT_EQ(o.status, 0) << o;
  for (const char* part : {"Rev: c7d2a9e1f0b3 (head)\n", "Parent: 3b1f0c2d4e5a\n", "Add market_cap to stocks",
                           "add_column stocks.market_cap", "execute \"UPDATE stocks SET market_cap = 0 WHERE market_cap IS NULL\"",
                           "alter_column stocks.market_cap", "drop_column stocks.market_cap"})
    EXPECT_TRUE(contains(o.out, part)) << part << "\n" << o;
  o = run({"show", "head"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(o.out.starts_with("Rev: c7d2a9e1f0b3 (head)\n")) << o;

  o = run({"show", "zzzz"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "'zzzz'")) << o;
  EXPECT_FALSE(fs::exists(dir.path() / "data"));
}

// ---- migrate and merge -------------------------------------------------------------------------------

TEST_F(cli, MigrateWritesARevisionAfterTheHeadAndListsIt) {
  write_ini();
  const auto folder = copy_migrations();
  auto o = run({"migrate", "Add a \"watchlist\" table", "--no-autogenerate"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.err, "");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(o.out, m, std::regex("Generated (\\S+\\.hpp)\nRevision ([0-9a-f]{12}) \\(down revision c7d2a9e1f0b3\\)")))
      << o;
  const fs::path file = m[1].str();
  const auto id = m[2].str();
  EXPECT_EQ(file, folder / (id + "_add_a_watchlist_table.hpp"));
  const auto text = read_file(file);
  EXPECT_TRUE(contains(text, "struct add_a_watchlist_table : strata::revision<\"" + id + "\", \"c7d2a9e1f0b3\">")) << text;
  EXPECT_TRUE(contains(text, "message = R\"(Add a \"watchlist\" table)\";")) << text;
  const auto list = read_file(folder / "history.hpp");
  EXPECT_TRUE(contains(list, "#include \"" + id + "_add_a_watchlist_table.hpp\"\n")) << list;
  EXPECT_TRUE(contains(list, "    ::migrations::add_market_cap_to_stocks,\n    ::migrations::add_a_watchlist_table>;")) << list;
  EXPECT_FALSE(fs::exists(dir.path() / "data"));  // migrate needs no database

  // Autogenerate now would diff the models against a history without the new revision: refused
  // until the program is rebuilt, and nothing written.
  const auto files = std::distance(fs::directory_iterator(folder), fs::directory_iterator());
  o = run({"migrate", "second"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "is stale")) << o;
  EXPECT_TRUE(contains(o.err, "then migrate again")) << o;
  EXPECT_EQ(std::distance(fs::directory_iterator(folder), fs::directory_iterator()), files);
}

TEST_F(cli, MigrateWritesNothingWhenTheModelsMatchAndCheckSaysSo) {
  write_ini("");
  const auto folder = copy_migrations();
  auto o = run({"migrate", "nothing changed"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.out, "No changes: the models match the history at head c7d2a9e1f0b3; nothing written ('migrate --empty' writes an empty revision).\n");
  EXPECT_EQ(std::distance(fs::directory_iterator(folder), fs::directory_iterator()), 5);  // three revisions, history.hpp, review_policy.hpp
  o = run({"check"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.out, "The models match the migrations at head c7d2a9e1f0b3.\n");
  o = run({"migrate", "empty one", "--empty"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "down revision c7d2a9e1f0b3")) << o;
  EXPECT_FALSE(fs::exists(dir.path() / "data"));  // neither needs a database
  o = run({"migrate", "both", "--no-autogenerate", "--from-database"});
  EXPECT_EQ(o.status, 2) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
}

TEST_F(cli, MigrateNeedsNoDatabaseUrl) {
  write_ini("");
  copy_migrations();
  const auto o = run({"migrate", "no url here", "--no-autogenerate"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "down revision c7d2a9e1f0b3")) << o;
}

TEST_F(cli, MigrateIntoAnUnwritableVersionsFolderFails) {
  write_file(dir.path() / "afile", "not a folder\n");
  write_ini("sqlite:///./data/x.db", "versions_dir = afile/versions\n");
  auto o = run({"migrate", "x", "--no-autogenerate"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "afile/versions")) << o;

  write_ini("sqlite:///./data/x.db", "versions_dir = afile\n");
  o = run({"migrate", "x", "--no-autogenerate"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "is not a folder")) << o;
  EXPECT_EQ(read_file(dir.path() / "afile"), "not a folder\n");
}

TEST_F(cli, MigrateTakesItsMessageAfterMinusMAsWell) {
  write_ini();
  const auto folder = copy_migrations();
  const auto o = run({"migrate", "-m", "Add watchlist", "--no-autogenerate"});
  EXPECT_EQ(o.status, 0) << o;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(o.out, m, std::regex("Generated (\\S+\\.hpp)\nRevision ([0-9a-f]{12}) \\(down revision c7d2a9e1f0b3\\)"))) << o;
  EXPECT_EQ(fs::path(m[1].str()), folder / (m[2].str() + "_add_watchlist.hpp"));
  EXPECT_TRUE(contains(read_file(m[1].str()), "message = \"Add watchlist\";"));
}

TEST_F(cli, AnEmptyOrTwiceGivenMessageIsAUsageErrorAndWritesNothing) {
  write_ini();
  const auto folder = copy_migrations();
  const auto list_before = read_file(folder / "history.hpp");
  for (const strings& args : {strings{"migrate", ""}, strings{"migrate", "-m", ""}, strings{"migrate", "  "},
                              strings{"migrate", "one", "-m", "two"}, strings{"merge", "-m", "", "heads"}}) {
    const auto o = run(args);
    EXPECT_EQ(o.status, 2) << args.front() << ": " << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    EXPECT_TRUE(contains(o.err, "message")) << o;
  }
  EXPECT_EQ(read_file(folder / "history.hpp"), list_before);
  EXPECT_EQ(std::distance(fs::directory_iterator(folder), fs::directory_iterator{}), 5);  // as before: nothing written
}

TEST_F(cli, InitSetsUpAnEmptyVersionsFolderAndMigrateWritesRevisionOne) {
  write_ini();
  const auto folder = dir.path() / "migrations";
  auto o = run({"init"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.err, "");
  EXPECT_TRUE(contains(o.out, "Created " + (folder / "history.hpp").string() + ", an empty history.")) << o;
  const auto list = read_file(folder / "history.hpp");
  EXPECT_TRUE(contains(list, "#include <strata/strata.hpp>\n")) << list;
  EXPECT_TRUE(contains(list, "using history = strata::history<>;")) << list;
  EXPECT_FALSE(fs::exists(dir.path() / "data"));  // init needs no database

  o = run({"init"});  // twice: nothing changes
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "is set up already: history.hpp lists 0 revisions")) << o;
  EXPECT_EQ(read_file(folder / "history.hpp"), list);

  o = run({"migrate", "initial schema", "--no-autogenerate"});
  EXPECT_EQ(o.status, 0) << o;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(o.out, m, std::regex("Generated (\\S+\\.hpp)\nRevision ([0-9a-f]{12}) \\(down revision base\\)"))) << o;
  EXPECT_TRUE(contains(read_file(m[1].str()), "strata::revision<\"" + m[2].str() + "\", strata::base>")) << read_file(m[1].str());
  EXPECT_TRUE(contains(read_file(folder / "history.hpp"), "using history = strata::history<\n    ::migrations::initial_schema>;"));
}

TEST_F(cli, TheFirstMigrateInAMissingFolderSetsItUp) {
  write_ini("sqlite:///./data/x.db", "versions_dir = db/versions\n");
  const auto o = run({"migrate", "-m", "create stocks", "--no-autogenerate"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(contains(o.out, "(down revision base)")) << o;
  EXPECT_TRUE(contains(read_file(dir.path() / "db/versions/history.hpp"), "::migrations::create_stocks>;"));
}

// manage_db built before `migrate` (or after a revision file went): one line on status, history and
// current, and upgrade refuses, each saying how to rebuild it (strata_add_manage_db's command).
TEST_F(cli, AStaleManageDbSaysSoAndRefusesToUpgrade) {
  write_ini();
  const auto folder = copy_migrations();
  const auto before = seed(initial);
  const auto made = run({"migrate", "later work", "--no-autogenerate"});
  ASSERT_EQ(made.status, 0) << made;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(made.out, m, std::regex("Revision ([0-9a-f]{12})"))) << made;
  const auto id = m[1].str();
  for (const strings& args : {strings{"status"}, strings{"history"}, strings{"current"}, strings{"status", "--json"}}) {
    const auto o = run(args);
    EXPECT_EQ(o.status, 0) << args.front() << ": " << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    for (const std::string& part : {std::string("warning: this manage_db is stale: it lacks 1 revision of ") + folder.string(),
                                    "'" + id + " in " + id + "_later_work.hpp'", std::string("cmake --build "),
                                    std::string("--target manage_db")})
      EXPECT_TRUE(contains(o.err, part)) << part << "\n" << o;
  }
  auto o = run({"status", "--json"});  // and in the JSON, for scripts
  EXPECT_TRUE(contains(o.out, "\"stale\": true, \"not_in_program\": [{\"id\": \"" + id + "\", \"file\": \"" +
                                  (folder / (id + "_later_work.hpp")).string() + "\"}], \"not_in_folder\": [], \"unfinished\": null}\n"))
      << o;
  o = run({"upgrade"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "stale")) << o;
  EXPECT_TRUE(contains(o.err, "so it upgrades nothing; rebuild it with 'cmake --build ")) << o;
  EXPECT_EQ(o.out, "");
  EXPECT_EQ(state(), before);
  o = run({"heads"});  // what needs no database and no folder says nothing
  EXPECT_EQ(o.err, "") << o;

  // The reverse: a revision of the program whose file is gone.
  std::vector<fs::path> gone;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.path().filename().string().starts_with(id) || entry.path().filename().string().starts_with(market_cap)) gone.push_back(entry.path());
  ASSERT_EQ(gone.size(), 2u);
  for (const auto& p : gone) fs::remove(p);
  o = run({"status", "--json"});
  EXPECT_TRUE(contains(o.out, "\"stale\": true, \"not_in_program\": [], \"not_in_folder\": [\"c7d2a9e1f0b3\"], \"unfinished\": null}\n")) << o;
  o = run({"status"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "it has 1 revision that " + folder.string() + " lacks ('c7d2a9e1f0b3')")) << o;
  o = run({"upgrade"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_EQ(state(), before);
}

// A revision written by hand beside c7d2a9e1f0b3, after 3b1f0c2d4e5a: two heads.
void write_branch(const fs::path& folder) {
  write_file(folder / "c7d2a9e1ffff_branch.hpp",
             "#pragma once\n#include <strata/strata.hpp>\nnamespace migrations {\n"
             "struct branch : strata::revision<\"c7d2a9e1ffff\", \"3b1f0c2d4e5a\"> {\n"
             "  static constexpr std::string_view message = \"branch\";\n"
             "  static constexpr void upgrade(strata::ops&) {}\n  static constexpr void downgrade(strata::ops&) {}\n};\n}\n");
}

TEST_F(cli, MergeWritesARevisionAfterBothHeads) {
  write_ini();
  const auto folder = copy_migrations();
  write_branch(folder);
  const auto o = run({"merge", "-m", "merge branches", "heads"});
  EXPECT_EQ(o.status, 0) << o;
  EXPECT_EQ(o.err, "");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(o.out, m, std::regex("Generated (\\S+\\.hpp)\nMerge revision ([0-9a-f]{12})"))) << o;
  const auto id = m[2].str();
  const auto text = read_file(m[1].str());
  const bool downs = contains(text, "strata::revision<\"" + id + "\", \"c7d2a9e1f0b3\", \"c7d2a9e1ffff\">") ||
                     contains(text, "strata::revision<\"" + id + "\", \"c7d2a9e1ffff\", \"c7d2a9e1f0b3\">");
  EXPECT_TRUE(downs) << text;
  const auto list = read_file(folder / "history.hpp");
  EXPECT_TRUE(contains(list, "#include \"c7d2a9e1ffff_branch.hpp\"\n")) << list;
  EXPECT_TRUE(contains(list, "#include \"" + id + "_merge_branches.hpp\"\n")) << list;
  EXPECT_TRUE(contains(list, "    ::migrations::merge_branches>;")) << list;
  EXPECT_FALSE(fs::exists(dir.path() / "data"));

  // Now the folder has one head: migrate follows the merge.
  const auto next = run({"migrate", "after merge", "--no-autogenerate"});
  EXPECT_EQ(next.status, 0) << next;
  EXPECT_TRUE(contains(next.out, "(down revision " + id + ")")) << next;
}

TEST_F(cli, MergeRefusesOneUnknownOrAmbiguousRevision) {
  write_ini();
  const auto folder = copy_migrations();
  write_branch(folder);
  const auto list_before = read_file(folder / "history.hpp");
  const auto files_before = std::distance(fs::directory_iterator(folder), fs::directory_iterator{});

  auto o = run({"merge", "-m", "m", "3b1f"});
  EXPECT_EQ(o.status, 2) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "two or more")) << o;

  o = run({"merge", "-m", "m", "zzzz", "c7d2a9e1f0b3"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "'zzzz'")) << o;

  o = run({"merge", "-m", "m", "c7d2", "8653"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "'c7d2'")) << o;
  EXPECT_TRUE(contains(o.err, "matches 2")) << o;

  EXPECT_EQ(read_file(folder / "history.hpp"), list_before);
  EXPECT_EQ(std::distance(fs::directory_iterator(folder), fs::directory_iterator{}), files_before);
}

// ---- where the configuration comes from ------------------------------------------------------------

TEST_F(cli, TheUrlComesFromUrlThenDatabaseUrlThenDotEnvThenStrataIni) {
  write_ini("sqlite:///./data/ini.db");
  write_file(dir.path() / ".env", "# comment\nexport DATABASE_URL=\"sqlite:///./data/env_file.db\"\n");
  ASSERT_EQ(run({"--url", "sqlite:///./data/flag.db", "upgrade", "+1"}, {{"DATABASE_URL", "sqlite:///./data/env.db"}}).status, 0);
  ASSERT_EQ(run({"upgrade", "+1"}, {{"DATABASE_URL", "sqlite:///./data/env.db"}}).status, 0);
  ASSERT_EQ(run({"upgrade", "+1"}).status, 0);
  fs::remove(dir.path() / ".env");
  ASSERT_EQ(run({"upgrade", "+1"}).status, 0);
  EXPECT_EQ(versions("flag.db"), strings{initial});
  EXPECT_EQ(versions("env.db"), strings{initial});
  EXPECT_EQ(versions("env_file.db"), strings{initial});
  EXPECT_EQ(versions("ini.db"), strings{initial});
}

TEST_F(cli, AMissingConfigurationIsReported) {
  auto o = run({"status"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "no database URL")) << o;
  EXPECT_TRUE(contains(o.err, "DATABASE_URL")) << o;

  for (const auto& [args, env] : {std::pair{strings{"--config", "nope.ini", "status"}, environment{}},
                                  std::pair{strings{"status"}, environment{{"STRATA_CONFIG", "nope.ini"}}}}) {
    o = run(args, env);
    EXPECT_EQ(o.status, 1) << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    EXPECT_TRUE(contains(o.err, "'nope.ini' does not exist")) << o;
  }
  write_ini("sqlite:///./data/x.db", "colour = blue\n");
  o = run({"status"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "strata.ini line 3")) << o;
  EXPECT_TRUE(contains(o.err, "'colour'")) << o;
  EXPECT_FALSE(fs::exists(db_file()));
}

// ---- malformed and unusable URLs: each names where it came from, and the database stays as it was --

TEST_F(cli, AMalformedUrlNamesItsSource) {
  write_ini();
  const auto before = seed();
  struct source {
    std::string ini_url;    // strata.ini's url
    std::string env_file;   // .env's content ("" for none)
    environment env;        // the environment
    strings flags;          // before the command
    strings expected;       // in the message
  };
  const std::vector<source> sources = {
      {"sqlite//bad.db", "", {}, {}, {"strata.ini line 2", "'sqlite//bad.db' is not a database URL"}},
      {"sqlite:///./data/x.db", "# settings\n\nDATABASE_URL=notaurl\n", {}, {}, {".env line 3", "'notaurl'"}},
      {"sqlite:///./data/x.db", "", {{"DATABASE_URL", "sqlite:/x.db"}}, {}, {"DATABASE_URL in the environment", "'sqlite:/x.db'"}},
      {"sqlite:///./data/x.db", "", {}, {"--url", "post gres://u:secret@h/db"}, {"--url", "u:***@h"}},
  };
  for (const auto& s : sources) {
    write_ini(s.ini_url);
    fs::remove(dir.path() / ".env");
    if (!s.env_file.empty()) write_file(dir.path() / ".env", s.env_file);
    auto args = s.flags;
    args.push_back("upgrade");
    const auto o = run(args, s.env);
    EXPECT_EQ(o.status, 1) << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    for (const auto& e : s.expected) EXPECT_TRUE(contains(o.err, e)) << e << "\n" << o;
    EXPECT_FALSE(contains(o.err, "secret")) << o;
    EXPECT_EQ(state(), before);
  }
}

// (A lock wait that is not a number, from .env, is in cli/<backend>.AUrlTheDialectRefusesNamesItsSource.)
TEST_F(cli, AUrlTheSqliteDialectRefusesNamesItsSource) {
  write_ini();
  const auto before = seed();
  write_ini("sqlite://dbhost/x.db");
  const auto o = run({"upgrade"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "names a host")) << o;
  EXPECT_TRUE(contains(o.err, "strata.ini line 2")) << o;
  EXPECT_EQ(state(), before);
}

TEST_F(cli, AnUnknownSchemeIsNamed) {
  write_ini();
  const auto before = seed();
  const auto o = run({"upgrade"}, {{"DATABASE_URL", "mysql://app:secret@localhost/insight"}});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "'mysql'")) << o;
  EXPECT_TRUE(contains(o.err, "DATABASE_URL")) << o;
  EXPECT_TRUE(contains(o.err, "sqlite://")) << o;
#ifdef STRATA_HAVE_POSTGRESQL
  EXPECT_TRUE(contains(o.err, "postgresql://")) << o;  // manage_db is built with both dialects
#endif
  EXPECT_FALSE(contains(o.err, "secret")) << o;
  EXPECT_EQ(state(), before);
}

TEST_F(cli, ADatabasePathThatCannotBeCreatedIsReported) {
  write_file(dir.path() / "afile", "a regular file\n");
  write_ini("sqlite:///./afile/x.db");
  auto o = run({"upgrade"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "'./afile'")) << o;
  EXPECT_EQ(read_file(dir.path() / "afile"), "a regular file\n");

  fs::create_directories(dir.path() / "adir");
  write_ini("sqlite:///./adir");
  o = run({"upgrade"});
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_TRUE(one_line_error(o)) << o;
  EXPECT_TRUE(contains(o.err, "'./adir'")) << o;
  EXPECT_TRUE(fs::is_empty(dir.path() / "adir"));
}

TEST_F(cli, AFileThatIsNotADatabaseIsReportedAndLeftAlone) {
  write_file(db_file(), "these are notes, not a database\n");
  write_ini();
  for (const strings& args : {strings{"upgrade"}, strings{"status"}, strings{"reset", "--confirm"}}) {
    const auto o = run(args);
    EXPECT_EQ(o.status, 1) << args.front() << ": " << o;
    EXPECT_TRUE(one_line_error(o)) << o;
    EXPECT_TRUE(contains(o.err, "not a usable SQLite database")) << o;
    EXPECT_EQ(read_file(db_file()), "these are notes, not a database\n");
  }
}

}  // namespace sqlite_only

}  // namespace
