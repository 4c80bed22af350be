// strata::postgresql_sql: PostgreSQL's SQL traits (what its SQL writes differently), with no libpq or libpqxx.
#pragma once

#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <strata/detail/sql_identifiers.hpp>
#include <strata/dialect/postgresql_target.hpp>
#include <strata/errors.hpp>
#include <strata/ops.hpp>
#include <strata/render.hpp>
#include <strata/types.hpp>

namespace strata {

// PostgreSQL's SQL: its type names, SQLAlchemy's SERIAL rule, CREATE INDEX CONCURRENTLY, STORED
// generated columns only, and constraints found in the catalog by kind and columns. Every
// operation is native DDL (PostgreSQL's DDL is transactional). add_column's insert_before /
// insert_after are ignored: PostgreSQL appends a new column, and cannot move one without
// rewriting the table (Alembic outside batch mode does the same).
struct postgresql_sql : sql_traits<postgresql_sql> {
  static constexpr std::string_view name = "postgresql";
  // What the compiler's review (strata::reviewed) may ask of PostgreSQL (<strata/dialect/postgresql_target.hpp>).
  static constexpr strata::review_target review_target = review_target_for<postgresql_sql>;

  static std::string type(const column_type& t) {
    if (t.kind == type_kind::datetime) return "TIMESTAMP WITHOUT TIME ZONE";
    if (t.kind == type_kind::blob) return "BYTEA";
    return sql_traits::type(t);
  }

  // SQLAlchemy's autoincrement="auto": the single integer primary key column of a table, without a
  // server default or a foreign key, is SERIAL (BIGSERIAL); `.auto_increment()` asks for it explicitly.
  static std::string declared_type(const column& c, bool single_primary_key) {
    const bool integer = c.type.kind == type_kind::integer || c.type.kind == type_kind::big_integer;
    const bool serial = integer && !c.default_sql && !c.generated_sql &&
                        (c.autoincrement || (single_primary_key && c.is_primary_key && !c.foreign_key));
    if (!serial) return type(c.type);
    return c.type.kind == type_kind::big_integer ? "BIGSERIAL" : "SERIAL";
  }

  static std::string generated_clause(const column& c) {
    if (c.generated_storage != generated_kind::stored)
      throw std::invalid_argument("PostgreSQL 15 has STORED generated columns only; write .generated(\"" + std::string(*c.generated_sql) +
                                  "\", strata::stored) for column '" + std::string(c.name) + "'");
    return sql_traits::generated_clause(c);
  }

  // What strata::postgresql does for a schema option (?schema=): makes the schema when missing,
  // and sets the search_path that unqualified names (an execute()'s SQL) resolve in.
  static std::vector<std::string> script_prologue(const render_options& options) {
    if (options.schema.empty()) return {};
    return {"CREATE SCHEMA IF NOT EXISTS " + quote(options.schema), "SET search_path TO " + quote(options.schema)};
  }

  static constexpr bool concurrent_indexes = true;
  // A column added to a table is no SERIAL key, as in SQLAlchemy (the table has its key already).
  static constexpr bool key_in_add_column = false;
  // NAMEDATALEN - 1: the server cuts a longer name (with a NOTICE only).
  static constexpr std::size_t max_identifier_bytes = 63;

  // The constraint's name comes from the catalog (pg_constraint; a CHECK's columns are those its
  // expression names, as PostgreSQL records them), in the server, so this stays pure.
  static std::string drop_constraint_by_columns(const op::drop_constraint& x, const render_options& options) {
    const char type = x.kind == constraint_kind::primary_key ? 'p'
                      : x.kind == constraint_kind::unique    ? 'u'
                      : x.kind == constraint_kind::foreign_key ? 'f'
                                                               : 'c';
    std::vector<std::string_view> columns = x.columns;
    std::sort(columns.begin(), columns.end());  // bytewise, as COLLATE "C" orders them below
    std::string names, listed;
    for (auto c : columns) {
      names += (names.empty() ? "" : ", ") + detail::sql::literal(c);
      listed += (listed.empty() ? "" : ", ") + std::string(c);
    }
    const std::string table = qualified(options, x.table);
    // RAISE's message is a format: a % of a name is doubled.
    auto escaped = [](const std::string& text) {
      std::string out;
      for (char c : text) out += c == '%' ? std::string("%%") : std::string(1, c);
      return out;
    };
    const std::string what = std::string(to_string(x.kind)) + " constraint" + (columns.empty() ? "" : " on exactly (" + listed + ")");
    std::string sql =
        "DO $strata$ DECLARE found name[]; BEGIN "
        "SELECT array_agg(k.conname ORDER BY k.conname) INTO found FROM pg_constraint k WHERE k.conrelid = to_regclass(" +
        detail::sql::literal(table) + ") AND k.contype = '" + type + "'";
    if (!columns.empty())
      sql += " AND ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey) "
             "ORDER BY a.attname::text COLLATE \"C\") = ARRAY[" + names + "]::text[]";
    sql += "; IF coalesce(array_length(found, 1), 0) = 0 THEN RAISE EXCEPTION " +
           detail::sql::literal(escaped("table " + std::string(x.table) + " has no " + what +
                                        "; check the kind and the columns, or drop the constraint by name")) +
           "; END IF; IF array_length(found, 1) > 1 THEN RAISE EXCEPTION " +
           detail::sql::literal(escaped("table " + std::string(x.table) + " has several of them") + " (%); drop the one you mean by name") +
           ", array_to_string(found, ', ')" +
           "; END IF; EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', " + detail::sql::literal(table) +
           ", found[1]); END $strata$";
    return sql;
  }
};

static_assert(SqlTraits<postgresql_sql>);

}  // namespace strata
