// manage_db upgrade over many databases (strata/many_databases.hpp): --all-schemas and --schemas on a
// real PostgreSQL server (one schema per tenant), --url repeated and --urls-from on real SQLite files;
// a report line per target, a failure that stops the run or (--keep-going) does not, and the failing
// target left at a consistent revision with its rows. examples/insightbull's manage_db is run as a
// program; the databases are read back through their own clients.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <SQLiteCpp/SQLiteCpp.h>

#include "support/process.hpp"
#include "support/sqlite_scratch.hpp"
#ifdef STRATA_HAVE_POSTGRESQL
#include "support/postgresql_scratch.hpp"
#endif

namespace {

namespace fs = std::filesystem;
using strings = std::vector<std::string>;

constexpr const char* initial = "8653cc238299";
constexpr const char* head = "c7d2a9e1f0b3";

struct outcome : strata_test::process_result {};

std::ostream& operator<<(std::ostream& os, const outcome& o) {
  return os << "exit status " << o.status << "\n--- stdout:\n" << o.out << "--- stderr:\n" << o.err << "---";
}

bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

// The report line of one target ("  <name>: ..."), or "" when there is none; fails when there are several.
std::string line_of(const std::string& out, const std::string& name) {
  std::string found;
  std::size_t lines = 0;
  for (std::size_t at = 0; at < out.size();) {
    const auto end = out.find('\n', at);
    const auto line = out.substr(at, end - at);
    if (line.starts_with("  " + name + ": ")) {
      found = line;
      ++lines;
    }
    at = end == std::string::npos ? out.size() : end + 1;
  }
  EXPECT_LE(lines, 1U) << name << " is reported " << lines << " times:\n" << out;
  return found;
}

class many_databases_test : public ::testing::Test {
 protected:
  void SetUp() override {
#if !defined(STRATA_MANAGE_DB)
    GTEST_SKIP() << "manage_db is not built (needs STRATA_BUILD_EXAMPLES and CLI11)";
#endif
  }

  outcome run(const strings& args) const {
#ifdef STRATA_MANAGE_DB
    const std::string program = STRATA_MANAGE_DB;
#else
    const std::string program = "manage_db";
#endif
    const auto io = dir.path().parent_path() / (dir.path().filename().string() + ".io");
    return outcome{strata_test::child_process(program, args, {}, dir.path(), io).wait()};
  }

