// strata::detail: the compile-time check that a revision's upgrade()/downgrade() record operations
// in constant evaluation, with every name they record outliving the call.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <version>

#include <strata/detail/derived_downgrade.hpp>
#include <strata/detail/frozen_ops.hpp>
#include <strata/detail/rule_findings.hpp>
#include <strata/ops.hpp>

namespace strata::detail {

// Whether a history's checks run in constant evaluation: where the standard library constant-evaluates
// std::variant (P2231, __cpp_lib_variant >= 202106L), the mark of the C++20 constant evaluator these
// checks are written and tested against (GCC 12 with libstdc++ 12). Clang 14 with libstdc++ 12 reports
// less (libstdc++ asks for __cpp_concepts >= 202002L, clang 14 has 201907L). Clang 14 does record
// operations in constant evaluation (strata::operation is no std::variant), but the checks are not
// tested there. Where this is false, the Revision concept checks the shape of a revision only, and
// replay() is unavailable: compile a history with GCC (as CI does) to have its revisions checked.
inline constexpr bool records_at_compile_time = __cpp_lib_variant >= 202106L;

template <class>
inline constexpr bool unknown_operation = false;

// f(sql) for an SQL fragment, unless f takes identifiers only (has `identifiers_only`) or tells
// fragments apart (has `fragment(sql)`).
template <class F>
constexpr void fragment(F& f, std::string_view sql) {
  if constexpr (requires { f.fragment(sql); }) f.fragment(sql);
  else if constexpr (!requires { F::identifiers_only; }) f(sql);
}

// f(name) for every name and SQL fragment an operation holds: what a string_view recorded by
// upgrade()/downgrade() points to, and so what must outlive them. An f with a static member
// `identifiers_only` is handed the identifiers only: tables, columns, indexes, constraints.
template <class F>
constexpr void for_each_name(const column_type& type, F& f) { fragment(f, type.sql); }
template <class F>
constexpr void for_each_name(const column& c, F& f) {
  f(c.name);
  for_each_name(c.type, f);
  if (c.default_sql) fragment(f, *c.default_sql);
  if (c.foreign_key) {
    f(c.foreign_key->table);
    f(c.foreign_key->column);
  }
  if (c.check_sql) fragment(f, *c.check_sql);
}
template <class F>
constexpr void for_each_name(const constraint& k, F& f) {
  f(k.name);
  for (auto n : each(k.columns)) f(n);
  f(k.referenced_table);
  for (auto n : each(k.referenced_columns)) f(n);
  fragment(f, k.check_sql);
}
template <class F>
constexpr void for_each_name(const operation& o, F& f) {
  o.visit([&f](const auto& x) {
    using T = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<T, op::create_table>) {
      f(x.table);
      for (const auto& c : each(x.columns)) for_each_name(c, f);
      for (const auto& k : each(x.constraints)) for_each_name(k, f);
    } else if constexpr (std::is_same_v<T, op::drop_table> || std::is_same_v<T, op::drop_column>) {
      f(x.table);
      if constexpr (std::is_same_v<T, op::drop_column>) f(x.column);
    } else if constexpr (std::is_same_v<T, op::rename_table>) {
      f(x.table);
      f(x.new_name);
    } else if constexpr (std::is_same_v<T, op::add_column>) {
      f(x.table);
      for_each_name(x.definition, f);
    } else if constexpr (std::is_same_v<T, op::rename_column>) {
      f(x.table);
      f(x.column);
      f(x.new_name);
    } else if constexpr (std::is_same_v<T, op::alter_column>) {
      f(x.table);
      f(x.column);
      if (x.change.type) for_each_name(*x.change.type, f);
      if (x.change.server_default) fragment(f, *x.change.server_default);
      if (x.change.using_sql) fragment(f, *x.change.using_sql);
    } else if constexpr (std::is_same_v<T, op::add_constraint>) {
      f(x.table);
      for_each_name(x.definition, f);
    } else if constexpr (std::is_same_v<T, op::drop_constraint>) {
      f(x.table);
      f(x.name);
    } else if constexpr (std::is_same_v<T, op::create_index>) {
      f(x.name);
      f(x.table);
      for (auto n : each(x.columns)) f(n);
      fragment(f, x.options.where);
    } else if constexpr (std::is_same_v<T, op::drop_index>) {
      f(x.name);
      f(x.table);
    } else if constexpr (std::is_same_v<T, op::execute>) {
      fragment(f, x.sql);
    } else if constexpr (std::is_same_v<T, op::run>) {
      fragment(f, x.description);
    } else if constexpr (std::is_same_v<T, op::backfill>) {
      f(x.table);
      fragment(f, x.set);
      fragment(f, x.where);
    } else {
      static_assert(unknown_operation<T>, "strata::detail::for_each_name does not know this operation: list the names it holds");
    }
  });
}

// Records upgrade() and downgrade(): a constant expression only if both are constexpr (and do
// nothing else a constant expression cannot).
template <class R>
constexpr bool records_constantly() {
  ops up, down;
  R::upgrade(up);
  downgrade_of<R>(down);
  return true;
}

