// strata::ops: schema operations recorded as plain values (usable in constant evaluation).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>
// std::construct_at and std::destroy_at (strata::operation) are <memory>'s: libstdc++ defines them
// in what <vector> includes, and its <memory> would bring <ostream> into every unit.
#ifndef __GLIBCXX__
#include <memory>
#endif

#include <strata/connection.hpp>
#include <strata/detail/each.hpp>
#include <strata/naming.hpp>
#include <strata/rules.hpp>
#include <strata/types.hpp>

namespace strata {

struct foreign_key_target {
  std::string_view table;
  std::string_view column;
  referential_action on_delete = referential_action::no_action;
  referential_action on_update = referential_action::no_action;

  friend constexpr bool operator==(const foreign_key_target&, const foreign_key_target&) = default;
};

// How a generated column keeps its value: computed when read (VIRTUAL) or when written (STORED).
enum class generated_kind : std::uint8_t { virtual_, stored };
inline constexpr generated_kind virtual_ = generated_kind::virtual_;
inline constexpr generated_kind stored = generated_kind::stored;

constexpr std::string_view to_string(generated_kind kind) { return kind == generated_kind::stored ? "STORED" : "VIRTUAL"; }
inline std::ostream& operator<<(std::ostream& out, generated_kind kind) { return out << to_string(kind); }

// The name a column had before, for strata::diff (a model's `.renamed_from("mail")`). A hint, not
// part of the column's definition: any two are equal, so a model's column equals its replayed twin.
struct rename_hint {
  std::string_view from{};
  friend constexpr bool operator==(const rename_hint&, const rename_hint&) { return true; }
};

// std::optional's interface over a T held flat, a value and a flag: the optional parts of a column
// (its DEFAULT, CHECK and generation expressions, its foreign key) and of what alter_column changes.
// In constant evaluation GCC 12 copies a std::optional as a tree of base classes, and the
// compile-time checks of a history copy every column a revision records several times (16 MB of
// GCC's memory at 200 revisions of tools/synthetic_history.py, 4 %).
template <class T>
class plain_optional {
 public:
  using value_type = T;
  constexpr plain_optional() = default;
  constexpr plain_optional(std::nullopt_t) {}                   // NOLINT: implicit, as std::optional's
  constexpr plain_optional(const T& value) : value_(value), engaged_(true) {}  // NOLINT: implicit, as std::optional's
  // From what converts to a T, as std::optional's: `column.default_sql = "0"`.
  template <class U>
    requires(!std::is_same_v<std::remove_cvref_t<U>, plain_optional> && !std::is_same_v<std::remove_cvref_t<U>, T> &&
             !std::is_same_v<std::remove_cvref_t<U>, std::nullopt_t> && std::is_convertible_v<U &&, T>)
  constexpr plain_optional(U&& value) : value_(std::forward<U>(value)), engaged_(true) {}  // NOLINT: implicit, as std::optional's
  constexpr plain_optional(const std::optional<T>& o) : value_(o ? *o : T{}), engaged_(o.has_value()) {}  // NOLINT
  constexpr plain_optional& operator=(std::nullopt_t) {
    reset();
    return *this;
  }
  template <class U>
    requires(!std::is_same_v<std::remove_cvref_t<U>, plain_optional> && !std::is_same_v<std::remove_cvref_t<U>, std::nullopt_t> &&
             std::is_convertible_v<U &&, T>)
  constexpr plain_optional& operator=(U&& value) {
    value_ = std::forward<U>(value);
    engaged_ = true;
    return *this;
  }
  constexpr operator std::optional<T>() const { return engaged_ ? std::optional<T>(value_) : std::nullopt; }  // NOLINT

  [[nodiscard]] constexpr bool has_value() const { return engaged_; }
  constexpr explicit operator bool() const { return engaged_; }
  [[nodiscard]] constexpr const T& operator*() const { return value_; }
  [[nodiscard]] constexpr T& operator*() { return value_; }
  [[nodiscard]] constexpr const T* operator->() const { return &value_; }
  [[nodiscard]] constexpr T* operator->() { return &value_; }
  [[nodiscard]] constexpr const T& value() const {
    if (!engaged_) throw std::bad_optional_access();
    return value_;
  }
  [[nodiscard]] constexpr T value_or(const T& other) const { return engaged_ ? value_ : other; }
  constexpr void reset() {
    value_ = T{};
    engaged_ = false;
  }