  strata_test::scratch_folder dir;
};

// ---- SQLite: a list of database files ------------------------------------------------------------

std::string sqlite_version(const fs::path& file) {
  SQLite::Database db(file.string());
  if (!db.tableExists("alembic_version")) return "base";
  return db.execAndGet("SELECT group_concat(version_num) FROM alembic_version").getString();
}

TEST_F(many_databases_test, SqliteFilesFromRepeatedUrlsAndAListFile) {
  std::ofstream(dir.path() / "shards.txt") << "# the shards\nsqlite:///shard_c.db\n\n  sqlite:///shard_d.db  \n";
  const auto o = run({"--url", "sqlite:///shard_a.db", "--url", "sqlite:///shard_b.db", "upgrade", "--urls-from", "shards.txt", "--jobs", "2"});
  ASSERT_EQ(o.status, 0) << o;
  for (const char* shard : {"shard_a", "shard_b", "shard_c", "shard_d"}) {
    EXPECT_EQ(sqlite_version(dir.path() / (std::string(shard) + ".db")), head) << shard;
    EXPECT_TRUE(std::regex_search(line_of(o.out, "sqlite:///" + std::string(shard) + ".db"),
                                  std::regex(std::string(": base -> ") + head + R"( \(head\), 3 revisions in \d+ ms$)")))
        << o;
  }
  EXPECT_TRUE(contains(o.out, "Upgrading 4 databases to head, 2 at a time:\n")) << o;
  EXPECT_TRUE(contains(o.out, "Done with 4 of 4 databases in ")) << o;
  EXPECT_TRUE(contains(o.out, ": 4 upgraded, 0 up to date, 0 failed.\n")) << o;

  const auto again = run({"--url", "sqlite:///shard_a.db", "--url", "sqlite:///shard_b.db", "upgrade"});
  ASSERT_EQ(again.status, 0) << again;
  EXPECT_TRUE(contains(line_of(again.out, "sqlite:///shard_a.db"), std::string("up to date at ") + head + " (head)")) << again;
}

// A shard that fails (its file is not a database) stops the run; those after it do not start.
TEST_F(many_databases_test, SqliteFailureStopsTheRestUnlessKeepGoing) {
  std::ofstream(dir.path() / "shard_2.db") << "this is not a SQLite database, but a text file long enough to be read as one's header....";
  const strings urls{"--url", "sqlite:///shard_1.db", "--url", "sqlite:///shard_2.db", "--url", "sqlite:///shard_3.db"};
  auto args = urls;
  for (const char* a : {"upgrade", "--jobs", "1"}) args.emplace_back(a);
  const auto o = run(args);
  EXPECT_EQ(o.status, 1) << o;
  EXPECT_EQ(sqlite_version(dir.path() / "shard_1.db"), head);
  EXPECT_FALSE(fs::exists(dir.path() / "shard_3.db")) << o;
  EXPECT_TRUE(contains(line_of(o.out, "sqlite:///shard_2.db"), ": FAILED after ")) << o;
  EXPECT_TRUE(contains(line_of(o.out, "sqlite:///shard_3.db"), ": not started: an earlier one failed")) << o;
  EXPECT_EQ(o.err, "manage_db: 1 of 3 databases failed to upgrade (sqlite:///shard_2.db), so 1 database did not start "
                   "(--keep-going upgrades them still); the lines above say why: fix it and upgrade again\n");

  args.emplace_back("--keep-going");
  const auto k = run(args);
  EXPECT_EQ(k.status, 1) << k;
  EXPECT_EQ(sqlite_version(dir.path() / "shard_3.db"), head) << k;
  EXPECT_TRUE(contains(k.out, ": 1 upgraded, 1 up to date, 1 failed.\n")) << k;
}

TEST_F(many_databases_test, BadInputIsOneSentence) {
  const auto schemas = run({"--url", "sqlite:///one.db", "upgrade", "--all-schemas"});
  EXPECT_EQ(schemas.status, 2) << schemas;
  EXPECT_EQ(schemas.err, "manage_db: --all-schemas and --schemas need a database with schemas, and the sqlite dialect has none; name each "
                         "database to upgrade with --url or --urls-from instead\n");
  EXPECT_FALSE(fs::exists(dir.path() / "one.db"));

  const auto jobs = run({"--url", "sqlite:///one.db", "upgrade", "--jobs", "3"});
  EXPECT_EQ(jobs.status, 2) << jobs;
  EXPECT_TRUE(contains(jobs.err, "--jobs is for several databases or schemas")) << jobs;

  const auto status = run({"--url", "sqlite:///one.db", "--url", "sqlite:///two.db", "status"});
  EXPECT_EQ(status.status, 2) << status;
  EXPECT_EQ(status.err, "manage_db: only upgrade takes several --url; give status one database URL\n");

  std::ofstream(dir.path() / "bad.txt") << "sqlite:///ok.db\nnot a url\n";
  const auto list = run({"upgrade", "--urls-from", "bad.txt"});
  EXPECT_EQ(list.status, 1) << list;
  EXPECT_TRUE(contains(list.err, "bad.txt line 2: 'not a url' is not a database URL")) << list;
  EXPECT_FALSE(fs::exists(dir.path() / "ok.db")) << "nothing runs when the list has a bad line";
}

// ---- PostgreSQL: one schema per tenant -----------------------------------------------------------

#ifdef STRATA_HAVE_POSTGRESQL
class many_schemas_test : public many_databases_test {
 protected:
  void SetUp() override {
    many_databases_test::SetUp();
    if (IsSkipped() || !strata_test::require_postgresql()) return;
    db.emplace();
    for (const auto& s : tenants) db->exec("CREATE SCHEMA " + s);
    db->exec("CREATE SCHEMA shared");
  }

  std::string version(const std::string& schema) {
    if (db->scalar("SELECT to_regclass('" + schema + ".alembic_version') IS NOT NULL") != "t") return "base";
    return db->scalar("SELECT string_agg(version_num, ',') FROM " + schema + ".alembic_version");
  }

  // tenant_3 made to fail at the second revision, with a row of its own: its sentiment_data table is
  // gone, so adding a column to it fails.
  void break_tenant_3() {
    ASSERT_EQ(run({"--url", db->url() + "?schema=tenant_3", "upgrade", initial}).status, 0);
    db->exec("DROP TABLE tenant_3.sentiment_data; INSERT INTO tenant_3.stocks (symbol, name) VALUES ('ACME', 'Acme')");
  }

  void expect_tenant_3_intact() {
    EXPECT_EQ(version("tenant_3"), initial);
    EXPECT_EQ(db->scalar("SELECT string_agg(symbol, ',') FROM tenant_3.stocks"), "ACME");
  }

