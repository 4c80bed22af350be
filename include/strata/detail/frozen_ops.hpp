// strata::detail::frozen_ops: a revision's recorded operations as constant data (fixed arrays
// filled in constant evaluation), thawed into strata::ops at run time. A unit that hands a history
// to the run-time side this way emits no code for the revisions' upgrade() and downgrade() (nor
// for the recording they call): strata_add_manage_db()'s unit that sees the history, rebuilt after
// each `migrate`, stays small.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <strata/detail/derived_downgrade.hpp>
#include <strata/ops.hpp>

namespace strata::detail {

// A view of frozen operations: each one's lists are ranges of the shared arrays.
struct frozen_ops {
  struct range {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
  };
  struct constraint_entry {  // a strata::constraint
    constraint_kind kind = constraint_kind::check;
    std::string_view name{};
    range columns{};  // of names
    std::string_view referenced_table{};
    range referenced_columns{};  // of names
    referential_action on_delete = referential_action::no_action;
    referential_action on_update = referential_action::no_action;
    std::string_view check_sql{};
  };
  struct column_entry {  // a strata::column (which has no default constructor)
    column value{std::string_view{}, column_type{}};
  };
  // One operation, what each alternative of strata::operation holds (the fields it lacks stay empty).
  struct operation_entry {
    std::uint8_t kind = 0;        // its index in strata::operation
    std::string_view table{};     // execute: the SQL; run: the description
    std::string_view name{};      // a column's, a constraint's or an index's; backfill: its SET
    std::string_view new_name{};  // backfill: its WHERE
    range columns{};              // create_table, add_column (one): columns; drop_constraint, create_index: names
    range constraints{};          // create_table, add_constraint (one)
    constraint_kind constraint = constraint_kind::check;  // drop_constraint's
    column_change change{};
    column_placement placement{};
    index_options options{};
    naming_convention naming{};
    void (*function)(connection&) = nullptr;  // run's
    std::uint32_t rows = 0;                   // backfill's batch_rows
  };

  std::span<const operation_entry> operations;
  std::span<const column_entry> columns;
  std::span<const constraint_entry> constraints;
  std::span<const std::string_view> names;

  // The names of r in `all`, and the constraint k as it was before it was frozen (its names in `all`).
  [[nodiscard]] static constexpr std::vector<std::string_view> names_in(range r, std::span<const std::string_view> all) {
    return {all.begin() + r.first, all.begin() + r.first + r.count};
  }
  [[nodiscard]] static constexpr constraint thaw(const constraint_entry& k, std::span<const std::string_view> all) {
    return {k.kind, k.name, names_in(k.columns, all), k.referenced_table, names_in(k.referenced_columns, all), k.on_delete, k.on_update,
            k.check_sql};
  }

  // The operations as recorded.
  [[nodiscard]] constexpr ops thaw() const {
    ops out;
    out.reserve(operations.size());
    for (const auto& o : operations) append(out, o, std::make_index_sequence<operation::alternatives>{});
    return out;
  }

