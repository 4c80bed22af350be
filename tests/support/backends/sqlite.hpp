// The SQLite test backend: a fresh database file in a scratch folder, read back through SQLiteCpp.
// (support/databases.hpp says what a backend provides.)
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <SQLiteCpp/Database.h>

#include <strata/dialect/sqlite.hpp>

#include "support/backend_support.hpp"
#include "support/sqlite_scratch.hpp"

namespace strata_test {

class sqlite_backend {
 public:
  using dialect = strata::sqlite;
  static constexpr std::string_view name = "sqlite";

  static constexpr std::string_view lock_wait_parameter = "migration_lock_wait";

  // A file in a folder: always there.
  static std::optional<std::string> unavailable() { return std::nullopt; }

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
      if (t != ignore_rows_of && !t.ends_with("_history")) s += "rows of " + t + ":\n" + dump(db, t);
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

template <class B>
constexpr bool is_sqlite = std::is_same_v<B, sqlite_backend>;

}  // namespace strata_test
