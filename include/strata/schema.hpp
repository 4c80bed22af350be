// strata::schema: a model of tables and indexes, and replay of a history into it (also at compile time).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <strata/detail/frozen_ops.hpp>
#include <strata/detail/graph_check.hpp>
#include <strata/detail/recorded_names.hpp>
#include <strata/detail/sql_identifiers.hpp>
#include <strata/errors.hpp>
#include <strata/fixed_string.hpp>
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
    for (const auto& c : detail::each(columns))
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
      if (!detail::listed(columns, w)) return false;
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

// What kind of contradiction an operation ran into when applied to a schema (strata::replay_error).
enum class replay_problem : std::uint8_t {
  none,
  no_table,
  table_exists,
  no_column,
  column_exists,
  no_index,
  index_exists,
  no_constraint,
  several_constraints,
  constraint_exists,
};

constexpr std::string_view to_string(replay_problem problem) {
  switch (problem) {
    case replay_problem::none: return "none";
    case replay_problem::no_table: return "no_table";
    case replay_problem::table_exists: return "table_exists";
    case replay_problem::no_column: return "no_column";
    case replay_problem::column_exists: return "column_exists";
    case replay_problem::no_index: return "no_index";
    case replay_problem::index_exists: return "index_exists";
    case replay_problem::no_constraint: return "no_constraint";
    case replay_problem::several_constraints: return "several_constraints";
    case replay_problem::constraint_exists: return "constraint_exists";
  }
  return "unknown";
}
inline std::ostream& operator<<(std::ostream& out, replay_problem problem) { return out << to_string(problem); }

// An operation that does not fit the schema it is applied to, as a value: which revision, which
// operation, which object. Every piece is constexpr-safe (views and a fixed buffer), so that a
// compile-time replay can carry it into its static_assert's message.
struct replay_error {
  replay_problem problem = replay_problem::none;
  std::string_view revision{};               // the revision's id; empty outside a history
  bool in_downgrade = false;                 // in the revision's downgrade, applied after its upgrade
  std::size_t operation_index = 0;           // position among the operations the revision recorded
  detail::message_buffer operation_text{};   // the operation, as strata::describe() says it
  std::string_view table{};                  // the table concerned (the new name of a rename)
  std::string_view object{};                 // the column, index or constraint; empty for a table

  [[nodiscard]] constexpr explicit operator bool() const { return problem != replay_problem::none; }
  [[nodiscard]] constexpr std::string_view operation() const { return {operation_text.data, operation_text.size}; }

  // One sentence: "strata::replay: revision `b1` does not fit the revisions before it: drop_table
  // stock: there is no table `stock`; fix the revision or the revisions before it".
  [[nodiscard]] constexpr detail::message_buffer message() const {
    detail::message_buffer m;
    if (revision.empty()) m << "strata::schema: ";
    else if (in_downgrade) m << "strata::first_irreversible: the downgrade of revision `" << revision << "` does not fit the schema its upgrade leaves: ";
    else m << "strata::replay: revision `" << revision << "` does not fit the revisions before it: ";
    m << operation() << ": ";
    auto quoted = [&m](std::string_view s) -> detail::message_buffer& { return m << "`" << s << "`"; };
    switch (problem) {
      case replay_problem::none: m << "ok"; break;
      case replay_problem::no_table: m << "there is no table "; quoted(table); break;
      case replay_problem::table_exists: m << "table "; quoted(table) << " exists already"; break;
      case replay_problem::no_column: m << "table "; quoted(table) << " has no column "; quoted(object); break;
      case replay_problem::column_exists: m << "table "; quoted(table) << " has a column "; quoted(object) << " already"; break;
      case replay_problem::no_index: m << "there is no index "; quoted(object); break;
      case replay_problem::index_exists: m << "index "; quoted(object) << " exists already"; break;
      case replay_problem::no_constraint: m << "table "; quoted(table) << " has no such constraint"; break;
      case replay_problem::several_constraints: m << "it matches several constraints of table "; quoted(table) << "; drop the one meant by name"; break;
      case replay_problem::constraint_exists: m << "table "; quoted(table) << " has a constraint named "; quoted(object) << " already"; break;
    }
    if (revision.empty()) m << "; fix the operation";
    else if (in_downgrade) m << "; fix the downgrade";
    else m << "; fix the revision or the revisions before it";
    return m;
  }
};

// The schema a sequence of operations builds. apply() throws strata::replay_failed when an
// operation does not fit the schema (a missing table, a duplicate column ...); in constant
// evaluation that is a compile error. execute() and run() are opaque SQL/C++ and change nothing here.
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

  constexpr void apply(const ops& recorded);
  constexpr void apply(const operation& o);

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
  constexpr void apply_each(const operation* first, std::size_t count);
};

namespace detail {

// An open-addressing hash table from 64-bit keys (hash_id of a name) to positions in a vector.
// Several positions may share a key (a hash collision): find() asks the caller which one it means.
// clear() keeps the room (a slot of an older generation is empty): GCC's constant evaluator spends
// ~200 operations on each element of a new std::vector.
class slot_map {
 public:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);

  template <class Match>
  [[nodiscard]] constexpr std::size_t find(std::uint64_t key, Match&& match) const {
    if (slots_.empty()) return none;
    const auto mask = slots_.size() - 1;
    for (auto i = start(key) & mask;; i = (i + 1) & mask) {
      const auto& s = slots_[i];
      if (s.generation != generation_) return none;
      if (s.live && s.key == key && match(s.value)) return s.value;
    }
  }
  constexpr void insert(std::uint64_t key, std::size_t value) {
    if (2 * (occupied_ + 1) > slots_.size()) rehash();
    const auto mask = slots_.size() - 1;
    auto i = start(key) & mask;
    while (slots_[i].generation == generation_ && slots_[i].live) i = (i + 1) & mask;
    if (slots_[i].generation != generation_) ++occupied_;
    slots_[i] = {key, value, generation_, true};
  }
  // Forgets (key, value).
  constexpr void erase(std::uint64_t key, std::size_t value) {
    if (auto* s = slot_of(key, value)) s->live = false;
  }
  // (key, from) becomes (key, to).
  constexpr void move(std::uint64_t key, std::size_t from, std::size_t to) {
    if (auto* s = slot_of(key, from)) s->value = to;
  }
  constexpr void clear() {
    ++generation_;
    occupied_ = 0;
  }
  // Room for n entries at once: growing one step at a time costs more in constant evaluation.
  constexpr void reserve(std::size_t n) {
    if (2 * (n + 1) > slots_.size()) rehash(n);
  }