 private:
  [[nodiscard]] constexpr std::vector<std::string_view> names_in(range r) const { return names_in(r, names); }
  [[nodiscard]] constexpr constraint constraint_at(std::size_t i) const { return thaw(constraints[i], names); }
  template <class T>
  [[nodiscard]] constexpr T thawed(const operation_entry& o) const {
    if constexpr (std::is_same_v<T, op::create_table>) {
      op::create_table t{o.table, {}, {}, o.naming};
      t.columns.reserve(o.columns.count);
      for (std::uint32_t i = 0; i < o.columns.count; ++i) t.columns.push_back(columns[o.columns.first + i].value);
      t.constraints.reserve(o.constraints.count);
      for (std::uint32_t i = 0; i < o.constraints.count; ++i) t.constraints.push_back(constraint_at(o.constraints.first + i));
      return t;
    }
    else if constexpr (std::is_same_v<T, op::drop_table>) return {o.table};
    else if constexpr (std::is_same_v<T, op::rename_table>) return {o.table, o.new_name};
    else if constexpr (std::is_same_v<T, op::add_column>) return {o.table, columns[o.columns.first].value, o.placement, o.naming};
    else if constexpr (std::is_same_v<T, op::drop_column>) return {o.table, o.name, o.naming};
    else if constexpr (std::is_same_v<T, op::rename_column>) return {o.table, o.name, o.new_name};
    else if constexpr (std::is_same_v<T, op::alter_column>) return {o.table, o.name, o.change, o.naming};
    else if constexpr (std::is_same_v<T, op::add_constraint>) return {o.table, constraint_at(o.constraints.first), o.naming};
    else if constexpr (std::is_same_v<T, op::drop_constraint>) return {o.table, o.name, o.constraint, names_in(o.columns), o.naming};
    else if constexpr (std::is_same_v<T, op::create_index>) return {o.name, o.table, names_in(o.columns), o.options};
    else if constexpr (std::is_same_v<T, op::drop_index>) return {o.name, o.table};
    else if constexpr (std::is_same_v<T, op::execute>) return {o.table};
    else if constexpr (std::is_same_v<T, op::backfill>) return {o.table, o.name, o.new_name, o.rows};
    else return {o.function, o.table};
  }
  template <std::size_t... I>
  constexpr void append(ops& out, const operation_entry& o, std::index_sequence<I...>) const {
    // An array, not a fold over the alternatives (see strata::history on clang's fold limit).
    (void)std::array<bool, sizeof...(I)>{
        (o.kind == I && (out.append(operation(thawed<operation::alternative<I>>(o))), true))...};
  }
};

// The room a revision's two recordings take once frozen.
struct frozen_sizes {
  std::size_t upgrade = 0;  // operations
  std::size_t downgrade = 0;
  std::size_t columns = 0;
  std::size_t constraints = 0;
  std::size_t names = 0;
};

// Writes recorded operations as entries through Sink: frozen_counter counts the room they take,
// frozen_writer fills it. One pass each, straight into their counters or arrays (constant
// evaluation is slow at growing vectors).
template <class Sink>
class ops_freezer {
 public:
  constexpr explicit ops_freezer(Sink& sink) : sink_(sink) {}

  constexpr void freeze(const ops& recorded) {
    for (const auto& o : recorded.operations()) {
      frozen_ops::operation_entry e;
      e.kind = static_cast<std::uint8_t>(o.index());
      o.visit([&](const auto& x) { fill(e, x); });
      sink_.operation(e);
    }
  }

 private:
  constexpr frozen_ops::range names(const std::vector<std::string_view>& list) { return sink_.names(list.data(), list.size()); }
  constexpr std::uint32_t constraint(const strata::constraint& k) {
    const auto columns = names(k.columns);
    return sink_.constraint({k.kind, k.name, columns, k.referenced_table, names(k.referenced_columns), k.on_delete, k.on_update, k.check_sql});
  }

  constexpr void fill(frozen_ops::operation_entry& e, const op::create_table& x) {
    e.table = x.table;
    e.naming = x.naming;
    e.columns = {0, static_cast<std::uint32_t>(x.columns.size())};
    for (std::size_t i = 0; i < x.columns.size(); ++i) {
      const auto at = sink_.column(x.columns[i]);
      if (i == 0) e.columns.first = at;
    }
    e.constraints = {0, static_cast<std::uint32_t>(x.constraints.size())};
    for (std::size_t i = 0; i < x.constraints.size(); ++i) {
      const auto at = constraint(x.constraints[i]);
      if (i == 0) e.constraints.first = at;
    }
  }
  constexpr void fill(frozen_ops::operation_entry& e, const op::drop_table& x) { e.table = x.table; }
  constexpr void fill(frozen_ops::operation_entry& e, const op::rename_table& x) { e.table = x.table; e.new_name = x.new_name; }
  constexpr void fill(frozen_ops::operation_entry& e, const op::add_column& x) {
    e.table = x.table;
    e.columns = {sink_.column(x.definition), 1};
    e.placement = x.placement;
    e.naming = x.naming;
  }
  constexpr void fill(frozen_ops::operation_entry& e, const op::drop_column& x) { e.table = x.table; e.name = x.column; e.naming = x.naming; }
  constexpr void fill(frozen_ops::operation_entry& e, const op::rename_column& x) { e.table = x.table; e.name = x.column; e.new_name = x.new_name; }
  constexpr void fill(frozen_ops::operation_entry& e, const op::alter_column& x) {
    e.table = x.table;
    e.name = x.column;
    e.change = x.change;
    e.naming = x.naming;
  }
  constexpr void fill(frozen_ops::operation_entry& e, const op::add_constraint& x) {
    e.table = x.table;
    e.constraints = {constraint(x.definition), 1};
    e.naming = x.naming;
  }
  constexpr void fill(frozen_ops::operation_entry& e, const op::drop_constraint& x) {
    e.table = x.table;
    e.name = x.name;
    e.constraint = x.kind;
    e.columns = names(x.columns);
    e.naming = x.naming;
  }
  constexpr void fill(frozen_ops::operation_entry& e, const op::create_index& x) {
    e.name = x.name;
    e.table = x.table;
    e.columns = names(x.columns);
    e.options = x.options;
  }
  constexpr void fill(frozen_ops::operation_entry& e, const op::drop_index& x) { e.name = x.name; e.table = x.table; }
  constexpr void fill(frozen_ops::operation_entry& e, const op::execute& x) { e.table = x.sql; }
  constexpr void fill(frozen_ops::operation_entry& e, const op::run& x) { e.function = x.function; e.table = x.description; }
  constexpr void fill(frozen_ops::operation_entry& e, const op::backfill& x) {
    e.table = x.table;
    e.name = x.set;
    e.new_name = x.where;
    e.rows = x.batch_rows;
  }

