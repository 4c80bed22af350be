// strata::model: the schema an application wants, declared once in C++ and bound to its row
// structs; strata::in_sync proves at compile time that the migrations build it.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <strata/detail/graph_check.hpp>
#include <strata/detail/recorded_names.hpp>
#include <strata/diff.hpp>
#include <strata/fixed_string.hpp>
#include <strata/history.hpp>
#include <strata/ops.hpp>
#include <strata/schema.hpp>
#include <strata/types.hpp>

namespace strata {

// ---- What a C++ member can hold ------------------------------------------------------------------

// Which column types a member of type T can hold. Specialize it for a type of your own:
//   template <> struct strata::column_value<money> {
//     static constexpr std::string_view name = "money";
//     static constexpr bool holds(const strata::column_type& t) { return t.kind == strata::type_kind::big_integer; }
//   };
// A column spelled in SQL (strata::sql_type) is held by any type strata knows.
template <class T>
struct column_value {};

template <>
struct column_value<bool> {
  static constexpr std::string_view name = "bool";
  static constexpr bool holds(const column_type& t) { return t.kind == type_kind::boolean || t.kind == type_kind::custom; }
};

namespace detail {
template <class T>
constexpr std::string_view integer_name() {
  constexpr bool is_signed = std::is_signed_v<T>;
  switch (sizeof(T)) {
    case 1: return is_signed ? "std::int8_t" : "std::uint8_t";
    case 2: return is_signed ? "std::int16_t" : "std::uint16_t";
    case 4: return is_signed ? "std::int32_t" : "std::uint32_t";
    default: return is_signed ? "std::int64_t" : "std::uint64_t";
  }
}
}  // namespace detail

// A signed integer of at least 32 bits holds an integer, of 64 bits a big_integer; any integer a boolean.
template <class T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>)
struct column_value<T> {
  static constexpr std::string_view name = detail::integer_name<T>();
  static constexpr bool holds(const column_type& t) {
    constexpr int bits = std::numeric_limits<T>::digits + (std::is_signed_v<T> ? 1 : 0);
    switch (t.kind) {
      case type_kind::integer: return std::is_signed_v<T> && bits >= 32;
      case type_kind::big_integer: return std::is_signed_v<T> && bits >= 64;
      case type_kind::boolean: case type_kind::custom: return true;
      default: return false;
    }
  }
};

// float holds a real; double (or wider) a float_ (double precision) too.
template <class T>
  requires std::is_floating_point_v<T>
struct column_value<T> {
  static constexpr std::string_view name = std::is_same_v<T, float> ? "float" : std::is_same_v<T, double> ? "double" : "long double";
  static constexpr bool holds(const column_type& t) {
    return t.kind == type_kind::real || t.kind == type_kind::custom || (t.kind == type_kind::float_ && sizeof(T) >= sizeof(double));
  }
};

// Text: text, varchar, date and datetime (ISO 8601), and bytes.
template <>
struct column_value<std::string> {
  static constexpr std::string_view name = "std::string";
  static constexpr bool holds(const column_type& t) { return t.kind != type_kind::integer && t.kind != type_kind::big_integer && t.kind != type_kind::real && t.kind != type_kind::float_ && t.kind != type_kind::boolean; }
};

template <>
struct column_value<std::vector<std::byte>> {
  static constexpr std::string_view name = "std::vector<std::byte>";
  static constexpr bool holds(const column_type& t) { return t.kind == type_kind::blob || t.kind == type_kind::custom; }
};
template <>
struct column_value<std::vector<unsigned char>> {
  static constexpr std::string_view name = "std::vector<unsigned char>";
  static constexpr bool holds(const column_type& t) { return t.kind == type_kind::blob || t.kind == type_kind::custom; }
};

