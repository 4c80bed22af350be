// strata::differences: the differences between an expected schema (the applied revisions replayed, or
// the models) and an actual one (a live database's, from Inspectable::inspect()), each a value with a sentence.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <strata/ops.hpp>
#include <strata/schema.hpp>
#include <strata/types.hpp>

namespace strata {

// What differs. "missing": the expected schema has it and the actual one does not; "unexpected": the
// other way round; the others: both have it, differently.
enum class difference_kind : std::uint8_t {
  missing_table,
  unexpected_table,
  missing_column,
  unexpected_column,
  column_type,
  column_nullability,
  primary_key,
  missing_unique,
  unexpected_unique,
  missing_foreign_key,
  unexpected_foreign_key,
  foreign_key_actions,
  missing_index,
  unexpected_index,
  index_definition,
  column_default,    // compared only with difference_options::defaults
  missing_check,     // compared only with difference_options::checks
  unexpected_check,
};

constexpr std::string_view to_string(difference_kind kind) {
  switch (kind) {
    case difference_kind::missing_table: return "missing_table";
    case difference_kind::unexpected_table: return "unexpected_table";
    case difference_kind::missing_column: return "missing_column";
    case difference_kind::unexpected_column: return "unexpected_column";
    case difference_kind::column_type: return "column_type";
    case difference_kind::column_nullability: return "column_nullability";
    case difference_kind::primary_key: return "primary_key";
    case difference_kind::missing_unique: return "missing_unique";
    case difference_kind::unexpected_unique: return "unexpected_unique";
    case difference_kind::missing_foreign_key: return "missing_foreign_key";
    case difference_kind::unexpected_foreign_key: return "unexpected_foreign_key";
    case difference_kind::foreign_key_actions: return "foreign_key_actions";
    case difference_kind::missing_index: return "missing_index";
    case difference_kind::unexpected_index: return "unexpected_index";
    case difference_kind::index_definition: return "index_definition";
    case difference_kind::column_default: return "column_default";
    case difference_kind::missing_check: return "missing_check";
    case difference_kind::unexpected_check: return "unexpected_check";
  }
  return "unknown";
}
inline std::ostream& operator<<(std::ostream& out, difference_kind kind) { return out << to_string(kind); }

constexpr bool is_missing(difference_kind kind) {
  return kind == difference_kind::missing_table || kind == difference_kind::missing_column || kind == difference_kind::missing_unique ||
         kind == difference_kind::missing_foreign_key || kind == difference_kind::missing_index || kind == difference_kind::missing_check;
}
constexpr bool is_unexpected(difference_kind kind) {
  return kind == difference_kind::unexpected_table || kind == difference_kind::unexpected_column ||
         kind == difference_kind::unexpected_unique || kind == difference_kind::unexpected_foreign_key ||
         kind == difference_kind::unexpected_index || kind == difference_kind::unexpected_check;
}

// What differences() compares beyond what a database keeps as written. Two schemas of strata's own
// text (the models and the migrations replayed) can compare defaults and CHECKs as SQL text; a
// database rewrites both ("0" becomes "'0'::integer"), so they are off against an inspected schema.
struct difference_options {
  bool defaults = false;  // a column's DEFAULT
  bool checks = false;    // CHECK constraints (column and table ones, by expression; names ignored)

  // Both on: the models against the migrations.
  static constexpr difference_options strata_text() { return {true, true}; }
};

// One difference. It owns its text, so it outlives both schemas.
struct schema_difference {
  difference_kind kind = difference_kind::missing_table;
  std::string table;     // the table concerned (an index's table)
  std::string object;    // the column, index ("ix_stocks_symbol"), or constraint ("(a, b)", "(a) -> parent (id)");
                         // empty for the table itself and its primary key
  std::string expected;  // what the expected schema has there ("big_integer", "NOT NULL", "(a, b)"); empty when nothing
  std::string actual;    // what the actual schema has there; empty when nothing

