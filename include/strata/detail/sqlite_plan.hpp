// strata::detail::sqlite_plan: the pure planner of SQLite's table alterations (ALTER in place, or the 12-step rebuild).
//
// As Alembic's batch mode splits deciding (BatchOperationsImpl/ApplyBatchImpl) from running: given
// a table's parsed definition, the objects around it and a run of alterations of it, the planner
// says what to run, and touches no database. The executor (strata::sqlite::apply) reads the table
// from sqlite_master; strata::render reads it from the replayed schema, rendered and parsed back;
// both plan here, so they run and show the same statements (but for a schema edit, which only the
// executor may plan: a script rebuilds instead).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <strata/detail/sql_identifiers.hpp>
#include <strata/detail/sqlite_table.hpp>
#include <strata/errors.hpp>
#include <strata/naming.hpp>
#include <strata/ops.hpp>
#include <strata/render.hpp>
#include <strata/schema.hpp>

namespace strata::detail::sqlite_plan {

using sqlite_table::parsed_column;
using sqlite_table::parsed_constraint;
using sqlite_table::parsed_table;
using sqlite_table::same_name;

// The rebuild's new table, until it takes the old one's name.
inline constexpr std::string_view temporary_prefix = "_strata_new_";
// ALTER TABLE DROP COLUMN came with SQLite 3.35.0.
inline constexpr std::uint32_t native_drop_column_version = 3035000;

// Whether the SQLite the options name has DROP COLUMN (an unknown version, 0, is taken to).
inline bool has_native_drop_column(const render_options& options) {
  return options.server_version == 0 || options.server_version >= native_drop_column_version;
}

struct named_sql {
  std::string name;
  std::string sql;
  friend bool operator==(const named_sql&, const named_sql&) = default;
};

// What the planner knows of a table.
struct table_inputs {
  parsed_table table;
  std::vector<named_sql> indexes;               // its CREATE INDEX statements (SQLite's automatic ones left out)
  std::vector<named_sql> triggers;              // its CREATE TRIGGER statements
  std::vector<named_sql> dependents;            // views, and triggers of other tables, whose SQL names it
  std::vector<std::string> referencing;         // the tables with a foreign key to it, sorted
  std::vector<std::string> referenced_columns;  // its columns those foreign keys name
};

// One statement of a plan, with what the executor needs to run it well.
struct step {
  enum class role : std::uint8_t {
    statement,   // run as is
    create,      // the new table
    copy,        // the rows, old to new
    rename,      // the new table takes the old one's name
    restore,     // puts back what the rebuild set (legacy_alter_table) for the connection
    definition,  // the table's new definition written into sqlite_master (a schema edit)
    index,       // an index of the table, recreated
    trigger,     // a trigger of the table, recreated
  };
  role kind = role::statement;
  std::string sql;
  std::string name;  // the index or trigger recreated
  friend bool operator==(const step&, const step&) = default;
};

// One column of the new table filled from the old one: INSERT INTO new (column) SELECT expression.
struct column_copy {
  std::string column;
  std::string expression;
  friend bool operator==(const column_copy&, const column_copy&) = default;
};

struct plan {
  std::string table;                // as the database spells it
  bool rebuild = false;             // false: the alterations run in place (ALTER TABLE ADD/DROP COLUMN)
  bool schema_edit = false;         // the one step is the table's new definition (step::role::definition)
  std::vector<step> steps;
  std::vector<column_copy> copy;    // the rebuild's column mapping; a new column gets its DEFAULT
  std::vector<std::string> checks;  // tables whose foreign keys PRAGMA foreign_key_check checks before commit

