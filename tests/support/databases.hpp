// Test support: the databases a dialect-independent test runs on, one class per backend with one
// interface, for typed tests (TYPED_TEST_SUITE(X, strata_test::backends)). No name generator: CTest's
// gtest_discover_tests names typed tests well only with GoogleTest's numbered ones (X.Test<type>).
//
// A backend is a fresh, empty database of its own: a file in a scratch folder for SQLite, a
// database created on the server named by the PG* environment variables for PostgreSQL (dropped
// afterwards). It is read back through the database's own client (SQLiteCpp, libpqxx), never
// through strata. Make one in the fixture's SetUp with strata_test::open_backend(optional), which
// skips the test when a PostgreSQL server cannot be reached, and fails it instead when
// STRATA_REQUIRE_POSTGRESQL is set.
//
//   using dialect;                      strata::sqlite, strata::postgresql
//   static constexpr name;              "sqlite", "postgresql" (for messages)
//   url(), locked_url(seconds)          the database's URL; the same with a short lock wait (its
//                                       lock_wait_parameter: SQLite's timeout, PostgreSQL's lock_timeout)
//   open()                              a dialect object on the database
//   where()                             what a dialect's message about the database names in it
//   rows(sql), scalar(sql), execute(sql)
//   tables(), indexes(), columns(t)     user tables and named indexes (sorted), a table's columns
//   layout(t)                           a table's columns with type, NOT NULL, default, key position
//   snapshot(ignore_rows_of = "")       every table's structure and rows, indexes, views, triggers
//   hold_write_lock(version_table)      a lock_holder: a second connection holds the migration lock
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include <strata/dialect/sqlite.hpp>
#include <strata/testing/database_template.hpp>

#include "support/sqlite_scratch.hpp"

#ifdef STRATA_HAVE_POSTGRESQL
#include <pqxx/pqxx>
#include <strata/dialect/postgresql.hpp>

#include "support/postgresql_scratch.hpp"
#endif

namespace strata_test {

// Another connection's hold on the migration lock, released by release() or on destruction.
class lock_holder {
 public:
  explicit lock_holder(std::function<void()> release) : release_(std::move(release)) {}
  lock_holder(lock_holder&& other) noexcept : release_(std::exchange(other.release_, nullptr)) {}
  lock_holder& operator=(lock_holder&&) = delete;
  lock_holder(const lock_holder&) = delete;
  lock_holder& operator=(const lock_holder&) = delete;
  ~lock_holder() {
    try {
      release();
    } catch (...) {  // NOLINT: the lock goes with its connection anyway
    }
  }

  void release() {
    if (auto r = std::exchange(release_, nullptr)) r();
  }

 private:
  std::function<void()> release_;
};

namespace detail {

inline std::string seconds_text(double seconds) {
  std::ostringstream out;
  out << seconds;
  return out.str();
}

// "name" with any " doubled.
inline std::string quote_identifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

// 'text' with any ' doubled.
inline std::string quote_literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// ORDER BY every column: 1, 2, ... n (a total order whatever the table's key).
inline std::string every_column(std::size_t n) {
  std::string out;
  for (std::size_t i = 1; i <= n; ++i) out += (i == 1 ? "" : ", ") + std::to_string(i);
  return out;
}

inline std::vector<std::string> first_column(const table_rows& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.at(0).value_or("NULL"));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace detail

// ---- SQLite: a file in a scratch folder --------------------------------------------------------

class sqlite_backend {
 public:
  using dialect = strata::sqlite;
  static constexpr std::string_view name = "sqlite";

  static constexpr std::string_view lock_wait_parameter = "timeout";

  // A file in a scratch folder of its own; it does not exist until something opens it.
  sqlite_backend() : folder_(std::in_place), file_(folder_->file("test.db")) {}
  // The file given, in a folder the caller owns (which need not exist yet).
  explicit sqlite_backend(const std::filesystem::path& file) : file_(file.string()) {}

  [[nodiscard]] std::string url() const { return "sqlite:///" + file_; }
  // The URL with a short busy timeout.
  [[nodiscard]] std::string locked_url(double seconds) const {
    return url() + "?" + std::string(lock_wait_parameter) + "=" + detail::seconds_text(seconds);
  }
  [[nodiscard]] dialect open() const { return dialect(url()); }
  [[nodiscard]] std::string where() const { return file_; }
  [[nodiscard]] const std::string& file() const { return file_; }