  friend bool operator==(const schema_difference&, const schema_difference&) = default;
};

namespace detail {

// Names match exactly, or else ignoring ASCII case (SQLite's names are case-insensitive; PostgreSQL's
// are not, but a schema that holds both "Stocks" and "stocks" is rare enough to find the exact one first).
inline bool same_name(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

template <class Range, class Name>
auto find_named(const Range& items, std::string_view name, Name name_of) -> decltype(&*std::begin(items)) {
  for (const auto& i : items)
    if (name_of(i) == name) return &i;
  for (const auto& i : items)
    if (same_name(name_of(i), name)) return &i;
  return nullptr;
}

inline bool same_names(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](std::string_view x, std::string_view y) { return same_name(x, y); });
}

inline std::string type_text(const column_type& t) {
  string_sink out;
  return std::move(type_text_to(out, t).value);
}

inline std::string list_text(const std::vector<std::string_view>& names) {
  std::string out = "(";
  for (std::size_t i = 0; i < names.size(); ++i) out += (i ? ", " : "") + std::string(names[i]);
  return out + ")";
}

// A table's keys in one form: a column's own primary_key()/unique()/references() and a table
// constraint say the same thing, and databases report them one way or the other.
struct foreign_key_view {
  std::vector<std::string_view> columns;
  std::string_view table;
  std::vector<std::string_view> referenced;
  referential_action on_delete = referential_action::no_action;
  referential_action on_update = referential_action::no_action;
};

struct keys_view {
  std::vector<std::string_view> primary;
  std::vector<std::vector<std::string_view>> unique;
  std::vector<foreign_key_view> foreign;
};

inline keys_view keys_of(const table_schema& t) {
  keys_view k;
  for (const auto& c : t.columns) {
    if (c.is_primary_key) k.primary.push_back(c.name);
    if (c.is_unique) k.unique.push_back({c.name});
    if (c.foreign_key)
      k.foreign.push_back({{c.name}, c.foreign_key->table, {c.foreign_key->column}, c.foreign_key->on_delete, c.foreign_key->on_update});
  }
  for (const auto& x : t.constraints) {
    switch (x.kind) {
      case constraint_kind::primary_key: k.primary = x.columns; break;
      case constraint_kind::unique: k.unique.push_back(x.columns); break;
      case constraint_kind::foreign_key:
        k.foreign.push_back({x.columns, x.referenced_table, x.referenced_columns, x.on_delete, x.on_update});
        break;
      case constraint_kind::check: break;  // SQL text that databases rewrite: not compared
    }
  }
  return k;
}

// A unique constraint on (a, b) is one on (b, a).
inline bool same_column_set(std::vector<std::string_view> a, std::vector<std::string_view> b) {
  if (a.size() != b.size()) return false;
  for (const auto& x : a) {
    const auto at = std::find_if(b.begin(), b.end(), [&](std::string_view y) { return same_name(x, y); });
    if (at == b.end()) return false;
    b.erase(at);
  }
  return true;
}

inline bool same_target(const foreign_key_view& a, const foreign_key_view& b) {
  return same_names(a.columns, b.columns) && same_name(a.table, b.table) && same_names(a.referenced, b.referenced);
}

inline std::string foreign_key_text(const foreign_key_view& f) {
  return list_text(f.columns) + " -> " + std::string(f.table) + " " + list_text(f.referenced);
}

inline std::string actions_text(const foreign_key_view& f) {
  return "ON DELETE " + std::string(to_sql(f.on_delete)) + ", ON UPDATE " + std::string(to_sql(f.on_update));
}

inline std::string index_text(const index_schema& i) {
  return std::string(i.options.unique ? "unique index" : "index") + " on " + std::string(i.table) + " " + list_text(i.columns) +
         (i.options.where.empty() ? "" : " WHERE " + std::string(i.options.where));
}

inline bool in_list(const std::vector<std::string_view>& names, std::string_view name) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return same_name(n, name); });
}