  [[nodiscard]] std::vector<std::string> statements() const {
    std::vector<std::string> out;
    for (const auto& s : steps) out.push_back(s.sql);
    return out;
  }
};

// SQLite's type affinity of a declared type (sqlite.org/datatype3.html, section 3.1).
enum class affinity : std::uint8_t { integer, text, blob, real, numeric };

inline affinity affinity_of(std::string_view declared) {
  const auto u = sqlite_table::upper(declared);
  auto has = [&](std::string_view part) { return u.find(part) != std::string::npos; };
  if (has("INT")) return affinity::integer;
  if (has("CHAR") || has("CLOB") || has("TEXT")) return affinity::text;
  if (has("BLOB") || u.empty()) return affinity::blob;
  if (has("REAL") || has("FLOA") || has("DOUB")) return affinity::real;
  return affinity::numeric;
}

inline std::string_view kind_name(constraint_kind kind) {
  switch (kind) {
    case constraint_kind::primary_key: return "PRIMARY KEY";
    case constraint_kind::unique: return "UNIQUE";
    case constraint_kind::foreign_key: return "FOREIGN KEY";
    case constraint_kind::check: return "CHECK";
  }
  return "";
}

inline std::optional<constraint_kind> kind_of(std::string_view keyword) {
  if (keyword == "PRIMARY") return constraint_kind::primary_key;
  if (keyword == "UNIQUE") return constraint_kind::unique;
  if (keyword == "CHECK") return constraint_kind::check;
  if (keyword == "FOREIGN" || keyword == "REFERENCES") return constraint_kind::foreign_key;
  return std::nullopt;
}

// The expression of a CHECK clause or constraint: what its parentheses hold.
inline std::string check_expression(std::string_view text) {
  const auto tokens = sqlite_table::tokenize(text);
  std::size_t p = 0;
  while (p < tokens.size() && !(tokens[p].kind == sqlite_table::token::word && sqlite_table::upper(tokens[p].value) == "CHECK")) ++p;
  while (p < tokens.size() && tokens[p].value != "(") ++p;
  if (p >= tokens.size()) return {};
  int depth = 0;
  for (auto q = p; q < tokens.size(); ++q) {
    if (tokens[q].kind == sqlite_table::token::punct && tokens[q].value == "(") ++depth;
    if (tokens[q].kind == sqlite_table::token::punct && tokens[q].value == ")" && --depth == 0)
      return std::string(text.substr(tokens[p].end, tokens[q].begin - tokens[p].end));
  }
  return {};
}

// One constraint of a parsed table, wherever it is written.
struct found_constraint {
  constraint_kind kind;
  std::string name;
  std::vector<std::string> columns;  // a CHECK's: the table's columns its expression names, its own column first
  std::string referenced;
  bool on_column = false;
  std::size_t index = 0;   // in table.constraints, or in table.columns when on_column
  std::size_t clause = 0;  // in the column's clauses
};

inline std::vector<std::string_view> column_names(const parsed_table& t) {
  std::vector<std::string_view> out;
  for (const auto& c : t.columns) out.emplace_back(c.name);
  return out;
}

inline std::vector<found_constraint> constraints_of(const parsed_table& t) {
  const auto names = column_names(t);
  auto named_in = [&](std::string_view sql, std::string_view own) {
    std::vector<std::string> out;
    for (auto n : sql::columns_named(sql, names, own)) out.emplace_back(n);
    return out;
  };
  std::vector<found_constraint> out;
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    for (std::size_t j = 0; j < t.columns[i].clauses.size(); ++j) {
      const auto& k = t.columns[i].clauses[j];
      const auto kind = kind_of(k.keyword);
      if (!kind) continue;
      found_constraint f{*kind, k.name, {t.columns[i].name}, k.referenced, true, i, j};
      if (*kind == constraint_kind::check) f.columns = named_in(check_expression(k.text), t.columns[i].name);
      out.push_back(std::move(f));
    }
  for (std::size_t i = 0; i < t.constraints.size(); ++i) {
    const auto& k = t.constraints[i];
    const auto kind = kind_of(k.keyword);
    if (!kind) continue;
    found_constraint f{*kind, k.name, k.columns, k.referenced, false, i, 0};
    if (*kind == constraint_kind::check) f.columns = named_in(check_expression(k.text), {});
    out.push_back(std::move(f));
  }
  return out;
}

// Names the unnamed constraints of a parsed table by the convention, as Alembic's batch mode does
// with its naming_convention, so that drop_constraint finds them by those names.
template <class Sql>
void name_unnamed(parsed_table& t, const naming_convention& naming) {
  if (naming.empty()) return;
  for (const auto& f : constraints_of(t)) {
    if (!f.name.empty()) continue;
    const std::vector<std::string_view> columns(f.columns.begin(), f.columns.end());
    const auto name = convention_name(pattern_for(naming, f.kind), {t.name, columns, f.referenced, {}});
    if (name.empty()) continue;
    if (f.on_column) {
      auto& k = t.columns[f.index].clauses[f.clause];
      k.text = Sql::constraint_prefix(name) + k.text;
      k.name = name;
    } else {
      auto& k = t.constraints[f.index];
      k.text = Sql::constraint_prefix(name) + k.text;
      k.name = name;
    }
  }
}

// Where a clause goes in a column definition: where strata's renderer writes it, so that a table
// altered here reads as one rendered afresh.
inline int clause_rank(std::string_view keyword) {
  if (keyword == "NOT" || keyword == "NULL") return 1;
  if (keyword == "PRIMARY") return 2;
  if (keyword == "UNIQUE") return 3;
  if (keyword == "DEFAULT") return 4;
  if (keyword == "CHECK") return 5;
  if (keyword == "REFERENCES") return 6;
  if (keyword == "GENERATED" || keyword == "AS") return 7;
  return 8;
}

inline void insert_clause(parsed_column& c, sqlite_table::clause k) {
  const auto rank = clause_rank(k.keyword);
  const auto at = std::find_if(c.clauses.begin(), c.clauses.end(), [&](const sqlite_table::clause& x) { return clause_rank(x.keyword) > rank; });
  c.clauses.insert(at, std::move(k));
}

inline bool references_anything(const parsed_table& t) {
  for (const auto& k : t.constraints)
    if (k.keyword == "FOREIGN") return true;
  for (const auto& c : t.columns)
    if (c.has("REFERENCES")) return true;
  return false;
}

// The planner. Sql: the SQLite traits that render columns and constraints (strata::sqlite_sql).
template <class Sql>
class planner {
 public:
  // edits_schema: a run that only removes constraints may be planned as a schema edit (the
  // executor's, which reads and writes the schema version; a script cannot, and rebuilds).
  planner(const table_inputs& inputs, const render_options& options, bool edits_schema = false)
      : inputs_(inputs), options_(options), edits_schema_(edits_schema) {}