 private:
  struct slot {
    std::uint64_t key = 0;
    std::size_t value = none;
    std::size_t generation = 0;
    bool live = false;   // in use, or (false) removed
  };
  static constexpr std::size_t start(std::uint64_t key) { return static_cast<std::size_t>(key ^ (key >> 29)); }
  constexpr slot* slot_of(std::uint64_t key, std::size_t value) {
    if (slots_.empty()) return nullptr;
    const auto mask = slots_.size() - 1;
    for (auto i = start(key) & mask;; i = (i + 1) & mask) {
      auto& s = slots_[i];
      if (s.generation != generation_) return nullptr;
      if (s.live && s.key == key && s.value == value) return &s;
    }
  }
  constexpr void rehash(std::size_t at_least = 0) {
    std::size_t live = 0;
    for (const auto& s : slots_) live += s.generation == generation_ && s.live ? 1 : 0;
    std::size_t size = 8;
    while (size < 3 * ((live > at_least ? live : at_least) + 1)) size *= 2;
    std::vector<slot> old(size);
    old.swap(slots_);
    const auto old_generation = generation_;
    generation_ = 1;
    occupied_ = 0;
    for (const auto& s : old)
      if (s.generation == old_generation && s.live) insert(s.key, s.value);
  }

  std::vector<slot> slots_;       // a power of two of them, at most half occupied
  std::size_t occupied_ = 0;      // live and removed slots of this generation
  std::size_t generation_ = 1;
};

// The schema being replayed, with what makes replaying it linear: tables and indexes found by
// hashed name, removed by moving the last one into their place, each table knowing its indexes.
// While a journal is kept, it records how each table and index (by name) was before the first
// change to it: the replay turns that into versions, compares it for reversibility and undoes a
// downgrade with it.
class schema_builder {
 public:
  static constexpr std::size_t npos = slot_map::none;

  struct journal {
    template <class T>
    struct entry {
      std::string_view name;
      bool existed = false;
      std::size_t uid = 0;      // the order of creation
      T before{};
    };
    std::vector<entry<table_schema>> tables;
    std::vector<entry<index_schema>> indexes;
    slot_map seen_tables;   // hash of the name -> position in tables
    slot_map seen_indexes;

    // Empty again; the room stays.
    constexpr void clear() {
      tables.clear();
      indexes.clear();
      seen_tables.clear();
      seen_indexes.clear();
    }

    [[nodiscard]] constexpr bool saw_table(std::string_view name) const {
      return seen_tables.find(hash_id(name), [&](std::size_t e) { return tables[e].name == name; }) != npos;
    }
    [[nodiscard]] constexpr bool saw_index(std::string_view name) const {
      return seen_indexes.find(hash_id(name), [&](std::size_t e) { return indexes[e].name == name; }) != npos;
    }
  };

  constexpr schema_builder() = default;
  // Takes over s's tables and indexes; their order becomes the order of creation.
  constexpr explicit schema_builder(schema s) {
    tables_.reserve(s.tables.size());
    for (auto& t : s.tables) add_table(std::move(t), next_uid_++);
    indexes_.reserve(s.indexes.size());
    for (auto& i : s.indexes) add_index(std::move(i), next_uid_++);
  }

  // Room for that many tables and indexes: a std::vector that grows moves each element in constant
  // evaluation at a cost of thousands of operations.
  constexpr void reserve(std::size_t tables, std::size_t indexes) {
    tables_.reserve(tables);
    table_extra_.reserve(tables);
    tables_by_name_.reserve(tables);
    indexes_.reserve(indexes);
    index_uid_.reserve(indexes);
    indexes_by_name_.reserve(indexes);
  }

  // Whether a foreign key must name a table (and columns) that exist, and a constraint columns of its
  // table: on when a history is replayed (detail::replay_of, replay_now), where PostgreSQL would
  // refuse such an operation; off for a schema built from operations in any order (models, a diff,
  // strata::schema::apply), as SQLite takes them.
  constexpr void check_references(bool on) { check_references_ = on; }

  // Applies o; false when it does not fit, the schema then as it was before o.
  constexpr bool apply(const operation& o) {
    o.visit([this](const auto& x) { on(x); });
    return fault_.problem == replay_problem::none;
  }
  // As apply(), but moving the lists of a create_table or create_index into the schema instead of
  // copying them (in constant evaluation each copied element costs hundreds of operations): o's lists
  // are spent, its names stay.
  constexpr bool apply_taking(operation& o) {
    if (auto* t = strata::get_if<op::create_table>(&o)) create(std::move(*t));
    else if (auto* i = strata::get_if<op::create_index>(&o)) create(std::move(*i));
    else return apply(o);
    return fault_.problem == replay_problem::none;
  }
  // Why the last apply() failed, about o (the operation it was given).
  [[nodiscard]] constexpr replay_error failure(const operation& o, std::string_view revision = {}, std::size_t index = 0,
                                               bool in_downgrade = false) const {
    replay_error e = fault_;
    e.revision = revision;
    e.operation_index = index;
    e.in_downgrade = in_downgrade;
    describe_to(e.operation_text, o);
    return e;
  }

  [[nodiscard]] constexpr std::size_t table_slot(std::string_view name) const {
    return tables_by_name_.find(hash_id(name), [&](std::size_t i) { return tables_[i].name == name; });
  }
  [[nodiscard]] constexpr std::size_t index_slot(std::string_view name) const {
    return indexes_by_name_.find(hash_id(name), [&](std::size_t i) { return indexes_[i].name == name; });
  }
  [[nodiscard]] constexpr const table_schema* find_table(std::string_view name) const {
    const auto slot = table_slot(name);
    return slot == npos ? nullptr : &tables_[slot];
  }
  [[nodiscard]] constexpr const index_schema* find_index(std::string_view name) const {
    const auto slot = index_slot(name);
    return slot == npos ? nullptr : &indexes_[slot];
  }
  [[nodiscard]] constexpr std::size_t table_uid(std::string_view name) const { return table_extra_[table_slot(name)].uid; }
  [[nodiscard]] constexpr std::size_t index_uid(std::string_view name) const { return index_uid_[index_slot(name)]; }

  // Whether the table (index) of the entry's name is as the entry says it was.
  [[nodiscard]] constexpr bool table_as(const journal::entry<table_schema>& e) const {
    const auto* t = find_table(e.name);
    return t == nullptr ? !e.existed : e.existed && *t == e.before;
  }
  [[nodiscard]] constexpr bool index_as(const journal::entry<index_schema>& e) const {
    const auto* i = find_index(e.name);
    return i == nullptr ? !e.existed : e.existed && *i == e.before;
  }