  friend constexpr bool operator==(const plain_optional& a, const plain_optional& b) {
    return a.engaged_ == b.engaged_ && (!a.engaged_ || a.value_ == b.value_);
  }
  // With a value (or what compares with one, as a literal): equal when engaged and equal, as std::optional's.
  template <class U>
    requires(!std::is_same_v<U, plain_optional> && !std::is_same_v<U, std::nullopt_t> && !std::is_same_v<U, std::optional<T>> &&
             requires(const T& t, const U& u) { { t == u } -> std::convertible_to<bool>; })
  friend constexpr bool operator==(const plain_optional& a, const U& b) {
    return a.engaged_ && a.value_ == b;
  }
  friend constexpr bool operator==(const plain_optional& a, std::nullopt_t) { return !a.engaged_; }
  friend constexpr bool operator==(const plain_optional& a, const std::optional<T>& b) {
    return a.engaged_ == b.has_value() && (!a.engaged_ || a.value_ == *b);
  }

 private:
  T value_{};
  bool engaged_ = false;
};

// One column of a table, built fluently: `column("symbol", varchar(10)).not_null().unique()`.
// Names and SQL fragments are string_views: they come from literals and outlive the history.
struct column {
  std::string_view name;
  column_type type;
  bool nullable = true;
  bool is_primary_key = false;
  bool autoincrement = false;
  bool is_unique = false;
  plain_optional<std::string_view> default_sql{};     // an SQL expression: "0", "CURRENT_TIMESTAMP"
  plain_optional<foreign_key_target> foreign_key{};
  plain_optional<std::string_view> check_sql{};
  plain_optional<std::string_view> generated_sql{};   // GENERATED ALWAYS AS (<expression>)
  generated_kind generated_storage = generated_kind::virtual_;
  rename_hint previous_name{};

  constexpr column(std::string_view column_name, column_type column_type_) : name(column_name), type(column_type_) {}

  [[nodiscard]] constexpr column not_null() const { auto c = *this; c.nullable = false; return c; }
  [[nodiscard]] constexpr column null() const { auto c = *this; c.nullable = true; return c; }
  // A primary key column is NOT NULL. With several, the key is composite.
  [[nodiscard]] constexpr column primary_key() const { auto c = *this; c.is_primary_key = true; c.nullable = false; return c; }
  [[nodiscard]] constexpr column auto_increment() const { auto c = *this; c.autoincrement = true; return c; }
  [[nodiscard]] constexpr column unique() const { auto c = *this; c.is_unique = true; return c; }
  // The column's DEFAULT, as SQL (Alembic's server_default): `.server_default("CURRENT_TIMESTAMP")`.
  [[nodiscard]] constexpr column server_default(std::string_view sql) const { auto c = *this; c.default_sql = sql; return c; }
  // A number is no SQL text: `.server_default(0)` would read 0 as a null pointer. Write "0".
  template <class T>
    requires(std::is_arithmetic_v<T> || std::is_null_pointer_v<T>)
  constexpr column server_default(T) const {
    static_assert(sizeof(T) == 0, "strata::column::server_default takes SQL text: write .server_default(\"0\"), not .server_default(0)");
    return *this;
  }
  [[nodiscard]] constexpr column references(std::string_view table, std::string_view target_column,
                                            referential_action on_delete = referential_action::no_action,
                                            referential_action on_update = referential_action::no_action) const {
    auto c = *this;
    c.foreign_key = foreign_key_target{table, target_column, on_delete, on_update};
    return c;
  }
  [[nodiscard]] constexpr column check(std::string_view sql) const { auto c = *this; c.check_sql = sql; return c; }
  template <class T>
    requires(std::is_arithmetic_v<T> || std::is_null_pointer_v<T>)
  constexpr column check(T) const {
    static_assert(sizeof(T) == 0, "strata::column::check takes SQL text: write .check(\"x > 0\")");
    return *this;
  }
  // A generated column: `.generated("price * quantity", strata::stored)`. SQLite has both kinds
  // (adding a STORED one rebuilds the table); PostgreSQL 15 has STORED only.
  [[nodiscard]] constexpr column generated(std::string_view expression, generated_kind kind = generated_kind::virtual_) const {
    auto c = *this;
    c.generated_sql = expression;
    c.generated_storage = kind;
    return c;
  }