// The CHECK expressions of a table, on columns and on the table.
inline std::vector<std::string_view> checks_of(const table_schema& t) {
  std::vector<std::string_view> out;
  for (const auto& c : t.columns)
    if (c.check_sql) out.push_back(*c.check_sql);
  for (const auto& k : t.constraints)
    if (k.kind == constraint_kind::check) out.push_back(k.check_sql);
  return out;
}

inline std::string default_text(const column& c) { return c.default_sql ? "DEFAULT " + std::string(*c.default_sql) : "no default"; }

inline void compare_tables(const table_schema& expected, const table_schema& actual, const difference_options& options,
                           std::vector<schema_difference>& out) {
  const std::string table(expected.name);
  const auto e_keys = keys_of(expected), a_keys = keys_of(actual);
  auto add = [&](difference_kind kind, std::string object, std::string e, std::string a) {
    out.push_back({kind, table, std::move(object), std::move(e), std::move(a)});
  };
  auto name_of = [](const column& c) { return c.name; };

  for (const auto& e : expected.columns) {
    const auto* a = find_named(actual.columns, e.name, name_of);
    if (a == nullptr) {
      add(difference_kind::missing_column, std::string(e.name), type_text(e.type), "");
      continue;
    }
    // A type strata passes through as SQL is not compared: databases rewrite type names.
    const bool same_type = e.type.kind == a->type.kind && (e.type.kind != type_kind::varchar || e.type.length == a->type.length);
    if (e.type.kind != type_kind::custom && !same_type) add(difference_kind::column_type, std::string(e.name), type_text(e.type), type_text(a->type));
    // A primary key's columns are NOT NULL, whether the database says so (PostgreSQL) or not (SQLite).
    const bool e_null = e.nullable && !in_list(e_keys.primary, e.name), a_null = a->nullable && !in_list(a_keys.primary, a->name);
    if (e_null != a_null)
      add(difference_kind::column_nullability, std::string(e.name), e_null ? "nullable" : "NOT NULL", a_null ? "nullable" : "NOT NULL");
    if (options.defaults && e.default_sql != a->default_sql) add(difference_kind::column_default, std::string(e.name), default_text(e), default_text(*a));
  }
  for (const auto& a : actual.columns)
    if (find_named(expected.columns, a.name, name_of) == nullptr) add(difference_kind::unexpected_column, std::string(a.name), "", type_text(a.type));

  if (!same_names(e_keys.primary, a_keys.primary))
    add(difference_kind::primary_key, "", e_keys.primary.empty() ? "" : list_text(e_keys.primary),
        a_keys.primary.empty() ? "" : list_text(a_keys.primary));

  auto has_unique = [](const keys_view& k, const std::vector<std::string_view>& columns) {
    return std::any_of(k.unique.begin(), k.unique.end(), [&](const auto& u) { return same_column_set(u, columns); });
  };
  for (const auto& u : e_keys.unique)
    if (!has_unique(a_keys, u)) add(difference_kind::missing_unique, list_text(u), list_text(u), "");
  for (const auto& u : a_keys.unique)
    if (!has_unique(e_keys, u)) add(difference_kind::unexpected_unique, list_text(u), "", list_text(u));

  auto find_key = [](const keys_view& k, const foreign_key_view& f) -> const foreign_key_view* {
    for (const auto& g : k.foreign)
      if (same_target(f, g)) return &g;
    return nullptr;
  };
  for (const auto& f : e_keys.foreign) {
    const auto* g = find_key(a_keys, f);
    if (g == nullptr) add(difference_kind::missing_foreign_key, foreign_key_text(f), foreign_key_text(f), "");
    else if (f.on_delete != g->on_delete || f.on_update != g->on_update)
      add(difference_kind::foreign_key_actions, foreign_key_text(f), actions_text(f), actions_text(*g));
  }
  for (const auto& g : a_keys.foreign)
    if (find_key(e_keys, g) == nullptr) add(difference_kind::unexpected_foreign_key, foreign_key_text(g), "", foreign_key_text(g));

  if (!options.checks) return;
  auto e_checks = checks_of(expected), a_checks = checks_of(actual);
  for (auto sql : e_checks) {
    if (const auto at = std::find(a_checks.begin(), a_checks.end(), sql); at != a_checks.end()) a_checks.erase(at);
    else add(difference_kind::missing_check, std::string(sql), "CHECK (" + std::string(sql) + ")", "");
  }
  for (auto sql : a_checks) add(difference_kind::unexpected_check, std::string(sql), "", "CHECK (" + std::string(sql) + ")");
}

}  // namespace detail