namespace detail {

template <class T> struct optional_of { using type = T; static constexpr bool value = false; };
template <class T> struct optional_of<std::optional<T>> { using type = T; static constexpr bool value = true; };

// The name of T as the compiler spells it ("insightbull::Stock"), for messages.
template <class T>
constexpr std::string_view type_name() {
  std::string_view p = __PRETTY_FUNCTION__;  // "... [with T = insightbull::Stock; ...]" (GCC), "... [T = insightbull::Stock]" (clang)
  const auto start = p.find("T = ");
  if (start == std::string_view::npos) return "?";
  p.remove_prefix(start + 4);
  return p.substr(0, std::min(p.find(';'), p.find(']')));
}

inline constexpr std::string_view optional_open = "std::optional<";
inline constexpr std::string_view optional_close = ">";
template <const std::string_view&... Parts>
struct joined {
  static constexpr auto chars = [] {
    std::array<char, (Parts.size() + ... + 0) + 1> out{};
    std::size_t i = 0;
    ((void)std::copy(Parts.begin(), Parts.end(), out.begin() + static_cast<std::ptrdiff_t>(std::exchange(i, i + Parts.size()))), ...);
    return out;
  }();
  static constexpr std::string_view value{chars.data(), chars.size() - 1};
};

template <class T>
struct value_name {
  static constexpr std::string_view value = [] {
    if constexpr (requires { column_value<T>::name; }) return std::string_view(column_value<T>::name);
    else return type_name<T>();
  }();
};
template <class T>
struct value_name<std::optional<T>> {
  static constexpr std::string_view value = joined<optional_open, value_name<T>::value, optional_close>::value;
};

}  // namespace detail

// A member of a row struct as the binding check sees it.
struct member_info {
  std::string_view name;
  std::string_view type;                   // "std::optional<std::int64_t>"
  bool optional = false;
  bool (*holds)(const column_type&) = nullptr;  // null: a type strata does not know (see column_value)
  // Whether `holds` is set: compared at compile time instead of the pointer, which GCC does not
  // fold under -fsanitize (a function's address might then be null).
  bool known = false;
};

template <class M>
constexpr member_info member_of(std::string_view name) {
  using value = typename detail::optional_of<M>::type;
  member_info info{name, detail::value_name<M>::value, detail::optional_of<M>::value, nullptr};
  if constexpr (requires(const column_type& t) { column_value<value>::holds(t); }) {
    info.holds = &column_value<value>::holds;
    info.known = true;
  }
  return info;
}

// The members of a row struct, for the binding check. Not reflected (no check) unless specialized:
// <strata/hana.hpp> does it for a struct defined with BOOST_HANA_DEFINE_STRUCT; a specialization of
// your own gives `static constexpr bool reflected = true;` and `static constexpr std::array<member_info, N> members`.
template <class Row>
struct row_members {
  static constexpr bool reflected = false;
};

// ---- The models ------------------------------------------------------------------------------------

enum class binding_fault : std::uint8_t { no_column, no_member, nullability, type, unknown_type };

constexpr std::string_view to_string(binding_fault f) {
  switch (f) {
    case binding_fault::no_column: return "no_column";
    case binding_fault::no_member: return "no_member";
    case binding_fault::nullability: return "nullability";
    case binding_fault::type: return "type";
    case binding_fault::unknown_type: return "unknown_type";
  }
  return "unknown";
}
inline std::ostream& operator<<(std::ostream& out, binding_fault f) { return out << to_string(f); }

// A row struct that does not fit its table: a member without a column or the reverse, a
// std::optional for a NOT NULL column (or the reverse), or a type that cannot hold the column's.
struct binding_mismatch {
  binding_fault fault = binding_fault::no_column;
  std::string_view row;            // "insightbull::Stock"
  std::string_view table;
  std::string_view column;         // the member's or column's name
  std::string_view member_type{};  // empty for no_member
  column_type type{};              // the column's (not for no_column)
  bool nullable = false;           // the column's
};

enum class model_fault_kind : std::uint8_t {
  duplicate_table,
  duplicate_column,
  unknown_column,             // a constraint names a column the table lacks
  duplicate_index,
  index_on_unknown_table,
  index_on_unknown_column,
  unknown_referenced_table,
  unknown_referenced_column,
};