  // The plan of a run of alterations of the table: in place when SQLite can do every one of them
  // so, else a schema edit when that is allowed and the run only removes constraints, else one rebuild.
  plan make(std::span<const operation> batch) {
    if (auto p = in_place(batch)) return *p;
    if (edits_schema_)
      if (auto p = schema_edit(batch)) return *p;
    return rebuild(batch);
  }

 private:
  // ---- in place: ADD COLUMN within its rules, DROP COLUMN when nothing uses the column ----

  std::optional<plan> in_place(std::span<const operation> batch) {
    parsed_table t = inputs_.table;
    plan p{t.name, false, false, {}, {}, {}};
    for (const auto& o : batch) {
      if (const auto* x = strata::get_if<op::add_column>(&o); x != nullptr && x->placement.empty() && Sql::can_add_in_place(x->definition) &&
                                                          find(t, x->definition.name) == nullptr) {
        t.columns.push_back(sqlite_table::parse_column(Sql::column_definition(t.name, x->definition, true, x->naming, options_)));
        p.steps.push_back({step::role::statement, Sql::add_column(*x, options_), {}});
      } else if (const auto* d = strata::get_if<op::drop_column>(&o); d != nullptr && droppable(t, d->column)) {
        std::erase_if(t.columns, [&](const parsed_column& c) { return same_name(c.name, d->column); });
        p.steps.push_back({step::role::statement, Sql::drop_column(*d, options_), {}});
      } else {
        return std::nullopt;
      }
    }
    return p;
  }