// What differs between the expected schema and the actual one, table by table (columns, primary key,
// unique constraints, foreign keys), then index by index; empty when they agree. Compared: which tables,
// columns and indexes exist; a column's type (unless the expected one is strata::sql_type(...), which
// databases rewrite) and whether it takes NULL; the primary key's columns in order; unique constraints'
// column sets; foreign keys' columns, target and ON DELETE/ON UPDATE actions; an index's table, columns,
// uniqueness and whether it is partial. Not compared: column order, defaults, CHECK constraints and
// partial-index predicates (SQL text a database rewrites: `options` turns defaults and CHECKs on), and
// constraint names (SQLite keeps none). Names match exactly, or else ignoring case. A table one side
// lacks is one difference: its columns and indexes are not listed again.
inline std::vector<schema_difference> differences(const schema& expected, const schema& actual, const difference_options& options = {}) {
  std::vector<schema_difference> out;
  auto table_name = [](const table_schema& t) { return t.name; };
  auto index_name = [](const index_schema& i) { return i.name; };
  for (const auto& e : expected.tables) {
    if (const auto* a = detail::find_named(actual.tables, e.name, table_name)) detail::compare_tables(e, *a, options, out);
    else out.push_back({difference_kind::missing_table, std::string(e.name), "", "table", ""});
  }
  for (const auto& a : actual.tables)
    if (detail::find_named(expected.tables, a.name, table_name) == nullptr)
      out.push_back({difference_kind::unexpected_table, std::string(a.name), "", "", "table"});

  auto has_table = [&](const schema& s, std::string_view name) { return detail::find_named(s.tables, name, table_name) != nullptr; };
  for (const auto& e : expected.indexes) {
    const auto* a = detail::find_named(actual.indexes, e.name, index_name);
    if (a == nullptr) {
      if (has_table(actual, e.table))
        out.push_back({difference_kind::missing_index, std::string(e.table), std::string(e.name), detail::index_text(e), ""});
    } else if (!detail::same_name(e.table, a->table) || !detail::same_names(e.columns, a->columns) || e.options.unique != a->options.unique ||
               e.options.where.empty() != a->options.where.empty()) {
      out.push_back({difference_kind::index_definition, std::string(e.table), std::string(e.name), detail::index_text(e), detail::index_text(*a)});
    }
  }
  for (const auto& a : actual.indexes)
    if (detail::find_named(expected.indexes, a.name, index_name) == nullptr && has_table(expected, a.table))
      out.push_back({difference_kind::unexpected_index, std::string(a.table), std::string(a.name), "", detail::index_text(a)});
  return out;
}