constexpr std::string_view to_string(model_fault_kind k) {
  switch (k) {
    case model_fault_kind::duplicate_table: return "duplicate_table";
    case model_fault_kind::duplicate_column: return "duplicate_column";
    case model_fault_kind::unknown_column: return "unknown_column";
    case model_fault_kind::duplicate_index: return "duplicate_index";
    case model_fault_kind::index_on_unknown_table: return "index_on_unknown_table";
    case model_fault_kind::index_on_unknown_column: return "index_on_unknown_column";
    case model_fault_kind::unknown_referenced_table: return "unknown_referenced_table";
    case model_fault_kind::unknown_referenced_column: return "unknown_referenced_column";
  }
  return "unknown";
}
inline std::ostream& operator<<(std::ostream& out, model_fault_kind k) { return out << to_string(k); }

// A declaration the models cannot hold; it is left out of the schema.
struct model_fault {
  model_fault_kind kind = model_fault_kind::duplicate_table;
  std::string_view table;
  std::string_view object{};  // the column, index or referenced table concerned
};

struct table_options {
  std::string_view renamed_from{};  // the table's former name: strata::diff renames it
};

// The recorder of a models declaration: tables (bound to row structs or not) and indexes, in the
// vocabulary of strata::ops. A declaration is a struct with `static constexpr void declare(strata::model&)`:
//   struct models {
//     static constexpr void declare(strata::model& m) {
//       m.table<Stock>("stocks", {strata::column("id", strata::integer).primary_key(),
//                                 strata::column("symbol", strata::varchar(10)).not_null(),
//                                 strata::unique("uq_stocks_symbol", {"symbol"})});
//       m.index("ix_stocks_sector", "stocks", {"sector"});
//     }
//   };
// A foreign key or an index may name a table declared later.
class model;

// A models declaration: `static constexpr void declare(strata::model&)`.
template <class M>
concept Models = requires(model& m) { M::declare(m); };

template <Models M>
constexpr model declared();

class model {
 public:
  // Table `name`, bound to the row struct Row (checked when row_members<Row> is reflected); without
  // Row, a table no row struct stands for: `m.table("audit_log", {...})`.
  template <class Row = void>
  constexpr void table(std::string_view name, std::initializer_list<table_element> elements, table_options options = {}) {
    op::create_table& t = tables_.emplace_back(op::create_table{name, {}, {}, {}});
    detail::add_elements(t, elements);
    if (!options.renamed_from.empty()) renamed_.push_back({options.renamed_from, name});
    if constexpr (!std::is_void_v<Row>) {
      if constexpr (row_members<Row>::reflected) bind(detail::type_name<Row>(), t, row_members<Row>::members);
    }
  }

  constexpr void index(std::string_view name, std::string_view table, names columns, index_options options = {}) {
    indexes_.push_back(op::create_index{name, table, columns, options});
  }

  // The schema declared (what of it the models can hold: see faults()).
  [[nodiscard]] constexpr const strata::schema& schema() const { return schema_; }
  [[nodiscard]] constexpr const std::vector<table_rename>& renamed_tables() const { return renamed_; }
  [[nodiscard]] constexpr const std::vector<binding_mismatch>& mismatches() const { return mismatches_; }
  // What the declaration cannot hold: its tables', then its indexes', then the foreign keys to a
  // table or column the models lack.
  [[nodiscard]] constexpr const std::vector<model_fault>& faults() const { return faults_; }

 private:
  template <Models M>
  friend constexpr model declared();

