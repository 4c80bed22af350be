// strata::sqlite_sql: SQLite's SQL traits (what its SQL writes differently, and how it alters tables), with no SQLite client.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <strata/detail/sql_identifiers.hpp>
#include <strata/detail/sqlite_plan.hpp>
#include <strata/detail/sqlite_table.hpp>
#include <strata/dialect/sqlite_target.hpp>
#include <strata/ops.hpp>
#include <strata/render.hpp>
#include <strata/schema.hpp>

namespace strata {

// SQLite's SQL. Besides its spelling of defaults and AUTOINCREMENT, SQLite alters little in place:
// a run of one table's alterations (alter_column, add_column, drop_column, add_constraint,
// drop_constraint; consecutive ones of a revision, grouped by table) is planned together by
// detail::sqlite_plan::planner, from the table's definition: in place when every one can be
// (ADD COLUMN within its rules, DROP COLUMN of a column nothing uses), else one 12-step rebuild.
// A revision's rebuilds end with PRAGMA foreign_key_check of the rebuilt tables and of the tables
// that reference them.
struct sqlite_sql : sql_traits<sqlite_sql> {
  static constexpr std::string_view name = "sqlite";
  // What the compiler's review (strata::reviewed) may ask of SQLite (<strata/dialect/sqlite_target.hpp>).
  static constexpr strata::review_target review_target = review_target_for<sqlite_sql>;

  // SQLite takes a literal, a signed number, a keyword such as CURRENT_TIMESTAMP, or (expr).
  static std::string default_clause(std::string_view sql) {
    return "DEFAULT " + (is_plain_default(sql) ? std::string(sql) : "(" + std::string(sql) + ")");
  }

  static std::string primary_key_clause(const column& c) { return c.autoincrement ? "PRIMARY KEY AUTOINCREMENT" : "PRIMARY KEY"; }

  // Whether ALTER TABLE ADD COLUMN can add this column (sqlite.org/lang_altertable.html).
  static bool can_add_in_place(const column& c) {
    if (c.is_primary_key || c.is_unique) return false;
    if (c.generated_sql) return c.generated_storage == generated_kind::virtual_ && c.nullable;  // a STORED one would fill every row
    if (c.default_sql) {
      const auto u = detail::sqlite_table::upper(*c.default_sql);
      if (u.starts_with("CURRENT_") || u.starts_with("(") || !is_plain_default(*c.default_sql)) return false;
      if (u == "NULL" && !c.nullable) return false;
      if (c.foreign_key && u != "NULL") return false;
    } else if (!c.nullable) {
      return false;
    }
    return true;
  }

  static bool is_table_alteration(const operation& o) {
    return strata::holds_alternative<op::alter_column>(o) || strata::holds_alternative<op::drop_column>(o) ||
           strata::holds_alternative<op::add_column>(o) || strata::holds_alternative<op::add_constraint>(o) ||
           strata::holds_alternative<op::drop_constraint>(o);
  }

  // Whether the operation may rebuild its table (a drop_column may or may not: it depends on what
  // uses the column); the executor switches foreign keys off around a revision that may.
  static bool may_rebuild(const operation& o) {
    if (const auto* add = strata::get_if<op::add_column>(&o)) return !add->placement.empty() || !can_add_in_place(add->definition);
    return is_table_alteration(o);
  }

  // Whether strata::sqlite switches foreign keys off around a unit of these operations (one may
  // rebuild a table: with them on, dropping the old table would cascade to its children).
  static bool switches_foreign_keys_off(std::span<const operation> operations) {
    return std::any_of(operations.begin(), operations.end(), &may_rebuild);
  }

  // As strata::sqlite's transaction() runs a unit: always in a transaction that takes the write
  // lock up front, foreign keys off around it when it may rebuild a table (PRAGMA foreign_keys is a
  // no-op inside a transaction). strata's connections have them on, so they are switched back on.
  static unit_frame frame_unit(std::span<const operation> operations, [[maybe_unused]] bool transactional) {
    const bool off = switches_foreign_keys_off(operations);
    unit_frame f{{}, {}, true};
    if (off) f.before.emplace_back("PRAGMA foreign_keys = OFF");
    f.before.emplace_back(begin_statement);
    f.after.emplace_back("COMMIT");
    if (off) f.after.emplace_back("PRAGMA foreign_keys = ON");
    return f;
  }
  static constexpr std::string_view begin_statement = "BEGIN IMMEDIATE";

