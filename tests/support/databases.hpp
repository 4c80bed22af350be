// Test support: the databases a dialect-independent test runs on, one class per dialect with one
// interface, for typed tests (TYPED_TEST_SUITE(X, strata_test::backends)). No name generator: CTest's
// gtest_discover_tests names typed tests well only with GoogleTest's numbered ones (X/0.Test).
//
// Each dialect's backend is support/backends/<dialect>.hpp, class strata_test::<dialect>_backend.
// tests/CMakeLists.txt lists the backends of the dialects this build has (those whose CMake target
// strata::<dialect> exists) in the generated header strata_test_backends.hpp: strata_test::backends,
// and strata_test::missing_backends, the dialects with a backend file whose client was not found.
//
// A backend is a fresh, empty database of its own (a file in a scratch folder for SQLite, a database
// created on the server named by the PG* environment variables for PostgreSQL, dropped afterwards),
// read back through the database's own client (SQLiteCpp, libpqxx), never through strata. Make one
// in the fixture's SetUp with strata_test::open_backend(optional), which skips the test when its
// database cannot be reached, or fails it when the dialect says so
// (provisioner::unreachable_fails(): PostgreSQL with STRATA_REQUIRE_POSTGRESQL set).
//
//   using dialect;                      strata::sqlite, strata::postgresql
//   static constexpr name;              "sqlite", "postgresql" (for messages)
//   static unavailable()                why its database cannot be reached, or nullopt
//   url(), locked_url(seconds)          the database's URL; the same with a short lock wait (its
//                                       lock_wait_parameter: migration_lock_wait, both dialects)
//   open()                              a dialect object on the database
//   where()                             what a dialect's message about the database names in it
//   rows(sql), scalar(sql), execute(sql)
//   tables(), indexes(), columns(t)     user tables and named indexes (sorted), a table's columns
//   layout(t)                           a table's columns with type, NOT NULL, default, key position
//   snapshot(ignore_rows_of = "")       every table's structure and rows, indexes, views, triggers; not
//                                       the rows of strata's history table (*_history), which every run adds to
//   hold_write_lock(version_table)      a lock_holder: a second connection holds the migration lock
#pragma once

#include <cctype>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "support/backend_support.hpp"
#include "strata_test_backends.hpp"  // generated: the backends, strata_test::backends, strata_test::missing_backends

namespace strata_test {

// For a test that checks that no backend was left out: fails when a dialect this build lacks was
// required (STRATA_REQUIRE_<DIALECT> set, as CI sets STRATA_REQUIRE_POSTGRESQL), is skipped when one
// is merely missing, passes when every backend is built.
inline void expect_every_backend_built() {
  std::string missing;
  for (std::string_view dialect : missing_backends) {
    std::string variable = "STRATA_REQUIRE_";
    for (char c : dialect) variable += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (const char* v = std::getenv(variable.c_str()); v != nullptr && *v != '\0')
      detail::fail_because(variable + " is set, but this build has no " + std::string(dialect) + " dialect (its client library was not "
                           "found when configuring), so the tests ran without it");
    missing += (missing.empty() ? "" : ", ") + std::string(dialect);
  }
  if (!missing.empty()) detail::skip_because("built without these dialects' clients: " + missing);
}
// The name the tests used before every backend was listed: the same check.
inline void expect_postgresql_built() { expect_every_backend_built(); }

// For a fixture's SetUp: a fresh database in `backend`; or, when it cannot be reached, the test
// skipped (failed when the dialect's provisioner says so). The caller returns if the test is then
// skipped or failed (IsSkipped() / HasFatalFailure()).
template <class B>
void open_backend(std::optional<B>& backend) {
  if (auto reason = B::unavailable()) {
    if (B::dialect::provisioner::unreachable_fails())
      detail::fail_because(*reason + "; the " + std::string(B::name) + " dialect fails a test whose database cannot be reached");
    else
      detail::skip_because(*reason);
    return;
  }
  backend.emplace();
}

}  // namespace strata_test