  // Checks what was recorded and builds the schema of what is sound, in one pass (names looked up by
  // hash in sorted lists: constant evaluation is slow at linear scans). The operations are kept in
  // vectors of their own type, and applied one by one.
  constexpr void finish() {
    using entry = std::pair<std::uint64_t, std::size_t>;
    std::vector<entry> tables, indexes;
    tables.reserve(tables_.size());
    indexes.reserve(indexes_.size());
    for (std::size_t i = 0; i < tables_.size(); ++i) tables.emplace_back(detail::hash_id(tables_[i].table), i);
    for (std::size_t i = 0; i < indexes_.size(); ++i) indexes.emplace_back(detail::hash_id(indexes_[i].name), i);
    std::sort(tables.begin(), tables.end());
    std::sort(indexes.begin(), indexes.end());
    std::vector<char> sound(tables_.size(), 0);
    // The first table of that name (the one in the schema, if sound), or null.
    auto table_named = [&](std::string_view name) -> std::size_t {
      const auto h = detail::hash_id(name);
      for (auto it = std::lower_bound(tables.begin(), tables.end(), entry{h, 0}); it != tables.end() && it->first == h; ++it)
        if (tables_[it->second].table == name) return it->second;
      return tables_.size();
    };
    auto has_column = [](const op::create_table& t, std::string_view name) {
      return std::any_of(t.columns.begin(), t.columns.end(), [&](const column& c) { return c.name == name; });
    };

    // One builder for the whole schema: schema::apply would build one per operation.
    detail::schema_builder b;
    b.reserve(tables_.size(), indexes_.size());
    for (std::size_t i = 0; i < tables_.size(); ++i) {
      const auto& t = tables_[i];
      if (table_named(t.table) != i) {
        faults_.push_back({model_fault_kind::duplicate_table, t.table});
      } else if (const auto fault = table_fault(t)) {
        faults_.push_back(*fault);
      } else {
        sound[i] = 1;
        apply(b, operation{t});
      }
    }
    for (std::size_t i = 0; i < indexes_.size(); ++i) {
      const auto& x = indexes_[i];
      const auto h = detail::hash_id(x.name);
      bool twice = false;
      for (auto it = std::lower_bound(indexes.begin(), indexes.end(), entry{h, 0}); it != indexes.end() && it->first == h; ++it)
        twice = twice || (it->second < i && indexes_[it->second].name == x.name);
      const auto t = table_named(x.table);
      if (twice) faults_.push_back({model_fault_kind::duplicate_index, x.table, x.name});
      else if (t == tables_.size() || !sound[t]) faults_.push_back({model_fault_kind::index_on_unknown_table, x.table, x.name});
      else if (const auto c = std::find_if(x.columns.begin(), x.columns.end(), [&](std::string_view n) { return !has_column(tables_[t], n); });
               c != x.columns.end())
        faults_.push_back({model_fault_kind::index_on_unknown_column, x.table, *c});
      else apply(b, operation{x});
    }
    schema_ = std::move(b).release();
    for (const auto& t : schema_.tables) {
      for (const auto& k : constraint_keys(t)) {
        if (k.kind != constraint_kind::foreign_key) continue;
        const auto target = table_named(k.referenced_table);
        if (target == tables_.size() || !sound[target]) {
          faults_.push_back({model_fault_kind::unknown_referenced_table, t.name, k.referenced_table});
          continue;
        }
        for (auto c : k.referenced_columns)
          if (!has_column(tables_[target], c)) faults_.push_back({model_fault_kind::unknown_referenced_column, k.referenced_table, c});
      }
    }
  }

  // What finish() has checked fits: as schema::apply, a failure would be strata::replay_failed.
  static constexpr void apply(detail::schema_builder& b, const operation& o) {
    if (!b.apply(o)) detail::throw_replay_failed(b.failure(o));
  }

  // What is wrong with a table on its own: a column declared twice, a constraint on a column it lacks.
  static constexpr std::optional<model_fault> table_fault(const op::create_table& t) {
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      for (std::size_t j = 0; j < i; ++j)
        if (t.columns[i].name == t.columns[j].name) return model_fault{model_fault_kind::duplicate_column, t.table, t.columns[i].name};
    for (const auto& k : t.constraints)
      for (auto c : k.columns)
        if (std::none_of(t.columns.begin(), t.columns.end(), [&](const column& x) { return x.name == c; }))
          return model_fault{model_fault_kind::unknown_column, t.table, c};
    return std::nullopt;
  }