  // Whether drop_column would change a constraint of the table besides taking the column (a
  // constraint naming it goes, a primary key loses it: see on(drop_column)). Indexes aside.
  [[nodiscard]] constexpr bool column_in_constraints(std::string_view table, std::string_view name) const {
    const auto slot = table_slot(table);
    if (slot == npos) return false;
    for (const auto& k : detail::each(tables_[slot].constraints))
      if (k.kind == constraint_kind::check ? sql::mentions(k.check_sql, name) : k.columns.empty() || detail::listed(k.columns, name)) return true;
    return false;
  }

  // Records into j (nullptr: stops recording).
  constexpr void keep_journal(journal* j) { journal_ = j; }

  // Puts every table and index j saw back as it was (moving it out of j).
  constexpr void undo(journal& j) {
    auto* kept = journal_;
    journal_ = nullptr;
    for (auto& e : detail::each(j.tables)) {
      const auto slot = table_slot(e.name);
      if (!e.existed) {
        if (slot != npos) remove_table(slot);
      } else if (slot != npos) {
        tables_[slot] = std::move(e.before);
        table_extra_[slot].uid = e.uid;
      } else {
        add_table(std::move(e.before), e.uid);
      }
    }
    for (auto& e : detail::each(j.indexes)) {
      if (const auto slot = index_slot(e.name); slot != npos) remove_index(slot);
      if (e.existed) add_index(std::move(e.before), e.uid);
    }
    journal_ = kept;
    fault_.problem = replay_problem::none;
  }

  // Each table, then each index, in the order they were created.
  template <class OnTable, class OnIndex>
  constexpr void each_in_order(OnTable on_table, OnIndex on_index) const {
    by_uid(table_extra_, [](const table_extra& x) { return x.uid; }, [&](std::size_t i) { on_table(tables_[i]); });
    by_uid(index_uid_, [](std::size_t uid) { return uid; }, [&](std::size_t i) { on_index(indexes_[i]); });
  }

  // A new table (index) of that name, empty for the caller to fill in, unchecked and unjournaled:
  // for rebuilding a schema kept elsewhere (detail::frozen_schema), without moving tables about.
  constexpr table_schema& emplace_table(std::string_view name) {
    const auto key = hash_id(name);
    tables_by_name_.insert(key, tables_.size());
    table_extra_.emplace_back().uid = next_uid_++;
    auto& t = tables_.emplace_back();
    t.name = name;
    t.key = key;
    return t;
  }
  constexpr index_schema& emplace_index(std::string_view name, std::string_view table) {
    const auto key = hash_id(name);
    if (const auto slot = table_slot(table); slot != npos) table_extra_[slot].indexes.push_back(indexes_.size());
    indexes_by_name_.insert(key, indexes_.size());
    index_uid_.push_back(next_uid_++);
    auto& i = indexes_.emplace_back();
    i.name = name;
    i.key = key;
    i.table = table;
    return i;
  }

  // The schema, tables and indexes in the order they were created.
  [[nodiscard]] constexpr schema release() && {
    schema s;
    s.tables.reserve(tables_.size());
    by_uid(table_extra_, [](const table_extra& x) { return x.uid; }, [&](std::size_t i) { s.tables.push_back(std::move(tables_[i])); });
    s.indexes.reserve(indexes_.size());
    by_uid(index_uid_, [](std::size_t uid) { return uid; }, [&](std::size_t i) { s.indexes.push_back(std::move(indexes_[i])); });
    return s;
  }

 private:
  struct table_extra {
    std::size_t uid = 0;
    std::vector<std::size_t> indexes;   // slots of its indexes
  };

