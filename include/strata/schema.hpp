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
#include <strata/history.hpp>
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
    t.columns.push_back(x.definition);
  }
  constexpr void on(const op::drop_column& x) {
    auto& t = table(x.table);
    column_of(t, x.column);
    std::erase_if(t.columns, [&](const column& c) { return c.name == x.column; });
    std::erase_if(t.constraints, [&](const constraint& k) { return mentions(k.columns, x.column); });
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
    auto& c = column_of(table(x.table), x.column);
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
    const auto before = t.constraints.size();
    std::erase_if(t.constraints, [&](const constraint& k) { return k.name == x.name; });
    if (t.constraints.size() == before) throw std::logic_error("strata::schema: drop_constraint of a constraint that does not exist");
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