  // The pieces a revision is planned in: one operation, or a run of one table's consecutive
  // alterations (in order of each table's first alteration; moving one table's alterations past
  // another's is safe: a rebuild reads only its own table, and foreign keys are checked at the end).
  static std::vector<std::vector<operation>> units(std::span<const operation> operations) {
    std::vector<std::vector<operation>> out;
    for (std::size_t i = 0; i < operations.size();) {
      if (!is_table_alteration(operations[i])) {
        out.push_back(std::vector<operation>{operations[i++]});
        continue;
      }
      const auto first = static_cast<std::ptrdiff_t>(out.size());
      for (; i < operations.size() && is_table_alteration(operations[i]); ++i) {
        const auto table = table_of(operations[i]);
        auto same_table = [&](const std::vector<operation>& b) { return detail::sqlite_table::same_name(table_of(b.front()), table); };
        if (auto it = std::find_if(out.begin() + first, out.end(), same_table); it != out.end()) it->push_back(operations[i]);
        else out.push_back(std::vector<operation>{operations[i]});
      }
    }
    return out;
  }

  // A table as the planner sees it, from a schema model: its CREATE TABLE rendered and parsed
  // back, its indexes rendered, the tables that reference it (no triggers or views: the model has none).
  static detail::sqlite_plan::table_inputs inputs_from(const schema& s, std::string_view table) {
    using detail::sqlite_table::same_name;
    const render_options plain{};
    const table_schema* t = nullptr;
    for (const auto& x : s.tables)
      if (same_name(x.name, table)) t = &x;
    if (t == nullptr)
      throw std::invalid_argument("no such table: " + std::string(table) + " in the schema given; pass the schema the revision starts from "
                                  "(strata::replay<history>(previous revision))");
    detail::sqlite_plan::table_inputs in;
    in.table = detail::sqlite_table::parse_create_table(create_table(op::create_table{t->name, t->columns, t->constraints, {}}, plain));
    for (const auto& i : s.indexes)
      if (same_name(i.table, t->name)) in.indexes.push_back({std::string(i.name), create_index(op::create_index{i.name, i.table, i.columns, i.options}, plain)});
    for (const auto& u : s.tables) {
      bool references = false;
      for (const auto& c : u.columns)
        if (c.foreign_key && same_name(c.foreign_key->table, t->name)) {
          references = true;
          in.referenced_columns.emplace_back(c.foreign_key->column);
        }
      for (const auto& k : u.constraints)
        if (k.kind == constraint_kind::foreign_key && same_name(k.referenced_table, t->name)) {
          references = true;
          in.referenced_columns.insert(in.referenced_columns.end(), k.referenced_columns.begin(), k.referenced_columns.end());
        }
      if (references && !same_name(u.name, t->name)) in.referencing.emplace_back(u.name);
    }
    std::sort(in.referencing.begin(), in.referencing.end());
    return in;
  }

  // The plan of one table's run of alterations. edits_schema: strata::sqlite's own plans, which may
  // edit the schema (constraints removed without copying the table); a script's rebuild instead.
  static detail::sqlite_plan::plan plan(std::span<const operation> batch, const detail::sqlite_plan::table_inputs& inputs,
                                        const render_options& options, bool edits_schema = false) {
    return detail::sqlite_plan::planner<sqlite_sql>(inputs, options, edits_schema).make(batch);
  }

  // One operation alone: what SQLite does without the table's definition. Other alterations are
  // planned (render_revision, or the dialect's apply).
  static std::vector<std::string> statements(const operation& o, const render_options& options) {
    if (is_table_alteration(o)) {
      const auto* add = strata::get_if<op::add_column>(&o);
      if (add == nullptr || !add->placement.empty() || !can_add_in_place(add->definition))
        throw operation_failed(describe(o), "SQLite makes this change by rebuilding the table, which is planned from the table's definition: "
                                            "render the whole revision with strata::render<strata::sqlite_sql> and the schema before it");
    }
    return sql_traits::statements(o, options);
  }