  template <std::size_t N>
  constexpr void bind(std::string_view row, const op::create_table& t, const std::array<member_info, N>& members) {
    std::vector<std::string_view> primary;
    for (const auto& c : t.columns)
      if (c.is_primary_key) primary.push_back(c.name);
    for (const auto& k : t.constraints)
      if (k.kind == constraint_kind::primary_key) primary.insert(primary.end(), k.columns.begin(), k.columns.end());
    auto column_named = [&](std::string_view name) -> const column* {
      for (const auto& c : t.columns)
        if (c.name == name) return &c;
      return nullptr;
    };
    for (const auto& m : members) {
      const auto* c = column_named(m.name);
      if (c == nullptr) {
        mismatches_.push_back({binding_fault::no_column, row, t.table, m.name, m.type});
        continue;
      }
      const bool nullable = c->nullable && std::find(primary.begin(), primary.end(), c->name) == primary.end();
      binding_mismatch found{binding_fault::nullability, row, t.table, m.name, m.type, c->type, nullable};
      if (!m.known) found.fault = binding_fault::unknown_type;
      else if (!m.holds(c->type)) found.fault = binding_fault::type;
      else if (m.optional == nullable) continue;
      mismatches_.push_back(found);
    }
    for (const auto& c : t.columns) {
      if (std::none_of(members.begin(), members.end(), [&](const member_info& m) { return m.name == c.name; }))
        mismatches_.push_back({binding_fault::no_member, row, t.table, c.name, {}, c.type, c.nullable});
    }
  }

  std::vector<op::create_table> tables_;
  std::vector<op::create_index> indexes_;
  strata::schema schema_;
  std::vector<table_rename> renamed_;
  std::vector<binding_mismatch> mismatches_;
  std::vector<model_fault> faults_;
};


// The recorded declaration of M.
template <Models M>
constexpr model declared() {
  model m;
  M::declare(m);
  m.finish();
  return m;
}

// The schema M declares: `static_assert(strata::model_schema<models>().find_table("stocks") != nullptr);`
template <Models M>
constexpr schema model_schema() {
  return declared<M>().schema();
}

// The operations that take `from` to the models (their renames included), and back.
constexpr migration_ops diff(const schema& from, const model& to) { return diff(from, to.schema(), to.renamed_tables()); }

// ---- in_sync ------------------------------------------------------------------------------------------