  // SQLite's DROP COLUMN refuses a column that a key, a UNIQUE, a foreign key, an index, a CHECK
  // or generated column of another, a view or a trigger uses (sqlite.org/lang_altertable.html);
  // so does this, a little more strictly (any mention counts), and then the table is rebuilt.
  bool droppable(const parsed_table& t, std::string_view column) const {
    if (!has_native_drop_column(options_)) return false;
    const auto* c = find(t, column);
    if (c == nullptr || t.columns.size() == 1) return false;
    if (c->has("PRIMARY") || c->has("UNIQUE") || c->has("REFERENCES")) return false;
    for (const auto& other : t.columns)
      if (&other != c)
        for (const auto& k : other.clauses)
          if (sql::mentions(k.text, column)) return false;
    for (const auto& k : t.constraints)
      if (sql::mentions(k.text, column)) return false;
    for (const auto* objects : {&inputs_.indexes, &inputs_.triggers, &inputs_.dependents})
      for (const auto& object : *objects)
        if (sql::mentions(object.sql, column)) return false;
    return std::none_of(inputs_.referenced_columns.begin(), inputs_.referenced_columns.end(),
                        [&](const std::string& r) { return same_name(r, column); });
  }

  // ---- a schema edit: constraints removed, no row read or written ----
  //
  // sqlite.org/lang_altertable.html ("Making Other Kinds Of Table Schema Changes") allows removing
  // CHECK, FOREIGN KEY and NOT NULL constraints by writing the table's new CREATE TABLE into
  // sqlite_schema, as no stored row changes meaning. A run qualifies when its alter_columns only make
  // columns nullable and its drop_constraints only drop CHECKs and foreign keys, and the edited
  // definition differs from the old one by removed clauses of those kinds alone (not a primary key
  // column's NOT NULL). Defaults are left to the rebuild: rows written before an ADD COLUMN hold no
  // value for it and read the column's default from the schema, so a new default would change them.
  std::optional<plan> schema_edit(std::span<const operation> batch) {
    for (const auto& o : batch) {
      if (const auto* a = strata::get_if<op::alter_column>(&o)) {
        const auto& c = a->change;
        if (c.type || c.using_sql || c.server_default || c.drop_default || c.nullable != std::optional<bool>(true)) return std::nullopt;
      } else if (const auto* d = strata::get_if<op::drop_constraint>(&o)) {
        if (d->name.empty() && d->kind != constraint_kind::check && d->kind != constraint_kind::foreign_key) return std::nullopt;
      } else {
        return std::nullopt;
      }
    }
    parsed_table before = inputs_.table;
    name_unnamed<Sql>(before, edit(batch));
    if (!only_removes(before, t_)) return std::nullopt;
    plan p{t_.name, false, true, {}, {}, {}};
    p.steps.push_back({step::role::definition,
                       "UPDATE sqlite_master SET sql = " + sql::literal(t_.create_sql(t_.name)) + " WHERE type = 'table' AND name = " +
                           sql::literal(t_.name),
                       {}});
    return p;
  }