  // f(position) for each of items in the order of their uids (the order of creation). Positions are
  // in that order already unless a table or index was removed (its slot taken by the last one): that
  // is checked first (the replay keeps its head schema through here, and ordering its tables and
  // indexes each time cost a tenth of a 200-revision history's review). Else, uids being unique and
  // below the largest, a table of positions by uid orders them without a sort.
  template <class T, class Uid, class F>
  static constexpr void by_uid(const std::vector<T>& items, Uid uid, F f) {
    const auto list = detail::each(items);
    bool ordered = true;
    std::size_t top = 0;   // one past the largest uid
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::size_t u = uid(list[i]);
      ordered = ordered && u >= top;   // above every uid before it
      top = u >= top ? u + 1 : top;
    }
    if (ordered) {
      for (std::size_t i = 0; i < list.size(); ++i) f(i);
      return;
    }
    std::vector<std::size_t> at(top, npos);
    for (std::size_t i = 0; i < list.size(); ++i) at[uid(list[i])] = i;
    for (auto i : detail::each(at))
      if (i != npos) f(i);
  }

  constexpr void fail(replay_problem problem, std::string_view table, std::string_view object = {}) {
    fault_.problem = problem;
    fault_.table = table;
    fault_.object = object;
  }

  // Before the first change to the table (index) of that name, or its creation, since the journal began.
  // With `leaving`, the table (index) is about to go: the journal takes it rather than a copy.
  constexpr void note_table(std::string_view name, bool leaving = false) {
    if (journal_ == nullptr || journal_->saw_table(name)) return;
    journal_->seen_tables.insert(hash_id(name), journal_->tables.size());
    auto& e = journal_->tables.emplace_back();
    e.name = name;
    if (const auto slot = table_slot(name); slot != npos) {
      e.existed = true;
      e.uid = table_extra_[slot].uid;
      if (leaving) e.before = std::move(tables_[slot]);  // not `?:`: GCC 12 frees its vector twice
      else e.before = tables_[slot];
    }
  }
  constexpr void note_index(std::string_view name, bool leaving = false) {
    if (journal_ == nullptr || journal_->saw_index(name)) return;
    journal_->seen_indexes.insert(hash_id(name), journal_->indexes.size());
    auto& e = journal_->indexes.emplace_back();
    e.name = name;
    if (const auto slot = index_slot(name); slot != npos) {
      e.existed = true;
      e.uid = index_uid_[slot];
      if (leaving) e.before = std::move(indexes_[slot]);  // not `?:`: GCC 12 frees its vector twice
      else e.before = indexes_[slot];
    }
  }

  constexpr void add_table(table_schema t, std::size_t uid) {
    note_table(t.name);
    t.key = hash_id(t.name);
    tables_by_name_.insert(t.key, tables_.size());
    tables_.push_back(std::move(t));
    table_extra_.push_back({uid, {}});
  }
  constexpr void remove_table(std::size_t slot) {
    while (!table_extra_[slot].indexes.empty()) remove_index(table_extra_[slot].indexes.back());
    const auto key = tables_[slot].key;
    note_table(tables_[slot].name, true);
    tables_by_name_.erase(key, slot);
    if (const auto last = tables_.size() - 1; slot != last) {
      tables_by_name_.move(tables_[last].key, last, slot);
      tables_[slot] = std::move(tables_[last]);
      table_extra_[slot] = std::move(table_extra_[last]);
    }
    tables_.pop_back();
    table_extra_.pop_back();
  }
  constexpr void add_index(index_schema i, std::size_t uid) {
    note_index(i.name);
    i.key = hash_id(i.name);
    if (const auto table = table_slot(i.table); table != npos) table_extra_[table].indexes.push_back(indexes_.size());
    indexes_by_name_.insert(i.key, indexes_.size());
    indexes_.push_back(std::move(i));
    index_uid_.push_back(uid);
  }
  constexpr void remove_index(std::size_t slot) {
    if (const auto table = table_slot(indexes_[slot].table); table != npos) std::erase(table_extra_[table].indexes, slot);
    const auto key = indexes_[slot].key;
    note_index(indexes_[slot].name, true);
    indexes_by_name_.erase(key, slot);
    if (const auto last = indexes_.size() - 1; slot != last) {
      indexes_by_name_.move(indexes_[last].key, last, slot);
      if (const auto table = table_slot(indexes_[last].table); table != npos)
        for (auto& i : detail::each(table_extra_[table].indexes))
          if (i == last) i = slot;
      indexes_[slot] = std::move(indexes_[last]);
      index_uid_[slot] = index_uid_[last];
    }
    indexes_.pop_back();
    index_uid_.pop_back();
  }

  // The table about to change, noted in the journal; nullptr (and a fault) when there is none.
  constexpr table_schema* change_table(std::string_view name) {
    const auto slot = table_slot(name);
    if (slot == npos) {
      fail(replay_problem::no_table, name);
      return nullptr;
    }
    note_table(name);
    return &tables_[slot];
  }
  static constexpr column* column_in(table_schema& t, std::string_view name) {
    for (auto& c : detail::each(t.columns))
      if (c.name == name) return &c;
    return nullptr;
  }
  static constexpr void rename_in(std::vector<std::string_view>& names_, std::string_view from, std::string_view to) {
    for (auto& n : detail::each(names_))
      if (n == from) n = to;
  }
  // The names of the indexes of a table whose columns include `column`.
  constexpr std::vector<std::string_view> indexes_on(std::string_view table, std::string_view column_name) const {
    std::vector<std::string_view> out;
    for (auto i : detail::each(table_extra_[table_slot(table)].indexes))
      if (detail::listed(indexes_[i].columns, column_name)) out.push_back(indexes_[i].name);
    return out;
  }

  // Whether what a constraint or a column's .references() names exists: its columns in `columns` (of
  // `table`), the table it references (`table` itself, or one of the schema) and the columns there.
  // False, with the fault, when not.
  static constexpr bool has_column(const std::vector<column>& columns, std::string_view name) {
    for (const auto& c : detail::each(columns))
      if (c.name == name) return true;
    return false;
  }
  template <class Names>
  constexpr bool references_exist(std::string_view table, const std::vector<column>& columns, std::string_view target, const Names& target_columns) {
    if (!check_references_) return true;
    const std::vector<column>* there = &columns;
    if (target != table) {
      const auto slot = table_slot(target);
      if (slot == npos) {
        fail(replay_problem::no_table, target);
        return false;
      }
      there = &tables_[slot].columns;
    }
    for (std::string_view n : target_columns)
      if (!n.empty() && !has_column(*there, n)) {
        fail(replay_problem::no_column, target, n);
        return false;
      }
    return true;
  }
  constexpr bool refers_to_what_exists(std::string_view table, const std::vector<column>& columns, const column& c) {
    if (!c.foreign_key) return true;
    const std::string_view target_column[] = {c.foreign_key->column};
    return references_exist(table, columns, c.foreign_key->table, target_column);
  }
  constexpr bool refers_to_what_exists(std::string_view table, const std::vector<column>& columns, const constraint& k) {
    if (!check_references_) return true;
    for (auto n : detail::each(k.columns))
      if (!has_column(columns, n)) {
        fail(replay_problem::no_column, table, n);
        return false;
      }
    return k.kind != constraint_kind::foreign_key || references_exist(table, columns, k.referenced_table, k.referenced_columns);
  }

  // Whether x fits (else the fault): its table is new, and what its columns and constraints name exists.
  constexpr bool fits(const op::create_table& x) {
    if (table_slot(x.table) != npos) {
      fail(replay_problem::table_exists, x.table);
      return false;
    }
    for (const auto& c : detail::each(x.columns))
      if (!refers_to_what_exists(x.table, x.columns, c)) return false;
    for (const auto& k : detail::each(x.constraints))
      if (!refers_to_what_exists(x.table, x.columns, k)) return false;
    return true;
  }
  // A create_table or create_index that fits: its lists copied (const&) or moved (&&, apply_taking).
  template <class Op>
  constexpr void create(Op&& x) {
    if (!fits(x)) return;
    if constexpr (std::is_same_v<std::remove_cvref_t<Op>, op::create_table>)
      add_table(table_schema{x.table, hash_id(x.table), std::forward<Op>(x).columns, std::forward<Op>(x).constraints}, next_uid_++);
    else
      add_index(index_schema{x.name, hash_id(x.name), x.table, std::forward<Op>(x).columns, x.options}, next_uid_++);
  }
  constexpr void on(const op::create_table& x) { create(x); }
  constexpr void on(const op::drop_table& x) {
    const auto slot = table_slot(x.table);
    if (slot == npos) return fail(replay_problem::no_table, x.table);
    remove_table(slot);
  }
  constexpr void on(const op::rename_table& x) {
    if (table_slot(x.new_name) != npos) return fail(replay_problem::table_exists, x.new_name);
    const auto slot = table_slot(x.table);
    if (slot == npos) return fail(replay_problem::no_table, x.table);
    note_table(x.table);
    note_table(x.new_name);
    auto& renamed = tables_[slot];
    tables_by_name_.erase(renamed.key, slot);
    renamed.name = x.new_name;
    renamed.key = hash_id(x.new_name);
    tables_by_name_.insert(renamed.key, slot);
    for (auto i : detail::each(table_extra_[slot].indexes)) {
      note_index(indexes_[i].name);
      indexes_[i].table = x.new_name;
    }
    // Foreign keys that point to it follow (a rename is rare: a pass over every table is fine).
    for (auto& t : detail::each(tables_)) {
      bool points = false;
      for (const auto& c : detail::each(t.columns)) points = points || (c.foreign_key && c.foreign_key->table == x.table);
      for (const auto& k : detail::each(t.constraints)) points = points || k.referenced_table == x.table;
      if (!points) continue;
      note_table(t.name);
      for (auto& c : detail::each(t.columns))
        if (c.foreign_key && c.foreign_key->table == x.table) c.foreign_key->table = x.new_name;
      for (auto& k : detail::each(t.constraints))
        if (k.referenced_table == x.table) k.referenced_table = x.new_name;
    }
  }
  constexpr void on(const op::add_column& x) {
    const auto slot = table_slot(x.table);
    if (slot == npos) return fail(replay_problem::no_table, x.table);
    auto& cols = tables_[slot].columns;
    if (tables_[slot].find_column(x.definition.name) != nullptr) return fail(replay_problem::column_exists, x.table, x.definition.name);
    if (!refers_to_what_exists(x.table, cols, x.definition)) return;
    auto at = cols.size();
    if (const auto anchor = x.placement.insert_before.empty() ? x.placement.insert_after : x.placement.insert_before; !anchor.empty()) {
      at = 0;
      while (at < cols.size() && cols[at].name != anchor) ++at;
      if (at == cols.size()) return fail(replay_problem::no_column, x.table, anchor);
      if (x.placement.insert_before.empty()) ++at;
    }
    note_table(x.table);
    cols.insert(cols.begin() + static_cast<std::ptrdiff_t>(at), x.definition);
  }
  constexpr void on(const op::drop_column& x) {
    const auto slot = table_slot(x.table);
    if (slot == npos) return fail(replay_problem::no_table, x.table);
    if (tables_[slot].find_column(x.column) == nullptr) return fail(replay_problem::no_column, x.table, x.column);
    for (auto name : indexes_on(x.table, x.column)) remove_index(index_slot(name));
    auto& t = *change_table(x.table);
    std::erase_if(t.columns, [&](const column& c) { return c.name == x.column; });
    // As Alembic: a primary key loses the column and keeps the others; any other constraint on it goes.
    for (auto& k : detail::each(t.constraints))
      if (k.kind == constraint_kind::primary_key) std::erase(k.columns, x.column);
    std::erase_if(t.constraints, [&](const constraint& k) {
      if (k.kind == constraint_kind::check) return sql::mentions(k.check_sql, x.column);
      return k.columns.empty() || detail::listed(k.columns, x.column);
    });
  }
  constexpr void on(const op::rename_column& x) {
    const auto slot = table_slot(x.table);
    if (slot == npos) return fail(replay_problem::no_table, x.table);
    if (tables_[slot].find_column(x.new_name) != nullptr) return fail(replay_problem::column_exists, x.table, x.new_name);
    if (tables_[slot].find_column(x.column) == nullptr) return fail(replay_problem::no_column, x.table, x.column);
    auto& t = *change_table(x.table);
    column_in(t, x.column)->name = x.new_name;
    for (auto& k : detail::each(t.constraints)) rename_in(k.columns, x.column, x.new_name);
    for (auto i : detail::each(table_extra_[slot].indexes))
      if (detail::listed(indexes_[i].columns, x.column)) {
        note_index(indexes_[i].name);
        rename_in(indexes_[i].columns, x.column, x.new_name);
      }
  }
  constexpr void on(const op::alter_column& x) {
    const auto slot = table_slot(x.table);
    if (slot == npos) return fail(replay_problem::no_table, x.table);
    if (tables_[slot].find_column(x.column) == nullptr) return fail(replay_problem::no_column, x.table, x.column);
    auto& t = *change_table(x.table);
    auto& c = *column_in(t, x.column);
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
    const auto slot = table_slot(x.table);
    if (slot == npos) return fail(replay_problem::no_table, x.table);
    if (!refers_to_what_exists(x.table, tables_[slot].columns, x.definition)) return;
    for (const auto& k : detail::each(tables_[slot].constraints))
      if (!x.definition.name.empty() && k.name == x.definition.name) return fail(replay_problem::constraint_exists, x.table, x.definition.name);
    change_table(x.table)->constraints.push_back(x.definition);
  }
  constexpr void on(const op::drop_constraint& x) {
    const auto slot = table_slot(x.table);
    if (slot == npos) return fail(replay_problem::no_table, x.table);
    std::vector<constraint_view> found;
    for (auto& k : constraints_of(tables_[slot]))
      if (x.name.empty() ? k.kind == x.kind && k.on_columns(x.columns) : k.named(x.table, x.naming, x.name)) found.push_back(k);
    if (found.empty()) return fail(replay_problem::no_constraint, x.table, x.name);
    if (found.size() > 1) return fail(replay_problem::several_constraints, x.table, x.name);
    auto& t = *change_table(x.table);
    const auto& k = found.front();
    if (!k.on_column) {
      t.constraints.erase(t.constraints.begin() + static_cast<std::ptrdiff_t>(k.constraint));
    } else if (k.kind == constraint_kind::primary_key) {
      for (auto& c : detail::each(t.columns)) c.is_primary_key = false;
    } else {
      auto& c = t.columns[k.column];
      if (k.kind == constraint_kind::unique) c.is_unique = false;
      else if (k.kind == constraint_kind::check) c.check_sql.reset();
      else c.foreign_key.reset();
    }
  }
  // Whether x fits (else the fault): its name is new, its table and columns exist.
  constexpr bool fits(const op::create_index& x) {
    if (index_slot(x.name) != npos) {
      fail(replay_problem::index_exists, x.table, x.name);
      return false;
    }
    const auto slot = table_slot(x.table);
    if (slot == npos) {
      fail(replay_problem::no_table, x.table);
      return false;
    }
    for (auto c : detail::each(x.columns))
      if (tables_[slot].find_column(c) == nullptr) {
        fail(replay_problem::no_column, x.table, c);
        return false;
      }
    return true;
  }
  constexpr void on(const op::create_index& x) { create(x); }
  constexpr void on(const op::drop_index& x) {
    const auto slot = index_slot(x.name);
    if (slot == npos) return fail(replay_problem::no_index, x.table, x.name);
    remove_index(slot);
  }
  constexpr void on(const op::execute&) {}
  constexpr void on(const op::run&) {}
  constexpr void on(const op::backfill&) {}   // rows only

  std::vector<table_schema> tables_;
  std::vector<table_extra> table_extra_;   // alongside tables_
  std::vector<index_schema> indexes_;
  std::vector<std::size_t> index_uid_;     // alongside indexes_
  slot_map tables_by_name_;
  slot_map indexes_by_name_;
  std::size_t next_uid_ = 0;
  journal* journal_ = nullptr;
  replay_error fault_{};
  bool check_references_ = false;
};