  // In a model: the column was called `old_name` (strata::diff renames it instead of dropping it).
  [[nodiscard]] constexpr column renamed_from(std::string_view old_name) const { auto c = *this; c.previous_name.from = old_name; return c; }

  friend constexpr bool operator==(const column&, const column&) = default;
};

enum class constraint_kind : std::uint8_t { primary_key, unique, foreign_key, check };

constexpr std::string_view to_string(constraint_kind kind) {
  switch (kind) {
    case constraint_kind::primary_key: return "primary key";
    case constraint_kind::unique: return "unique";
    case constraint_kind::foreign_key: return "foreign key";
    case constraint_kind::check: return "check";
  }
  return "constraint";
}
inline std::ostream& operator<<(std::ostream& out, constraint_kind kind) { return out << to_string(kind); }

// The pattern of a naming convention for one kind of constraint.
constexpr std::string_view pattern_for(const naming_convention& convention, constraint_kind kind) {
  switch (kind) {
    case constraint_kind::primary_key: return convention.primary_key;
    case constraint_kind::unique: return convention.unique;
    case constraint_kind::foreign_key: return convention.foreign_key;
    case constraint_kind::check: return convention.check;
  }
  return {};
}

// A table-level constraint, optionally named so that it can be dropped later.
struct constraint {
  constraint_kind kind = constraint_kind::check;
  std::string_view name{};
  std::vector<std::string_view> columns{};
  std::string_view referenced_table{};
  std::vector<std::string_view> referenced_columns{};
  referential_action on_delete = referential_action::no_action;
  referential_action on_update = referential_action::no_action;
  std::string_view check_sql{};

  friend constexpr bool operator==(const constraint&, const constraint&) = default;
};

using names = std::initializer_list<std::string_view>;

constexpr constraint primary_key(std::string_view name, names columns) {
  return {.kind = constraint_kind::primary_key, .name = name, .columns = columns};
}
constexpr constraint primary_key(names columns) { return strata::primary_key(std::string_view{}, columns); }
constexpr constraint unique(std::string_view name, names columns) {
  return {.kind = constraint_kind::unique, .name = name, .columns = columns};
}
constexpr constraint unique(names columns) { return strata::unique(std::string_view{}, columns); }
constexpr constraint foreign_key(std::string_view name, names columns, std::string_view referenced_table,
                                 names referenced_columns,
                                 referential_action on_delete = referential_action::no_action,
                                 referential_action on_update = referential_action::no_action) {
  return {.kind = constraint_kind::foreign_key, .name = name, .columns = columns,
          .referenced_table = referenced_table, .referenced_columns = referenced_columns,
          .on_delete = on_delete, .on_update = on_update};
}
constexpr constraint check(std::string_view name, std::string_view sql) {
  return {.kind = constraint_kind::check, .name = name, .check_sql = sql};
}
// An unnamed CHECK (a naming convention may name it): `strata::check("x < 100")`.
constexpr constraint check(std::string_view sql) { return strata::check(std::string_view{}, sql); }

// An element of create_table's list: a column or a table constraint.
// (Both members, the one is_column says: a std::variant would cost every unit its instantiation.)
struct table_element {
  constexpr table_element(column c) : is_column(true), as_column(c) {}                          // NOLINT: implicit by design
  constexpr table_element(constraint k) : as_column({}, {}), as_constraint(std::move(k)) {}     // NOLINT: implicit by design
  bool is_column = false;
  column as_column;
  constraint as_constraint{};
};

// What alter_column changes; unset fields stay as they are.
// `op.alter_column("stocks", "market_cap", {.nullable = false})`.
struct column_change {
  plain_optional<column_type> type{};
  plain_optional<bool> nullable{};
  plain_optional<std::string_view> server_default{};   // new DEFAULT (SQL)
  bool drop_default = false;
  // How old values become new ones when the type changes, an expression over the old row:
  // PostgreSQL's ALTER ... TYPE ... USING <expr>; on SQLite, the rebuild's copy selects it.
  plain_optional<std::string_view> using_sql{};

  friend constexpr bool operator==(const column_change&, const column_change&) = default;
};

// Where add_column puts the new column (Alembic's insert_before / insert_after; one of them at most).
// On SQLite a placed column takes a table rebuild. PostgreSQL cannot order columns (ADD COLUMN
// always appends, and moving one would rewrite the table), so there the column goes last, as Alembic
// does outside batch mode.
struct column_placement {
  std::string_view insert_before{};
  std::string_view insert_after{};

