// strata::testing::migrated_database: a GoogleTest fixture base that gives a suite a database at head.
//
//   class StockTest : public strata::testing::migrated_database<migrations::history, strata::sqlite> {};
//   TEST_F(StockTest, Adds) { StockRepository repo(transaction()); ... }
//
// SetUpTestSuite clones the history's template (strata/testing/database_template.hpp: migrated once
// per process, or for a dialect whose place copies databases, once per history across processes)
// and TearDownTestSuite removes the clone. database() is the connection (SQLite::Database&,
// pqxx::connection&: the dialect's database()); url() is a URL that code under test can open a
// connection of its own with. The isolation between the tests:
//   isolation::transaction     one database for the suite; each test runs inside the dialect's test
//                              transaction (ExecutesSql), rolled back at its end. The test writes
//                              through transaction(), the dialect's test_transaction(): SQLite, the
//                              connection (its statements run in SAVEPOINT strata_test); PostgreSQL,
//                              a pqxx::dbtransaction& (a savepoint in the fixture's pqxx::work) that
//                              code under test may use, nest pqxx::subtransactions in and commit,
//                              all of it undone after the test. A pqxx::work or nontransaction of
//                              the test's own on database() throws pqxx::usage_error (one
//                              transaction per connection). A second connection opened through url()
//                              does not see the test's uncommitted rows, and its writes wait for the
//                              test's lock: use fresh_database for such code.
//   isolation::fresh_database  each test gets a clone of its own (database() and url() are that
//                              test's); nothing to roll back, and every connection sees everything.
// On SQLite the clones are files in the temporary folder (so that url() works), written from the
// template's image in one write. On PostgreSQL, from a process's second clone on, clones are made
// ahead and released ones dropped by background threads (strata/testing/clone_pool.hpp), so a
// suite's database may outlive TearDownTestSuite by a moment; all are gone when the process ends.
// A derived fixture that overrides SetUp/TearDown calls the base's.
//
// A database that cannot be made (migration failed, ...) fails every test of the suite with the
// reason. A place that cannot be reached (strata::database_unavailable) skips them instead when the
// dialect says so (provisioner::unreachable_fails(): PostgreSQL skips unless the environment
// variable STRATA_REQUIRE_POSTGRESQL is set; SQLite fails).
#pragma once

#include <exception>
#include <optional>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include <strata/dialect.hpp>
#include <strata/errors.hpp>
#include <strata/history.hpp>
#include <strata/testing/database_template.hpp>

namespace strata::testing {

template <History H, Dialect D, isolation I = isolation::transaction>
  requires Provisionable<D> && ExecutesSql<D>
class migrated_database : public ::testing::Test {
 public:
  static void SetUpTestSuite() {
    auto& s = state();
    s.reset();
    try {
      auto& t = database_template<H, D>::instance();
      if constexpr (I == isolation::transaction) s.suite.emplace(t.clone());
    } catch (const database_unavailable& e) {
      s.error = e.what();
      s.unavailable = true;
    } catch (const std::exception& e) {
      s.error = e.what();
    }
  }
  static void TearDownTestSuite() { state().reset(); }

  // The connection to the suite's database (the test's, under fresh_database).
  static auto& database() { return current().connection(); }
  // A URL of that database, for code under test that opens its own connection.
  static const std::string& url() { return current().url(); }
  // Inside a test (isolation::transaction): what the test writes through so that its writes are
  // rolled back at its end, the dialect's test_transaction() (SQLite::Database&,
  // pqxx::dbtransaction&).
  static auto& transaction()
    requires(I == isolation::transaction)
  {
    auto& s = state();
    if (!s.savepoint)
      throw std::logic_error("strata::testing: transaction() exists inside a test only (between SetUp and TearDown), "
                             "and only when the suite's database was made");
    return s.suite->dialect().test_transaction();
  }

 protected:
  void SetUp() override {
    auto& s = state();
    if (!s.error.empty()) {
      if (s.unavailable && !D::provisioner::unreachable_fails())
        GTEST_SKIP() << "no " << D::name << " database to test on: " << s.error;
      FAIL() << "strata::testing could not set up the suite's database: " << s.error;
    }
    try {
      if constexpr (I == isolation::fresh_database) {
        s.test.emplace(database_template<H, D>::instance().clone());
      } else {
        s.suite->dialect().begin_test_transaction();
        s.savepoint = true;
      }
    } catch (const std::exception& e) {
      FAIL() << "strata::testing could not prepare the test's database: " << e.what();
    }
  }

  void TearDown() override {
    auto& s = state();
    if constexpr (I == isolation::fresh_database) {
      s.test.reset();
    } else if (s.savepoint) {
      s.savepoint = false;
      try {
        s.suite->dialect().rollback_test_transaction();
      } catch (const std::exception& e) {
        ADD_FAILURE() << "strata::testing could not roll back the test's changes (" << e.what()
                      << "): the test ended the transaction the fixture opened for it; write through transaction(), "
                         "or use isolation::fresh_database for code that commits on a connection of its own";
        try {
          s.suite->execute("ROLLBACK");  // whatever the test left open
        } catch (...) {  // NOLINT: nothing left open
        }
      }
    }
  }

 private:
  struct suite_state {
    std::optional<cloned_database<D>> suite;  // isolation::transaction
    std::optional<cloned_database<D>> test;   // isolation::fresh_database
    std::string error;
    bool unavailable = false;
    bool savepoint = false;
    void reset() {
      test.reset();
      suite.reset();
      error.clear();
      unavailable = savepoint = false;
    }
  };
  static suite_state& state() {
    static suite_state s;
    return s;
  }

  static cloned_database<D>& current() {
    auto& s = state();
    if (s.test) return *s.test;
    if (s.suite) return *s.suite;
    throw std::logic_error(I == isolation::fresh_database
                               ? "strata::testing: with isolation::fresh_database the database exists only inside a test (after SetUp)"
                               : "strata::testing: the suite has no database (outside SetUpTestSuite/TearDownTestSuite, or it failed)");
  }
};

}  // namespace strata::testing
