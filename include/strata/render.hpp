// strata::render: a revision's operations as SQL text, through a dialect's SqlTraits, with no database client.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <strata/detail/sql_identifiers.hpp>
#include <strata/errors.hpp>
#include <strata/naming.hpp>
#include <strata/ops.hpp>
#include <strata/schema.hpp>
#include <strata/types.hpp>

namespace strata {

// What rendering needs besides the operations and the schema they apply to.
struct render_options {
  // Qualifies table, index and sequence names (PostgreSQL's ?schema=); empty: names stay unqualified.
  std::string_view schema{};
  // The database's version as its traits number it (SQLite: sqlite3_libversion_number(), 3035000
  // for 3.35.0); 0 renders for the newest version the traits know.
  std::uint32_t server_version = 0;
};

// The statements a script (strata/offline.hpp) writes around one unit of work (a revision's
// operations, or a version-table write on its own), as the dialect's transaction() runs it.
struct unit_frame {
  std::vector<std::string> before;  // BEGIN, and what the dialect switches before it
  std::vector<std::string> after;   // COMMIT, and what it switches back after it
  bool transaction = false;         // whether the unit runs inside a transaction
};

namespace detail {

// A failure while rendering one operation becomes strata::operation_failed naming it.
template <class F>
auto rendering(const operation& o, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const strata::error&) {
    throw;
  } catch (const std::exception& e) {
    throw operation_failed(describe(o), e.what());
  }
}

}  // namespace detail

// ---- sql_traits: the renderer every dialect shares -------------------------------------------------------
//
// A dialect's SQL traits derive from sql_traits<Self> and hide the members where the database
// differs; the members here call each other through Self, so an override is used everywhere (the
// way sqlpp11's connectors override its serializer). What follows is standard SQL as both SQLite
// and PostgreSQL take it.
template <class Self>
struct sql_traits {
  static std::string quote(std::string_view identifier) { return detail::sql::quote(identifier); }

  // A table, index or sequence name, qualified with the options' schema when there is one.
  static std::string qualified(const render_options& options, std::string_view name) {
    return options.schema.empty() ? quote(name) : quote(options.schema) + "." + quote(name);
  }

  static std::string type(const column_type& t) {
    switch (t.kind) {
      case type_kind::integer: return "INTEGER";
      case type_kind::big_integer: return "BIGINT";
      case type_kind::real: return "REAL";
      case type_kind::float_: return "FLOAT";
      case type_kind::text: return "TEXT";
      case type_kind::varchar: return "VARCHAR(" + std::to_string(t.length) + ")";
      case type_kind::boolean: return "BOOLEAN";
      case type_kind::date: return "DATE";
      case type_kind::datetime: return "DATETIME";
      case type_kind::blob: return "BLOB";
      case type_kind::custom: return std::string(t.sql);
    }
    return "TEXT";
  }

  // The type a column is declared with; `single_primary_key`: it is the table's whole key.
  static std::string declared_type(const column& c, [[maybe_unused]] bool single_primary_key) { return Self::type(c.type); }

  // The server default; parenthesized, as any expression may be.
  static std::string default_clause(std::string_view sql) { return "DEFAULT (" + std::string(sql) + ")"; }

  static std::string primary_key_clause([[maybe_unused]] const column& c) { return "PRIMARY KEY"; }

  static std::string generated_clause(const column& c) {
    return "GENERATED ALWAYS AS (" + std::string(*c.generated_sql) + ") " + std::string(to_string(c.generated_storage));
  }

  // CREATE INDEX CONCURRENTLY (PostgreSQL); elsewhere the option is ignored.
  static constexpr bool concurrent_indexes = false;
  // Whether ADD COLUMN of a .primary_key() column says PRIMARY KEY.
  static constexpr bool key_in_add_column = true;
  // The longest name (table, column, index, constraint) the database keeps, in bytes; 0: no limit.
  static constexpr std::size_t max_identifier_bytes = 0;

  // "CONSTRAINT "name" " for a named constraint, "" for an unnamed one.
  static std::string constraint_prefix(std::string_view name) {
    return name.empty() ? std::string{} : "CONSTRAINT " + quote(name) + " ";
  }

