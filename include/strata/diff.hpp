// strata::diff: the operations that take one schema to another, and their inverse (constexpr).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <strata/detail/graph_check.hpp>
#include <strata/ops.hpp>
#include <strata/schema.hpp>
#include <strata/types.hpp>

namespace strata {

// A table a model declares under a new name: `m.table("users", {...}, {.renamed_from = "accounts"})`.
struct table_rename {
  std::string_view from;
  std::string_view to;
};

// What strata::diff gives: `upgrade` takes `from` to `to`; `downgrade` takes the result back to `from`.
struct migration_ops {
  ops upgrade;
  ops downgrade;

  [[nodiscard]] constexpr bool empty() const { return upgrade.size() == 0; }
};

// One constraint of a table with everything that defines it, wherever it was written (a column's
// .unique()/.check()/.references()/.primary_key() or a table constraint): two that compare equal are
// the same constraint in the database.
struct constraint_key {
  constraint_kind kind = constraint_kind::check;
  std::string_view name{};
  std::vector<std::string_view> columns{};          // a CHECK's: the columns its expression names
  std::string_view referenced_table{};
  std::vector<std::string_view> referenced_columns{};
  referential_action on_delete = referential_action::no_action;
  referential_action on_update = referential_action::no_action;
  std::string_view check_sql{};
  std::string_view on_column{};                     // the column it is written on, if one (not its primary key)

  // As a table constraint (what add_constraint records).
  [[nodiscard]] constexpr constraint definition() const {
    constraint c{kind, name, {}, referenced_table, referenced_columns, on_delete, on_update, check_sql};
    if (kind != constraint_kind::check) c.columns = columns;  // a CHECK's columns are read from its expression
    return c;
  }
  // The same name too, and a CHECK on the same columns (a column's own CHECK lists its column first).
  friend constexpr bool operator==(const constraint_key& a, const constraint_key& b);
};

// Whether two keys are one constraint, whatever their names and wherever a CHECK is written: the same
// kind, columns, referenced table and columns, and actions; a CHECK the same expression, as
// `same_sql(a, b)` compares SQL text (spelled as written, or as a database gives it back).
template <class SameSql>
constexpr bool same_constraint(const constraint_key& a, const constraint_key& b, SameSql same_sql) {
  return a.kind == b.kind && a.referenced_table == b.referenced_table && a.referenced_columns == b.referenced_columns &&
         a.on_delete == b.on_delete && a.on_update == b.on_update &&
         (a.kind == constraint_kind::check ? same_sql(a.check_sql, b.check_sql) : a.columns == b.columns);
}

constexpr bool operator==(const constraint_key& a, const constraint_key& b) {
  return a.name == b.name && a.columns == b.columns && a.check_sql == b.check_sql &&
         same_constraint(a, b, [](std::string_view x, std::string_view y) { return x == y; });
}

// Every constraint of a table as a constraint_key, in the order of strata::constraints_of.
constexpr std::vector<constraint_key> constraint_keys(const table_schema& t) {
  std::vector<constraint_key> out;
  for (const auto& v : constraints_of(t)) {
    constraint_key k{.kind = v.kind, .name = v.name, .columns = v.columns, .referenced_table = v.referenced_table};
    if (v.on_column && v.kind != constraint_kind::primary_key) {
      const auto& c = t.columns[v.column];
      k.on_column = c.name;
      if (v.kind == constraint_kind::check) k.check_sql = *c.check_sql;
      if (v.kind == constraint_kind::foreign_key) {
        k.referenced_columns = {c.foreign_key->column};
        k.on_delete = c.foreign_key->on_delete;
        k.on_update = c.foreign_key->on_update;
      }
    } else if (!v.on_column) {
      const auto& x = t.constraints[v.constraint];
      k.referenced_columns = x.referenced_columns;
      k.on_delete = x.on_delete;
      k.on_update = x.on_update;
      k.check_sql = x.check_sql;
    }
    out.push_back(std::move(k));
  }
  return out;
}

// Whether a value of type `from` always fits in `to` (no value is cut, rounded or refused).
constexpr bool widens(const column_type& from, const column_type& to) {
  if (from == to) return true;
  using k = type_kind;
  switch (from.kind) {
    case k::integer: return to.kind == k::big_integer || to.kind == k::float_ || to.kind == k::text;
    case k::big_integer: return to.kind == k::text;
    case k::real: return to.kind == k::float_ || to.kind == k::text;
    case k::float_: return to.kind == k::text;
    case k::boolean: return to.kind == k::integer || to.kind == k::big_integer || to.kind == k::text;
    case k::varchar: return to.kind == k::text || (to.kind == k::varchar && to.length >= from.length);
    case k::date: return to.kind == k::datetime || to.kind == k::text;
    case k::datetime: return to.kind == k::text;
    case k::text: case k::blob: case k::custom: return false;
  }
  return false;
}

// Whether an operation can destroy data in the schema `before` it: it drops a table or a stored
// column, or narrows a column's type (varchar(100) -> varchar(10), big_integer -> integer).
// A revision writer marks such an operation for review.
constexpr bool destructive(const operation& o, const schema& before) {
  if (strata::holds_alternative<op::drop_table>(o)) return true;
  if (const auto* d = strata::get_if<op::drop_column>(&o)) {
    const auto* t = before.find_table(d->table);
    const auto* c = t == nullptr ? nullptr : t->find_column(d->column);
    return c == nullptr || !c->generated_sql;  // a generated column is computed again
  }
  if (const auto* a = strata::get_if<op::alter_column>(&o); a != nullptr && a->change.type) {
    const auto* t = before.find_table(a->table);
    const auto* c = t == nullptr ? nullptr : t->find_column(a->column);
    return c == nullptr || !widens(c->type, *a->change.type);
  }
  return false;
}

namespace detail {

// Records each operation with its inverse, and keeps the schema the operations so far give.
struct diff_builder {
  schema current;
  ops upgrade;
  std::vector<operation> inverses;

