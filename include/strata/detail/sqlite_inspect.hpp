// strata::detail::sqlite_inspect: a SQLite database's main schema read into a strata::owned_schema
// through its pragmas (table_xinfo, index_list, index_xinfo, foreign_key_list).
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <strata/detail/graph_check.hpp>
#include <strata/ops.hpp>
#include <strata/owned_schema.hpp>
#include <strata/schema.hpp>
#include <strata/schema_diff.hpp>
#include <strata/types.hpp>

namespace strata::detail {

// SQLite keeps a column's type as declared: the name strata declares for a type maps back to it;
// anything else is a strata::sql_type holding the declaration.
inline column_type sqlite_column_type(owned_schema& s, std::string_view declared) {
  static constexpr std::pair<std::string_view, type_kind> names[] = {
      {"INTEGER", type_kind::integer}, {"BIGINT", type_kind::big_integer}, {"REAL", type_kind::real},   {"FLOAT", type_kind::float_},
      {"TEXT", type_kind::text},       {"BOOLEAN", type_kind::boolean},    {"DATE", type_kind::date},   {"DATETIME", type_kind::datetime},
      {"BLOB", type_kind::blob}};
  for (const auto& [name, kind] : names)
    if (same_name(declared, name)) return {kind};
  if (declared.size() > 9 && same_name(declared.substr(0, 8), "VARCHAR(") && declared.ends_with(")")) {
    const auto digits = declared.substr(8, declared.size() - 9);
    if (digits.size() <= 9 && std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return varchar(static_cast<std::uint32_t>(std::stoul(std::string(digits))));
  }
  return sql_type(s.keep(declared));
}

inline referential_action sqlite_action(std::string_view text) {
  for (auto action : {referential_action::restrict, referential_action::cascade, referential_action::set_null, referential_action::set_default})
    if (same_name(text, to_sql(action))) return action;
  return referential_action::no_action;
}

// The predicate of CREATE INDEX ... WHERE <predicate>: the text after the first WHERE outside quotes.
inline std::string sqlite_index_predicate(std::string_view sql) {
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote || (quote == '[' && c == ']')) quote = 0;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      quote = c;
    } else if (i + 5 <= sql.size() && same_name(sql.substr(i, 5), "WHERE") && (i == 0 || !std::isalnum(static_cast<unsigned char>(sql[i - 1]))) &&
               (i + 5 == sql.size() || !std::isalnum(static_cast<unsigned char>(sql[i + 5])))) {
      auto rest = sql.substr(i + 5);
      while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front()))) rest.remove_prefix(1);
      while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.back()))) rest.remove_suffix(1);
      return std::string(rest);
    }
  }
  return {};
}