  // Whether `after` is `before` with some NOT NULL, CHECK and REFERENCES clauses and CHECK and
  // FOREIGN KEY constraints taken out, and nothing else changed.
  static bool only_removes(const parsed_table& before, const parsed_table& after) {
    if (before.name != after.name || before.options != after.options || before.columns.size() != after.columns.size()) return false;
    auto removed_only = [](const auto& from, const auto& to, auto&& removable) {
      std::size_t j = 0;
      for (const auto& x : from) {
        if (j < to.size() && to[j].text == x.text && to[j].keyword == x.keyword) ++j;
        else if (!removable(x)) return false;
      }
      return j == to.size();
    };
    std::vector<std::string> key_columns;
    for (const auto& k : before.constraints)
      if (k.keyword == "PRIMARY") key_columns.insert(key_columns.end(), k.columns.begin(), k.columns.end());
    for (std::size_t i = 0; i < before.columns.size(); ++i) {
      const auto& b = before.columns[i];
      const auto& a = after.columns[i];
      if (b.name != a.name || b.type != a.type) return false;
      const bool in_key = b.has("PRIMARY") || std::any_of(key_columns.begin(), key_columns.end(), [&](const std::string& k) { return same_name(k, b.name); });
      if (!removed_only(b.clauses, a.clauses, [&](const sqlite_table::clause& k) {
            return k.keyword == "CHECK" || k.keyword == "REFERENCES" || (!in_key && (k.keyword == "NOT" || k.keyword == "NULL"));
          }))
        return false;
    }
    return removed_only(before.constraints, after.constraints,
                        [](const parsed_constraint& k) { return k.keyword == "CHECK" || k.keyword == "FOREIGN"; });
  }

  // ---- the rebuild ----

  // The table as the run leaves it (t_; source_ and dropped_ for its copy); returns the naming
  // convention the run gives, with which unnamed constraints were named.
  naming_convention edit(std::span<const operation> batch) {
    t_ = inputs_.table;
    naming_convention naming{};
    for (const auto& o : batch)
      strata::visit([&](const auto& x) {
        if constexpr (requires { x.naming; })
          if (!x.naming.empty()) naming = x.naming;
      }, o);
    name_unnamed<Sql>(t_, naming);
    source_.clear();
    for (const auto& c : t_.columns)
      source_.push_back(c.has("GENERATED") || c.has("AS") ? std::nullopt : std::optional<std::string>(sql::quote(c.name)));
    dropped_.clear();
    for (const auto& o : batch) strata::visit([&](const auto& x) { on(o, x); }, o);
    return naming;
  }

  plan rebuild(std::span<const operation> batch) {
    edit(batch);
    const std::string& table = t_.name;
    const std::string temporary = std::string(temporary_prefix) + table;
    plan p{table, true, false, {}, {}, {}};
    p.steps.push_back({step::role::create, t_.create_sql(temporary), {}});
    std::string columns, expressions;
    for (std::size_t i = 0; i < t_.columns.size(); ++i) {
      if (!source_[i]) continue;
      p.copy.push_back({t_.columns[i].name, *source_[i]});
      columns += (columns.empty() ? "" : ", ") + sql::quote(t_.columns[i].name);
      expressions += (expressions.empty() ? "" : ", ") + *source_[i];
    }
    if (!columns.empty())
      p.steps.push_back({step::role::copy, "INSERT INTO " + sql::quote(temporary) + " (" + columns + ") SELECT " + expressions + " FROM " +
                                               sql::quote(table), {}});
    p.steps.push_back({step::role::statement, "DROP TABLE " + sql::quote(table), {}});
    // With legacy_alter_table on, the rename leaves views, triggers and other tables' foreign keys
    // alone: they name the table, which exists again once the rename is done.
    p.steps.push_back({step::role::statement, "PRAGMA legacy_alter_table = ON", {}});
    p.steps.push_back({step::role::rename, "ALTER TABLE " + sql::quote(temporary) + " RENAME TO " + sql::quote(table), {}});
    p.steps.push_back({step::role::restore, "PRAGMA legacy_alter_table = OFF", {}});
    for (const auto& index : inputs_.indexes)
      if (std::none_of(dropped_.begin(), dropped_.end(), [&](const std::string& d) { return sqlite_table::index_covers(index.sql, d); }))
        p.steps.push_back({step::role::index, index.sql, index.name});
    for (const auto& trigger : inputs_.triggers) p.steps.push_back({step::role::trigger, trigger.sql, trigger.name});
    if (references_anything(t_)) p.checks.push_back(table);
    for (const auto& r : inputs_.referencing)
      if (!same_name(r, table)) p.checks.push_back(r);
    return p;
  }

