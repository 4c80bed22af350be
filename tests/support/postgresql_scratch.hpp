// Test support for the PostgreSQL dialect's tests: a fresh database per test on the server the PG*
// variables name, and small queries that read it back through libpqxx (never through strata).
#pragma once

#include <atomic>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>
#include <strata/dialect/postgresql.hpp>
#include <unistd.h>

#include "support/backend_support.hpp"

namespace strata_test {

inline std::string environment(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr ? v : "";
}

// The maintenance database the test databases are created from.
inline std::string maintenance_database() {
  const auto db = environment("PGDATABASE");
  return db.empty() ? "postgres" : db;
}

inline pqxx::connection connect_to(const std::string& database) {
  return pqxx::connection("dbname='" + database + "' connect_timeout=10");
}

// Why the server cannot be used (no PG* variables, no answer), or nullopt when it can. Asked once.
inline const std::optional<std::string>& postgresql_unavailable() {
  static const std::optional<std::string> reason = []() -> std::optional<std::string> {
    if (environment("PGHOST").empty() && environment("PGPORT").empty() && environment("PGUSER").empty())
      return "no PostgreSQL server: PGHOST, PGPORT and PGUSER are not set (run the tests under pg_virtualenv, or export the PG* "
             "variables of a server)";
    try {
      auto c = connect_to(maintenance_database());
      pqxx::nontransaction n(c);
      n.exec("SELECT 1");
      return std::nullopt;
    } catch (const std::exception& e) {
      std::string what = e.what();
      return "the PostgreSQL server the PG* variables name cannot be used (" + what.substr(0, what.find('\n')) + ")";
    }
  }();
  return reason;
}

// Call first in a PostgreSQL fixture's SetUp: skips the test when no server is there, or fails it
// (a fatal failure) when STRATA_REQUIRE_POSTGRESQL is set, as in CI. Returns whether the test may
// go on; either way GoogleTest does not run the test body when it returns false.
inline bool require_postgresql() {
  const auto& reason = postgresql_unavailable();
  if (!reason) return true;
  if (strata::postgresql::provisioner::unreachable_fails())
    detail::fail_because(*reason + "; STRATA_REQUIRE_POSTGRESQL is set, so the test fails instead of being skipped");
  else
    detail::skip_because(*reason);
  return false;
}

// Percent-encodes a URL component.
inline std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') out += c;
    else out += std::string("%") + hex[u >> 4] + hex[u & 15];
  }
  return out;
}

inline table_rows rows(pqxx::connection& c, const std::string& sql) {
  pqxx::nontransaction n(c);
  table_rows out;
  for (const auto& r : n.exec(sql)) {
    std::vector<std::optional<std::string>> row;
    for (const auto& f : r) {
      if (f.is_null()) row.emplace_back(std::nullopt);
      else row.emplace_back(f.c_str());
    }
    out.push_back(std::move(row));
  }
  return out;
}

// The first column of the first row as text ("" when there is no row, "NULL" for NULL).
inline std::string scalar(pqxx::connection& c, const std::string& sql) {
  const auto r = rows(c, sql);
  if (r.empty() || r[0].empty()) return "";
  return r[0][0].value_or("NULL");
}

// The message of the error a statement raises, or nullopt when it succeeds (autocommit).
inline std::optional<std::string> sql_error(pqxx::connection& c, const std::string& sql) {
  try {
    pqxx::nontransaction n(c);
    n.exec(sql);
    return std::nullopt;
  } catch (const pqxx::sql_error& e) {
    return std::string(e.what());
  }
}

