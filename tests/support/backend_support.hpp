// Test support shared by the test backends (support/backends/<dialect>.hpp) and the per-dialect
// scratch helpers: rows as text, a column's layout, a held migration lock, skipping or failing a
// test from a helper, and quoting for the SQL the tests write themselves.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace strata_test {

// Rows of a query, each value as text (NULL as nullopt).
using table_rows = std::vector<std::vector<std::optional<std::string>>>;

// One column of a table as its database shows it.
struct column_info {
  std::string name;
  std::string type;  // as declared (SQLite: "VARCHAR(32)") or as format_type shows it (PostgreSQL: "character varying(32)")
  bool not_null = false;
  std::optional<std::string> default_sql;
  int primary_key = 0;  // position in the primary key, 0 when not part of it
};

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

// GTEST_SKIP and FAIL return from the function they are in: these make them usable from a bool one.
inline void skip_because(const std::string& reason) { GTEST_SKIP() << reason; }
inline void fail_because(const std::string& reason) { FAIL() << reason; }

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

}  // namespace strata_test