  [[nodiscard]] constexpr bool empty() const { return insert_before.empty() && insert_after.empty(); }
  friend constexpr bool operator==(const column_placement&, const column_placement&) = default;
};

struct index_options {
  bool unique = false;
  std::string_view where{};        // a partial index's predicate
  bool concurrently = false;       // PostgreSQL only; the revision must be non-transactional

  friend constexpr bool operator==(const index_options&, const index_options&) = default;
};

// The operations that create or alter a table's columns and constraints carry the naming convention
// in force when they were recorded (ops::use_naming_convention).
namespace op {
struct create_table {
  std::string_view table;
  std::vector<column> columns;
  std::vector<constraint> constraints;
  naming_convention naming{};
  friend constexpr bool operator==(const create_table&, const create_table&) = default;
};
struct drop_table {
  std::string_view table;
  friend constexpr bool operator==(const drop_table&, const drop_table&) = default;
};
struct rename_table {
  std::string_view table;
  std::string_view new_name;
  friend constexpr bool operator==(const rename_table&, const rename_table&) = default;
};
struct add_column {
  std::string_view table;
  column definition;
  column_placement placement{};
  naming_convention naming{};
  friend constexpr bool operator==(const add_column&, const add_column&) = default;
};
struct drop_column {
  std::string_view table;
  std::string_view column;
  naming_convention naming{};
  friend constexpr bool operator==(const drop_column&, const drop_column&) = default;
};
struct rename_column {
  std::string_view table;
  std::string_view column;
  std::string_view new_name;
  friend constexpr bool operator==(const rename_column&, const rename_column&) = default;
};
struct alter_column {
  std::string_view table;
  std::string_view column;
  column_change change;
  naming_convention naming{};
  friend constexpr bool operator==(const alter_column&, const alter_column&) = default;
};
struct add_constraint {
  std::string_view table;
  constraint definition;
  naming_convention naming{};
  friend constexpr bool operator==(const add_constraint&, const add_constraint&) = default;
};
// By name, or (name empty) by kind and columns: the one constraint of that kind on exactly those
// columns (a CHECK's columns are the table's columns its expression names), in any order; no
// columns: the one constraint of that kind (a primary key).
struct drop_constraint {
  std::string_view table;
  std::string_view name;
  constraint_kind kind = constraint_kind::check;
  std::vector<std::string_view> columns{};
  naming_convention naming{};
  friend constexpr bool operator==(const drop_constraint&, const drop_constraint&) = default;
};
struct create_index {
  std::string_view name;
  std::string_view table;
  std::vector<std::string_view> columns;
  index_options options;
  friend constexpr bool operator==(const create_index&, const create_index&) = default;
};
struct drop_index {
  std::string_view name;
  std::string_view table;
  friend constexpr bool operator==(const drop_index&, const drop_index&) = default;
};
struct execute {
  std::string_view sql;
  friend constexpr bool operator==(const execute&, const execute&) = default;
};
// `UPDATE table SET <set> [WHERE <where>]` in batches of batch_rows rows keyed on the table's
// primary key (one column): data only, no schema change. Outside a transaction each batch commits
// on its own and a rerun resumes after the last one (docs/large_tables.md).
struct backfill {
  std::string_view table;
  std::string_view set;     // "market_cap = price * shares"
  std::string_view where;   // empty: every row
  std::uint32_t batch_rows = 10000;
  friend constexpr bool operator==(const backfill&, const backfill&) = default;
};
// A data migration in C++, run against the live connection (never at compile time).
struct run {
  void (*function)(connection&);
  std::string_view description;
  friend constexpr bool operator==(const run&, const run&) = default;
};
}  // namespace op

namespace detail {
// Adds each of create_table's elements to t's columns or to its constraints, in order.
constexpr void add_elements(op::create_table& t, std::initializer_list<table_element> elements) {
  std::size_t columns = 0;
  for (const auto& e : elements) columns += e.is_column ? 1 : 0;
  t.columns.reserve(t.columns.size() + columns);
  t.constraints.reserve(t.constraints.size() + elements.size() - columns);
  for (const auto& e : elements) {
    if (e.is_column) t.columns.push_back(e.as_column);
    else t.constraints.push_back(e.as_constraint);
  }
}

// A list of types: the position of one, the type at a position.
template <std::size_t I, class T, class... Ts>
struct nth_type {
  using type = typename nth_type<I - 1, Ts...>::type;
};
template <class T, class... Ts>
struct nth_type<0, T, Ts...> {
  using type = T;
};
template <class... Ts>
struct type_list {
  static constexpr std::size_t size = sizeof...(Ts);
  // The position of U in the list, or size when it is not in it.
  template <class U>
  static constexpr std::size_t index_of = [] {
    constexpr bool same[] = {std::is_same_v<U, Ts>...};
    for (std::size_t i = 0; i < size; ++i)
      if (same[i]) return i;
    return size;
  }();
  template <std::size_t I>
  using at = typename nth_type<I, Ts...>::type;
};
}  // namespace detail

// A recorded operation: one of the op:: types above. A tagged union, not a std::variant: GCC 12
// evaluates a std::variant's constructors, moves and destructor through its recursive storage (the
// deeper the alternative in the list, the dearer) and every unit that includes this header
// instantiated that machinery; here an operation is built, moved and visited in a few steps of the
// constant evaluator (docs/revisions.md, Compile time). It reads as a std::variant does:
// strata::get_if, strata::holds_alternative, strata::get and strata::visit below, and index().
class operation {
 public:
  // The alternatives, in the order of index() (which the checksum's canonical form and the frozen
  // operations record: append, never reorder).
  using types = detail::type_list<op::create_table, op::drop_table, op::rename_table, op::add_column, op::drop_column,
                                  op::rename_column, op::alter_column, op::add_constraint, op::drop_constraint,
                                  op::create_index, op::drop_index, op::execute, op::run, op::backfill>;
  static constexpr std::size_t alternatives = types::size;
  template <class T>
  static constexpr std::size_t index_of = types::template index_of<T>;
  template <class T>
  static constexpr bool is_alternative = index_of<T> < alternatives;
  template <std::size_t I>
  using alternative = typename types::template at<I>;