  // The name a constraint gets: its own, or what the naming convention gives it.
  static std::string constraint_name(const naming_convention& naming, constraint_kind kind, std::string_view table,
                                     const std::vector<std::string_view>& columns, std::string_view referenced_table,
                                     std::string_view given) {
    auto name = detail::convention_name(pattern_for(naming, kind), {table, columns, referenced_table, given});
    return name.empty() ? std::string(given) : name;
  }

  static std::string references(const render_options& options, std::string_view table, const std::vector<std::string_view>& columns,
                                referential_action on_delete, referential_action on_update) {
    std::string out = "REFERENCES " + Self::qualified(options, table) + " (" + detail::sql::quote_list(columns) + ")";
    if (on_delete != referential_action::no_action) out += " ON DELETE " + std::string(to_sql(on_delete));
    if (on_update != referential_action::no_action) out += " ON UPDATE " + std::string(to_sql(on_update));
    return out;
  }

  // A column definition in `table`; `single_primary_key`: the column is the table's whole key
  // (so the key is written on the column). Its constraints are named by the convention.
  static std::string column_definition(std::string_view table, const column& c, bool single_primary_key, const naming_convention& naming,
                                       const render_options& options) {
    const std::vector<std::string_view> own{c.name};
    auto name = [&](constraint_kind kind, std::string_view referenced = {}) {
      return Self::constraint_prefix(Self::constraint_name(naming, kind, table, own, referenced, {}));
    };
    std::string out = quote(c.name) + " " + Self::declared_type(c, single_primary_key);
    if (!c.nullable) out += " NOT NULL";
    if (c.is_primary_key && single_primary_key) out += " " + name(constraint_kind::primary_key) + Self::primary_key_clause(c);
    if (c.is_unique) out += " " + name(constraint_kind::unique) + "UNIQUE";
    if (c.default_sql) out += " " + Self::default_clause(*c.default_sql);
    if (c.check_sql) out += " " + name(constraint_kind::check) + "CHECK (" + std::string(*c.check_sql) + ")";
    if (c.foreign_key)
      out += " " + name(constraint_kind::foreign_key, c.foreign_key->table) +
             Self::references(options, c.foreign_key->table, {c.foreign_key->column}, c.foreign_key->on_delete, c.foreign_key->on_update);
    if (c.generated_sql) out += " " + Self::generated_clause(c);
    return out;
  }

  // A table constraint of `table`. A CHECK's columns, for the convention's %(column_0_name)s: those
  // of the table's `columns` its expression names, or, without them, what look like column names in it.
  static std::string constraint_definition(std::string_view table, const constraint& k, std::span<const std::string_view> columns,
                                           const naming_convention& naming, const render_options& options) {
    std::vector<std::string_view> key = k.columns;
    std::vector<std::string> guessed;
    if (k.kind == constraint_kind::check) {
      if (!columns.empty()) {
        key = detail::sql::columns_named(k.check_sql, columns);
      } else {
        guessed = detail::sql::expression_columns(k.check_sql);
        key.assign(guessed.begin(), guessed.end());
      }
    }
    std::string out = Self::constraint_prefix(Self::constraint_name(naming, k.kind, table, key, k.referenced_table, k.name));
    switch (k.kind) {
      case constraint_kind::primary_key: return out + "PRIMARY KEY (" + detail::sql::quote_list(k.columns) + ")";
      case constraint_kind::unique: return out + "UNIQUE (" + detail::sql::quote_list(k.columns) + ")";
      case constraint_kind::check: return out + "CHECK (" + std::string(k.check_sql) + ")";
      case constraint_kind::foreign_key:
        return out + "FOREIGN KEY (" + detail::sql::quote_list(k.columns) + ") " +
               Self::references(options, k.referenced_table, k.referenced_columns, k.on_delete, k.on_update);
    }
    return out;
  }