// Not constexpr: reaching it in constant evaluation is the compile error.
[[noreturn]] inline void throw_replay_failed(const replay_error& e) {
  const auto m = e.message();
  throw replay_failed(std::string(e.revision), std::string(e.operation()), std::string(m.data, m.size));
}

}  // namespace detail

constexpr void schema::apply(const ops& recorded) { apply_each(recorded.operations().data(), recorded.size()); }
constexpr void schema::apply(const operation& o) { apply_each(&o, 1); }

constexpr void schema::apply_each(const operation* first, std::size_t count) {
  detail::schema_builder b(std::move(*this));
  for (std::size_t k = 0; k < count; ++k) {
    if (b.apply(first[k])) continue;
    const auto e = b.failure(first[k], {}, k);
    *this = std::move(b).release();
    detail::throw_replay_failed(e);
  }
  *this = std::move(b).release();
}

namespace detail {

// ---- Replaying a history, once ------------------------------------------------------------------
// A history is replayed in one constant evaluation per translation unit (detail::replay_of): each
// upgrade, then its downgrade (compared with what the upgrade started from, for first_irreversible,
// and undone), and the schema at the head kept in fixed arrays. std::vector cannot outlive the
// evaluation, and the arrays' sizes must be known before it: they are bounded by what the upgrades
// create (recorded_names::created, which the history's own check has already counted). The schema
// at another revision is replayed when asked, in the caller's evaluation.

inline constexpr std::size_t never = static_cast<std::size_t>(-1);

// A table or an index of a frozen schema; its columns, constraints and names are ranges of the
// schema's arrays, kept as frozen operations keep theirs (detail::frozen_ops).
using frozen_range = frozen_ops::range;
struct frozen_table {
  std::string_view name;
  std::uint64_t key = 0;
  frozen_range columns{};
  frozen_range constraints{};
};
struct frozen_index {
  std::string_view name;
  std::uint64_t key = 0;
  std::string_view table;
  frozen_range columns{};
  index_options options{};
};

// A schema in fixed arrays with room for S (`used` of it): what a constexpr variable can hold.
template <schema_sizes S>
struct frozen_schema {
  std::array<frozen_table, S.tables> tables{};
  std::array<frozen_ops::column_entry, S.columns> columns{};
  std::array<frozen_ops::constraint_entry, S.constraints> constraints{};
  std::array<std::string_view, S.names> names{};
  std::array<frozen_index, S.indexes> indexes{};
  schema_sizes used{};