  constexpr void record(operation o, operation inverse) {
    current.apply(o);
    upgrade.append(std::move(o));
    inverses.push_back(std::move(inverse));
  }
  constexpr migration_ops finish() {
    migration_ops out{std::move(upgrade), {}};
    out.downgrade.reserve(inverses.size());
    for (auto i = inverses.size(); i-- > 0;) out.downgrade.append(std::move(inverses[i]));
    return out;
  }
};

constexpr bool same_index(const index_schema& a, const index_schema& b) {
  // `concurrently` is how an index is built, not what it is.
  return a.table == b.table && a.columns == b.columns && a.options.unique == b.options.unique && a.options.where == b.options.where;
}

// The operation that drops `k` from table `t` (by name, else by kind and columns).
constexpr op::drop_constraint drop_of(std::string_view table, const constraint_key& k) {
  if (!k.name.empty()) return {table, k.name};
  op::drop_constraint d{table, {}, k.kind};
  if (k.kind != constraint_kind::primary_key) d.columns = k.columns;  // not `?:`: GCC 12 frees its vector twice
  return d;
}

constexpr const column* column_in(const schema& s, std::string_view table, std::string_view name) {
  const auto* t = s.find_table(table);
  return t == nullptr ? nullptr : t->find_column(name);
}

// Where a column goes back (or in): after the column before it, unless it is last.
constexpr column_placement placement_in(const std::vector<column>& columns, std::size_t i) {
  if (i + 1 >= columns.size()) return {};
  if (i > 0) return {.insert_after = columns[i - 1].name};
  return {.insert_before = columns[1].name};
}

// The tables or indexes of a schema by name, looked up by hash in a sorted list (a schema's own
// lookups scan: a diff of two large schemas would be quadratic).
template <class Item>
struct by_name {
  const std::vector<Item>* items;
  std::vector<std::pair<std::uint64_t, std::size_t>> sorted;