// Tables (the version table too; SQLite's own sqlite_* ones left out), their columns with type, NULL,
// default and AUTOINCREMENT, and indexes with their columns, uniqueness and predicate. Primary keys,
// unique constraints and foreign keys come as unnamed table constraints (SQLite's pragmas keep no
// constraint names); CHECK constraints are not read. An INTEGER PRIMARY KEY column (the rowid) is
// NOT NULL; another key column is as declared, as SQLite enforces it. An index column that is an
// expression is named "<expression>".
inline owned_schema sqlite_inspect(SQLite::Database& db) {
  owned_schema out;
  auto& model = out.get();
  SQLite::Statement tables(db, "SELECT name, instr(upper(sql), 'AUTOINCREMENT') > 0 FROM main.sqlite_master WHERE type = 'table' "
                               "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name");
  while (tables.executeStep()) {
    const auto name = out.keep(tables.getColumn(0).getString());
    const bool autoincrement = tables.getColumn(1).getInt() == 1;
    table_schema t{name, hash_id(name), {}, {}};

    std::vector<std::pair<int, std::string_view>> key;  // (position in the key, column)
    SQLite::Statement columns(db, "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_xinfo(?, 'main') WHERE hidden <> 1 "
                                  "ORDER BY cid");
    columns.bind(1, std::string(name));
    while (columns.executeStep()) {
      const auto declared = columns.getColumn(1).isNull() ? std::string() : columns.getColumn(1).getString();
      column c(out.keep(columns.getColumn(0).getString()), sqlite_column_type(out, declared));
      c.nullable = columns.getColumn(2).getInt() == 0;
      if (!columns.getColumn(3).isNull()) c.default_sql = out.keep(columns.getColumn(3).getString());
      if (const int position = columns.getColumn(4).getInt(); position > 0) key.emplace_back(position, c.name);
      t.columns.push_back(c);
    }
    columns.reset();

    bool without_rowid_key = false;  // a primary key with an index of its own: not the rowid
    SQLite::Statement indexes(db, "SELECT name, \"unique\", origin, partial FROM pragma_index_list(?, 'main') ORDER BY name");
    indexes.bind(1, std::string(name));
    while (indexes.executeStep()) {
      const auto index = indexes.getColumn(0).getString();
      const auto origin = indexes.getColumn(2).getString();
      if (origin == "pk") {
        without_rowid_key = true;
        continue;
      }
      std::vector<std::string_view> index_columns;
      SQLite::Statement parts(db, "SELECT name FROM pragma_index_xinfo(?, 'main') WHERE key = 1 ORDER BY seqno");
      parts.bind(1, index);
      while (parts.executeStep()) index_columns.push_back(parts.getColumn(0).isNull() ? "<expression>" : out.keep(parts.getColumn(0).getString()));
      if (origin == "u") {
        t.constraints.push_back({.kind = constraint_kind::unique, .columns = std::move(index_columns)});
        continue;
      }
      index_options options{.unique = indexes.getColumn(1).getInt() == 1};
      if (indexes.getColumn(3).getInt() == 1) {
        SQLite::Statement sql(db, "SELECT sql FROM main.sqlite_master WHERE type = 'index' AND name = ?");
        sql.bind(1, index);
        if (sql.executeStep() && !sql.getColumn(0).isNull()) options.where = out.keep(sqlite_index_predicate(sql.getColumn(0).getString()));
      }
      const auto index_name = out.keep(index);
      model.indexes.push_back(index_schema{index_name, hash_id(index_name), name, std::move(index_columns), options});
    }
    indexes.reset();

    std::sort(key.begin(), key.end());
    if (!key.empty()) {
      constraint primary{.kind = constraint_kind::primary_key};
      for (const auto& [position, column_name] : key) primary.columns.push_back(column_name);
      t.constraints.insert(t.constraints.begin(), std::move(primary));
    }
    if (key.size() == 1 && !without_rowid_key) {
      for (auto& c : t.columns)
        if (c.name == key.front().second && c.type.kind == type_kind::integer) {
          c.nullable = false;
          c.autoincrement = autoincrement;
        }
    }

    SQLite::Statement keys(db, "SELECT id, \"table\", \"from\", \"to\", on_update, on_delete FROM pragma_foreign_key_list(?, 'main') "
                               "ORDER BY id, seq");
    keys.bind(1, std::string(name));
    int current = -1;
    while (keys.executeStep()) {
      if (const int id = keys.getColumn(0).getInt(); id != current) {
        current = id;
        t.constraints.push_back({.kind = constraint_kind::foreign_key, .referenced_table = out.keep(keys.getColumn(1).getString()),
                                 .on_delete = sqlite_action(keys.getColumn(5).getString()),
                                 .on_update = sqlite_action(keys.getColumn(4).getString())});
      }
      auto& k = t.constraints.back();
      k.columns.push_back(out.keep(keys.getColumn(2).getString()));
      if (!keys.getColumn(3).isNull()) k.referenced_columns.push_back(out.keep(keys.getColumn(3).getString()));
    }
    keys.reset();
    // REFERENCES parent with no columns names the parent's primary key.
    for (auto& k : t.constraints) {
      if (k.kind != constraint_kind::foreign_key || !k.referenced_columns.empty()) continue;
      SQLite::Statement parent(db, "SELECT name FROM pragma_table_info(?, 'main') WHERE pk > 0 ORDER BY pk");
      parent.bind(1, std::string(k.referenced_table));
      while (parent.executeStep()) k.referenced_columns.push_back(out.keep(parent.getColumn(0).getString()));
    }
    model.tables.push_back(std::move(t));
  }
  return out;
}

}  // namespace strata::detail
