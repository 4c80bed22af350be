// strata's portable column types, mapped to SQL by each dialect.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string_view>

namespace strata {

enum class type_kind : std::uint8_t {
  integer,
  big_integer,
  real,       // single precision where the database has one (REAL)
  float_,     // SQLAlchemy's Float: FLOAT on SQLite, DOUBLE PRECISION on PostgreSQL
  text,
  varchar,    // with a length
  boolean,
  date,
  datetime,
  blob,
  custom,     // a type spelled in SQL, passed through as is
};

struct column_type {
  type_kind kind = type_kind::text;
  std::uint32_t length = 0;   // varchar(n)
  std::string_view sql{};     // custom types

  friend constexpr bool operator==(const column_type&, const column_type&) = default;
};

inline constexpr column_type integer{type_kind::integer};
inline constexpr column_type big_integer{type_kind::big_integer};
inline constexpr column_type real{type_kind::real};
inline constexpr column_type float_{type_kind::float_};
inline constexpr column_type text{type_kind::text};
inline constexpr column_type boolean{type_kind::boolean};
inline constexpr column_type date{type_kind::date};
inline constexpr column_type datetime{type_kind::datetime};
inline constexpr column_type blob{type_kind::blob};
constexpr column_type varchar(std::uint32_t length) { return {type_kind::varchar, length}; }
// An escape hatch for a type strata does not model: `strata::sql_type("NUMERIC(12, 2)")`.
constexpr column_type sql_type(std::string_view sql) { return {type_kind::custom, 0, sql}; }

constexpr std::string_view to_string(type_kind kind) {
  switch (kind) {
    case type_kind::integer: return "integer";
    case type_kind::big_integer: return "big_integer";
    case type_kind::real: return "real";
    case type_kind::float_: return "float";
    case type_kind::text: return "text";
    case type_kind::varchar: return "varchar";
    case type_kind::boolean: return "boolean";
    case type_kind::date: return "date";
    case type_kind::datetime: return "datetime";
    case type_kind::blob: return "blob";
    case type_kind::custom: return "custom";
  }
  return "unknown";
}
inline std::ostream& operator<<(std::ostream& out, type_kind kind) { return out << to_string(kind); }

namespace detail {
// Writes a column type as messages name it ("varchar(10)", "big_integer", a custom type's SQL) to
// `out`, anything that takes `out << std::string_view`: a std::string at run time, a fixed buffer in
// constant evaluation (strata::in_sync's message).
template <class Out>
constexpr Out& type_text_to(Out& out, const column_type& t) {
  if (t.kind == type_kind::varchar) {
    char digits[10]{};
    std::size_t first = sizeof(digits);
    for (auto n = t.length; first == sizeof(digits) || n != 0; n /= 10) digits[--first] = static_cast<char>('0' + n % 10);
    return out << "varchar(" << std::string_view(digits + first, sizeof(digits) - first) << ")";
  }
  if (t.kind == type_kind::custom) return out << (t.sql.empty() ? std::string_view("(no type)") : t.sql);
  return out << to_string(t.kind);
}
}  // namespace detail

// What happens to referencing rows when the referenced row is deleted or updated.
enum class referential_action : std::uint8_t { no_action, restrict, cascade, set_null, set_default };

constexpr std::string_view to_sql(referential_action action) {
  switch (action) {
    case referential_action::no_action: return "NO ACTION";
    case referential_action::restrict: return "RESTRICT";
    case referential_action::cascade: return "CASCADE";
    case referential_action::set_null: return "SET NULL";
    case referential_action::set_default: return "SET DEFAULT";
  }
  return "NO ACTION";
}
inline std::ostream& operator<<(std::ostream& out, referential_action action) { return out << to_sql(action); }

}  // namespace strata