  // The tables a revision's rebuilds check the foreign keys of, following renames and drops.
  class foreign_key_checks {
   public:
    void add(const detail::sqlite_plan::plan& p) {
      for (const auto& t : p.checks)
        if (std::none_of(tables_.begin(), tables_.end(), [&](const std::string& x) { return detail::sqlite_table::same_name(x, t); }))
          tables_.push_back(t);
    }
    void follow(const operation& o) {
      if (const auto* r = strata::get_if<op::rename_table>(&o)) {
        for (auto& t : tables_)
          if (detail::sqlite_table::same_name(t, r->table)) t = std::string(r->new_name);
      } else if (const auto* d = strata::get_if<op::drop_table>(&o)) {
        std::erase_if(tables_, [&](const std::string& t) { return detail::sqlite_table::same_name(t, d->table); });
      }
    }
    [[nodiscard]] const std::vector<std::string>& tables() const { return tables_; }
    static std::string statement(std::string_view table) { return "PRAGMA foreign_key_check(" + quote(table) + ")"; }

   private:
    std::vector<std::string> tables_;
  };

  static std::vector<std::string> render_revision(std::span<const operation> operations, const schema& before, const render_options& options) {
    std::vector<std::string> out;
    schema current = before;
    bool known = true;
    foreign_key_checks checks;
    for (const auto& unit : units(operations)) {
      if (!is_table_alteration(unit.front())) {
        for (auto& s : statements(unit.front(), options)) out.push_back(std::move(s));
      } else {
        const auto p = detail::rendering(unit.front(), [&] {
          if (!known)
            throw std::invalid_argument("an operation before it does not fit the schema given, so the table's definition is not known: "
                                        "pass the schema the revision starts from (strata::replay<history>(previous revision))");
          return plan(unit, inputs_from(current, table_of(unit.front())), options);
        });
        for (auto& s : p.statements()) out.push_back(std::move(s));
        checks.add(p);
      }
      for (const auto& o : unit) {
        checks.follow(o);
        if (!known) continue;
        try {
          current.apply(o);
        } catch (const std::logic_error&) {
          known = false;
        }
      }
    }
    for (const auto& t : checks.tables()) out.push_back(foreign_key_checks::statement(t));
    return out;
  }

 private:
  // Whether the text is one string literal ('it''s') or one parenthesized expression, end to end:
  // "'a' || 'b'" and "(a) + (b)" start like one but are expressions.
  static bool is_one_literal_or_group(std::string_view sql) {
    if (sql.front() == '\'') {
      for (std::size_t i = 1; i < sql.size(); ++i)
        if (sql[i] == '\'') {
          if (i + 1 < sql.size() && sql[i + 1] == '\'') ++i;
          else return i + 1 == sql.size();
        }
      return false;
    }
    int depth = 0;
    char quote = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
      const char c = sql[i];
      if (quote != 0) {
        if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '(') {
        ++depth;
      } else if (c == ')' && --depth == 0) {
        return i + 1 == sql.size();
      }
    }
    return false;
  }

  static bool is_plain_default(std::string_view sql) {
    if (sql.empty()) return false;
    if (sql.front() == '(' || sql.front() == '\'') return is_one_literal_or_group(sql);
    const auto u = detail::sqlite_table::upper(sql);
    if (u == "NULL" || u == "TRUE" || u == "FALSE" || u == "CURRENT_TIMESTAMP" || u == "CURRENT_DATE" || u == "CURRENT_TIME") return true;
    std::size_t i = (sql.front() == '-' || sql.front() == '+') ? 1 : 0;
    if (i == sql.size()) return false;
    return std::all_of(sql.begin() + static_cast<std::ptrdiff_t>(i), sql.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E'; });
  }
};

static_assert(SqlTraits<sqlite_sql>);

}  // namespace strata
