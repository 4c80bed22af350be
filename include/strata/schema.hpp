// strata::schema: a model of tables and indexes, and replay of a history into it (also at compile time).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>
#include <variant>
#include <vector>

#include <strata/detail/graph_check.hpp>
#include <strata/detail/sql_identifiers.hpp>
#include <strata/history.hpp>
#include <strata/naming.hpp>
#include <strata/ops.hpp>

namespace strata {

struct table_schema {
  std::string_view name;
  std::uint64_t key = detail::hash_id(name);  // compared before the name: constexpr string compares are slow
  std::vector<column> columns;
  std::vector<constraint> constraints;

  [[nodiscard]] constexpr const column* find_column(std::string_view column_name) const {
    for (const auto& c : columns)
      if (c.name == column_name) return &c;
    return nullptr;
  }
  friend constexpr bool operator==(const table_schema&, const table_schema&) = default;
};

// One constraint of a table as the database sees it, wherever it was written: a table constraint,
// or a column's .primary_key(), .unique(), .check() or .references() (the primary key of several
// .primary_key() columns is one constraint).
struct constraint_view {
  constraint_kind kind = constraint_kind::check;
  std::string_view name{};                 // as given; empty when unnamed
  std::vector<std::string_view> columns{};  // a CHECK's: the table's columns its expression names
  std::string_view referenced_table{};
  std::size_t constraint = 0;              // index in table_schema::constraints, or
  std::size_t column = 0;                  // (when `on_column`) index in table_schema::columns
  bool on_column = false;

  // Its name in the database under a naming convention: what the convention gives, else its own.
  [[nodiscard]] constexpr bool named(std::string_view table, const naming_convention& convention, std::string_view wanted) const {
    const detail::naming_values values{table, columns, referenced_table, name};
    const auto pattern = pattern_for(convention, kind);
    if (detail::expand_pattern(pattern, values, [](std::string_view) {})) return detail::convention_gives(pattern, values, wanted);
    return !name.empty() && name == wanted;
  }
  // Whether it is on exactly these columns, in any order (no columns: whichever it is on).
  [[nodiscard]] constexpr bool on_columns(const std::vector<std::string_view>& wanted) const {
    if (wanted.empty()) return true;
    if (wanted.size() != columns.size()) return false;
    for (auto w : wanted)
      if (std::find(columns.begin(), columns.end(), w) == columns.end()) return false;
    return true;
  }
};

// The columns of `t` that a CHECK expression names, in order of appearance; `own` (a column CHECK's
// column) first.
constexpr std::vector<std::string_view> check_columns(const table_schema& t, std::string_view sql, std::string_view own = {}) {
  std::vector<std::string_view> names;
  for (const auto& c : t.columns) names.push_back(c.name);
  return detail::sql::columns_named(sql, names, own);
}

// Every constraint of the table: the primary key of its .primary_key() columns, the constraints of
// single columns, then the table constraints.
constexpr std::vector<constraint_view> constraints_of(const table_schema& t) {
  std::vector<constraint_view> out;
  constraint_view key{.kind = constraint_kind::primary_key, .on_column = true};
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (t.columns[i].is_primary_key) key.columns.push_back(t.columns[i].name);
  if (!key.columns.empty()) out.push_back(key);
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    const auto& c = t.columns[i];
    if (c.is_unique) out.push_back({.kind = constraint_kind::unique, .columns = {c.name}, .column = i, .on_column = true});
    if (c.check_sql) out.push_back({.kind = constraint_kind::check, .columns = check_columns(t, *c.check_sql, c.name), .column = i, .on_column = true});
    if (c.foreign_key)
      out.push_back({.kind = constraint_kind::foreign_key, .columns = {c.name}, .referenced_table = c.foreign_key->table, .column = i, .on_column = true});
  }
  for (std::size_t i = 0; i < t.constraints.size(); ++i) {
    const auto& k = t.constraints[i];
    constraint_view view{.kind = k.kind, .name = k.name, .columns = k.columns, .referenced_table = k.referenced_table, .constraint = i};
    if (k.kind == constraint_kind::check) view.columns = check_columns(t, k.check_sql);  // not `?:`: GCC 12 frees its vector twice
    out.push_back(std::move(view));
  }
  return out;
}