// Whether `down` is the inverse of `up`, read off the operations alone: `up` only creates (tables,
// indexes, columns: execute() and run() aside, which change no schema) and `down` drops what it
// created, newest first. Dropping what was just created restores the schema exactly, except that
// drop_column also takes the table's constraints that name the column (replay_revisions checks
// that on the schema): the replay then needs neither to apply `down` nor to compare.
constexpr bool inverts(const operation& d, const operation& u) {
  if (const auto* t = strata::get_if<op::create_table>(&u)) {
    const auto* x = strata::get_if<op::drop_table>(&d);
    return x != nullptr && x->table == t->table;
  }
  if (const auto* i = strata::get_if<op::create_index>(&u)) {
    const auto* x = strata::get_if<op::drop_index>(&d);
    return x != nullptr && x->name == i->name;   // as drop_index finds it: by name
  }
  if (const auto* c = strata::get_if<op::add_column>(&u)) {
    const auto* x = strata::get_if<op::drop_column>(&d);
    return x != nullptr && x->table == c->table && x->column == c->definition.name;
  }
  return false;
}
constexpr bool changes_no_schema(const operation& o) {
  return strata::holds_alternative<op::execute>(o) || strata::holds_alternative<op::run>(o) || strata::holds_alternative<op::backfill>(o);
}
constexpr bool undoes_by_its_operations(const ops& down, const ops& up) {
  const auto u = each(up.operations());
  const auto d = each(down.operations());
  std::size_t j = 0;
  for (std::size_t k = u.size(); k-- > 0;) {
    if (changes_no_schema(u[k])) continue;
    while (j < d.size() && changes_no_schema(d[j])) ++j;
    if (j == d.size() || !inverts(d[j], u[k])) return false;
    ++j;
  }
  while (j < d.size() && changes_no_schema(d[j])) ++j;
  return j == d.size();
}

// How much an upgrade() can add to a schema: what it creates (tables, columns, table constraints,
// the column names those constraints and indexes list, indexes). Summed over a history, these bound
// the schema at its head, which is what lets one constant evaluation replay the history and keep
// its result in fixed arrays (detail::replay_of). The names a drop_constraint lists are counted too
// (a bound may be loose): over an upgrade and its downgrade, the columns, constraints and names are
// then the room the two recordings take frozen (recorded_names::frozen, detail::frozen_arrays).
struct schema_sizes {
  std::size_t tables = 0;
  std::size_t columns = 0;
  std::size_t constraints = 0;
  std::size_t names = 0;
  std::size_t indexes = 0;

  constexpr schema_sizes& operator+=(const schema_sizes& o) {
    tables += o.tables;
    columns += o.columns;
    constraints += o.constraints;
    names += o.names;
    indexes += o.indexes;
    return *this;
  }
  friend constexpr bool operator==(const schema_sizes&, const schema_sizes&) = default;
};

constexpr void count_created(const constraint& k, schema_sizes& s) {
  ++s.constraints;
  s.names += k.columns.size() + k.referenced_columns.size();
}
constexpr void count_created(const operation& o, schema_sizes& s) {
  if (const auto* t = strata::get_if<op::create_table>(&o)) {
    ++s.tables;
    s.columns += t->columns.size();
    for (const auto& k : each(t->constraints)) count_created(k, s);
  } else if (strata::holds_alternative<op::add_column>(o)) {
    ++s.columns;
  } else if (const auto* k = strata::get_if<op::add_constraint>(&o)) {
    count_created(k->definition, s);
  } else if (const auto* i = strata::get_if<op::create_index>(&o)) {
    ++s.indexes;
    s.names += i->columns.size();
  } else if (const auto* d = strata::get_if<op::drop_constraint>(&o)) {
    s.names += d->columns.size();
  }
}

// An identifier a revision records, and its length (bytes 0: none).
struct long_name {
  std::string_view name;
  std::size_t bytes = 0;
};

// What upgrade() and downgrade() record, as the Revision concept and strata::history check it:
// how many names (not empty), and the first `kept` of them; and what the upgrade creates.
struct recorded_names {
  static constexpr std::size_t kept = 32;
  std::array<std::string_view, kept> names{};
  std::size_t count = 0;
  unsigned read_sum = 0;   // of characters read, never compared (see operator())
  schema_sizes created{};
  bool inverse = false;   // the downgrade undoes_by_its_operations the upgrade
  long_name longest{};                   // the longest identifier (not SQL fragment): strata::names_fit
  rule_findings findings{};              // the safety rules the upgrade breaks (strata::review_policy)
  frozen_sizes frozen{};                 // the room the two recordings take frozen (frozen_revision)

