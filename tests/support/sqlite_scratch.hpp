// Test support for the SQLite dialect's tests: a fresh folder per test, and small queries that read
// a database's schema and rows back through SQLiteCpp (never through strata).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <strata/dialect.hpp>

#include "support/backend_support.hpp"

namespace strata_test {

// A folder of its own for one test (ctest runs tests as parallel processes), removed afterwards.
class scratch_folder {
 public:
  scratch_folder() {
#ifdef STRATA_TEST_SCRATCH
    const std::filesystem::path base = STRATA_TEST_SCRATCH;
#else
    const std::filesystem::path base = std::filesystem::temp_directory_path();
#endif
    static std::atomic<int> counter{0};
    std::string name = "strata";
    if (const auto* info = ::testing::UnitTest::GetInstance()->current_test_info())
      name += std::string("-") + info->test_suite_name() + "-" + info->name();
    for (auto& c : name)
      if (c == '/') c = '_';
    path_ = base / (name + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  scratch_folder(const scratch_folder&) = delete;
  scratch_folder& operator=(const scratch_folder&) = delete;
  ~scratch_folder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] std::string file(const std::string& name = "test.db") const { return (path_ / name).string(); }
  // sqlite:////absolute/path (four slashes: the path is absolute).
  [[nodiscard]] std::string url(const std::string& name = "test.db") const { return "sqlite:///" + file(name); }

 private:
  std::filesystem::path path_;
};

inline SQLite::Database open(const std::string& file, bool foreign_keys = true) {
  SQLite::Database db(file, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  if (foreign_keys) db.exec("PRAGMA foreign_keys = ON");
  return db;
}

// Every row of a query, each value as text (NULL as nullopt).
inline table_rows rows(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement q(db, sql);
  table_rows out;
  while (q.executeStep()) {
    std::vector<std::optional<std::string>> row;
    for (int c = 0; c < q.getColumnCount(); ++c) {
      auto v = q.getColumn(c);
      if (v.isNull()) row.emplace_back(std::nullopt);
      else row.emplace_back(v.getString());
    }
    out.push_back(std::move(row));
  }
  return out;
}

// The first column of the first row, as text ("" when there is no row, "NULL" for NULL).
inline std::string scalar(SQLite::Database& db, const std::string& sql) {
  SQLite::Statement q(db, sql);
  if (!q.executeStep()) return "";
  return q.getColumn(0).isNull() ? "NULL" : q.getColumn(0).getString();
}

inline std::int64_t count(SQLite::Database& db, const std::string& sql) { return std::stoll(scalar(db, sql)); }

// The message of the SQLite error a statement raises, or nullopt when it succeeds.
inline std::optional<std::string> sql_error(SQLite::Database& db, const std::string& sql) {
  try {
    db.exec(sql);
    return std::nullopt;
  } catch (const SQLite::Exception& e) {
    return std::string(e.what());
  }
}

inline bool exists(SQLite::Database& db, const std::string& type, const std::string& name) {
  SQLite::Statement q(db, "SELECT 1 FROM sqlite_master WHERE type = ? AND name = ?");
  q.bind(1, type);
  q.bind(2, name);
  return q.executeStep();
}

// The stored CREATE statement of a schema object ("" when absent).
inline std::string object_sql(SQLite::Database& db, const std::string& type, const std::string& name) {
  SQLite::Statement q(db, "SELECT sql FROM sqlite_master WHERE type = ? AND name = ?");
  q.bind(1, type);
  q.bind(2, name);
  return q.executeStep() && !q.getColumn(0).isNull() ? q.getColumn(0).getString() : "";
}

// A statement with one text parameter, for PRAGMA table functions: pragma_table_xinfo(?) ...
inline table_rows rows_with(SQLite::Database& db, const std::string& sql, const std::string& parameter) {
  SQLite::Statement q(db, sql);
  q.bind(1, parameter);
  table_rows out;
  while (q.executeStep()) {
    std::vector<std::optional<std::string>> row;
    for (int c = 0; c < q.getColumnCount(); ++c) {
      auto v = q.getColumn(c);
      if (v.isNull()) row.emplace_back(std::nullopt);
      else row.emplace_back(v.getString());
    }
    out.push_back(std::move(row));
  }
  return out;
}

inline std::vector<column_info> columns(SQLite::Database& db, const std::string& table) {
  std::vector<column_info> out;
  for (auto& r : rows_with(db, "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?) ORDER BY cid", table))
    out.push_back({*r[0], *r[1], *r[2] == "1", r[3], std::stoi(*r[4])});
  return out;
}

inline std::optional<column_info> find_column(SQLite::Database& db, const std::string& table, const std::string& name) {
  for (auto& c : columns(db, table))
    if (c.name == name) return c;
  return std::nullopt;
}

inline std::vector<std::string> column_names(SQLite::Database& db, const std::string& table) {
  std::vector<std::string> out;
  for (auto& c : columns(db, table)) out.push_back(c.name);
  return out;
}

// The table's schema as a stable text: columns, primary key, foreign keys, indexes (with their
// columns, uniqueness, origin and partial flag). CHECKs are not in it: test them by inserting rows.
// Two databases with the same snapshot have the same structure, whatever the spelling of their SQL.
inline std::string table_snapshot(SQLite::Database& db, const std::string& table) {
  std::ostringstream out;
  out << "table " << table << "\n";
  for (auto& r : rows_with(db, "SELECT cid, name, type, \"notnull\", dflt_value, pk, hidden FROM pragma_table_xinfo(?) ORDER BY cid", table)) {
    out << "  column";
    for (auto& v : r) out << " " << v.value_or("NULL");
    out << "\n";
  }
  for (auto& r : rows_with(db, "SELECT id, seq, \"table\", \"from\", \"to\", on_update, on_delete, \"match\" FROM pragma_foreign_key_list(?) ORDER BY id, seq", table)) {
    out << "  foreign_key";
    for (auto& v : r) out << " " << v.value_or("NULL");
    out << "\n";
  }
  std::vector<std::string> indexes;
  for (auto& r : rows_with(db, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?)", table)) {
    // Autoindex names depend on the order of the constraints; describe them by their columns only.
    const bool automatic = r[0]->starts_with("sqlite_autoindex_");
    std::ostringstream line;
    line << "  index " << (automatic ? std::string("(automatic)") : *r[0]) << " " << *r[1] << " " << *r[2] << " " << *r[3] << " (";
    for (auto& c : rows_with(db, "SELECT name FROM pragma_index_info(?) ORDER BY seqno", *r[0])) line << " " << c[0].value_or("<expr>");
    line << " )";
    if (!automatic) line << " " << object_sql(db, "index", *r[0]);
    indexes.push_back(line.str());
  }
  std::sort(indexes.begin(), indexes.end());
  for (auto& i : indexes) out << i << "\n";
  return out.str();
}

// Every table (but sqlite_* and the version table), index, trigger and view of the database.
inline std::string schema_snapshot(SQLite::Database& db, const std::string& version_table = "alembic_version") {
  std::ostringstream out;
  SQLite::Statement q(db, "SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name");
  std::vector<std::vector<std::string>> objects;
  while (q.executeStep())
    objects.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).isNull() ? "" : q.getColumn(2).getString()});
  for (auto& o : objects) {
    if (o[1] == version_table || o[1] == strata::history_table(version_table)) continue;  // strata's own tables
    if (o[0] == "table") out << table_snapshot(db, o[1]);
    else if (o[0] == "trigger" || o[0] == "view") out << o[0] << " " << o[1] << " " << o[2] << "\n";
  }
  return out.str();
}