// SQLAlchemy's Boolean on a database without a boolean type adds CHECK (x IN (0, 1)); it goes when
// the column stops being a boolean, as in Alembic's batch mode. `sql` is the CHECK's expression.
constexpr bool is_boolean_check(std::string_view sql, std::string_view column) {
  std::size_t i = 0;
  auto skip_space = [&] {
    while (i < sql.size() && (sql[i] == ' ' || sql[i] == '\t' || sql[i] == '\n' || sql[i] == '\r')) ++i;
  };
  auto expect = [&](std::string_view word) {
    skip_space();
    for (char c : word)
      if (i >= sql.size() || detail::sql::lower(sql[i++]) != c) return false;
    return true;
  };
  skip_space();
  if (i == sql.size()) return false;
  std::string_view raw;
  char quote = 0;
  if (sql[i] == '"' || sql[i] == '`' || sql[i] == '[') {
    quote = sql[i] == '[' ? ']' : sql[i];
    const auto start = ++i;
    while (i < sql.size() && (sql[i] != quote || (quote != ']' && i + 1 < sql.size() && sql[i + 1] == quote && ++i))) ++i;
    raw = sql.substr(start, i - start);
    ++i;
  } else {
    const auto start = i;
    while (i < sql.size() && sql[i] != ' ' && sql[i] != '(') ++i;
    raw = sql.substr(start, i - start);
  }
  if (!detail::sql::same_identifier(raw, quote, column)) return false;
  if (!expect("in") || !expect("(") || !expect("0") || !expect(",") || !expect("1") || !expect(")")) return false;
  skip_space();
  return i == sql.size();
}

struct index_schema {
  std::string_view name;
  std::uint64_t key = detail::hash_id(name);
  std::string_view table;
  std::vector<std::string_view> columns;
  index_options options;
  friend constexpr bool operator==(const index_schema&, const index_schema&) = default;
};

// The schema a sequence of operations builds. apply() throws std::logic_error when an operation
// does not fit the schema (a missing table, a duplicate column ...): in a static_assert, that is a
// compile error pointing at the throw, so a history that contradicts itself does not build.
// execute() and run() are opaque SQL/C++ and change nothing here.
class schema {
 public:
  std::vector<table_schema> tables;
  std::vector<index_schema> indexes;

  [[nodiscard]] constexpr const table_schema* find_table(std::string_view name) const {
    const auto key = detail::hash_id(name);
    for (const auto& t : tables)
      if (t.key == key && t.name == name) return &t;
    return nullptr;
  }
  [[nodiscard]] constexpr const index_schema* find_index(std::string_view name) const {
    const auto key = detail::hash_id(name);
    for (const auto& i : indexes)
      if (i.key == key && i.name == name) return &i;
    return nullptr;
  }

  constexpr void apply(const ops& recorded) {
    for (const auto& o : recorded.operations()) apply(o);
  }

  constexpr void apply(const operation& o) {
    std::visit([this](const auto& x) { on(x); }, o);
  }

  // Equal up to the order of tables and indexes (column order matters).
  [[nodiscard]] constexpr bool same_as(const schema& other) const {
    if (tables.size() != other.tables.size() || indexes.size() != other.indexes.size()) return false;
    for (const auto& t : tables) {
      const auto* u = other.find_table(t.name);
      if (u == nullptr || !(t == *u)) return false;
    }
    for (const auto& i : indexes) {
      const auto* j = other.find_index(i.name);
      if (j == nullptr || !(i == *j)) return false;
    }
    return true;
  }

