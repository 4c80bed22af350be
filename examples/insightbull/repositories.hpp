// InsightBull's repositories (the seed's repository pattern) over a SQLiteCpp connection. The
// row <-> struct mapping is written once, from the models' Hana reflection: member name = column
// name, std::optional = a nullable column.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <boost/hana/accessors.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/string.hpp>

#include "models.hpp"

namespace insightbull {

namespace detail {

namespace hana = boost::hana;

template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
template <class T> struct value_of { using type = T; };                // T, or what a std::optional holds
template <class T> struct value_of<std::optional<T>> { using type = T; };
template <class> inline constexpr bool unsupported = false;

inline std::string quoted(std::string_view name) { return '"' + std::string(name) + '"'; }

// Calls f(column_name, member) for each member of row, in declaration order.
template <class Row, class F>
void for_each_column(Row& row, F&& f) {
  hana::for_each(hana::accessors<std::remove_const_t<Row>>(), [&](auto accessor) {
    f(std::string_view(hana::to<char const*>(hana::first(accessor))), hana::second(accessor)(row));
  });
}

template <class T>
T read_value(const SQLite::Column& c) {
  if constexpr (is_optional<T>::value) {
    if (c.isNull()) return std::nullopt;
    return read_value<typename T::value_type>(c);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return c.getString();
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(c.getDouble());
  } else if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(c.getInt64());
  } else {
    static_assert(unsupported<T>, "insightbull: a model member must be a string, a number, or a std::optional of one");
  }
}

template <class T>
void bind_value(SQLite::Statement& q, int index, const T& v) {
  if constexpr (is_optional<T>::value) {
    if (v) bind_value(q, index, *v);
    else q.bind(index);  // NULL
  } else if constexpr (std::is_same_v<T, std::string>) {
    q.bind(index, v);
  } else if constexpr (std::is_floating_point_v<T>) {
    q.bind(index, static_cast<double>(v));
  } else if constexpr (std::is_integral_v<T>) {
    q.bind(index, static_cast<std::int64_t>(v));
  } else {
    static_assert(unsupported<T>, "insightbull: a model member must be a string, a number, or a std::optional of one");
  }
}

// `"stocks"."id", "stocks"."symbol", ...`: every column of Row, qualified with its table.
template <class Row>
std::string select_list() {
  Row row{};
  std::string out;
  for_each_column(row, [&](std::string_view name, const auto&) {
    if (!out.empty()) out += ", ";
    out += quoted(Row::table) + "." + quoted(name);
  });
  return out;
}

// SELECT <every column of Row> <tail>, with the parameters bound in order.
template <class Row, class... Params>
std::vector<Row> select_rows(SQLite::Database& db, std::string_view tail, const Params&... params) {
  SQLite::Statement q(db, "SELECT " + select_list<Row>() + " " + std::string(tail));
  int index = 0;
  (bind_value(q, ++index, params), ...);
  std::vector<Row> rows;
  while (q.executeStep()) {
    Row& row = rows.emplace_back();
    int column = 0;
    for_each_column(row, [&](std::string_view, auto& member) {
      member = read_value<std::remove_cvref_t<decltype(member)>>(q.getColumn(column++));
    });
  }
  return rows;
}

// INSERT of every column of row but the generated ones (left to the database); returns the rowid.
template <class Row>
std::int64_t insert_row(SQLite::Database& db, const Row& row, std::initializer_list<std::string_view> generated) {
  auto skipped = [&](std::string_view name) {
    for (auto g : generated)
      if (g == name) return true;
    return false;
  };
  std::string columns, placeholders;
  for_each_column(row, [&](std::string_view name, const auto&) {
    if (skipped(name)) return;
    columns += (columns.empty() ? "" : ", ") + quoted(name);
    placeholders += placeholders.empty() ? "?" : ", ?";
  });
  SQLite::Statement q(db, "INSERT INTO " + quoted(Row::table) + " (" + columns + ") VALUES (" + placeholders + ")");
  int index = 0;
  for_each_column(row, [&](std::string_view name, const auto& member) {
    if (!skipped(name)) bind_value(q, ++index, member);
  });
  q.exec();
  return db.getLastInsertRowid();
}

}  // namespace detail

class StockRepository {
 public:
  explicit StockRepository(SQLite::Database& db) : db_(db) {}

  [[nodiscard]] std::vector<Stock> get_all() { return detail::select_rows<Stock>(db_, "FROM \"stocks\" ORDER BY \"id\""); }

  [[nodiscard]] std::optional<Stock> find_by_symbol(const std::string& symbol) {
    auto rows = detail::select_rows<Stock>(db_, "FROM \"stocks\" WHERE \"symbol\" = ?", symbol);
    if (rows.empty()) return std::nullopt;
    return std::move(rows.front());
  }

  // Inserts the stock (its id and created_at come from the database); returns the new id.
  std::int64_t add(const Stock& stock) { return detail::insert_row(db_, stock, {"id", "created_at"}); }

 private:
  SQLite::Database& db_;
};

class SentimentDataRepository {
 public:
  explicit SentimentDataRepository(SQLite::Database& db) : db_(db) {}

  [[nodiscard]] std::vector<SentimentData> get_all() {
    return detail::select_rows<SentimentData>(db_, "FROM \"sentiment_data\" ORDER BY \"id\"");
  }

  // The sentiment rows of the stock with that symbol, oldest first.
  [[nodiscard]] std::vector<SentimentData> find_by_symbol(const std::string& symbol) {
    return detail::select_rows<SentimentData>(
        db_,
        "FROM \"sentiment_data\" JOIN \"stocks\" ON \"stocks\".\"id\" = \"sentiment_data\".\"stock_id\" "
        "WHERE \"stocks\".\"symbol\" = ? ORDER BY \"sentiment_data\".\"id\"",
        symbol);
  }

  // Inserts the row (its id and created_at come from the database); returns the new id.
  std::int64_t add(const SentimentData& row) { return detail::insert_row(db_, row, {"id", "created_at"}); }

 private:
  SQLite::Database& db_;
};

}  // namespace insightbull