  static std::string create_table(const op::create_table& x, const render_options& options) {
    std::vector<std::string_view> key;
    for (const auto& c : x.columns)
      if (c.is_primary_key) key.push_back(c.name);
    std::string out = "CREATE TABLE " + Self::qualified(options, x.table) + " (";
    bool first = true;
    auto add = [&](const std::string& item) {
      out += (first ? "\n  " : ",\n  ") + item;
      first = false;
    };
    std::vector<std::string_view> names;
    for (const auto& c : x.columns) names.push_back(c.name);
    for (const auto& c : x.columns) add(Self::column_definition(x.table, c, key.size() == 1, x.naming, options));
    if (key.size() > 1)
      add(Self::constraint_prefix(Self::constraint_name(x.naming, constraint_kind::primary_key, x.table, key, {}, {})) + "PRIMARY KEY (" +
          detail::sql::quote_list(key) + ")");
    for (const auto& k : x.constraints) add(Self::constraint_definition(x.table, k, names, x.naming, options));
    return out + "\n)";
  }

  static std::string create_index(const op::create_index& x, const render_options& options) {
    std::string out = std::string(x.options.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") +
                      (Self::concurrent_indexes && x.options.concurrently ? "CONCURRENTLY " : "") + quote(x.name) + " ON " +
                      Self::qualified(options, x.table) + " (" + detail::sql::quote_list(x.columns) + ")";
    if (!x.options.where.empty()) out += " WHERE " + std::string(x.options.where);
    return out;
  }

  static std::string add_column(const op::add_column& x, const render_options& options) {
    return "ALTER TABLE " + Self::qualified(options, x.table) + " ADD COLUMN " +
           Self::column_definition(x.table, x.definition, Self::key_in_add_column, x.naming, options);
  }

  static std::string drop_column(const op::drop_column& x, const render_options& options) {
    return "ALTER TABLE " + Self::qualified(options, x.table) + " DROP COLUMN " + quote(x.column);
  }

  // One ALTER TABLE with every change of the column; none when nothing changes.
  static std::vector<std::string> alter_column(const op::alter_column& x, const render_options& options) {
    const std::string column = "ALTER COLUMN " + quote(x.column);
    std::vector<std::string> actions;
    if (x.change.type) {
      std::string a = column + " TYPE " + Self::type(*x.change.type);
      if (x.change.using_sql) a += " USING " + std::string(*x.change.using_sql);
      actions.push_back(std::move(a));
    }
    if (x.change.nullable) actions.push_back(column + (*x.change.nullable ? " DROP NOT NULL" : " SET NOT NULL"));
    if (x.change.server_default) actions.push_back(column + " SET " + Self::default_clause(*x.change.server_default));
    else if (x.change.drop_default) actions.push_back(column + " DROP DEFAULT");
    if (actions.empty()) return {};
    std::string out = "ALTER TABLE " + Self::qualified(options, x.table) + " ";
    for (std::size_t i = 0; i < actions.size(); ++i) out += (i == 0 ? "" : ", ") + actions[i];
    return {out};
  }

  static std::string add_constraint(const op::add_constraint& x, const render_options& options) {
    return "ALTER TABLE " + Self::qualified(options, x.table) + " ADD " + Self::constraint_definition(x.table, x.definition, {}, x.naming, options);
  }

  // A backfill as one statement (what a script prints; the dialects run it in batches, below).
  static std::string backfill(const op::backfill& x, const render_options& options) {
    return "UPDATE " + Self::qualified(options, x.table) + " SET " + std::string(x.set) +
           (x.where.empty() ? std::string() : " WHERE " + std::string(x.where));
  }

  // The statements of a backfill's batches, keyed on the primary key column `key`. $1 is the last
  // key done (only when `after`: a batch after the first, or a resumed run), then $2 the batch's
  // last key: keyed (the key that ends the batch: the batch_rows-th row still to do, else the last
  // one; NULL when none is left), count (the rows still to do), update (the batch: the rows after
  // $1 up to that key). Placeholders are $n, which SQLite reads too.
  struct backfill_batch {
    std::string keyed, count, update;
  };
  static backfill_batch backfill_batches(const op::backfill& x, std::string_view key, bool after, const render_options& options) {
    // $1 before $2 in each statement: SQLite numbers named parameters in the order they appear.
    const auto table = Self::qualified(options, x.table);
    const auto k = quote(key);
    const std::string lower = after ? k + " > $1" : "";
    const std::string condition = x.where.empty() ? "" : "(" + std::string(x.where) + ")";
    const auto rest = lower + (!lower.empty() && !condition.empty() ? " AND " : "") + condition;  // the rows still to do
    const auto where = rest.empty() ? std::string() : " WHERE " + rest;
    return {"SELECT COALESCE((SELECT " + k + " FROM " + table + where + " ORDER BY " + k + " LIMIT 1 OFFSET " +
                std::to_string(x.batch_rows - 1) + "), (SELECT max(" + k + ") FROM " + table + where + "))",
            "SELECT count(*) FROM " + table + where,
            "UPDATE " + table + " SET " + std::string(x.set) + " WHERE " + (after ? lower + " AND " + k + " <= $2" : k + " <= $1") +
                (condition.empty() ? "" : " AND " + condition)};
  }

  static std::string drop_constraint(const op::drop_constraint& x, const render_options& options) {
    if (x.name.empty()) return Self::drop_constraint_by_columns(x, options);
    return "ALTER TABLE " + Self::qualified(options, x.table) + " DROP CONSTRAINT " + quote(x.name);
  }

  // Finding a constraint by kind and columns needs the database's catalog: a dialect that can
  // provide this.
  static std::string drop_constraint_by_columns(const op::drop_constraint& x, [[maybe_unused]] const render_options& options) {
    throw operation_failed(describe(operation{x}), "this database cannot drop a constraint by kind and columns; drop it by name");
  }

  // The statements of one operation, rendered on their own; none for run() (C++, not SQL).
  static std::vector<std::string> statements(const operation& o, const render_options& options) {
    return detail::rendering(o, [&] {
      return strata::visit(
          [&](const auto& x) -> std::vector<std::string> {
            using T = std::decay_t<decltype(x)>;
            const auto table = [&](std::string_view name) { return Self::qualified(options, name); };
            if constexpr (std::is_same_v<T, op::create_table>) return {Self::create_table(x, options)};
            else if constexpr (std::is_same_v<T, op::drop_table>) return {"DROP TABLE " + table(x.table)};
            else if constexpr (std::is_same_v<T, op::rename_table>) return {"ALTER TABLE " + table(x.table) + " RENAME TO " + quote(x.new_name)};
            else if constexpr (std::is_same_v<T, op::add_column>) return {Self::add_column(x, options)};
            else if constexpr (std::is_same_v<T, op::drop_column>) return {Self::drop_column(x, options)};
            else if constexpr (std::is_same_v<T, op::rename_column>)
              return {"ALTER TABLE " + table(x.table) + " RENAME COLUMN " + quote(x.column) + " TO " + quote(x.new_name)};
            else if constexpr (std::is_same_v<T, op::alter_column>) return Self::alter_column(x, options);
            else if constexpr (std::is_same_v<T, op::add_constraint>) return {Self::add_constraint(x, options)};
            else if constexpr (std::is_same_v<T, op::drop_constraint>) return {Self::drop_constraint(x, options)};
            else if constexpr (std::is_same_v<T, op::create_index>) return {Self::create_index(x, options)};
            else if constexpr (std::is_same_v<T, op::drop_index>) return {"DROP INDEX " + table(x.name)};
            else if constexpr (std::is_same_v<T, op::execute>) return {std::string(x.sql)};
            else if constexpr (std::is_same_v<T, op::backfill>) return {Self::backfill(x, options)};
            else return {};
          },
          o);
    });
  }

  // ---- What a script of revisions (strata/offline.hpp) writes besides their statements

  // Alembic's version table, created when missing: the layout both Alembic and strata read.
  static std::string create_version_table(std::string_view table, const render_options& options) {
    return "CREATE TABLE IF NOT EXISTS " + Self::qualified(options, table) + " (version_num VARCHAR(32) NOT NULL, CONSTRAINT " +
           quote(std::string(table) + "_pkc") + " PRIMARY KEY (version_num))";
  }

  // How a unit of work is framed: a transaction when it is transactional, nothing otherwise.
  static unit_frame frame_unit([[maybe_unused]] std::span<const operation> operations, bool transactional) {
    if (!transactional) return {};
    return {{"BEGIN"}, {"COMMIT"}, true};
  }

  // What a script starts with: the session settings the dialect makes on connecting, and what its
  // apply() creates first (PostgreSQL's schema). None by default.
  static std::vector<std::string> script_prologue([[maybe_unused]] const render_options& options) { return {}; }

  // A revision's statements, in order; `before` is the schema the operations apply to (a dialect
  // that plans with the tables' definitions, SQLite's rebuild, reads them there).
  static std::vector<std::string> render_revision(std::span<const operation> operations, [[maybe_unused]] const schema& before,
                                                  const render_options& options) {
    std::vector<std::string> out;
    for (const auto& o : operations)
      for (auto& s : Self::statements(o, options)) out.push_back(std::move(s));
    return out;
  }
};

// ---- SqlTraits ------------------------------------------------------------------------------------------
//
// What strata needs to render SQL for a database, with no client library: a dialect names its
// traits (`using sql = sqlite_sql;`) and the Dialect concept requires them.
//
// Minimal complete definition: derive from sql_traits<Self> (which renders standard SQL) and give
//   static constexpr std::string_view name;      // the dialect's name, as Dialect::name
// then hide the members where the database differs, for example
//   static std::string type(const column_type&);              // type names (DATETIME, BYTEA ...)
//   static std::string declared_type(const column&, bool);    // a key's type (PostgreSQL's SERIAL)
//   static std::string default_clause(std::string_view);      // how DEFAULT is written
//   static std::string primary_key_clause(const column&);     // SQLite's AUTOINCREMENT
//   static std::string generated_clause(const column&);       // which generated columns exist
//   static constexpr bool concurrent_indexes, key_in_add_column;
//   static constexpr std::size_t max_identifier_bytes;      // a longer name is refused before it runs
//   static std::string drop_constraint_by_columns(const op::drop_constraint&, const render_options&);
//   static std::vector<std::string> statements(const operation&, const render_options&);
//   static std::vector<std::string> render_revision(std::span<const operation>, const schema&, const render_options&);
//       // a dialect whose alterations need the tables' definitions (SQLite's rebuild) plans here
//   static unit_frame frame_unit(std::span<const operation>, bool transactional);
//   static std::vector<std::string> script_prologue(const render_options&);
//       // how the dialect's transaction() frames a unit, and what its connection sets up, for
//       // offline scripts (strata/offline.hpp, manage_db upgrade --sql)
// Laws:
//   - Pure: the same operations, schema and options give the same statements, with no connection.
//   - What runs is what renders: a dialect's apply() executes these statements (plus bookkeeping
//     only it can do at run time, which its documentation lists), so strata::render shows a
//     revision's SQL before it runs.
//   - A failure to render is strata::operation_failed naming the operation, with a sentence that
//     says what to do.
// Models: strata::sqlite_sql (strata/dialect/sqlite_sql.hpp), strata::postgresql_sql
// (strata/dialect/postgresql_sql.hpp).
template <class T>
concept SqlTraits = requires(const operation& o, std::span<const operation> operations, const schema& before, const render_options& options,
                             const column_type& type) {
  { T::name } -> std::convertible_to<std::string_view>;
  { T::type(type) } -> std::same_as<std::string>;
  { T::statements(o, options) } -> std::same_as<std::vector<std::string>>;
  { T::render_revision(operations, before, options) } -> std::same_as<std::vector<std::string>>;
};

// The statements a revision's operations run, given the schema they apply to, with no database:
// `strata::render<strata::sqlite_sql>(recorded.operations(), strata::replay<history>(previous_id))`.
template <SqlTraits T>
std::vector<std::string> render(std::span<const operation> operations, const schema& before, const render_options& options = {}) {
  return T::render_revision(operations, before, options);
}

}  // namespace strata