 private:
  constexpr table_schema& table(std::string_view name) {
    const auto key = detail::hash_id(name);
    for (auto& t : tables)
      if (t.key == key && t.name == name) return t;
    throw std::logic_error("strata::schema: no such table");
  }
  static constexpr column& column_of(table_schema& t, std::string_view name) {
    for (auto& c : t.columns)
      if (c.name == name) return c;
    throw std::logic_error("strata::schema: no such column");
  }
  static constexpr void rename_in(std::vector<std::string_view>& names_, std::string_view from, std::string_view to) {
    for (auto& n : names_)
      if (n == from) n = to;
  }
  static constexpr bool mentions(const std::vector<std::string_view>& names_, std::string_view name) {
    return std::find(names_.begin(), names_.end(), name) != names_.end();
  }

  constexpr void on(const op::create_table& x) {
    if (find_table(x.table) != nullptr) throw std::logic_error("strata::schema: create_table of a table that exists");
    tables.push_back(table_schema{x.table, detail::hash_id(x.table), x.columns, x.constraints});
  }
  constexpr void on(const op::drop_table& x) {
    table(x.table);
    const auto key = detail::hash_id(x.table);
    std::erase_if(tables, [&](const table_schema& t) { return t.key == key && t.name == x.table; });
    std::erase_if(indexes, [&](const index_schema& i) { return i.table == x.table; });
  }
  constexpr void on(const op::rename_table& x) {
    if (find_table(x.new_name) != nullptr) throw std::logic_error("strata::schema: rename_table onto a table that exists");
    auto& renamed = table(x.table);
    renamed.name = x.new_name;
    renamed.key = detail::hash_id(x.new_name);
    for (auto& i : indexes)
      if (i.table == x.table) i.table = x.new_name;
    for (auto& t : tables) {
      for (auto& c : t.columns)
        if (c.foreign_key && c.foreign_key->table == x.table) c.foreign_key->table = x.new_name;
      for (auto& k : t.constraints)
        if (k.referenced_table == x.table) k.referenced_table = x.new_name;
    }
  }
  constexpr void on(const op::add_column& x) {
    auto& t = table(x.table);
    if (t.find_column(x.definition.name) != nullptr) throw std::logic_error("strata::schema: add_column of a column that exists");
    auto at = t.columns.end();
    if (const auto anchor = x.placement.insert_before.empty() ? x.placement.insert_after : x.placement.insert_before; !anchor.empty()) {
      at = std::find_if(t.columns.begin(), t.columns.end(), [&](const column& c) { return c.name == anchor; });
      if (at == t.columns.end()) throw std::logic_error("strata::schema: add_column placed next to a column that does not exist");
      if (x.placement.insert_before.empty()) ++at;
    }
    t.columns.insert(at, x.definition);
  }
  constexpr void on(const op::drop_column& x) {
    auto& t = table(x.table);
    column_of(t, x.column);
    std::erase_if(t.columns, [&](const column& c) { return c.name == x.column; });
    // As Alembic: a primary key loses the column and keeps the others; any other constraint on it goes.
    for (auto& k : t.constraints)
      if (k.kind == constraint_kind::primary_key) std::erase(k.columns, x.column);
    std::erase_if(t.constraints, [&](const constraint& k) {
      if (k.kind == constraint_kind::check) return detail::sql::mentions(k.check_sql, x.column);
      return k.columns.empty() || mentions(k.columns, x.column);
    });
    std::erase_if(indexes, [&](const index_schema& i) { return i.table == x.table && mentions(i.columns, x.column); });
  }
  constexpr void on(const op::rename_column& x) {
    auto& t = table(x.table);
    if (t.find_column(x.new_name) != nullptr) throw std::logic_error("strata::schema: rename_column onto a column that exists");
    column_of(t, x.column).name = x.new_name;
    for (auto& k : t.constraints) rename_in(k.columns, x.column, x.new_name);
    for (auto& i : indexes)
      if (i.table == x.table) rename_in(i.columns, x.column, x.new_name);
  }
  constexpr void on(const op::alter_column& x) {
    auto& t = table(x.table);
    auto& c = column_of(t, x.column);
    if (x.change.type && c.type.kind == type_kind::boolean && x.change.type->kind != type_kind::boolean) {
      if (c.check_sql && is_boolean_check(*c.check_sql, c.name)) c.check_sql.reset();
      std::erase_if(t.constraints, [&](const constraint& k) { return k.kind == constraint_kind::check && is_boolean_check(k.check_sql, c.name); });
    }
    if (x.change.type) c.type = *x.change.type;
    if (x.change.nullable) c.nullable = *x.change.nullable;
    if (x.change.drop_default) c.default_sql.reset();
    if (x.change.server_default) c.default_sql = *x.change.server_default;
  }
  constexpr void on(const op::add_constraint& x) {
    auto& t = table(x.table);
    for (const auto& k : t.constraints)
      if (!x.definition.name.empty() && k.name == x.definition.name)
        throw std::logic_error("strata::schema: add_constraint with a name the table already uses");
    t.constraints.push_back(x.definition);
  }
  constexpr void on(const op::drop_constraint& x) {
    auto& t = table(x.table);
    std::vector<constraint_view> found;
    for (auto& k : constraints_of(t))
      if (x.name.empty() ? k.kind == x.kind && k.on_columns(x.columns) : k.named(t.name, x.naming, x.name)) found.push_back(k);
    if (found.empty()) throw std::logic_error("strata::schema: drop_constraint of a constraint that does not exist");
    if (found.size() > 1) throw std::logic_error("strata::schema: drop_constraint by kind and columns matches several constraints");
    const auto& k = found.front();
    if (!k.on_column) {
      t.constraints.erase(t.constraints.begin() + static_cast<std::ptrdiff_t>(k.constraint));
    } else if (k.kind == constraint_kind::primary_key) {
      for (auto& c : t.columns) c.is_primary_key = false;
    } else {
      auto& c = t.columns[k.column];
      if (k.kind == constraint_kind::unique) c.is_unique = false;
      else if (k.kind == constraint_kind::check) c.check_sql.reset();
      else c.foreign_key.reset();
    }
  }
  constexpr void on(const op::create_index& x) {
    if (find_index(x.name) != nullptr) throw std::logic_error("strata::schema: create_index with a name that exists");
    auto& t = table(x.table);
    for (auto c : x.columns) column_of(t, c);
    indexes.push_back(index_schema{x.name, detail::hash_id(x.name), x.table, x.columns, x.options});
  }
  constexpr void on(const op::drop_index& x) {
    if (find_index(x.name) == nullptr) throw std::logic_error("strata::schema: drop_index of an index that does not exist");
    const auto key = detail::hash_id(x.name);
    std::erase_if(indexes, [&](const index_schema& i) { return i.key == key && i.name == x.name; });
  }
  constexpr void on(const op::execute&) {}
  constexpr void on(const op::run&) {}
};

// The schema after upgrading through every revision of the history, in list order; with `through`,
// stops after that revision. `static_assert(strata::replay<history>().tables.size() == 3);`
template <History H>
constexpr schema replay(std::string_view through = {}) {
  schema s;
  for (const auto& r : H::revisions) {
    s.apply(r.record_upgrade());
    if (r.id == through) break;
  }
  return s;
}

// Index of the first revision whose downgrade does not undo its upgrade (the schema after
// upgrade + downgrade differs from the one before), or H::size when every revision is reversible.
template <History H>
constexpr std::size_t first_irreversible() {
  schema before;
  for (std::size_t i = 0; i < H::size; ++i) {
    schema after = before;
    after.apply(H::revisions[i].record_upgrade());
    schema undone = after;
    undone.apply(H::revisions[i].record_downgrade());
    if (!undone.same_as(before)) return i;
    before = std::move(after);
  }
  return H::size;
}

}  // namespace strata
