// The PostgreSQL test backend: a database of its own on the server the PG* variables name, read back
// through libpqxx. (support/databases.hpp says what a backend provides.)
#pragma once

#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <pqxx/pqxx>

#include <strata/dialect/postgresql.hpp>

#include "support/backend_support.hpp"
#include "support/postgresql_scratch.hpp"

namespace strata_test {

class postgresql_backend {
 public:
  using dialect = strata::postgresql;
  static constexpr std::string_view name = "postgresql";
  static constexpr std::string_view lock_wait_parameter = "migration_lock_wait";

  // Why the server cannot be used, or nullopt (open_backend asks first).
  static std::optional<std::string> unavailable() { return postgresql_unavailable(); }
  postgresql_backend() = default;

  [[nodiscard]] std::string url() const { return database_.url(); }
  // The URL with a short migration_lock_wait.
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
      if (t == ignore_rows_of || t.ends_with("_history")) continue;  // strata's history table: every run adds a row
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

}  // namespace strata_test