  static parsed_column* find(parsed_table& t, std::string_view name) {
    for (auto& c : t.columns)
      if (same_name(c.name, name)) return &c;
    return nullptr;
  }
  static const parsed_column* find(const parsed_table& t, std::string_view name) { return find(const_cast<parsed_table&>(t), name); }

  std::size_t column_index(const operation& o, std::string_view name) const {
    for (std::size_t i = 0; i < t_.columns.size(); ++i)
      if (same_name(t_.columns[i].name, name)) return i;
    throw operation_failed(strata::describe(o), "table '" + t_.name + "' has no column '" + std::string(name) + "'");
  }

  static void drop_clauses(parsed_column& c, std::initializer_list<std::string_view> keywords) {
    std::erase_if(c.clauses, [&](const sqlite_table::clause& k) { return std::find(keywords.begin(), keywords.end(), k.keyword) != keywords.end(); });
  }

  void on(const operation& o, const op::alter_column& x) {
    const auto i = column_index(o, x.column);
    auto& c = t_.columns[i];
    if (x.change.type) {
      const std::string old_type = c.type;
      c.type = Sql::type(*x.change.type);
      if (source_[i]) {
        if (x.change.using_sql) source_[i] = std::string(*x.change.using_sql);
        else if (affinity_of(old_type) != affinity_of(c.type)) source_[i] = "CAST(" + *source_[i] + " AS " + c.type + ")";
      }
      if (sqlite_table::upper(old_type).starts_with("BOOL") && x.change.type->kind != type_kind::boolean) {
        std::erase_if(c.clauses, [&](const sqlite_table::clause& k) { return k.keyword == "CHECK" && is_boolean_check(check_expression(k.text), c.name); });
        std::erase_if(t_.constraints, [&](const parsed_constraint& k) { return k.keyword == "CHECK" && is_boolean_check(check_expression(k.text), c.name); });
      }
    }
    if (x.change.nullable) {
      drop_clauses(c, {"NOT", "NULL"});
      if (!*x.change.nullable) insert_clause(c, {"NOT", "", "NOT NULL", ""});
    }
    if (x.change.drop_default || x.change.server_default) drop_clauses(c, {"DEFAULT"});
    if (x.change.server_default) insert_clause(c, {"DEFAULT", "", Sql::default_clause(*x.change.server_default), ""});
  }

  void on(const operation& o, const op::add_column& x) {
    if (find(t_, x.definition.name) != nullptr)
      throw operation_failed(strata::describe(o), "table '" + t_.name + "' already has a column '" + std::string(x.definition.name) + "'");
    auto at = t_.columns.size();
    if (const auto anchor = x.placement.insert_before.empty() ? x.placement.insert_after : x.placement.insert_before; !anchor.empty()) {
      at = column_index(o, anchor) + (x.placement.insert_before.empty() ? 1 : 0);
    }
    t_.columns.insert(t_.columns.begin() + static_cast<std::ptrdiff_t>(at),
                      sqlite_table::parse_column(Sql::column_definition(t_.name, x.definition, true, x.naming, options_)));
    source_.insert(source_.begin() + static_cast<std::ptrdiff_t>(at), std::nullopt);  // a new column takes its DEFAULT
  }

  void on(const operation& o, const op::drop_column& x) {
    const auto i = column_index(o, x.column);
    const std::string dropped = t_.columns[i].name;
    t_.columns.erase(t_.columns.begin() + static_cast<std::ptrdiff_t>(i));
    source_.erase(source_.begin() + static_cast<std::ptrdiff_t>(i));
    dropped_.push_back(dropped);
    // As Alembic: a primary key loses the column and keeps the others; any other constraint on it goes.
    for (auto& k : t_.constraints) {
      if (k.keyword != "PRIMARY") continue;
      const auto n = k.columns.size();
      std::erase_if(k.columns, [&](const std::string& c) { return same_name(c, dropped); });
      if (k.columns.size() == n || k.columns.empty()) continue;
      std::vector<std::string_view> rest(k.columns.begin(), k.columns.end());
      k.text = Sql::constraint_prefix(k.name) + "PRIMARY KEY (" + sql::quote_list(rest) + ")";
    }
    std::erase_if(t_.constraints, [&](const parsed_constraint& k) {
      if (k.keyword == "CHECK") return sql::mentions(check_expression(k.text), dropped);
      return k.columns.empty() || std::any_of(k.columns.begin(), k.columns.end(), [&](const std::string& c) { return same_name(c, dropped); });
    });
    if (t_.columns.empty()) throw operation_failed(strata::describe(o), "it would leave table '" + t_.name + "' with no column; drop the table instead");
  }