namespace detail {

constexpr message_buffer& operator<<(message_buffer& m, const column_type& t) { return type_text_to(m, t); }

constexpr message_buffer& write_names(message_buffer& m, const std::vector<std::string_view>& names) {
  m << "(";
  for (std::size_t i = 0; i < names.size(); ++i) m << (i ? ", " : "") << names[i];
  return m << ")";
}

constexpr message_buffer& operator<<(message_buffer& m, const constraint_key& k) {
  m << (k.kind == constraint_kind::primary_key ? "the primary key " : k.kind == constraint_kind::unique ? "the unique constraint "
        : k.kind == constraint_kind::foreign_key ? "the foreign key " : "the check ");
  if (!k.name.empty()) m << k.name << " ";
  if (k.kind == constraint_kind::check) return m << "(" << k.check_sql << ")";
  write_names(m, k.columns);
  if (k.kind != constraint_kind::foreign_key) return m;
  m << " -> " << k.referenced_table << " ";
  write_names(m, k.referenced_columns);
  if (k.on_delete != referential_action::no_action) m << " ON DELETE " << to_sql(k.on_delete);
  if (k.on_update != referential_action::no_action) m << " ON UPDATE " << to_sql(k.on_update);
  return m;
}

constexpr message_buffer& operator<<(message_buffer& m, const index_schema& i) {
  m << (i.options.unique ? "a unique index on " : "an index on ") << i.table << " ";
  write_names(m, i.columns);
  if (!i.options.where.empty()) m << " WHERE " << i.options.where;
  return m;
}

constexpr std::string_view suggested_type(const column_type& t) {
  switch (t.kind) {
    case type_kind::integer: case type_kind::big_integer: return "std::int64_t";
    case type_kind::real: case type_kind::float_: return "double";
    case type_kind::boolean: return "bool";
    case type_kind::blob: return "std::vector<std::byte>";
    default: return "std::string";
  }
}

constexpr void explain(message_buffer& m, const model_fault& f) {
  switch (f.kind) {
    case model_fault_kind::duplicate_table: m << "the models declare table " << f.table << " twice; declare it once"; break;
    case model_fault_kind::duplicate_column: m << "the models declare column " << f.table << "." << f.object << " twice; declare it once"; break;
    case model_fault_kind::unknown_column:
      m << "a constraint of table " << f.table << " in the models names column " << f.object << ", which the table lacks; declare the column or fix the name";
      break;
    case model_fault_kind::duplicate_index: m << "the models declare index " << f.object << " twice; give each index its own name"; break;
    case model_fault_kind::index_on_unknown_table:
      m << "index " << f.object << " in the models is on table " << f.table << ", which the models lack; declare the table or fix the name";
      break;
    case model_fault_kind::index_on_unknown_column:
      m << "an index of table " << f.table << " in the models names column " << f.object << ", which the table lacks; fix the name";
      break;
    case model_fault_kind::unknown_referenced_table:
      m << "a foreign key of table " << f.table << " in the models references table " << f.object << ", which the models lack; declare it";
      break;
    case model_fault_kind::unknown_referenced_column:
      m << "a foreign key in the models references column " << f.table << "." << f.object << ", which the models lack; fix the name";
      break;
  }
}

constexpr void explain(message_buffer& m, const binding_mismatch& b) {
  auto wanted = [&]() -> message_buffer& {
    if (b.nullable) return m << "std::optional<" << suggested_type(b.type) << ">";
    return m << suggested_type(b.type);
  };
  switch (b.fault) {
    case binding_fault::no_column:
      m << b.row << "::" << b.column << " has no column in table " << b.table << " of the models; declare the column or remove the member";
      break;
    case binding_fault::no_member:
      m << b.table << "." << b.column << " has no member in " << b.row << "; add a member " << b.column << " of type ";
      wanted();
      break;
    case binding_fault::nullability:
      m << b.table << "." << b.column << " is " << (b.nullable ? "nullable" : "NOT NULL") << " in the models, but " << b.row << "::" << b.column
        << " is " << b.member_type << "; make the member ";
      wanted() << (b.nullable ? " or the column .not_null()" : " or the column nullable");
      break;
    case binding_fault::type:
    case binding_fault::unknown_type:
      m << b.table << "." << b.column << " is " << b.type << (b.nullable ? "" : " NOT NULL") << " in the models, but " << b.row << "::" << b.column
        << " is " << b.member_type << (b.fault == binding_fault::type ? ", which cannot hold it" : ", a type strata does not know (specialize strata::column_value)")
        << "; make the member ";
      wanted();
      break;
  }
}

// The first operation of a diff from the migrations to the models, as the difference it repairs.
constexpr void explain(message_buffer& m, const operation& o, const schema& migrations, const schema& models) {
  auto column_of = [](const schema& s, std::string_view table, std::string_view name) -> const column* {
    const auto* t = s.find_table(table);
    return t == nullptr ? nullptr : t->find_column(name);
  };
  const auto where = [&](std::string_view table, std::string_view column) -> message_buffer& { return m << table << "." << column; };
  if (const auto* x = strata::get_if<op::rename_table>(&o)) {
    m << "table " << x->new_name << " is renamed from " << x->table << " in the models, the migrations still have " << x->table;
  } else if (const auto* x = strata::get_if<op::rename_column>(&o)) {
    where(x->table, x->new_name) << " is renamed from " << x->column << " in the models, the migrations still have " << x->column;
  } else if (const auto* x = strata::get_if<op::drop_index>(&o)) {
    const auto* had = migrations.find_index(x->name);
    if (const auto* w = models.find_index(x->name)) m << "index " << x->name << " is " << *w << " in the models, " << *had << " in the migrations";
    else m << "index " << x->name << " (" << *had << ") is in the migrations, not in the models";
  } else if (const auto* x = strata::get_if<op::drop_constraint>(&o)) {
    const auto* t = migrations.find_table(x->table);
    for (const auto& k : constraint_keys(*t)) {
      const auto d = drop_of(x->table, k);
      if (d.name != x->name || d.kind != x->kind || d.columns != x->columns) continue;
      m << x->table << ": " << k;
      if (const auto* w = models.find_table(x->table)) {
        for (const auto& v : constraint_keys(*w))
          if (v.kind == k.kind && (v.kind == constraint_kind::primary_key || v.columns == k.columns)) {
            m << " is " << v << " in the models";
            return;
          }
      }
      m << " is in the migrations, not in the models";
      return;
    }
  } else if (const auto* x = strata::get_if<op::drop_table>(&o)) {
    m << "table " << x->table << " is in the migrations, not in the models";
  } else if (const auto* x = strata::get_if<op::drop_column>(&o)) {
    where(x->table, x->column) << " is in the migrations, not in the models";
  } else if (const auto* x = strata::get_if<op::create_table>(&o)) {
    m << "table " << x->table << " is in the models, not in the migrations";
  } else if (const auto* x = strata::get_if<op::add_column>(&o)) {
    where(x->table, x->definition.name) << " is in the models, not in the migrations";
  } else if (const auto* x = strata::get_if<op::alter_column>(&o)) {
    const auto* had = column_of(migrations, x->table, x->column);
    const auto* want = column_of(models, x->table, x->column);
    where(x->table, x->column);
    if (x->change.type) m << " is " << want->type << " in the models, " << had->type << " in the migrations";
    else if (x->change.nullable) m << " is " << (want->nullable ? "nullable" : "NOT NULL") << " in the models, " << (had->nullable ? "nullable" : "NOT NULL") << " in the migrations";
    else {
      m << (want->default_sql ? " has DEFAULT " : " has no default") << want->default_sql.value_or("") << " in the models, ";
      m << (had->default_sql ? "DEFAULT " : "no default") << had->default_sql.value_or("") << " in the migrations";
    }
  } else if (const auto* x = strata::get_if<op::add_constraint>(&o)) {
    for (const auto& k : constraint_keys(*models.find_table(x->table)))
      if (k.definition() == x->definition) {
        m << x->table << ": " << k << " is in the models, not in the migrations";
        return;
      }
  } else if (const auto* x = strata::get_if<op::create_index>(&o)) {
    m << "index " << x->name << " (" << *models.find_index(x->name) << ") is in the models, not in the migrations";
  }
}

// Empty when the models equal the schema the migrations build and every row struct fits its table.
constexpr message_buffer sync_message(const schema& migrations, const model& models) {
  message_buffer m;
  const auto& faults = models.faults();
  if (!faults.empty()) {
    explain(m << "strata::in_sync: ", faults.front());
    return m;
  }
  if (!models.mismatches().empty()) {
    explain(m << "strata::in_sync: ", models.mismatches().front());
    return m;
  }
  const auto d = diff(migrations, models);
  if (d.empty()) return m;
  explain(m << "strata::in_sync: ", d.upgrade.operations().front(), migrations, models.schema());
  m << "; build manage_db and run 'manage_db migrate \"message\"' to write the revision";
  return m;
}

template <class H, class M>
struct sync_check {
  static constexpr message_buffer message = sync_message(replay<H>(), declared<M>());
};

// Instantiated only when they differ: GCC prints the Message argument verbatim in the "In
// instantiation of" line above the assertion; `value` is true so that nothing else fails after it.
template <fixed_string Message>
struct models_out_of_sync {
  static_assert(Message.size() == 0, "strata::in_sync: the models differ from the migrations, or a row struct from its table: the difference is spelled out in 'models_out_of_sync<...>' above");
  static constexpr bool value = true;
};
template <bool Same, fixed_string Message>
inline constexpr bool sync_checked = true;
template <fixed_string Message>
inline constexpr bool sync_checked<false, Message> = models_out_of_sync<Message>::value;

}  // namespace detail

// What differs first between the models M and the schema the history H builds, or a row struct
// that does not fit its table, as a sentence with the fix; empty when none.
template <History H, Models M>
constexpr std::string_view sync_problem() {
  if constexpr (!detail::records_at_compile_time) {
    return {};
  } else {
    const auto& m = detail::sync_check<H, M>::message;
    return {m.data, m.size};
  }
}

// `static_assert(strata::in_sync<history, models>());`: fails the build with one message naming
// the first difference between the models and the migrations (or the row struct that does not fit
// its table) and the fix. Where the standard library cannot record operations in constant
// evaluation (clang 14 with libstdc++ 12: see detail::records_at_compile_time), it checks nothing
// and gives true: compile with GCC (as CI does) to have the models checked.
template <History H, Models M>
constexpr bool in_sync() {
  if constexpr (!detail::records_at_compile_time) {
    return true;
  } else {
    using check = detail::sync_check<H, M>;
    return detail::sync_checked<check::message.size == 0, detail::to_fixed_string<check::message.size>(check::message)>;
  }
}

}  // namespace strata