  constexpr frozen_schema() = default;
  constexpr explicit frozen_schema(const schema_builder& b) {
    auto range = [](std::size_t first, std::size_t count) {
      return frozen_range{static_cast<std::uint32_t>(first), static_cast<std::uint32_t>(count)};
    };
    auto keep_names = [&](const std::vector<std::string_view>& list) {
      const auto r = range(used.names, list.size());
      for (auto n : detail::each(list)) names[used.names++] = n;
      return r;
    };
    b.each_in_order(
        [&](const table_schema& t) {
          tables[used.tables++] = {t.name, t.key, range(used.columns, t.columns.size()), range(used.constraints, t.constraints.size())};
          for (const auto& c : detail::each(t.columns)) columns[used.columns++].value = c;
          for (const auto& c : detail::each(t.constraints))
            constraints[used.constraints++] = {c.kind, c.name, keep_names(c.columns), c.referenced_table, keep_names(c.referenced_columns),
                                               c.on_delete, c.on_update, c.check_sql};
        },
        [&](const index_schema& i) { indexes[used.indexes++] = {i.name, i.key, i.table, keep_names(i.columns), i.options}; });
  }

  // Rebuilds the schema in b (empty), in the order it was kept.
  constexpr void thaw_into(schema_builder& b) const {
    b.reserve(used.tables, used.indexes);
    for (std::size_t i = 0; i < used.tables; ++i) {
      const auto& t = tables[i];
      auto& out = b.emplace_table(t.name);
      thaw_parts(t, out);
    }
    for (std::size_t k = 0; k < used.indexes; ++k) {
      const auto& i = indexes[k];
      auto& out = b.emplace_index(i.name, i.table);
      out.columns = frozen_ops::names_in(i.columns, names);
      out.options = i.options;
    }
  }

  // The schema as it was kept.
  [[nodiscard]] constexpr schema thaw() const {
    schema s;
    s.tables.resize(used.tables);
    for (std::size_t i = 0; i < used.tables; ++i) {
      s.tables[i].name = tables[i].name;
      s.tables[i].key = tables[i].key;
      thaw_parts(tables[i], s.tables[i]);
    }
    s.indexes.reserve(used.indexes);
    for (std::size_t k = 0; k < used.indexes; ++k) {
      const auto& i = indexes[k];
      s.indexes.push_back({i.name, i.key, i.table, frozen_ops::names_in(i.columns, names), i.options});
    }
    return s;
  }