  constexpr explicit by_name(const std::vector<Item>& all) : items(&all) {
    sorted.reserve(all.size());
    for (std::size_t i = 0; i < all.size(); ++i) sorted.emplace_back(hash_id(all[i].name), i);
    std::sort(sorted.begin(), sorted.end());
  }
  [[nodiscard]] constexpr const Item* find(std::string_view name) const {
    const auto h = hash_id(name);
    for (auto it = std::lower_bound(sorted.begin(), sorted.end(), std::pair<std::uint64_t, std::size_t>{h, 0}); it != sorted.end() && it->first == h; ++it)
      if ((*items)[it->second].name == name) return &(*items)[it->second];
    return nullptr;
  }
};

// Tables in an order where each comes after the tables it references (those of `among`); a cycle
// keeps list order.
constexpr std::vector<const table_schema*> by_references(std::vector<const table_schema*> among) {
  std::vector<const table_schema*> out;
  auto references = [](const table_schema& t, std::string_view other) {
    if (t.name == other) return false;
    for (const auto& c : t.columns)
      if (c.foreign_key && c.foreign_key->table == other) return true;
    for (const auto& k : t.constraints)
      if (k.kind == constraint_kind::foreign_key && k.referenced_table == other) return true;
    return false;
  };
  while (!among.empty()) {
    auto next = among.begin();
    for (auto it = among.begin(); it != among.end(); ++it) {
      const bool free = std::none_of(among.begin(), among.end(), [&](const table_schema* o) { return o != *it && references(**it, o->name); });
      if (free) {
        next = it;
        break;
      }
    }
    out.push_back(*next);
    among.erase(next);
  }
  return out;
}

}  // namespace detail

// The operations that take schema `from` to schema `to`, in an order a database accepts, and the
// ones that undo them. Tables are renamed where `renamed_tables` says so and columns where a column
// of `to` has `.renamed_from(...)` (and the old name is in `from`, the new one is not), never
// dropped and added. Compared: tables, columns (type, NULL, DEFAULT, generated expression), primary
// keys, unique constraints, foreign keys with their actions, CHECKs (as SQL text), indexes. Not
// compared: the order of existing columns, autoincrement. Order: renames; indexes and constraints
// that go (foreign keys first); tables that go (those referencing others first); columns that go;
// new tables (referenced ones first); new columns (placed where `to` has them); altered columns;
// new constraints (foreign keys last); new indexes. `downgrade` is the inverse of each, in reverse.
constexpr migration_ops diff(const schema& from, const schema& to, const std::vector<table_rename>& renamed_tables = {}) {
  // Constant evaluation is slow at building vectors and comparing strings: a table of `to` equal to
  // its namesake in `from` (most of them) is skipped by every phase, and the others are looked up
  // once per table and phase, not per column.
  std::vector<char> unchanged(to.tables.size(), 0);
  std::vector<std::vector<constraint_key>> wanted_keys(to.tables.size());
  const detail::by_name<table_schema> from_tables(from.tables);
  const detail::by_name<index_schema> from_indexes(from.indexes);
  for (std::size_t ti = 0; ti < to.tables.size(); ++ti) {
    const auto* u = from_tables.find(to.tables[ti].name);
    unchanged[ti] = u != nullptr && *u == to.tables[ti];
    if (!unchanged[ti]) wanted_keys[ti] = constraint_keys(to.tables[ti]);
  }
  const auto position = [&](const table_schema* t) { return static_cast<std::size_t>(t - to.tables.data()); };
  if (from.tables.size() == to.tables.size() && from.indexes.size() == to.indexes.size() &&
      std::find(unchanged.begin(), unchanged.end(), 0) == unchanged.end() &&
      std::all_of(to.indexes.begin(), to.indexes.end(), [&](const index_schema& x) {
        const auto* y = from_indexes.find(x.name);
        return y != nullptr && detail::same_index(x, *y);
      }))
    return {};  // the common case (the models in sync), without copying `from`

  detail::diff_builder b{from, {}, {}};
  auto& cur = b.current;

  for (const auto& r : renamed_tables)
    if (cur.find_table(r.from) && !cur.find_table(r.to) && to.find_table(r.to) && !to.find_table(r.from))
      b.record(op::rename_table{r.from, r.to}, op::rename_table{r.to, r.from});
  for (std::size_t ti = 0; ti < to.tables.size(); ++ti) {
    const auto& t = to.tables[ti];
    const table_schema* u = nullptr;
    for (const auto& c : t.columns) {
      if (unchanged[ti]) break;
      const auto old = c.previous_name.from;
      if (old.empty()) continue;
      if (u == nullptr && (u = cur.find_table(t.name)) == nullptr) break;
      if (u->find_column(c.name) || !u->find_column(old) || t.find_column(old)) continue;
      b.record(op::rename_column{t.name, old, c.name}, op::rename_column{t.name, c.name, old});
      u = nullptr;
    }
  }

  // A column that goes, or comes back changed beyond what alter_column does (a generated expression).
  auto replaced = [](const table_schema& wanted, const column& c) {
    const auto* w = wanted.find_column(c.name);
    return w == nullptr || w->generated_sql != c.generated_sql || (c.generated_sql && w->generated_storage != c.generated_storage);
  };

  for (std::size_t i = 0; i < cur.indexes.size();) {
    const auto& x = cur.indexes[i];
    const auto* w = to.find_index(x.name);
    if (w != nullptr && detail::same_index(x, *w)) {
      ++i;
      continue;
    }
    const auto copy = x;
    b.record(op::drop_index{copy.name, copy.table}, op::create_index{copy.name, copy.table, copy.columns, copy.options});
  }

  // Constraints that go or change, foreign keys first. Those written on a column that goes go with it.
  std::vector<std::pair<std::string_view, constraint_key>> going, going_last;
  for (const auto& u : cur.tables) {
    const auto* t = to.find_table(u.name);
    if (t == nullptr || unchanged[position(t)]) continue;
    auto wanted = wanted_keys[position(t)];
    for (auto& k : constraint_keys(u)) {
      if (const auto it = std::find(wanted.begin(), wanted.end(), k); it != wanted.end()) {
        wanted.erase(it);
        continue;
      }
      if (!k.on_column.empty() && replaced(*t, *u.find_column(k.on_column))) continue;
      (k.kind == constraint_kind::foreign_key ? going : going_last).emplace_back(u.name, std::move(k));
    }
  }
  going.insert(going.end(), going_last.begin(), going_last.end());
  for (const auto& [table, k] : going) b.record(detail::drop_of(table, k), op::add_constraint{table, k.definition()});

  std::vector<const table_schema*> gone;
  for (const auto& t : cur.tables)
    if (to.find_table(t.name) == nullptr) gone.push_back(&t);
  std::vector<table_schema> dropped;
  for (const auto* t : detail::by_references(gone)) dropped.push_back(*t);
  for (auto i = dropped.size(); i-- > 0;) {  // referencing tables first
    const auto& t = dropped[i];
    b.record(op::drop_table{t.name}, op::create_table{t.name, t.columns, t.constraints});
  }

  for (std::size_t ti = 0; ti < to.tables.size(); ++ti) {
    const auto& t = to.tables[ti];
    const auto* u = unchanged[ti] ? nullptr : cur.find_table(t.name);
    for (std::size_t ci = 0; u != nullptr && ci < u->columns.size();) {
      if (!replaced(t, u->columns[ci])) {
        ++ci;
        continue;
      }
      const auto c = u->columns[ci];
      b.record(op::drop_column{t.name, c.name}, op::add_column{t.name, c, detail::placement_in(u->columns, ci)});
      u = cur.find_table(t.name);
    }
  }

  std::vector<const table_schema*> fresh;
  for (const auto& t : to.tables)
    if (cur.find_table(t.name) == nullptr) fresh.push_back(&t);
  for (const auto* t : detail::by_references(fresh)) b.record(op::create_table{t->name, t->columns, t->constraints}, op::drop_table{t->name});

  for (std::size_t ti = 0; ti < to.tables.size(); ++ti) {
    const auto& t = to.tables[ti];
    if (unchanged[ti]) continue;
    const auto* u = cur.find_table(t.name);
    for (std::size_t ci = 0; ci < t.columns.size(); ++ci) {
      const auto& c = t.columns[ci];
      if (u->find_column(c.name) != nullptr) continue;
      // In place when a column after it is there already; its primary key comes with the table's.
      column_placement at{};
      for (std::size_t later = ci + 1; later < t.columns.size(); ++later)
        if (u->find_column(t.columns[later].name) != nullptr) {
          at = ci > 0 ? column_placement{.insert_after = t.columns[ci - 1].name} : column_placement{.insert_before = t.columns[later].name};
          break;
        }
      auto added = c;
      added.is_primary_key = false;
      b.record(op::add_column{t.name, added, at}, op::drop_column{t.name, c.name});
      u = cur.find_table(t.name);
    }
  }

  for (std::size_t ti = 0; ti < to.tables.size(); ++ti) {
    const auto& t = to.tables[ti];
    if (unchanged[ti]) continue;
    const auto* u = cur.find_table(t.name);
    for (const auto& c : t.columns) {
      const auto* now = u->find_column(c.name);
      column_change change, back;
      if (now->type != c.type) {
        change.type = c.type;
        back.type = now->type;
      }
      if (now->nullable != c.nullable) {
        change.nullable = c.nullable;
        back.nullable = now->nullable;
      }
      if (now->default_sql != c.default_sql) {
        if (c.default_sql) change.server_default = *c.default_sql;
        else change.drop_default = true;
        if (now->default_sql) back.server_default = *now->default_sql;
        else back.drop_default = true;
      }
      if (change == column_change{}) continue;
      b.record(op::alter_column{t.name, c.name, change}, op::alter_column{t.name, c.name, back});
      u = cur.find_table(t.name);
    }
  }

  std::vector<std::pair<std::string_view, constraint_key>> coming, coming_last;
  for (std::size_t ti = 0; ti < to.tables.size(); ++ti) {
    const auto& t = to.tables[ti];
    if (unchanged[ti]) continue;
    auto have = constraint_keys(*cur.find_table(t.name));
    for (const auto& k : wanted_keys[ti]) {
      if (const auto it = std::find(have.begin(), have.end(), k); it != have.end()) {
        have.erase(it);
        continue;
      }
      (k.kind == constraint_kind::foreign_key ? coming_last : coming).emplace_back(t.name, k);
    }
  }
  coming.insert(coming.end(), coming_last.begin(), coming_last.end());
  for (const auto& [table, k] : coming) b.record(op::add_constraint{table, k.definition()}, detail::drop_of(table, k));

  for (const auto& x : to.indexes)
    if (cur.find_index(x.name) == nullptr) b.record(op::create_index{x.name, x.table, x.columns, x.options}, op::drop_index{x.name, x.table});

  return b.finish();
}

}  // namespace strata