  std::optional<strata_test::postgresql_database> db;
  const strings tenants{"tenant_1", "tenant_2", "tenant_3", "tenant_4", "tenant_5", "tenant_6"};
};

TEST_F(many_schemas_test, EverySchemaMatchingAPatternIsUpgradedInItself) {
  const auto o = run({"--url", db->url(), "upgrade", "--schemas", "tenant_*", "--jobs", "3"});
  ASSERT_EQ(o.status, 0) << o;
  for (const auto& s : tenants) {
    EXPECT_EQ(version(s), head) << s;
    EXPECT_EQ(db->scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = '" + s + "' AND table_name = 'stocks'"), "1");
    EXPECT_TRUE(std::regex_search(line_of(o.out, s), std::regex(std::string(": base -> ") + head + R"( \(head\), 3 revisions in \d+ ms$)"))) << o;
  }
  EXPECT_EQ(version("shared"), "base") << "a schema the pattern does not name is left alone";
  EXPECT_EQ(version("public"), "base");
  EXPECT_TRUE(contains(o.out, "Upgrading 6 schemas of ")) << o;
  EXPECT_TRUE(contains(o.out, ": 6 upgraded, 0 up to date, 0 failed.\n")) << o;

  // The password is in the URL given; it is shown nowhere.
  const auto password = strata_test::environment("PGPASSWORD");
  if (!password.empty()) {
    EXPECT_FALSE(contains(o.out + o.err, password)) << o;
  }
  EXPECT_TRUE(o.err.empty()) << o;

  // --all-schemas: every schema, those at head already reported up to date.
  const auto all = run({"--url", db->url(), "upgrade", "--all-schemas"});
  ASSERT_EQ(all.status, 0) << all;
  EXPECT_EQ(version("shared"), head);
  EXPECT_TRUE(contains(line_of(all.out, "tenant_4"), std::string(": up to date at ") + head + " (head)")) << all;
  EXPECT_TRUE(contains(all.out, ": 2 upgraded, 6 up to date, 0 failed.\n")) << all;
}

TEST_F(many_schemas_test, SchemasFromTheConfigurationFile) {
  std::ofstream(dir.path() / "strata.ini") << "[strata]\nurl = " << db->url() << "\nschemas = tenant_1, tenant_2, tenant_new\n";
  const auto o = run({"upgrade", "--all-schemas"});
  ASSERT_EQ(o.status, 0) << o;
  EXPECT_EQ(version("tenant_1"), head);
  EXPECT_EQ(version("tenant_2"), head);
  EXPECT_EQ(version("tenant_new"), head) << "a schema named in full is created";
  EXPECT_EQ(version("tenant_3"), "base");
}

TEST_F(many_schemas_test, AFailingSchemaStopsTheRest) {
  break_tenant_3();
  const auto o = run({"--url", db->url(), "upgrade", "--schemas", "tenant_*", "--jobs", "1"});
  EXPECT_EQ(o.status, 1) << o;
  expect_tenant_3_intact();
  EXPECT_EQ(version("tenant_1"), head);
  EXPECT_EQ(version("tenant_2"), head);
  for (const char* s : {"tenant_4", "tenant_5", "tenant_6"}) {
    EXPECT_EQ(version(s), "base") << s;
    EXPECT_TRUE(contains(line_of(o.out, s), ": not started: an earlier one failed")) << o;
  }
  EXPECT_TRUE(std::regex_search(line_of(o.out, "tenant_3"),
                                std::regex(std::string(R"(: FAILED after \d+ ms, left at )") + initial + ": upgrade of revision '3b1f0c2d4e5a'")))
      << o;
  EXPECT_EQ(o.err, "manage_db: 1 of 6 schemas failed to upgrade (tenant_3), so 3 schemas did not start (--keep-going upgrades them "
                   "still); the lines above say why: fix it and upgrade again\n");
}

TEST_F(many_schemas_test, KeepGoingUpgradesTheOthers) {
  break_tenant_3();
  const auto o = run({"--url", db->url(), "upgrade", "--schemas", "tenant_*", "--jobs", "2", "--keep-going"});
  EXPECT_EQ(o.status, 1) << o;
  expect_tenant_3_intact();
  for (const auto& s : tenants)
    if (s != "tenant_3") {
      EXPECT_EQ(version(s), head) << s;
    }
  EXPECT_TRUE(contains(o.out, ": 5 upgraded, 0 up to date, 1 failed.\n")) << o;
  EXPECT_EQ(o.err, "manage_db: 1 of 6 schemas failed to upgrade (tenant_3); the lines above say why: fix it and upgrade again\n");
  const auto password = strata_test::environment("PGPASSWORD");
  if (!password.empty()) {
    EXPECT_FALSE(contains(o.out + o.err, password)) << o;
  }
}
#endif

}  // namespace