 private:
  constexpr void thaw_parts(const frozen_table& t, table_schema& out) const {
    out.columns.reserve(t.columns.count);
    for (std::size_t k = 0; k < t.columns.count; ++k) out.columns.push_back(columns[t.columns.first + k].value);
    out.constraints.reserve(t.constraints.count);
    for (std::size_t k = 0; k < t.constraints.count; ++k) out.constraints.push_back(frozen_ops::thaw(constraints[t.constraints.first + k], names));
  }
};

// What one replay of a history found, and the schema at its head (empty when it does not replay).
template <schema_sizes S>
struct replay_result {
  replay_error error{};                 // the first upgrade operation that does not fit, if any
  std::size_t irreversible = never;     // the first revision whose downgrade does not undo its upgrade, or declared so
  std::size_t unexpected = never;       // the first such revision not declared irreversible (strata::reviewed)
  std::string_view not_undone{};        // ... and the table or index its downgrade leaves changed
  replay_error downgrade_error{};       // that downgrade's operation that does not fit, if that is why
  frozen_schema<S> head{};
};

// Applies what a revision recorded; false (and `error`) at the first operation that does not fit.
template <class List, class Apply>
constexpr bool apply_each_of(schema_builder& b, List& list, Apply apply, std::string_view revision, bool in_downgrade, replay_error& error) {
  for (std::size_t k = 0; k < list.size(); ++k)
    if (!apply(list[k])) {
      error = b.failure(list[k], revision, k, in_downgrade);
      return false;
    }
  return true;
}
constexpr bool apply_recorded(schema_builder& b, const ops& recorded, std::string_view revision, bool in_downgrade, replay_error& error) {
  return apply_each_of(b, recorded.operations(), [&b](const operation& o) { return b.apply(o); }, revision, in_downgrade, error);
}
// The same, spending what `recorded` holds (schema_builder::apply_taking): the replay records each
// revision to apply it, then clears it.
constexpr bool apply_spending(schema_builder& b, ops& recorded, std::string_view revision, bool in_downgrade, replay_error& error) {
  return apply_each_of(b, ops_access::operations(recorded), [&b](operation& o) { return b.apply_taking(o); }, revision, in_downgrade, error);
}

// How a history is cut into chunks, and what is known of each revision before it is replayed (below).
template <class H>
struct replay_plan;

// Revision i's downgrade does not undo its upgrade: it leaves `changed` (a table or an index) changed.
template <class Result>
constexpr void not_undone(Result& out, std::size_t i, std::string_view changed) {
  if (out.irreversible == never) out.irreversible = i;
  if (out.unexpected == never) {
    out.unexpected = i;
    out.not_undone = changed;
  }
}

// Upgrades through the revisions at positions [first, last) of H, in list order, applying each
// downgrade after its upgrade (until one does not undo it), comparing and undoing it. False when
// an upgrade does not fit (out.error says why). A downgrade that undoes_by_its_operations is
// known to undo without being applied (which halves the replay of a history of such revisions).
template <class H, class Result>
constexpr bool replay_revisions(schema_builder& b, std::size_t first, std::size_t last, Result& out) {
  schema_builder::journal up, down;
  ops recorded;
  recorded.reserve(16);
  for (std::size_t i = first; i < last; ++i) {
    const auto& r = H::revisions[i];
    // Not a revision (strata::history has said so): its id is empty. Not `upgrade == nullptr`, which
    // GCC does not fold under -fsanitize.
    if (r.id.empty()) continue;
    // Every revision is checked but one that declares itself irreversible (declares_irreversible).
    const bool checking = !replay_plan<H>::facts[i].declared_irreversible;
    if (!checking && out.irreversible == never) out.irreversible = i;
    recorded.clear();
    r.upgrade(recorded);
    // As the history's check found it (record_names): the downgrade is recorded only to be applied.
    const bool inverse = checking && replay_plan<H>::facts[i].inverse;
    up.clear();
    b.keep_journal(checking && !inverse ? &up : nullptr);
    const bool fits = apply_spending(b, recorded, r.id, false, out.error);
    b.keep_journal(nullptr);
    if (!fits) {
      if (out.irreversible == never) out.irreversible = i;
      return false;
    }
    if (!checking) continue;
    if (inverse) {
      // The constraints of a table the upgrade did not create are as they were when it added the
      // column; the downgrade's drop_column takes those that name the column with it.
      const auto list = detail::each(recorded.operations());
      for (const auto& o : list)
        if (const auto* c = strata::get_if<op::add_column>(&o))
          if (!created_before(list, list.size(), c->table) && b.column_in_constraints(c->table, c->definition.name)) {
            not_undone(out, i, c->table);
            break;
          }
      continue;
    }
    recorded.clear();
    r.downgrade(recorded);
    down.clear();
    b.keep_journal(&down);
    replay_error downgrade_error;
    bool undone = apply_spending(b, recorded, r.id, true, downgrade_error);
    b.keep_journal(nullptr);
    if (!undone && !out.downgrade_error) out.downgrade_error = downgrade_error;
    // The first table or index the downgrade does not put back as it was.
    std::string_view changed{};
    auto compare = [&](bool same, std::string_view name) {
      if (undone && !same) {
        undone = false;
        changed = name;
      }
    };
    for (const auto& e : detail::each(up.tables)) compare(b.table_as(e), e.name);
    for (const auto& e : detail::each(up.indexes)) compare(b.index_as(e), e.name);
    for (const auto& e : detail::each(down.tables)) compare(up.saw_table(e.name) || b.table_as(e), e.name);
    for (const auto& e : detail::each(down.indexes)) compare(up.saw_index(e.name) || b.index_as(e), e.name);
    b.undo(down);
    if (!undone) not_undone(out, i, changed);
  }
  return true;
}

// A constant evaluation may take at most 33,554,432 operations (GCC's -fconstexpr-ops-limit), and
// replaying a revision of one create_table and one create_index takes about 32,000 (its downgrade
// known to undo it from the operations alone), or 80,000 when its downgrade is recorded, applied,
// compared and undone: a long history is replayed in chunks, each a constant evaluation of its own
// that starts from the schema the chunk before kept. A chunk's cost is estimated before it runs,
// from what its revisions record (with a margin: 4,500 operations per name, 8,000 where the
// downgrade is applied; measured 3,200 and 5,800 with tools/synthetic_history.py 100 [--columns])
// and the schema it rebuilds at its start and
// keeps at its end (about 2,000 and 1,500 operations per table, index and column), and kept under
// chunk_operations. Smaller chunks also hold less of GCC's memory at once.
#ifndef STRATA_CHUNK_OPERATIONS
#define STRATA_CHUNK_OPERATIONS 24'000'000
#endif
inline constexpr std::size_t chunk_operations = STRATA_CHUNK_OPERATIONS;
inline constexpr std::size_t operations_per_name = 8'000;
inline constexpr std::size_t operations_per_name_inverse = 4'500;   // a downgrade known to undo, not applied
inline constexpr std::size_t operations_to_thaw = 2'000;
inline constexpr std::size_t operations_to_freeze = 1'500;

constexpr std::size_t replay_weight(const revision_facts& f) {
  return (1 + f.names) * (f.inverse ? operations_per_name_inverse : operations_per_name);
}

// What is known of each revision before it is replayed (revision_facts: what its upgrade creates,
// whether its downgrade undoes it by its operations, whether it says it is irreversible), and
// how the history is cut into chunks.
template <class... R>
struct replay_plan<history<R...>> {
  static constexpr std::size_t size = sizeof...(R);
  static constexpr const auto& facts = history_facts<history<R...>>::of;