  // f(x) for the alternative x this operation holds, by a switch on its index.
  template <class F>
  constexpr decltype(auto) visit(F&& f) {
    return dispatch(*this, f);
  }
  template <class F>
  constexpr decltype(auto) visit(F&& f) const {
    return dispatch(*this, f);
  }

 private:
  // The union member of alternative I (alive or not: construct_at makes it so).
  template <std::size_t I, class Self>
  static constexpr auto& member(Self& s) {
    static_assert(I < alternatives, "strata::operation: not one of its alternatives");
    static_assert(alternatives == 14, "strata::operation: a new operation needs its member in the union, and its case in dispatch()");
    if constexpr (I == 0) return s.u_.create_table;
    else if constexpr (I == 1) return s.u_.drop_table;
    else if constexpr (I == 2) return s.u_.rename_table;
    else if constexpr (I == 3) return s.u_.add_column;
    else if constexpr (I == 4) return s.u_.drop_column;
    else if constexpr (I == 5) return s.u_.rename_column;
    else if constexpr (I == 6) return s.u_.alter_column;
    else if constexpr (I == 7) return s.u_.add_constraint;
    else if constexpr (I == 8) return s.u_.drop_constraint;
    else if constexpr (I == 9) return s.u_.create_index;
    else if constexpr (I == 10) return s.u_.drop_index;
    else if constexpr (I == 11) return s.u_.execute;
    else if constexpr (I == 12) return s.u_.run;
    else return s.u_.backfill;
  }
  template <class Self, class F>
  static constexpr decltype(auto) dispatch(Self& s, F& f) {
    switch (s.kind_) {
      case 0: return f(member<0>(s));
      case 1: return f(member<1>(s));
      case 2: return f(member<2>(s));
      case 3: return f(member<3>(s));
      case 4: return f(member<4>(s));
      case 5: return f(member<5>(s));
      case 6: return f(member<6>(s));
      case 7: return f(member<7>(s));
      case 8: return f(member<8>(s));
      case 9: return f(member<9>(s));
      case 10: return f(member<10>(s));
      case 11: return f(member<11>(s));
      case 12: return f(member<12>(s));
      default: return f(member<13>(s));
    }
  }