// A database of its own for one test, created on the server the PG* variables name and dropped
// afterwards (ctest runs tests as parallel processes). Construct it only after require_postgresql().
class postgresql_database {
 public:
  postgresql_database() {
    static std::atomic<int> counter{0};
    name_ = "strata_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
      std::string test = std::string("_") + info->name();
      for (auto& ch : test) ch = std::isalnum(static_cast<unsigned char>(ch)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(ch))) : '_';
      name_ += test.substr(0, 63 - name_.size());
    }
    auto admin = connect_to(maintenance_database());
    pqxx::nontransaction n(admin);
    n.exec("DROP DATABASE IF EXISTS \"" + name_ + "\"");
    n.exec("CREATE DATABASE \"" + name_ + "\"");
  }
  postgresql_database(const postgresql_database&) = delete;
  postgresql_database& operator=(const postgresql_database&) = delete;
  ~postgresql_database() {
    connection_.reset();
    try {
      auto admin = connect_to(maintenance_database());
      pqxx::nontransaction n(admin);
      n.exec("DROP DATABASE IF EXISTS \"" + name_ + "\" WITH (FORCE)");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop the test database " << name_ << ": " << e.what();
    }
  }

  [[nodiscard]] const std::string& name() const { return name_; }

  // postgresql://user:password@host:port/name from the PG* variables (a socket folder in PGHOST
  // is left to the environment: libpq falls back to PGHOST for the missing host).
  [[nodiscard]] std::string url() const {
    auto host = environment("PGHOST");
    if (host.starts_with('/')) host.clear();
    const auto user = environment("PGUSER"), password = environment("PGPASSWORD"), port = environment("PGPORT");
    // Appended piece by piece: GCC 12's -Wrestrict misfires at -O2 on "literal" + std::string&&.
    std::string out = "postgresql://";
    if (!user.empty() || !password.empty()) {
      out += url_encode(user);
      if (!password.empty()) out.append(":").append(url_encode(password));
      out += '@';
    }
    if (host.find(':') != std::string::npos) out.append("[").append(host).append("]");
    else out += host;
    if (!port.empty()) out.append(":").append(port);
    out.append("/").append(name_);
    return out;
  }

  // A connection of the test's own, for reading back (never through strata).
  pqxx::connection& connection() {
    if (!connection_) connection_ = std::make_unique<pqxx::connection>("dbname='" + name_ + "'");
    return *connection_;
  }

  table_rows rows(const std::string& sql) { return strata_test::rows(connection(), sql); }
  std::string scalar(const std::string& sql) { return strata_test::scalar(connection(), sql); }
  std::int64_t count(const std::string& sql) { return std::stoll(scalar(sql)); }
  std::optional<std::string> sql_error(const std::string& sql) { return strata_test::sql_error(connection(), sql); }
  void exec(const std::string& sql) {
    pqxx::nontransaction n(connection());
    n.exec(sql);
  }
  // A string literal for SQL text ('it''s'). Not libpqxx's quote(): inlined into a test at -O2,
  // its "'" + std::string makes GCC 12 report a false -Wrestrict (GCC bug 105329).
  std::string literal(const std::string& text) { return detail::quote_literal(text); }

  struct column_info {
    std::string name;
    std::string type;  // format_type: "integer", "character varying(20)" ...
    bool not_null = false;
    std::optional<std::string> default_sql;  // pg_get_expr of the default
  };
  // The columns of a table (a regclass text: "items", "app.items", "\"odd name\""), in order.
  std::vector<column_info> columns(const std::string& table) {
    std::vector<column_info> out;
    for (auto& r : rows("SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, pg_get_expr(d.adbin, d.adrelid) "
                        "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
                        "WHERE a.attrelid = " + literal(table) + "::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum"))
      out.push_back({*r[0], *r[1], *r[2] == "t", r[3]});
    return out;
  }
  std::optional<column_info> column(const std::string& table, const std::string& name) {
    for (auto& c : columns(table))
      if (c.name == name) return c;
    return std::nullopt;
  }
  // Whether a relation (table, index, view, sequence) exists: to_regclass of the text.
  bool exists(const std::string& relation) { return scalar("SELECT to_regclass(" + literal(relation) + ") IS NOT NULL") == "t"; }
  // A table's constraints as "name type definition" lines, by name.
  std::vector<std::string> constraints(const std::string& table) {
    std::vector<std::string> out;
    for (auto& r : rows("SELECT conname, contype, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = " + literal(table) +
                        "::regclass ORDER BY conname"))
      out.push_back(*r[0] + " " + *r[1] + " " + *r[2]);
    return out;
  }
  // pg_get_indexdef of an index ("" when missing).
  std::string index_definition(const std::string& index) {
    return scalar("SELECT pg_get_indexdef(to_regclass(" + literal(index) + ")) WHERE to_regclass(" + literal(index) + ") IS NOT NULL");
  }
  // The version table's rows, in order.
  std::vector<std::string> versions(const std::string& table = "alembic_version") {
    std::vector<std::string> out;
    for (auto& r : rows("SELECT version_num FROM " + table + " ORDER BY version_num")) out.push_back(*r[0]);
    return out;
  }

 private:
  std::string name_;
  std::unique_ptr<pqxx::connection> connection_;
};

// A fixture base: a fresh database for each test (skipped or failed per require_postgresql()).
class postgresql_test : public ::testing::Test {
 protected:
  void SetUp() override {
    if (require_postgresql()) db_.emplace();
  }
  postgresql_database& db() { return *db_; }
  std::string url() { return db_->url(); }

  std::optional<postgresql_database> db_;
};

}  // namespace strata_test