  [[nodiscard]] table_rows rows(const std::string& sql) const {
    auto db = connect();
    return strata_test::rows(db, sql);
  }
  [[nodiscard]] std::string scalar(const std::string& sql) const {
    auto db = connect();
    return strata_test::scalar(db, sql);
  }
  void execute(const std::string& sql) const {
    auto db = connect();
    db.exec(sql);
  }

  [[nodiscard]] std::vector<std::string> tables() const {
    if (!std::filesystem::exists(file_)) return {};
    return detail::first_column(rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"));
  }
  [[nodiscard]] std::vector<std::string> indexes() const {
    if (!std::filesystem::exists(file_)) return {};
    return detail::first_column(rows("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"));
  }
  [[nodiscard]] std::vector<std::string> columns(const std::string& table) const {
    std::vector<std::string> out;
    for (const auto& c : layout(table)) out.push_back(c.name);
    return out;
  }
  // Types as declared ("VARCHAR(32)", "BIGINT").
  [[nodiscard]] std::vector<column_info> layout(const std::string& table) const {
    auto db = connect();
    return strata_test::columns(db, table);
  }

  // Every object's structure (columns, keys, indexes, views, triggers) and every row of every
  // table in rowid order, each value with its storage class; "" for an empty database.
  [[nodiscard]] std::string snapshot(std::string_view ignore_rows_of = {}) const {
    if (!std::filesystem::exists(file_)) return "<no database file>\n";
    auto db = connect();
    std::string s = schema_snapshot(db, "");
    for (const auto& t : tables())
      if (t != ignore_rows_of) s += "rows of " + t + ":\n" + dump(db, t);
    return s;
  }

  // BEGIN IMMEDIATE on a second connection: the write lock a migration needs.
  [[nodiscard]] lock_holder hold_write_lock([[maybe_unused]] std::string_view version_table = "alembic_version") const {
    auto db = std::make_shared<SQLite::Database>(file_, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db->exec("BEGIN IMMEDIATE");
    return lock_holder([db] { db->exec("ROLLBACK"); });
  }

 private:
  [[nodiscard]] SQLite::Database connect() const { return strata_test::open(file_); }

  std::optional<scratch_folder> folder_;
  std::string file_;
};

#ifdef STRATA_HAVE_POSTGRESQL

// ---- PostgreSQL: a database of its own on the PG* server ------------------------------------------

class postgresql_backend {
 public:
  using dialect = strata::postgresql;
  static constexpr std::string_view name = "postgresql";
  static constexpr std::string_view lock_wait_parameter = "lock_timeout";

  // Call require_postgresql() first (open_backend does).
  postgresql_backend() = default;

  [[nodiscard]] std::string url() const { return database_.url(); }
  // The URL with a short lock_timeout.
  [[nodiscard]] std::string locked_url(double seconds) const {
    const auto u = url();
    return u + (u.find('?') == std::string::npos ? "?" : "&") + std::string(lock_wait_parameter) + "=" + detail::seconds_text(seconds);
  }
  [[nodiscard]] dialect open() const { return dialect(url()); }
  [[nodiscard]] std::string where() const { return database_.name(); }

  [[nodiscard]] table_rows rows(const std::string& sql) const { return database_.rows(sql); }
  [[nodiscard]] std::string scalar(const std::string& sql) const { return database_.scalar(sql); }
  void execute(const std::string& sql) const { database_.exec(sql); }

  [[nodiscard]] std::vector<std::string> tables() const {
    return detail::first_column(rows("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                                     "AND table_type = 'BASE TABLE'"));
  }
  // Named indexes: those of primary keys, unique constraints and exclusions are left out, as
  // SQLite's automatic indexes are.
  [[nodiscard]] std::vector<std::string> indexes() const {
    return detail::first_column(
        rows("SELECT c.relname FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid "
             "WHERE c.relnamespace = current_schema()::regnamespace AND NOT EXISTS (SELECT 1 FROM pg_constraint k "
             "WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))"));
  }
  [[nodiscard]] std::vector<std::string> columns(const std::string& table) const {
    std::vector<std::string> out;
    for (const auto& c : layout(table)) out.push_back(c.name);
    return out;
  }
  // Types as format_type shows them ("character varying(32)", "bigint").
  [[nodiscard]] std::vector<column_info> layout(const std::string& table) const {
    std::vector<column_info> out;
    for (auto& r : rows("SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid), "
                        "COALESCE((SELECT k.n FROM pg_index i, unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) "
                        "WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum), 0) "
                        "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                        "WHERE a.attrelid = " + regclass(table) + " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"))
      out.push_back({*r[0], *r[1], *r[2] == "t", r[3], std::stoi(*r[4])});
    return out;
  }

  // Every table's columns, constraints, indexes and triggers, the views, and every row of every
  // table ordered by all its columns; "" for an empty database.
  [[nodiscard]] std::string snapshot(std::string_view ignore_rows_of = {}) const {
    std::ostringstream out;
    auto lines = [&](const char* what, const std::string& sql) {
      for (auto& r : rows(sql)) {
        out << "  " << what;
        for (auto& v : r) out << " " << v.value_or("NULL");
        out << "\n";
      }
    };
    for (const auto& t : tables()) {
      out << "table " << t << "\n";
      for (const auto& c : layout(t))
        out << "  column " << c.name << " " << c.type << " " << c.not_null << " " << c.default_sql.value_or("NULL") << " " << c.primary_key
            << "\n";
      lines("constraint", "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = " + regclass(t) +
                              " ORDER BY conname");
      lines("index", "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = " +
                         detail::quote_literal(t) + " ORDER BY indexname");
      lines("trigger", "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal AND tgrelid = " + regclass(t) +
                           " ORDER BY tgname");
    }
    lines("view", "SELECT table_name, view_definition FROM information_schema.views WHERE table_schema = current_schema() "
                  "ORDER BY table_name");
    for (const auto& t : tables()) {
      if (t == ignore_rows_of) continue;
      out << "rows of " << t << ":\n";
      for (auto& r : rows("SELECT * FROM " + detail::quote_identifier(t) + " ORDER BY " + detail::every_column(layout(t).size()))) {
        for (std::size_t i = 0; i < r.size(); ++i) out << (i ? "|" : "") << r[i].value_or("NULL");
        out << "\n";
      }
    }
    return out.str();
  }

  // pg_advisory_lock on a second connection, with the key the dialect's migrations take.
  [[nodiscard]] lock_holder hold_write_lock(std::string_view version_table = "alembic_version") const {
    auto c = std::make_shared<pqxx::connection>("dbname='" + database_.name() + "' connect_timeout=10");
    const auto key = strata::postgresql::lock_key(schema(), version_table);
    {
      pqxx::nontransaction tx(*c);
      tx.exec("SELECT pg_advisory_lock(" + std::to_string(key) + ")");
    }
    return lock_holder([c, key] {
      pqxx::nontransaction tx(*c);
      tx.exec("SELECT pg_advisory_unlock(" + std::to_string(key) + ")");
    });
  }

 private:
  // The schema the dialect uses when the URL names none.
  [[nodiscard]] std::string schema() const { return scalar("SELECT current_schema()"); }
  [[nodiscard]] std::string regclass(const std::string& table) const {
    return "to_regclass(" + detail::quote_literal(detail::quote_identifier(schema()) + "." + detail::quote_identifier(table)) + ")";
  }

  mutable postgresql_database database_;  // its reads are not const: they open its connection
};

using backends = ::testing::Types<sqlite_backend, postgresql_backend>;

#else

using backends = ::testing::Types<sqlite_backend>;

#endif

// The typed tests have no postgresql instances in a build without libpqxx: a TEST calling this
// (under #ifndef STRATA_HAVE_POSTGRESQL) fails such a build's run when it was meant to include
// PostgreSQL (STRATA_REQUIRE_POSTGRESQL), and is skipped otherwise.
inline void expect_postgresql_built() {
#ifndef STRATA_HAVE_POSTGRESQL
  if (strata::testing::postgresql_required())
    FAIL() << "STRATA_REQUIRE_POSTGRESQL is set, but this build has no PostgreSQL dialect (libpqxx was not found by pkg-config; "
              "Debian: libpqxx-dev), so the tests ran on SQLite only";
  GTEST_SKIP() << "built without libpqxx: these tests run on SQLite only";
#endif
}

template <class B>
constexpr bool is_sqlite = std::is_same_v<B, sqlite_backend>;

// For a fixture's SetUp: a fresh database in `backend`; or, when its server cannot be reached, the
// test skipped (failed when STRATA_REQUIRE_POSTGRESQL is set). The caller returns if the test is
// then skipped or failed (IsSkipped() / HasFatalFailure()).
template <class B>
void open_backend(std::optional<B>& backend) {
#ifdef STRATA_HAVE_POSTGRESQL
  if constexpr (std::is_same_v<B, postgresql_backend>)
    if (!require_postgresql()) return;
#endif
  backend.emplace();
}

}  // namespace strata_test