  Sink& sink_;
};

struct frozen_counter {
  std::size_t operations = 0;
  frozen_sizes sizes{};

  constexpr void operation(const frozen_ops::operation_entry&) { ++operations; }
  constexpr std::uint32_t column(const strata::column&) { return static_cast<std::uint32_t>(sizes.columns++); }
  constexpr std::uint32_t constraint(const frozen_ops::constraint_entry&) { return static_cast<std::uint32_t>(sizes.constraints++); }
  constexpr frozen_ops::range names(const std::string_view*, std::size_t count) {
    const frozen_ops::range r{static_cast<std::uint32_t>(sizes.names), static_cast<std::uint32_t>(count)};
    sizes.names += count;
    return r;
  }
};

// A revision's upgrade() then downgrade() operations, and what they hold.
template <frozen_sizes S>
struct frozen_arrays {
  std::array<frozen_ops::operation_entry, S.upgrade + S.downgrade> operations{};
  std::array<frozen_ops::column_entry, S.columns> columns{};
  std::array<frozen_ops::constraint_entry, S.constraints> constraints{};
  std::array<std::string_view, S.names> names{};

  [[nodiscard]] constexpr frozen_ops upgrade() const {
    return {std::span<const frozen_ops::operation_entry>(operations).first(S.upgrade), columns, constraints, names};
  }
  [[nodiscard]] constexpr frozen_ops downgrade() const {
    return {std::span<const frozen_ops::operation_entry>(operations).subspan(S.upgrade), columns, constraints, names};
  }
};

// Not a template of the sizes: one instantiation of ops_freezer serves every revision.
struct frozen_writer {
  std::span<frozen_ops::operation_entry> operations;
  std::span<frozen_ops::column_entry> columns;
  std::span<frozen_ops::constraint_entry> constraints;
  std::span<std::string_view> all_names;
  frozen_counter at{};

  constexpr void operation(const frozen_ops::operation_entry& e) { operations[at.operations++] = e; }
  constexpr std::uint32_t column(const strata::column& c) {
    columns[at.sizes.columns] = {c};
    return at.column(c);
  }
  constexpr std::uint32_t constraint(const frozen_ops::constraint_entry& k) {
    constraints[at.sizes.constraints] = k;
    return at.constraint(k);
  }
  constexpr frozen_ops::range names(const std::string_view* first, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) all_names[at.sizes.names + i] = first[i];
    return at.names(first, count);
  }
};

// Records upgrade() and downgrade() and writes both through `writer`: one function for every
// revision (its two functions as pointers, as detail::record_names_of), which GCC instantiates once.
constexpr void freeze_recordings(void (*upgrade)(ops&), void (*downgrade)(ops&), frozen_writer writer) {
  ops_freezer freezer(writer);
  ops recorded;
  upgrade(recorded);
  freezer.freeze(recorded);
  recorded.clear();
  downgrade(recorded);
  freezer.freeze(recorded);
}

// The arrays of room S (counted by the history's check: revision_facts::frozen), filled. A function
// of the room, not of the revision (nor a lambda in detail::frozen_revision, a class of its own for
// each revision): -12 MB of GCC's memory for manage_db's history unit at 200 revisions of
// tools/synthetic_history.py, all of one room.
template <frozen_sizes S>
constexpr frozen_arrays<S> frozen_arrays_of(void (*upgrade)(ops&), void (*downgrade)(ops&)) {
  frozen_arrays<S> out;
  freeze_recordings(upgrade, downgrade, frozen_writer{out.operations, out.columns, out.constraints, out.names});
  return out;
}

}  // namespace strata::detail