 public:
  template <class T>
    requires is_alternative<std::remove_cvref_t<T>>
  constexpr operation(T&& x) : kind_(index_of<std::remove_cvref_t<T>>) {   // NOLINT: implicit, as std::variant's
    std::construct_at(&as<std::remove_cvref_t<T>>(), std::forward<T>(x));
  }
  constexpr operation(const operation& o) : kind_(o.kind_) {
    o.visit([this]<class T>(const T& x) { std::construct_at(&as<T>(), x); });
  }
  constexpr operation(operation&& o) noexcept : kind_(o.kind_) {
    o.visit([this]<class T>(T& x) { std::construct_at(&as<T>(), std::move(x)); });
  }
  constexpr operation& operator=(const operation& o) {
    if (this != &o) *this = operation(o);
    return *this;
  }
  constexpr operation& operator=(operation&& o) noexcept {
    if (this == &o) return *this;
    if (kind_ == o.kind_) {
      o.visit([this]<class T>(T& x) { as<T>() = std::move(x); });
    } else {
      destroy();
      kind_ = o.kind_;
      o.visit([this]<class T>(T& x) { std::construct_at(&as<T>(), std::move(x)); });
    }
    return *this;
  }
  constexpr ~operation() { destroy(); }

  [[nodiscard]] constexpr std::size_t index() const { return kind_; }

  // The alternative T, which this operation must hold (strata::get_if checks).
  template <class T>
  [[nodiscard]] constexpr T& as() {
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(member<index_of<T>>(*this))>, T>, "strata::operation: its union and its types differ");
    return member<index_of<T>>(*this);
  }
  template <class T>
  [[nodiscard]] constexpr const T& as() const {
    return member<index_of<T>>(*this);
  }

  friend constexpr bool operator==(const operation& a, const operation& b) {
    return a.kind_ == b.kind_ && a.visit([&b]<class T>(const T& x) { return x == b.as<T>(); });
  }

 private:
  constexpr void destroy() {
    visit([]<class T>(T& x) {
      if constexpr (!std::is_trivially_destructible_v<T>) std::destroy_at(&x);
    });
  }

  // The members are constructed and destroyed by operation, which knows which one is alive.
  union storage {
    constexpr storage() : none() {}
    constexpr ~storage() {}
    storage(const storage&) = delete;
    storage& operator=(const storage&) = delete;
    char none;
    op::create_table create_table;
    op::drop_table drop_table;
    op::rename_table rename_table;
    op::add_column add_column;
    op::drop_column drop_column;
    op::rename_column rename_column;
    op::alter_column alter_column;
    op::add_constraint add_constraint;
    op::drop_constraint drop_constraint;
    op::create_index create_index;
    op::drop_index drop_index;
    op::execute execute;
    op::run run;
    op::backfill backfill;
  };
  std::uint8_t kind_;
  storage u_;
};

// As their std:: namesakes for a std::variant: o's alternative T, or null when it holds another.
template <class T>
[[nodiscard]] constexpr const T* get_if(const operation* o) {
  return o != nullptr && o->index() == operation::index_of<T> ? &o->as<T>() : nullptr;
}
template <class T>
[[nodiscard]] constexpr T* get_if(operation* o) {
  return o != nullptr && o->index() == operation::index_of<T> ? &o->as<T>() : nullptr;
}
template <class T>
[[nodiscard]] constexpr bool holds_alternative(const operation& o) {
  static_assert(operation::is_alternative<T>, "strata::holds_alternative: not an operation");
  return o.index() == operation::index_of<T>;
}
// o's alternative T; throws std::logic_error when it holds another.
template <class T>
[[nodiscard]] constexpr const T& get(const operation& o) {
  if (!holds_alternative<T>(o)) throw std::logic_error("strata::get: the operation holds another alternative");
  return o.as<T>();
}
template <class T>
[[nodiscard]] constexpr T& get(operation& o) {
  if (!holds_alternative<T>(o)) throw std::logic_error("strata::get: the operation holds another alternative");
  return o.as<T>();
}
// f(x) for the alternative x that o (an operation, const or not) holds.
template <class F, class Operation>
  requires std::is_same_v<std::remove_const_t<Operation>, operation>
constexpr decltype(auto) visit(F&& f, Operation& o) {
  return o.visit(f);
}

// The table an operation changes, or empty for execute/run.
constexpr std::string_view table_of(const operation& o) {
  return o.visit(
      [](const auto& x) -> std::string_view {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, op::execute> || std::is_same_v<T, op::run>) return {};
        else return x.table;
      });
}

