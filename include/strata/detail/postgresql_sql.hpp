// strata::detail: PostgreSQL DDL rendering (quoted identifiers, an optional schema, SERIAL keys).
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include <strata/detail/sql_identifiers.hpp>
#include <strata/ops.hpp>
#include <strata/types.hpp>

namespace strata::detail::postgresql_sql {

using sql::quote;
using sql::quote_list;

// A table, index or sequence name, qualified with the schema when there is one.
inline std::string qualified(std::string_view schema, std::string_view name) {
  return schema.empty() ? quote(name) : quote(schema) + "." + quote(name);
}

inline std::string type(const column_type& t) {
  switch (t.kind) {
    case type_kind::integer: return "INTEGER";
    case type_kind::big_integer: return "BIGINT";
    case type_kind::real: return "REAL";
    case type_kind::float_: return "FLOAT";
    case type_kind::text: return "TEXT";
    case type_kind::varchar: return "VARCHAR(" + std::to_string(t.length) + ")";
    case type_kind::boolean: return "BOOLEAN";
    case type_kind::date: return "DATE";
    case type_kind::datetime: return "TIMESTAMP WITHOUT TIME ZONE";
    case type_kind::blob: return "BYTEA";
    case type_kind::custom: return std::string(t.sql);
  }
  return "TEXT";
}

inline bool is_integer(const column_type& t) { return t.kind == type_kind::integer || t.kind == type_kind::big_integer; }

// SQLAlchemy's autoincrement="auto": the single integer primary key column of a table, without a
// server default or a foreign key, is SERIAL (BIGSERIAL); `.auto_increment()` asks for it explicitly.
inline bool is_serial(const column& c, bool single_primary_key) {
  if (!is_integer(c.type) || c.default_sql) return false;
  return c.autoincrement || (single_primary_key && c.is_primary_key && !c.foreign_key);
}

// The server default, parenthesized: PostgreSQL takes any expression so, and keeps no parentheses.
inline std::string default_clause(std::string_view sql) { return "DEFAULT (" + std::string(sql) + ")"; }

inline std::string references(std::string_view schema, std::string_view table, const std::vector<std::string_view>& columns,
                              referential_action on_delete, referential_action on_update) {
  std::string out = "REFERENCES " + qualified(schema, table) + " (" + quote_list(columns) + ")";
  if (on_delete != referential_action::no_action) out += " ON DELETE " + std::string(to_sql(on_delete));
  if (on_update != referential_action::no_action) out += " ON UPDATE " + std::string(to_sql(on_update));
  return out;
}

// A column definition. `single_primary_key`: the table's key is this one column (so it is inline,
// and SERIAL when it is an integer); false when the key is composite or for ADD COLUMN.
inline std::string column_definition(std::string_view schema, const column& c, bool single_primary_key) {
  const bool serial = is_serial(c, single_primary_key);
  std::string out = quote(c.name) + " " + (serial ? (c.type.kind == type_kind::big_integer ? "BIGSERIAL" : "SERIAL") : type(c.type));
  if (!c.nullable) out += " NOT NULL";
  if (c.is_primary_key && single_primary_key) out += " PRIMARY KEY";
  if (c.is_unique) out += " UNIQUE";
  if (c.default_sql) out += " " + default_clause(*c.default_sql);
  if (c.check_sql) out += " CHECK (" + std::string(*c.check_sql) + ")";
  if (c.foreign_key)
    out += " " + references(schema, c.foreign_key->table, {c.foreign_key->column}, c.foreign_key->on_delete, c.foreign_key->on_update);
  return out;
}

inline std::string constraint_definition(std::string_view schema, const constraint& k) {
  std::string out = k.name.empty() ? "" : "CONSTRAINT " + quote(k.name) + " ";
  switch (k.kind) {
    case constraint_kind::primary_key: return out + "PRIMARY KEY (" + quote_list(k.columns) + ")";
    case constraint_kind::unique: return out + "UNIQUE (" + quote_list(k.columns) + ")";
    case constraint_kind::check: return out + "CHECK (" + std::string(k.check_sql) + ")";
    case constraint_kind::foreign_key:
      return out + "FOREIGN KEY (" + quote_list(k.columns) + ") " +
             references(schema, k.referenced_table, k.referenced_columns, k.on_delete, k.on_update);
  }
  return out;
}

inline std::string create_table(std::string_view schema, const op::create_table& x) {
  const auto keys = std::count_if(x.columns.begin(), x.columns.end(), [](const column& c) { return c.is_primary_key; });
  std::string out = "CREATE TABLE " + qualified(schema, x.table) + " (";
  bool first = true;
  auto add = [&](const std::string& item) {
    out += (first ? "\n  " : ",\n  ") + item;
    first = false;
  };
  for (const auto& c : x.columns) add(column_definition(schema, c, keys == 1));
  if (keys > 1) {
    std::vector<std::string_view> key_columns;
    for (const auto& c : x.columns)
      if (c.is_primary_key) key_columns.push_back(c.name);
    add("PRIMARY KEY (" + quote_list(key_columns) + ")");
  }
  for (const auto& k : x.constraints) add(constraint_definition(schema, k));
  return out + "\n)";
}

// One ALTER TABLE with every change of the column; nullopt when nothing changes.
inline std::optional<std::string> alter_column(std::string_view schema, const op::alter_column& x) {
  const std::string column = "ALTER COLUMN " + quote(x.column);
  std::vector<std::string> actions;
  if (x.change.type) {
    std::string a = column + " TYPE " + type(*x.change.type);
    if (x.change.using_sql) a += " USING " + std::string(*x.change.using_sql);
    actions.push_back(std::move(a));
  }
  if (x.change.nullable) actions.push_back(column + (*x.change.nullable ? " DROP NOT NULL" : " SET NOT NULL"));
  if (x.change.server_default) actions.push_back(column + " SET " + default_clause(*x.change.server_default));
  else if (x.change.drop_default) actions.push_back(column + " DROP DEFAULT");
  if (actions.empty()) return std::nullopt;
  std::string out = "ALTER TABLE " + qualified(schema, x.table) + " ";
  for (std::size_t i = 0; i < actions.size(); ++i) out += (i == 0 ? "" : ", ") + actions[i];
  return out;
}

inline std::string create_index(std::string_view schema, const op::create_index& x) {
  std::string out = std::string(x.options.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") +
                    (x.options.concurrently ? "CONCURRENTLY " : "") + quote(x.name) + " ON " + qualified(schema, x.table) + " (" +
                    quote_list(x.columns) + ")";
  if (!x.options.where.empty()) out += " WHERE " + std::string(x.options.where);
  return out;
}

// The SQL of one operation; nullopt for run (C++) and for an alter_column that changes nothing.
inline std::optional<std::string> render(std::string_view schema, const operation& o) {
  return std::visit(
      [&](const auto& x) -> std::optional<std::string> {
        using T = std::decay_t<decltype(x)>;
        const auto table = [&](std::string_view name) { return qualified(schema, name); };
        if constexpr (std::is_same_v<T, op::create_table>) return create_table(schema, x);
        else if constexpr (std::is_same_v<T, op::drop_table>) return "DROP TABLE " + table(x.table);
        else if constexpr (std::is_same_v<T, op::rename_table>) return "ALTER TABLE " + table(x.table) + " RENAME TO " + quote(x.new_name);
        else if constexpr (std::is_same_v<T, op::add_column>)
          return "ALTER TABLE " + table(x.table) + " ADD COLUMN " + column_definition(schema, x.definition, false);
        else if constexpr (std::is_same_v<T, op::drop_column>) return "ALTER TABLE " + table(x.table) + " DROP COLUMN " + quote(x.column);
        else if constexpr (std::is_same_v<T, op::rename_column>)
          return "ALTER TABLE " + table(x.table) + " RENAME COLUMN " + quote(x.column) + " TO " + quote(x.new_name);
        else if constexpr (std::is_same_v<T, op::alter_column>) return alter_column(schema, x);
        else if constexpr (std::is_same_v<T, op::add_constraint>)
          return "ALTER TABLE " + table(x.table) + " ADD " + constraint_definition(schema, x.definition);
        else if constexpr (std::is_same_v<T, op::drop_constraint>)
          return "ALTER TABLE " + table(x.table) + " DROP CONSTRAINT " + quote(x.name);
        else if constexpr (std::is_same_v<T, op::create_index>) return create_index(schema, x);
        else if constexpr (std::is_same_v<T, op::drop_index>) return "DROP INDEX " + table(x.name);
        else if constexpr (std::is_same_v<T, op::execute>) return std::string(x.sql);
        else return std::nullopt;
      },
      o);
}

// A libpq connection-string value: single-quoted, with \ and ' escaped (libpq's rules).
inline std::string conninfo_value(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// A SQL string literal: single-quoted, with ' doubled (standard_conforming_strings, on since 9.1).
inline std::string literal(std::string_view value) {
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

// Waits in the server (up to 2 s) until no other session is connected to `database`. A closed
// connection's server process ends a moment after the client has gone; DROP DATABASE (and RENAME)
// finding it still there sleeps 100 ms before looking again, so run this first.
inline std::string wait_for_no_sessions(std::string_view database) {
  return "DO $strata$ BEGIN FOR i IN 1..2000 LOOP PERFORM pg_stat_clear_snapshot(); "
         "EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = " +
         literal(database) + " AND pid <> pg_backend_pid()); PERFORM pg_sleep(0.001); END LOOP; END $strata$";
}

}  // namespace strata::detail::postgresql_sql