  void on(const operation&, const op::add_constraint& x) {
    const auto names = column_names(t_);
    const auto text = Sql::constraint_definition(t_.name, x.definition, names, x.naming, options_);
    t_.constraints.push_back(sqlite_table::parse_create_table("CREATE TABLE t (x, " + text + ")").constraints.at(0));
  }

  void on(const operation& o, const op::drop_constraint& x) {
    std::vector<found_constraint> found;
    for (auto& f : constraints_of(t_)) {
      if (!x.name.empty()) {
        if (!f.name.empty() && same_name(f.name, x.name)) found.push_back(std::move(f));
        continue;
      }
      if (f.kind != x.kind) continue;
      const bool same_columns = x.columns.empty() || (f.columns.size() == x.columns.size() &&
                                std::all_of(x.columns.begin(), x.columns.end(), [&](std::string_view w) {
                                  return std::any_of(f.columns.begin(), f.columns.end(), [&](const std::string& c) { return same_name(c, w); });
                                }));
      if (same_columns) found.push_back(std::move(f));
    }
    if (found.empty() && !x.name.empty())
      throw operation_failed(strata::describe(o), "table '" + t_.name + "' has no constraint named '" + std::string(x.name) +
                                              "' (SQLite keeps a constraint's name only when it was created with one: drop an unnamed one by "
                                              "kind and columns, or name it with op.use_naming_convention)");
    std::string columns;
    for (auto c : x.columns) columns += (columns.empty() ? "" : ", ") + std::string(c);
    if (found.empty())
      throw operation_failed(strata::describe(o), "table '" + t_.name + "' has no " + std::string(kind_name(x.kind)) + " constraint on exactly (" +
                                              columns + "); check the kind and the columns, or drop the constraint by name");
    if (found.size() > 1 && x.name.empty())
      throw operation_failed(strata::describe(o), "table '" + t_.name + "' has " + std::to_string(found.size()) + " " + std::string(kind_name(x.kind)) +
                                              " constraints on (" + columns + "); drop the one you mean by name");
    // Later entries first, so that the indexes of the earlier ones stay right.
    std::sort(found.begin(), found.end(), [](const found_constraint& a, const found_constraint& b) {
      return std::tie(a.on_column, a.index, a.clause) > std::tie(b.on_column, b.index, b.clause);
    });
    for (const auto& f : found) {
      if (f.on_column) {
        auto& clauses = t_.columns[f.index].clauses;
        clauses.erase(clauses.begin() + static_cast<std::ptrdiff_t>(f.clause));
        // PRIMARY KEY AUTOINCREMENT is one clause; a column's PRIMARY KEY also made it NOT NULL there.
      } else {
        t_.constraints.erase(t_.constraints.begin() + static_cast<std::ptrdiff_t>(f.index));
      }
    }
  }

  template <class Other>
  void on(const operation& o, const Other&) {
    throw operation_failed(strata::describe(o), "this operation is not a table alteration; it cannot be part of a SQLite table rebuild");
  }

  const table_inputs& inputs_;
  const render_options& options_;
  bool edits_schema_ = false;
  parsed_table t_;
  std::vector<std::optional<std::string>> source_;  // per column of t_: what the copy selects for it, or none
  std::vector<std::string> dropped_;
};

}  // namespace strata::detail::sqlite_plan