namespace detail {
// A std::string that the writers into any `out << std::string_view` (describe_to, type_text_to) append to.
struct string_sink {
  std::string value;
  string_sink& operator<<(std::string_view s) {
    value += s;
    return *this;
  }
};

// Writes describe()'s text to `out`, anything that takes `out << std::string_view`: a std::string
// at run time, a fixed buffer in constant evaluation (strata::replay_error).
template <class Out>
constexpr void describe_to(Out& out, const operation& o) {
  o.visit(
      [&out](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, op::create_table>) out << "create_table " << x.table;
        else if constexpr (std::is_same_v<T, op::drop_table>) out << "drop_table " << x.table;
        else if constexpr (std::is_same_v<T, op::rename_table>) out << "rename_table " << x.table << " to " << x.new_name;
        else if constexpr (std::is_same_v<T, op::add_column>) {
          out << "add_column " << x.table << "." << x.definition.name;
          if (x.definition.generated_sql) out << " (generated " << to_string(x.definition.generated_storage) << ")";
          if (!x.placement.insert_before.empty()) out << " before " << x.placement.insert_before;
          if (!x.placement.insert_after.empty()) out << " after " << x.placement.insert_after;
        }
        else if constexpr (std::is_same_v<T, op::drop_column>) out << "drop_column " << x.table << "." << x.column;
        else if constexpr (std::is_same_v<T, op::rename_column>) out << "rename_column " << x.table << "." << x.column << " to " << x.new_name;
        else if constexpr (std::is_same_v<T, op::alter_column>) out << "alter_column " << x.table << "." << x.column;
        else if constexpr (std::is_same_v<T, op::add_constraint>) {
          out << "add_constraint " << x.table;
          if (!x.definition.name.empty()) out << "." << x.definition.name;
        }
        else if constexpr (std::is_same_v<T, op::drop_constraint>) {
          if (!x.name.empty()) {
            out << "drop_constraint " << x.table << "." << x.name;
          } else {
            out << "drop_constraint " << x.table << " " << to_string(x.kind) << " (";
            for (std::size_t i = 0; i < x.columns.size(); ++i) out << (i == 0 ? "" : ", ") << x.columns[i];
            out << ")";
          }
        }
        else if constexpr (std::is_same_v<T, op::create_index>) out << "create_index " << x.name << " on " << x.table;
        else if constexpr (std::is_same_v<T, op::drop_index>) out << "drop_index " << x.name;
        else if constexpr (std::is_same_v<T, op::execute>) out << "execute \"" << x.sql.substr(0, 60) << (x.sql.size() > 60 ? "...\"" : "\"");
        else if constexpr (std::is_same_v<T, op::backfill>) out << "backfill " << x.table;
        else out << "run " << (x.description.empty() ? std::string_view("(data migration)") : x.description);
      });
}
}  // namespace detail

// A short description for messages: "alter_column stocks.market_cap".
inline std::string describe(const operation& o) {
  detail::string_sink out;
  detail::describe_to(out, o);
  return std::move(out.value);
}

namespace detail {
struct ops_access;
}  // namespace detail

// The recorder a revision's upgrade()/downgrade() writes to. Every member is constexpr, so a
// whole history can be recorded (and replayed into a schema) inside a static_assert.
class ops {
 public:
  // The naming convention for the constraints of the operations recorded after this call.
  constexpr void use_naming_convention(const naming_convention& convention) { naming_ = convention; }

  // Acknowledges that the next operation breaks safety rule `r` on purpose (strata::review_policy):
  // `op.allow(strata::rule::drop_column).drop_column("stocks", "legacy_code");`. Chain allow() for
  // several rules. It acknowledges nothing else: the operation after the next is reviewed again.
  constexpr ops& allow(rule r) {
    pending_allow_ |= bit(r);
    return *this;
  }
  // The rules acknowledged for operation k (of operations()).
  [[nodiscard]] constexpr std::uint32_t allowed(std::size_t k) const {
    for (const auto& a : allowed_)
      if (a.operation == k) return a.rules;
    return 0;
  }