// The difference as a sentence: "column 'stocks.market_cap' is missing",
// "column 'stocks.name' is nullable, expected NOT NULL".
inline std::string to_string(const schema_difference& d) {
  const auto table = "'" + d.table + "'";
  const auto column = "'" + d.table + "." + d.object + "'";
  auto an = [](const std::string& what) { return (what.starts_with("index") ? "an " : "a ") + what; };
  switch (d.kind) {
    case difference_kind::missing_table: return "table " + table + " is missing";
    case difference_kind::unexpected_table: return "table " + table + " exists but is not expected";
    case difference_kind::missing_column: return "column " + column + " is missing";
    case difference_kind::unexpected_column: return "column " + column + " exists but is not expected";
    case difference_kind::column_type: return "column " + column + " has type " + d.actual + ", expected " + d.expected;
    case difference_kind::column_nullability: return "column " + column + " is " + d.actual + ", expected " + d.expected;
    case difference_kind::primary_key:
      return "table " + table + (d.actual.empty() ? " has no primary key" : " has primary key " + d.actual) + ", expected " +
             (d.expected.empty() ? "none" : d.expected);
    case difference_kind::missing_unique: return "unique constraint on " + table + " " + d.object + " is missing";
    case difference_kind::unexpected_unique: return "unique constraint on " + table + " " + d.object + " exists but is not expected";
    case difference_kind::missing_foreign_key: return "foreign key of " + table + " " + d.object + " is missing";
    case difference_kind::unexpected_foreign_key: return "foreign key of " + table + " " + d.object + " exists but is not expected";
    case difference_kind::foreign_key_actions:
      return "foreign key of " + table + " " + d.object + " has " + d.actual + ", expected " + d.expected;
    case difference_kind::missing_index: return "index '" + d.object + "' is missing";
    case difference_kind::unexpected_index: return "index '" + d.object + "' on " + table + " exists but is not expected";
    case difference_kind::index_definition: return "index '" + d.object + "' is " + an(d.actual) + ", expected " + an(d.expected);
    case difference_kind::column_default: return "column " + column + " has " + d.actual + ", expected " + d.expected;
    case difference_kind::missing_check: return "CHECK (" + d.object + ") on " + table + " is missing";
    case difference_kind::unexpected_check: return "CHECK (" + d.object + ") on " + table + " exists but is not expected";
  }
  return "unknown difference";
}

// What the two schemas of differences() are called in a line of to_line().
struct difference_labels {
  std::string_view expected = "the models";
  std::string_view actual = "the migrations";
};

// The difference as one line naming both sides (what `manage_db check` prints):
// "stocks.symbol: varchar(10) in the models, text in the migrations",
// "stocks.market_cap: big_integer in the models, not in the migrations".
inline std::string to_line(const schema_difference& d, const difference_labels& labels = {}) {
  const std::string e(labels.expected), a(labels.actual);
  std::string subject = d.table, expected = d.expected, actual = d.actual;
  auto an = [](const std::string& what) { return what.empty() ? what : (what.starts_with("index") ? "an " : "a ") + what; };
  switch (d.kind) {
    case difference_kind::missing_table: case difference_kind::unexpected_table:
      expected = expected.empty() ? "" : "a table";
      actual = actual.empty() ? "" : "a table";
      break;
    case difference_kind::missing_column: case difference_kind::unexpected_column: case difference_kind::column_type:
    case difference_kind::column_nullability: case difference_kind::column_default:
      subject += "." + d.object;
      break;
    case difference_kind::primary_key:
      expected = expected.empty() ? "no primary key" : "primary key " + expected;
      actual = actual.empty() ? "no primary key" : "primary key " + actual;
      break;
    case difference_kind::missing_unique: case difference_kind::unexpected_unique:
      subject += " " + d.object;
      expected = expected.empty() ? "" : "a unique constraint";
      actual = actual.empty() ? "" : "a unique constraint";
      break;
    case difference_kind::missing_foreign_key: case difference_kind::unexpected_foreign_key: case difference_kind::foreign_key_actions:
      subject += " " + d.object;
      if (d.kind != difference_kind::foreign_key_actions) {
        expected = expected.empty() ? "" : "a foreign key";
        actual = actual.empty() ? "" : "a foreign key";
      }
      break;
    case difference_kind::missing_index: case difference_kind::unexpected_index: case difference_kind::index_definition:
      subject = d.object;
      expected = an(expected);
      actual = an(actual);
      break;
    case difference_kind::missing_check: case difference_kind::unexpected_check: break;
  }
  if (actual.empty()) return subject + ": " + expected + " in " + e + ", not in " + a;
  if (expected.empty()) return subject + ": " + actual + " in " + a + ", not in " + e;
  return subject + ": " + expected + " in " + e + ", " + actual + " in " + a;
}

inline std::ostream& operator<<(std::ostream& out, const schema_difference& d) { return out << to_string(d); }

}  // namespace strata
