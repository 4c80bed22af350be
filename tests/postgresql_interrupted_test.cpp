// A revision outside a transaction whose process dies part-way (killed while its CREATE INDEX
// CONCURRENTLY waits): the history table keeps it as started, and the next run says what it
// completed, what it did not, the index it left (INVALID, with the statement that removes it; or
// VALID, with `stamp`) and refuses to go on until it is dealt with. The process is a real one,
// forked and killed with SIGKILL; skipped when no server is there (see postgresql_scratch.hpp).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include <strata/cli.hpp>
#include <strata/commands.hpp>
#include <strata/dialect/postgresql.hpp>
#include <strata/strata.hpp>

#include "support/error_messages.hpp"
#include "support/postgresql_scratch.hpp"

namespace {

using namespace strata_test;
using strata::column;
using pg = strata::migrator<strata::postgresql>;
using strings = std::vector<std::string>;

struct items : strata::revision<"f10000000001", strata::base> {
  static constexpr std::string_view message = "items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {column("id", strata::integer).primary_key().auto_increment(), column("code", strata::text)});
    op.execute("INSERT INTO items (code) VALUES ('a'), ('b')");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};
struct code_index : strata::revision<"f10000000002", "f10000000001"> {
  static constexpr std::string_view message = "index the codes";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) {
    op.execute("UPDATE items SET code = upper(code)");
    op.create_index("ix_items_code", "items", {"code"}, {.concurrently = true});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_index("ix_items_code"); }
};
using history = strata::history<items, code_index>;

class PostgresqlInterrupted : public postgresql_test {
 protected:
  // Upgrades in a child process, whose CREATE INDEX CONCURRENTLY waits behind this process's open
  // transaction on items; kills the child with SIGKILL meanwhile. Then, with `terminate`, ends its
  // server session too (the index stays INVALID); without, lets the server finish the statement
  // (the index is VALID, though no client heard of it).
  void interrupt(bool terminate) {
    pg m{history{}, url()};
    m.upgrade("f10000000001");
    pqxx::connection blocker("dbname='" + db().name() + "'");
    pqxx::work open(blocker);
    open.exec("INSERT INTO items (code) VALUES ('c')");

    const pid_t child = ::fork();
    ASSERT_NE(child, -1);
    if (child == 0) {
      try {
        pg c{history{}, url()};
        c.upgrade();
      } catch (...) {  // NOLINT: the parent looks at the database
      }
      ::_exit(0);
    }
    std::string backend;
    for (int i = 0; i < 400 && backend.empty(); ++i) {
      backend = db().scalar("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'CREATE INDEX CONCURRENTLY%' "
                            "AND wait_event_type = 'Lock'");
      if (backend.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    ASSERT_FALSE(backend.empty()) << "the child's CREATE INDEX CONCURRENTLY never waited";
    if (terminate) db().scalar("SELECT pg_terminate_backend(" + backend + ")");
    open.abort();
    for (int i = 0; i < 400; ++i) {  // the session ends (terminated, or done and finding its client gone)
      if (db().scalar("SELECT count(*) FROM pg_stat_activity WHERE pid = " + backend) == "0") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  std::string history_rows() {
    std::string out;
    for (const auto& r : db().rows("SELECT revision, direction, outcome, progress FROM alembic_version_history ORDER BY id"))
      out += r.at(0).value_or("") + " " + r.at(1).value_or("") + " " + r.at(2).value_or("") + " [" + r.at(3).value_or("") + "]\n";
    return out;
  }
};

TEST_F(PostgresqlInterrupted, AnInvalidIndexIsNamedWithTheStatementThatRemovesIt) {
  interrupt(true);
  if (HasFatalFailure()) return;
  EXPECT_EQ(db().scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_items_code'::regclass"), "f");
  EXPECT_EQ(history_rows(),
            "f10000000001 upgrade succeeded []\n"
            "f10000000002 upgrade started [execute \"UPDATE items SET code = upper(code)\"]\n");

  pg m{history{}, url()};
  EXPECT_EQ(m.current(), strings{"f10000000001"});
  const auto status = strata::commands::status(m);
  ASSERT_TRUE(status.unfinished);
  expect_words(*status.unfinished, {"it is still running, or it was interrupted"});

  const auto what = message_of<strata::interrupted_migration>([&] { m.upgrade(); });
  expect_words(what, {"revision 'f10000000002' (index the codes), run outside a transaction, upgrade started at ",
                      "never finished (its process died or lost the connection)",
                      "it completed execute \"UPDATE items SET code = upper(code)\"", "not completed: create_index ix_items_code on items",
                      "index 'ix_items_code' is INVALID", "remove it with DROP INDEX CONCURRENTLY IF EXISTS \"ix_items_code\"",
                      "'manage_db repair'"});
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
  EXPECT_EQ(m.current(), strings{"f10000000001"}) << "refused: nothing ran";
  const auto report = strata::commands::validate(m);
  EXPECT_FALSE(report.valid());

  // Through manage_db: one line, exit 1.
  {
    const std::string u = url();
    std::vector<const char*> argv{"manage_db", "--url", u.c_str(), "upgrade"};
    std::ostringstream out, err;
    EXPECT_EQ((strata::cli::main<history, strata::postgresql>(static_cast<int>(argv.size()), argv.data(), out, err)), 1);
    const auto said = err.str();
    EXPECT_TRUE(said.starts_with("manage_db: revision 'f10000000002' (index the codes), run outside a transaction")) << said;
    EXPECT_EQ(std::count(said.begin(), said.end(), '\n'), 1) << said;
  }

  // Done as it says: the index dropped, the statement that completed undone, the record closed.
  db().exec("DROP INDEX CONCURRENTLY IF EXISTS \"ix_items_code\"");
  db().exec("UPDATE items SET code = lower(code)");
  const auto repaired = strata::commands::repair(m);
  ASSERT_TRUE(repaired.closed);
  EXPECT_EQ(m.upgrade(), strings{"f10000000002"});
  EXPECT_EQ(db().scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_items_code'::regclass"), "t");
  EXPECT_EQ(history_rows(),
            "f10000000001 upgrade succeeded []\n"
            "f10000000002 upgrade failed [execute \"UPDATE items SET code = upper(code)\"]\n"
            "f10000000002 upgrade succeeded [execute \"UPDATE items SET code = upper(code)\"\ncreate_index ix_items_code on items]\n");
  EXPECT_FALSE(strata::commands::status(m).unfinished);
}

TEST_F(PostgresqlInterrupted, AValidIndexIsSaidToBeCompleteAndStampOffered) {
  interrupt(false);
  if (HasFatalFailure()) return;
  EXPECT_EQ(db().scalar("SELECT indisvalid FROM pg_index WHERE indexrelid = 'ix_items_code'::regclass"), "t");

  pg m{history{}, url()};
  const auto what = message_of<strata::interrupted_migration>([&] { m.upgrade(); });
  expect_words(what, {"index 'ix_items_code' exists and is VALID (its statement did complete)",
                      "its last operation did complete, so the revision is done: record it with 'manage_db stamp f10000000002' instead of "
                      "running it again"});
  EXPECT_EQ(what.find("DROP INDEX"), std::string::npos) << what;

  m.stamp("f10000000002");
  EXPECT_FALSE(strata::commands::status(m).unfinished);
  EXPECT_EQ(m.upgrade(), strings{});
  EXPECT_EQ(m.current(), strings{"f10000000002"});
}

}  // namespace