  // Columns only (the usual case), without a table_element per column: each costs
  // the compile-time checks of a history hundreds of operations of the constant evaluator.
  constexpr void create_table(std::string_view table, std::initializer_list<column> columns) {
    record(op::create_table{table, columns, {}, naming_});
  }
  // Columns and table constraints: `op.create_table("t", {column(...), strata::unique({"a", "b"})})`.
  // (A template only so that `{}` and a list of columns choose the overload above.)
  template <class = void>
  constexpr void create_table(std::string_view table, std::initializer_list<table_element> elements) {
    op::create_table t{table, {}, {}, naming_};
    detail::add_elements(t, elements);
    record(std::move(t));
  }
  constexpr void drop_table(std::string_view table) { record(op::drop_table{table}); }
  constexpr void rename_table(std::string_view table, std::string_view new_name) { record(op::rename_table{table, new_name}); }
  // `op.add_column("foo", column("data2", strata::text), {.insert_after = "data"})`
  constexpr void add_column(std::string_view table, column definition, column_placement placement = {}) {
    record(op::add_column{table, std::move(definition), placement, naming_});
  }
  constexpr void drop_column(std::string_view table, std::string_view name) { record(op::drop_column{table, name, naming_}); }
  constexpr void rename_column(std::string_view table, std::string_view name, std::string_view new_name) {
    record(op::rename_column{table, name, new_name});
  }
  constexpr void alter_column(std::string_view table, std::string_view name, column_change change) {
    record(op::alter_column{table, name, change, naming_});
  }
  constexpr void add_constraint(std::string_view table, constraint definition) {
    record(op::add_constraint{table, std::move(definition), naming_});
  }
  constexpr void drop_constraint(std::string_view table, std::string_view name) {
    record(op::drop_constraint{table, name, constraint_kind::check, {}, naming_});
  }
  // The one constraint of that kind on exactly those columns, named or not:
  // `op.drop_constraint("foo", strata::constraint_kind::check, {"x"})`; `{}`: the only one of that kind.
  constexpr void drop_constraint(std::string_view table, constraint_kind kind, names columns) {
    record(op::drop_constraint{table, {}, kind, columns, naming_});
  }
  constexpr void create_index(std::string_view name, std::string_view table, names columns, index_options options = {}) {
    record(op::create_index{name, table, columns, options});
  }
  constexpr void drop_index(std::string_view name, std::string_view table = {}) { record(op::drop_index{name, table}); }
  // Raw SQL, run as is (it may hold several statements on SQLite).
  constexpr void execute(std::string_view sql) { record(op::execute{sql}); }
  // A batched UPDATE of existing rows: `op.backfill("stocks", "market_cap = price * shares")`, or
  // with a condition and a batch size: `op.backfill("stocks", "market_cap = 0", "market_cap IS NULL", 5000)`.
  // Put it in a revision with `static constexpr bool transactional = false;` so that each batch
  // commits on its own (the review's rule backfill_in_transaction).
  constexpr void backfill(std::string_view table, std::string_view set, std::string_view where = {}, std::uint32_t batch_rows = 10000) {
    record(op::backfill{table, set, where, batch_rows == 0 ? 1 : batch_rows});
  }
  // A data migration in C++: `op.run([](strata::connection& db) { ... })`.
  constexpr void run(void (*function)(connection&), std::string_view description = {}) {
    record(op::run{function, description});
  }

  // An operation built elsewhere (strata::diff builds them from schemas), recorded as is.
  constexpr void append(operation o) { record(std::move(o)); }

  [[nodiscard]] constexpr const std::vector<operation>& operations() const { return list_; }
  [[nodiscard]] constexpr std::size_t size() const { return list_.size(); }
  // Room for n operations (recording grows the room by itself; see record()).
  constexpr void reserve(std::size_t n) {
    list_.reserve(n);
  }
  // Forgets the recorded operations and the naming convention; the room stays.
  constexpr void clear() {
    list_.clear();
    naming_ = {};
    allowed_.clear();
    pending_allow_ = 0;
  }

 private:
  constexpr void record(operation&& o) {
    if (list_.size() == list_.capacity()) list_.reserve(list_.empty() ? 8 : 2 * list_.capacity());
    if (pending_allow_ != 0) {
      allowed_.push_back({list_.size(), pending_allow_});
      pending_allow_ = 0;
    }
    list_.push_back(std::move(o));
  }
  struct acknowledged {
    std::size_t operation = 0;
    std::uint32_t rules = 0;
  };
  friend struct detail::ops_access;

  std::vector<operation> list_;
  naming_convention naming_{};
  std::vector<acknowledged> allowed_;   // only the operations with an allow(): usually none
  std::uint32_t pending_allow_ = 0;
};

namespace detail {
// The recorded operations, to be spent: the compile-time replay moves their lists into the schema it
// builds instead of copying them (schema_builder::apply_taking).
struct ops_access {
  static constexpr std::vector<operation>& operations(ops& recorded) { return recorded.list_; }
};
}  // namespace detail

}  // namespace strata
