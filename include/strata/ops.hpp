// strata::ops: schema operations recorded as plain values (usable in constant evaluation).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

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
struct table_element {
  std::variant<column, constraint> value;
  constexpr table_element(column c) : value(std::move(c)) {}        // NOLINT: implicit by design
  constexpr table_element(constraint c) : value(std::move(c)) {}    // NOLINT: implicit by design
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

using operation = std::variant<op::create_table, op::drop_table, op::rename_table, op::add_column, op::drop_column,
                               op::rename_column, op::alter_column, op::add_constraint, op::drop_constraint,
                               op::create_index, op::drop_index, op::execute, op::run, op::backfill>;

namespace detail {
// f(x) for the alternative x that o (an operation, const or not) holds, as std::visit, by a switch on
// o's index: in a constant expression GCC 12 evaluates std::visit's dispatch in some 300 operations,
// a switch in a few (the compile-time checks of a history visit each recorded operation); and each
// std::visit instantiates its dispatch table, which every unit including this header paid for.
template <class Operation, class F>
  requires std::is_same_v<std::remove_const_t<Operation>, operation>
constexpr decltype(auto) visit_operation(Operation& o, F&& f) {
  static_assert(std::variant_size_v<operation> == 14, "strata::detail::visit_operation: a new operation needs its case");
  switch (o.index()) {
    case 0: return f(*std::get_if<0>(&o));
    case 1: return f(*std::get_if<1>(&o));
    case 2: return f(*std::get_if<2>(&o));
    case 3: return f(*std::get_if<3>(&o));
    case 4: return f(*std::get_if<4>(&o));
    case 5: return f(*std::get_if<5>(&o));
    case 6: return f(*std::get_if<6>(&o));
    case 7: return f(*std::get_if<7>(&o));
    case 8: return f(*std::get_if<8>(&o));
    case 9: return f(*std::get_if<9>(&o));
    case 10: return f(*std::get_if<10>(&o));
    case 11: return f(*std::get_if<11>(&o));
    case 12: return f(*std::get_if<12>(&o));
    default: return f(std::get<13>(o));   // std::bad_variant_access when o holds nothing, as std::visit
  }
}
}  // namespace detail

// The table an operation changes, or empty for execute/run.
constexpr std::string_view table_of(const operation& o) {
  return detail::visit_operation(
      o,
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
  visit_operation(
      o,
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

  // Columns only (the usual case), without a table_element (a std::variant) per column: each costs
  // the compile-time checks of a history hundreds of operations of the constant evaluator.
  constexpr void create_table(std::string_view table, std::initializer_list<column> columns) {
    record(op::create_table{table, columns, {}, naming_});
  }
  // Columns and table constraints: `op.create_table("t", {column(...), strata::unique({"a", "b"})})`.
  // (A template only so that `{}` and a list of columns choose the overload above.)
  template <class = void>
  constexpr void create_table(std::string_view table, std::initializer_list<table_element> elements) {
    op::create_table t{table, {}, {}, naming_};
    std::size_t columns = 0;
    for (const auto& e : elements) columns += std::holds_alternative<column>(e.value) ? 1 : 0;
    t.columns.reserve(columns);
    t.constraints.reserve(elements.size() - columns);
    for (const auto& e : elements) {
      if (const auto* c = std::get_if<column>(&e.value)) t.columns.push_back(*c);
      else t.constraints.push_back(std::get<constraint>(e.value));
    }
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
    if (n > list_.capacity()) move_to_room_for(n);
  }
  // Forgets the recorded operations and the naming convention; the room stays.
  constexpr void clear() {
    list_.clear();
    naming_ = {};
    allowed_.clear();
    pending_allow_ = 0;
  }

 private:
  template <class Operation>
  constexpr void record(Operation&& o) {
    if (list_.size() == list_.capacity()) move_to_room_for(list_.empty() ? 8 : 2 * list_.capacity());
    if (pending_allow_ != 0) {
      allowed_.push_back({list_.size(), pending_allow_});
      pending_allow_ = 0;
    }
    list_.emplace_back(std::forward<Operation>(o));
  }
  // GCC 12 moves a std::variant very slowly in constant evaluation, the more so the later its
  // alternative (moving a drop_index takes ~50 ms), which is what std::vector does when it grows.
  // Moving each operation out of its alternative and into a new variant costs ~0.5 ms.
  constexpr void move_to_room_for(std::size_t n) {
    std::vector<operation> bigger;
    bigger.reserve(n);
    for (auto& o : list_) detail::visit_operation(o, [&bigger](auto& x) { bigger.emplace_back(std::move(x)); });
    list_ = std::move(bigger);
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
