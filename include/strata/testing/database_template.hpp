// strata::testing::database_template and cloned_database: migrate a history once, clone it per test.
#pragma once

#include <cstdlib>

#include <strata/history.hpp>
#include <strata/migrator.hpp>

namespace strata::testing {

// Whether a test run must reach its PostgreSQL server: with the environment variable
// STRATA_REQUIRE_POSTGRESQL set (non-empty), as in CI, a test that cannot reach it fails instead of
// being skipped.
inline bool postgresql_required() {
  const char* v = std::getenv("STRATA_REQUIRE_POSTGRESQL");
  return v != nullptr && *v != '\0';
}

// How the tests of a suite are kept apart: each inside a SAVEPOINT rolled back at its end (one
// database for the suite), or each on a fresh clone of the template.
enum class isolation { transaction, fresh_database };

// A fresh database at the head of a history, removed when destroyed; move-only. Per dialect:
//   url()          a URL the dialect (and code under test) can open a second connection with
//   connection()   the open connection: SQLite::Database& / pqxx::connection&
//   execute(sql)   runs SQL on that connection outside any transaction object
// Models: cloned_database<strata::sqlite> (strata/testing/sqlite.hpp),
//         cloned_database<strata::postgresql> (strata/testing/postgresql.hpp).
template <Dialect D>
class cloned_database;

// The database of a history at head on a dialect, built on first use (once per process, and for
// PostgreSQL once per history across processes); clone() hands out cheap copies of it.
//   static database_template& instance();
//   cloned_database<D> clone();
// Models are the partial specializations in strata/testing/<dialect>.hpp.
template <History H, Dialect D>
class database_template;

}  // namespace strata::testing