// Every row a query returns, as one text; each value with its storage class.
inline std::string dump_query(SQLite::Database& db, const std::string& sql) {
  std::ostringstream out;
  SQLite::Statement q(db, sql);
  while (q.executeStep()) {
    for (int c = 0; c < q.getColumnCount(); ++c) {
      auto v = q.getColumn(c);
      out << (c ? "|" : "") << (v.isNull() ? std::string("NULL") : std::to_string(v.getType()) + ":" + v.getString());
    }
    out << "\n";
  }
  return out.str();
}

// Every row of a table in primary key (rowid) order, as one text.
inline std::string dump(SQLite::Database& db, const std::string& table, const std::string& order_by = "rowid") {
  std::string quoted = "\"";
  for (char c : table) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  quoted += "\"";
  return dump_query(db, "SELECT * FROM " + quoted + " ORDER BY " + order_by);
}

// Records every statement a connection runs (sqlite3_trace_v2) while it lives.
class statement_log {
 public:
  explicit statement_log(SQLite::Database& db) : db_(db) {
    sqlite3_trace_v2(db_.getHandle(), SQLITE_TRACE_STMT, &statement_log::trace, this);
  }
  statement_log(const statement_log&) = delete;
  statement_log& operator=(const statement_log&) = delete;
  ~statement_log() { sqlite3_trace_v2(db_.getHandle(), 0, nullptr, nullptr); }

  [[nodiscard]] std::vector<std::string> starting_with(std::string_view prefix) const {
    std::vector<std::string> out;
    for (const auto& s : statements_)
      if (s.starts_with(prefix)) out.push_back(s);
    return out;
  }
  [[nodiscard]] int count(std::string_view prefix) const { return static_cast<int>(starting_with(prefix).size()); }

 private:
  static int trace(unsigned type, void* self, void*, void* sql) {
    if (type == SQLITE_TRACE_STMT) static_cast<statement_log*>(self)->statements_.emplace_back(static_cast<const char*>(sql));
    return 0;
  }
  SQLite::Database& db_;
  std::vector<std::string> statements_;
};

}  // namespace strata_test