  constexpr void operator()(std::string_view name) {
    if (name.size() > longest.bytes) longest = {name, name.size()};
    fragment(name);
  }
  // Reads the first and the last character of each name: reading through a view into storage
  // that is gone (a long std::string destroyed when upgrade() returned) is not a constant expression.
  constexpr void fragment(std::string_view name) {
    if (name.empty()) return;
    read_sum += static_cast<unsigned char>(name.front()) + static_cast<unsigned char>(name.back());
    if (count < kept) names[count] = name;
    ++count;
  }
};

// Records upgrade(), then downgrade(), handing f every name each records. Room is made for 8
// operations first, so that recording a usual revision grows no vector.
// When given, `read` also takes what the upgrade creates, whether the downgrade
// undoes_by_its_operations the upgrade, the safety rules the upgrade breaks, and the room the two
// recordings take frozen. (Not its checksum, which the process computes when it needs it:
// revision_info::upgrade_checksum.)
// The revision comes as its two functions, not as a type: GCC then instantiates this body once, not
// once per revision (13 MB of its memory at 200 revisions, 4 %), and still evaluates each revision's
// recording once (a constexpr call with the same arguments, function pointers included, is memoised).
template <class F>
constexpr void for_each_recorded_name_of(void (*upgrade)(ops&), void (*downgrade)(ops&), bool transactional, F& f,
                                         recorded_names* read = nullptr) {
  ops up, down;
  up.reserve(8);
  upgrade(up);
  schema_sizes* created = read != nullptr ? &read->created : nullptr;
  for (const auto& o : each(up.operations())) {
    for_each_name(o, f);
    if (created != nullptr) count_created(o, *created);
  }
  down.reserve(8);
  downgrade(down);
  for (const auto& o : each(down.operations())) for_each_name(o, f);
  if (read != nullptr) {
    // The room for frozen_revision, counted here rather than by a recording of its own (-54 MB of
    // GCC's memory for manage_db's history unit at 200 revisions, +2 MB for any other unit).
    schema_sizes room = read->created;
    for (const auto& o : each(down.operations())) count_created(o, room);
    read->frozen = {up.size(), down.size(), room.columns, room.constraints, room.names};
    read->inverse = undoes_by_its_operations(down, up);
    read->findings = find_rule_breaks(up, transactional);
  }
}
template <class R, class F>
constexpr void for_each_recorded_name(F& f, recorded_names* read = nullptr) {
  for_each_recorded_name_of(&R::upgrade, &downgrade_of<R>, R::transactional, f, read);
}

// Records upgrade() and downgrade(), once per revision: the concept, history's check and the
// replay's bounds call this same function, which GCC evaluates once (a constexpr call with the same
// arguments is memoised).
constexpr recorded_names record_names_of(void (*upgrade)(ops&), void (*downgrade)(ops&), bool transactional) {
  recorded_names read;
  for_each_recorded_name_of(upgrade, downgrade, transactional, read, &read);
  read.read_sum &= 0U;
  return read;
}
template <class R>
constexpr recorded_names record_names() {
  return record_names_of(&R::upgrade, &downgrade_of<R>, R::transactional);
}

// Every name, for a revision with more than recorded_names::kept of them (a second recording).
template <std::size_t N>
struct all_names {
  std::array<std::string_view, N> names{};
  std::size_t count = 0;
  constexpr void operator()(std::string_view name) {
    if (!name.empty()) names[count++] = name;
  }
};
template <class R, std::size_t N>
constexpr all_names<N> all_recorded_names() {
  all_names<N> all;
  for_each_recorded_name<R>(all);
  return all;
}

// The first identifier longer than `limit` among those for_each_name hands over (the migrator's
// check of the revisions it is about to run).
struct first_long_name {
  static constexpr bool identifiers_only = true;
  std::size_t limit = 0;
  long_name found{};
  constexpr void operator()(std::string_view name) {
    if (found.bytes == 0 && name.size() > limit) found = {name, name.size()};
  }
};

// The longest identifier R's upgrade() or downgrade() records (revision_facts::longest_bytes says how
// long it is, without pointing to it).
template <class R>
constexpr long_name longest_name_of() {
  return record_names<R>().longest;
}

// A constexpr variable holding the names is valid only when each points to storage that outlives
// every call (a string literal, a static constexpr array). GCC 12 does not see, when the name is
// only read, that a view into a short std::string's inline buffer outlived its string, but it does
// refuse such a view as the value of a constexpr variable: the compile error is then here.
template <class R, std::size_t Count = record_names<R>().count, bool Kept = (Count <= recorded_names::kept)>
struct names_outlive_the_call {
  static constexpr recorded_names names = record_names<R>();  // strata::history: a name recorded by the upgrade() or downgrade() of the revision above points into a std::string or another local that is gone: record string literals or static constexpr names
  static constexpr bool value = names.count == Count;
};
template <class R, std::size_t Count>
struct names_outlive_the_call<R, Count, false> {
  static constexpr all_names<Count> names = all_recorded_names<R, Count>();  // strata::history: a name recorded by the upgrade() or downgrade() of the revision above points into a std::string or another local that is gone: record string literals or static constexpr names
  static constexpr bool value = names.count == Count;
};

}  // namespace strata::detail