  // The first revision of each chunk, then `size`.
  template <class Out>
  static constexpr std::size_t cut(Out out) {
    std::size_t chunks = 0;
    std::size_t thaw = 0;      // the estimated cost of rebuilding the schema the chunk starts from
    std::size_t work = 0;      // ... and of replaying its revisions so far
    schema_sizes after;        // what the schema may hold after revision i
    auto objects = [](const schema_sizes& s) { return s.tables + s.indexes + s.columns; };
    out(chunks++, 0);
    for (std::size_t i = 0; i < size; ++i) {
      const auto before = objects(after);
      after += facts[i].created;
      const auto freeze = objects(after) * operations_to_freeze;
      const auto weight = replay_weight(facts[i]);
      // A chunk does at least as much as it costs to start and end one: a schema too large for
      // a chunk to rebuild makes the chunks longer, not one per revision.
      if (work > 0 && thaw + work + weight + freeze > chunk_operations && work >= thaw + freeze) {
        out(chunks++, i);
        thaw = before * operations_to_thaw;
        work = 0;
      }
      work += weight;
    }
    out(chunks, size);
    return chunks;
  }
  static constexpr std::size_t chunks = cut([](std::size_t, std::size_t) {});
  static constexpr std::array<std::size_t, chunks + 1> starts = [] {
    std::array<std::size_t, chunks + 1> at{};
    cut([&at](std::size_t k, std::size_t i) { at[k] = i; });
    return at;
  }();
  // Room for the schema after each chunk: what the upgrades up to its end create.
  static constexpr std::array<schema_sizes, chunks> room = [] {
    std::array<schema_sizes, chunks> out{};
    schema_sizes sum;
    std::size_t k = 0;
    for (std::size_t i = 0; i < size; ++i) {
      while (k < chunks && starts[k + 1] <= i) out[k++] = sum;
      sum += facts[i].created;
    }
    while (k < chunks) out[k++] = sum;
    return out;
  }();
};

template <class H, std::size_t K>
struct replay_chunk;

// Replays chunk K of H's plan, from the schema chunk K - 1 kept.
template <class H, std::size_t K, schema_sizes S = replay_plan<H>::room[K]>
constexpr replay_result<S> replay_part() {
  using plan = replay_plan<H>;
  replay_result<S> out;
  if (!H::valid) return out;   // strata::history has said why
  schema_builder b;
  b.check_references(true);
  if constexpr (K > 0) {
    const auto& before = replay_chunk<H, K - 1>::value;
    out.error = before.error;
    out.irreversible = before.irreversible;
    out.downgrade_error = before.downgrade_error;
    out.unexpected = before.unexpected;
    out.not_undone = before.not_undone;
    if (out.error) return out;
    before.head.thaw_into(b);
  }
  b.reserve(S.tables + 16, S.indexes + 16);
  if (!replay_revisions<H>(b, plan::starts[K], plan::starts[K + 1], out)) return out;
  if (K + 1 == plan::chunks && out.irreversible == never) out.irreversible = H::size;
  out.head = frozen_schema<S>(b);
  return out;
}

template <class H, std::size_t K>
struct replay_chunk {
  static constexpr auto value = replay_part<H, K>();
};

// A history's replay, computed once per translation unit: its last chunk.
template <class H>
inline constexpr const auto& replay_of = replay_chunk<H, replay_plan<H>::chunks - 1>::value;

// Whether `through` is the head of the replay (empty, the last revision, or an id the history
// does not have).
template <class H>
constexpr bool through_head(std::string_view through) {
  return through.empty() || H::index_of(through) + 1 >= H::size;
}

template <class H>
inline constexpr message_buffer replay_message_of = replay_of<H>.error.message();
template <class H>
inline constexpr message_buffer downgrade_message_of = replay_of<H>.downgrade_error.message();

// Instantiated only for a history that does not replay: GCC prints the Message argument verbatim
// in the "In instantiation of" line above the assertion. `value` is true so that nothing else fails
// after it: one failure, one message.
template <fixed_string Message>
struct history_does_not_replay {
  static_assert(Message.size() == 0, "strata::replay: the history does not replay: the reason is spelled out in 'history_does_not_replay<...>' above");
  static constexpr bool value = true;
};
template <fixed_string Message>
struct downgrade_does_not_replay {
  static_assert(Message.size() == 0, "strata::first_irreversible: a downgrade does not replay: the reason is spelled out in 'downgrade_does_not_replay<...>' above");
  static constexpr bool value = true;
};
template <bool Fits, fixed_string Message>
inline constexpr bool replay_checked = true;
template <fixed_string Message>
inline constexpr bool replay_checked<false, Message> = history_does_not_replay<Message>::value;
template <bool Fits, fixed_string Message>
inline constexpr bool downgrade_checked = true;
template <fixed_string Message>
inline constexpr bool downgrade_checked<false, Message> = downgrade_does_not_replay<Message>::value;

// Where the checks do not run in constant evaluation (clang 14 with libstdc++ 12, see
// records_at_compile_time), the replay runs when called.
template <class H>
constexpr schema replay_now(std::string_view through) {
  schema_builder b;
  b.check_references(true);
  ops recorded;
  for (const auto& r : H::revisions) {
    recorded.clear();
    r.upgrade(recorded);
    replay_error e;
    if (!apply_recorded(b, recorded, r.id, false, e)) throw_replay_failed(e);
    if (r.id == through) break;
  }
  return std::move(b).release();
}

}  // namespace detail

// The schema after upgrading through every revision of the history, in list order; with `through`,
// after that revision. `static_assert(strata::replay<history>().tables.size() == 3);`
// The history is replayed once per translation unit (see detail::replay_of) and its head schema
// kept; the schema at an earlier revision is replayed again up to it. An operation that does not
// fit the schema before it is a compile error naming the revision, the operation and the object
// (at run time: strata::replay_failed).
template <History H>
constexpr schema replay(std::string_view through = {}) {
  if constexpr (detail::records_at_compile_time) {
    static_assert(detail::replay_checked<!detail::replay_of<H>.error,
                                         detail::to_fixed_string<detail::replay_message_of<H>.size>(detail::replay_message_of<H>)>);
    if (detail::through_head<H>(through)) return detail::replay_of<H>.head.thaw();
  }
  return detail::replay_now<H>(through);
}

// Index of the first revision whose downgrade does not undo its upgrade (the schema after
// upgrade + downgrade differs from the one before), or H::size when every revision is reversible.
// A downgrade that does not even fit the schema its upgrade leaves is a compile error.
template <History H>
constexpr std::size_t first_irreversible() {
  if constexpr (detail::records_at_compile_time) {
    static_assert(detail::replay_checked<!detail::replay_of<H>.error,
                                         detail::to_fixed_string<detail::replay_message_of<H>.size>(detail::replay_message_of<H>)>);
    static_assert(detail::downgrade_checked<!detail::replay_of<H>.downgrade_error,
                                            detail::to_fixed_string<detail::downgrade_message_of<H>.size>(detail::downgrade_message_of<H>)>);
    constexpr auto& summary = detail::replay_of<H>;
    // After either message, the answer a static_assert most likely expects: one failure, one message.
    return summary.error || summary.downgrade_error ? H::size : summary.irreversible;
  } else {
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
}

}  // namespace strata
