// STRATA_MIGRATION_TESTS(history, Dialect): GoogleTest tests of a history's revisions on a real database.
//
//   #include <strata/testing/migration_tests.hpp>
//   #include <strata/dialect/sqlite.hpp>
//   STRATA_MIGRATION_TESTS(migrations::history, strata::sqlite);
//   STRATA_MIGRATION_TESTS(migrations::history, strata::postgresql, "InsightBullPostgres");  // optional suite name
//
// At namespace scope, once per (history, Dialect). It registers five tests in the suite
// "StrataMigrations_<Dialect::name>" (or the name given; a second suite of one name gets "_2" ...),
// each on a fresh, empty database of its own (strata::testing::empty_database<Dialect>):
//   SingleHead                   the history has exactly one head (a failure names every head)
//   UpgradeBaseToHead            upgrade("head") from an empty database succeeds and the version table
//                                then holds the head
//   Stairway                     for each revision in order: upgrade to it (only it runs), downgrade
//                                -1 (only it is reverted), upgrade to it again; after each step the
//                                version table holds what it should, after the downgrade the schema
//                                objects (tables with their columns, indexes, views, triggers ...)
//                                are those before the upgrade, and after the second upgrade those
//                                after the first
//   DowngradeToBaseLeavesOnlyTheVersionTable
//                                upgrade to head, downgrade to base: only the version table is left,
//                                and it is empty; a leftover is attributed to the revision that
//                                creates it
//   UpgradeKeepsRows             upgrade revision by revision, with rows in the tables: see
//                                detail::keep_rows below for exactly what is checked
// Every failure names the revision: "revision 'c7d2a9e1f0b3' (Add market_cap to stocks): downgrade
// did not undo the upgrade: ...". The first failing step ends a test (what follows would only
// repeat it). The history type must be one name (an alias) since the macro's arguments are split at
// commas.
//
// Databases: each test gets an empty database of its own from the dialect's provisioner
// (strata/dialect.hpp, Provisionable: SQLite a file in the temporary folder, PostgreSQL a database
// on the server the PG* variables name), named strata_mt_<session>_<n> and dropped afterwards.
// When the place cannot be reached the tests are skipped or fail, as the dialect says
// (provisioner::unreachable_fails(): PostgreSQL fails only when STRATA_REQUIRE_POSTGRESQL is set).
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <iostream>
#include <ostream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <strata/dialect.hpp>
#include <strata/connection.hpp>
#include <strata/detail/sql_identifiers.hpp>
#include <strata/history.hpp>
#include <strata/migrator.hpp>
#include <strata/ops.hpp>
#include <strata/schema.hpp>
#include <strata/testing/clone_pool.hpp>
#include <strata/types.hpp>

namespace strata::testing {

namespace detail {

// op.run takes a plain function pointer: the task it runs is handed over through this slot.
inline thread_local const std::function<void(connection&)>* current_task = nullptr;
inline void run_current_task(connection& c) { (*current_task)(c); }

// f(connection) inside one transaction of the dialect (or none, when !transactional), under its
// migration lock for `lock_name`; any failure is thrown.
template <Dialect D>
void with_connection(D& d, const std::function<void(connection&)>& f, bool transactional = true,
                     std::string_view lock_name = "alembic_version") {
  const auto* saved = std::exchange(current_task, &f);
  struct restore {
    const std::function<void(connection&)>* saved;
    ~restore() { current_task = saved; }
  } restore_task{saved};
  ops recorded;
  recorded.run(&run_current_task, "strata::testing");
  const unit_of_work unit{"strata::testing", recorded.operations(), transactional, lock_name};
  d.transaction(unit, [&] { d.apply(unit.operations); });
}

}  // namespace detail

// A fresh, empty database of dialect D made by its provisioner (strata_mt_<session>_<n>), dropped
// on destruction. Throws strata::database_unavailable when its place cannot be reached.
template <Provisionable D>
class empty_database {
 public:
  empty_database() : name_(next_name(provisioner_)), url_(provisioner_.url(name_)) { provisioner_.create(name_); }
  empty_database(const empty_database&) = delete;
  empty_database& operator=(const empty_database&) = delete;
  ~empty_database() {
    try {
      provisioner_.drop(name_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not remove the test database " << name_ << ": " << e.what();
    }
  }

  [[nodiscard]] const std::string& name() const { return name_; }
  [[nodiscard]] const std::string& url() const { return url_; }
  [[nodiscard]] D open() const { return D(url_); }

 private:
  static std::string next_name(const typename D::provisioner& p) {
    static std::atomic<int> counter{0};
    return std::string(detail::empty_prefix) + p.session() + "_" + std::to_string(counter++);
  }

  typename D::provisioner provisioner_;
  std::string name_;
  std::string url_;
};

enum class migration_check { single_head, upgrade_base_to_head, stairway, downgrade_to_base, upgrade_keeps_rows };

constexpr std::string_view to_string(migration_check c) {
  switch (c) {
    case migration_check::single_head: return "single_head";
    case migration_check::upgrade_base_to_head: return "upgrade_base_to_head";
    case migration_check::stairway: return "stairway";
    case migration_check::downgrade_to_base: return "downgrade_to_base";
    case migration_check::upgrade_keeps_rows: return "upgrade_keeps_rows";
  }
  return "unknown";
}
inline std::ostream& operator<<(std::ostream& out, migration_check c) { return out << to_string(c); }

namespace detail {

using object_list = std::vector<database_object>;

inline std::string revision_name(const revision_info& r) {
  return "revision '" + std::string(r.id) + "' (" + std::string(r.message) + ")";
}

inline std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return "[" + out + "]";
}

// The objects but the version table, sorted, each table's columns sorted (order is not compared:
// re-adding a dropped column puts it last, which no downgrade can help).
inline object_list normalized(object_list objects, std::string_view version_table) {
  std::erase_if(objects, [&](const database_object& o) { return o.type == "table" && is_strata_table(o.name, version_table); });
  for (auto& o : objects) std::sort(o.columns.begin(), o.columns.end());
  std::sort(objects.begin(), objects.end(),
            [](const database_object& a, const database_object& b) { return std::tie(a.type, a.name) < std::tie(b.type, b.name); });
  return objects;
}

inline std::string object_name(const database_object& o) {
  return o.type + " '" + o.name + "'" + (o.table.empty() ? "" : " (on '" + o.table + "')");
}

// What differs between two normalized lists, in words; empty when they are the same.
inline std::string difference(const object_list& expected, const object_list& actual, std::string_view expected_when,
                              std::string_view actual_when) {
  std::vector<std::string> out;
  auto find = [](const object_list& list, const database_object& o) -> const database_object* {
    for (const auto& x : list)
      if (x.type == o.type && x.name == o.name) return &x;
    return nullptr;
  };
  for (const auto& a : actual) {
    const auto* e = find(expected, a);
    if (e == nullptr) out.push_back(object_name(a) + " is there " + std::string(actual_when) + " but was not " + std::string(expected_when));
    else if (e->columns != a.columns)
      out.push_back(object_name(a) + " has columns " + join(a.columns) + " " + std::string(actual_when) + " but had " + join(e->columns) +
                    " " + std::string(expected_when));
    else if (e->table != a.table)
      out.push_back(object_name(a) + " is on another table " + std::string(actual_when) + " than " + std::string(expected_when));
  }
  for (const auto& e : expected)
    if (find(actual, e) == nullptr) out.push_back(object_name(e) + " was there " + std::string(expected_when) + " but is missing " + std::string(actual_when));
  std::string text;
  for (const auto& s : out) text += (text.empty() ? "" : "; ") + s;
  return text;
}

// The version rows after the first n revisions (list order) are applied: their heads, sorted.
template <History H>
std::vector<std::string> expected_versions(std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t j = 0; j < n; ++j) {
    bool head = true;
    for (std::size_t k = 0; k < n && head; ++k)
      for (auto d : H::revisions[k].down_revisions)
        if (d == H::revisions[j].id) head = false;
    if (head) out.emplace_back(H::revisions[j].id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline bool has_data_migration(const ops& recorded) {
  return std::any_of(recorded.operations().begin(), recorded.operations().end(), [](const operation& o) {
    return strata::holds_alternative<op::execute>(o) || strata::holds_alternative<op::run>(o) || strata::holds_alternative<op::backfill>(o);
  });
}

// A literal for a NOT NULL column without a default; nullopt for a type strata does not know.
// Every literal is one that each SQL database coerces into the column's type.
inline std::optional<std::string> literal_for(const column_type& type, long n) {
  const auto number = std::to_string(n);
  switch (type.kind) {
    case type_kind::integer:
    case type_kind::big_integer: return number;
    case type_kind::real:
    case type_kind::float_: return number + ".5";
    case type_kind::text: return "'r" + number + "'";
    case type_kind::varchar: {
      auto s = "r" + number;
      if (type.length > 0 && s.size() > type.length) s = s.substr(s.size() - type.length);
      return "'" + s + "'";
    }
    case type_kind::boolean: return std::string("'1'");
    case type_kind::date: return "'2024-01-" + std::string(n % 28 < 9 ? "0" : "") + std::to_string(n % 28 + 1) + "'";
    case type_kind::datetime: return "'2024-01-02 03:04:" + std::string(n % 60 < 10 ? "0" : "") + std::to_string(n % 60) + "'";
    case type_kind::blob: return std::string("''");  // an empty string: an empty bytea, a zero-length BLOB
    case type_kind::custom: return std::nullopt;
  }
  return std::nullopt;
}

// An INSERT of one row into `table`, built from the replayed model of the schema: a value for each
// NOT NULL column without a default (a single integer primary key is left to the database; a foreign
// key takes a row of the table it references), nothing for the others. DEFAULT VALUES for a table
// the model does not know (made by execute()).
inline std::string row_insert(const schema* model, const std::string& table, long& counter) {
  const table_schema* t = model != nullptr ? model->find_table(table) : nullptr;
  if (t == nullptr) return "INSERT INTO " + strata::detail::sql::quote(table) + " DEFAULT VALUES";
  std::vector<std::string_view> key;
  for (const auto& c : t->columns)
    if (c.is_primary_key) key.push_back(c.name);
  for (const auto& k : t->constraints)
    if (k.kind == constraint_kind::primary_key) key.insert(key.end(), k.columns.begin(), k.columns.end());
  std::string columns, values;
  for (const auto& c : t->columns) {
    if (c.nullable || c.default_sql) continue;
    if (key.size() == 1 && key.front() == c.name && (c.type.kind == type_kind::integer || c.type.kind == type_kind::big_integer)) continue;
    std::optional<std::string> value;
    std::optional<std::pair<std::string_view, std::string_view>> reference;
    if (c.foreign_key) reference.emplace(c.foreign_key->table, c.foreign_key->column);
    for (const auto& k : t->constraints)
      if (k.kind == constraint_kind::foreign_key)
        for (std::size_t i = 0; i < k.columns.size() && i < k.referenced_columns.size(); ++i)
          if (k.columns[i] == c.name) reference.emplace(k.referenced_table, k.referenced_columns[i]);
    if (reference)
      value = "(SELECT " + strata::detail::sql::quote(reference->second) + " FROM " + strata::detail::sql::quote(reference->first) + " LIMIT 1)";
    else
      value = literal_for(c.type, ++counter);
    if (!value) value = "'" + std::to_string(++counter) + "'";
    columns += (columns.empty() ? "" : ", ") + strata::detail::sql::quote(c.name);
    values += (values.empty() ? "" : ", ") + *value;
  }
  if (columns.empty()) return "INSERT INTO " + strata::detail::sql::quote(table) + " DEFAULT VALUES";
  return "INSERT INTO " + strata::detail::sql::quote(table) + " (" + columns + ") VALUES (" + values + ")";
}

}  // namespace detail

// One check of one history on one dialect; registered by STRATA_MIGRATION_TESTS.
template <History H, Dialect D>
  requires Inspectable<D> && Provisionable<D>
class migration_test : public ::testing::Test {
 public:
  // Failures are reported at the STRATA_MIGRATION_TESTS line (file, line).
  migration_test(migration_check check, const char* file, int line) : check_(check), file_(file), line_(line) {}

 protected:
  void SetUp() override {
    if (check_ == migration_check::single_head) return;
    try {
      database_.emplace();
    } catch (const database_unavailable& e) {
      if (D::provisioner::unreachable_fails()) FAIL() << "could not make an empty " << D::name << " database for the test: " << e.what();
      GTEST_SKIP() << "no " << D::name << " database to test on: " << e.what();
    } catch (const std::exception& e) {
      FAIL() << "could not make an empty " << D::name << " database for the test: " << e.what();
    }
  }

  void TestBody() override {
    switch (check_) {
      case migration_check::single_head: single_head(); break;
      case migration_check::upgrade_base_to_head: upgrade_base_to_head(); break;
      case migration_check::stairway: stairway(); break;
      case migration_check::downgrade_to_base: downgrade_to_base(); break;
      case migration_check::upgrade_keeps_rows: upgrade_keeps_rows(); break;
    }
  }

 private:
  static constexpr std::string_view version_table = "alembic_version";

  static std::string who(std::size_t i) { return detail::revision_name(H::revisions[i]); }
  static std::string who(std::string_view id) {
    for (std::size_t i = 0; i < H::size; ++i)
      if (H::revisions[i].id == id) return who(i);
    return "revision '" + std::string(id) + "'";
  }

  // f(), or a failure naming `revision` and what was being done; returns whether f succeeded.
  template <class F>
  bool attempt(const std::string& revision, std::string_view doing, F&& f) {
    try {
      f();
      return true;
    } catch (const std::exception& e) {
      ADD_FAILURE_AT(file_, line_) << revision << ": " << doing << " failed: " << e.what();
      return false;
    }
  }

  static detail::object_list objects(migrator<D>& m) { return detail::normalized(m.dialect().objects(), version_table); }

  bool versions_are(migrator<D>& m, const std::vector<std::string>& expected, const std::string& revision, std::string_view when) {
    auto rows = m.current();
    std::sort(rows.begin(), rows.end());
    if (rows == expected) return true;
    ADD_FAILURE_AT(file_, line_) << revision << ": the version table holds " << detail::join(rows) << " " << when << ", not " << detail::join(expected);
    return false;
  }

  bool ran_only(const std::vector<std::string>& done, std::size_t i, std::string_view what) {
    if (done.size() == 1 && done.front() == H::revisions[i].id) return true;
    ADD_FAILURE_AT(file_, line_) << who(i) << ": " << what << " ran " << detail::join(done) << " instead of this revision alone";
    return false;
  }

  static std::string head_target() { return H::heads.size() == 1 ? "head" : "heads"; }

  void single_head() {
    if (H::heads.size() == 1) return;
    std::vector<std::string> heads;
    for (auto h : H::heads) heads.push_back(who(h));
    ADD_FAILURE_AT(file_, line_) << "the history has " << H::heads.size() << " heads: " << detail::join(heads)
                  << "; write a merge revision whose down revisions are those heads";
  }

  void upgrade_base_to_head() {
    migrator<D> m{H{}, database_->url()};
    std::string current = "the history";
    m.on_event([&](const migration_event& e) { current = detail::revision_name(*e.revision); });
    if (!attempt(current, "upgrade from an empty database to " + head_target(), [&] { m.upgrade(head_target()); })) return;
    std::vector<std::string> heads(H::heads.begin(), H::heads.end());
    std::sort(heads.begin(), heads.end());
    versions_are(m, heads, who(heads.back()), "after the upgrade to " + head_target());
  }

  void stairway() {
    migrator<D> m{H{}, database_->url()};
    for (std::size_t i = 0; i < H::size; ++i) {
      const std::string id(H::revisions[i].id);
      detail::object_list before, after, again;
      std::vector<std::string> done;
      if (!attempt(who(i), "listing the schema before its upgrade", [&] { before = objects(m); })) return;
      if (!attempt(who(i), "upgrade", [&] { done = m.upgrade(id); })) return;
      if (!ran_only(done, i, "upgrading to it") || !versions_are(m, detail::expected_versions<H>(i + 1), who(i), "after its upgrade")) return;
      after = objects(m);
      if (!attempt(who(i), "downgrade (-1) right after its upgrade", [&] { done = m.downgrade("-1"); })) return;
      if (!ran_only(done, i, "downgrading -1") || !versions_are(m, detail::expected_versions<H>(i), who(i), "after its downgrade")) return;
      if (const auto diff = detail::difference(before, objects(m), "before the upgrade", "after the downgrade"); !diff.empty()) {
        ADD_FAILURE_AT(file_, line_) << who(i) << ": downgrade did not undo the upgrade: " << diff;
        return;
      }
      if (!attempt(who(i), "upgrade after its downgrade", [&] { done = m.upgrade(id); })) return;
      if (!ran_only(done, i, "upgrading to it again") || !versions_are(m, detail::expected_versions<H>(i + 1), who(i), "after its second upgrade"))
        return;
      if (const auto diff = detail::difference(after, objects(m), "after the first upgrade", "after upgrade, downgrade, upgrade"); !diff.empty()) {
        ADD_FAILURE_AT(file_, line_) << who(i) << ": upgrading again after the downgrade gave another schema: " << diff;
        return;
      }
    }
  }

  // The revision whose upgrade creates the object with a recorded operation, or H::size.
  static std::size_t creator_of(const database_object& o) {
    for (std::size_t i = H::size; i-- > 0;) {
      const auto recorded = H::revisions[i].record_upgrade();  // kept: a temporary's operations() would dangle
      for (const auto& x : recorded.operations()) {
        if (const auto* t = strata::get_if<op::create_table>(&x); t != nullptr && o.type == "table" && t->table == o.name) return i;
        if (const auto* r = strata::get_if<op::rename_table>(&x); r != nullptr && o.type == "table" && r->new_name == o.name) return i;
        if (const auto* c = strata::get_if<op::create_index>(&x); c != nullptr && o.type == "index" && c->name == o.name) return i;
      }
    }
    return H::size;
  }

  void downgrade_to_base() {
    migrator<D> m{H{}, database_->url()};
    std::string current = "the history";
    m.on_event([&](const migration_event& e) { current = detail::revision_name(*e.revision); });
    if (!attempt(current, "upgrade to " + head_target(), [&] { m.upgrade(head_target()); })) return;
    if (!attempt(current, "downgrade to base", [&] { m.downgrade("base"); })) return;
    const auto all = m.dialect().objects();
    bool version_table_there = false;
    for (const auto& o : all) {
      if (o.type == "table" && o.name == version_table) {
        version_table_there = true;
        continue;
      }
      if (o.type == "table" && is_strata_table(o.name, version_table)) continue;
      if (const auto i = creator_of(o); i < H::size)
        ADD_FAILURE_AT(file_, line_) << who(i) << ": downgrade to base left " << detail::object_name(o)
                      << " behind, which this revision's upgrade creates: its downgrade (or a later one's) does not drop it";
      else
        ADD_FAILURE_AT(file_, line_) << "downgrade to base left " << detail::object_name(o)
                      << " behind, which no recorded create_table/create_index makes (an execute() or run() of some revision does)";
    }
    if (!version_table_there) ADD_FAILURE_AT(file_, line_) << "after the downgrade to base the version table '" << version_table << "' is gone";
    else if (const auto rows = m.current(); !rows.empty())
      ADD_FAILURE_AT(file_, line_) << "after the downgrade to base the version table holds " << detail::join(rows) << " instead of nothing";
  }

  // UpgradeKeepsRows. Before each revision's upgrade, one row is inserted into every table (but the
  // version table), each in a transaction of its own: the values are made up from the schema
  // replayed so far (detail::row_insert); a table whose insert fails (a CHECK, a unique clash, a
  // foreign key to an empty table ...) gets no row that time. Then every table's rows are counted,
  // the revision is upgraded, and:
  //   - the upgrade must succeed on that database (a failure names the revision and the tables
  //     holding rows: the previous schema allowed those rows, and the upgrade cannot take them);
  //   - each table that still exists under its name, and that the revision does not drop or rename,
  //     must hold as many rows as before, unless the revision has an execute() or run() (a data
  //     migration may legitimately add or remove rows; no count is compared for it).
  // Row contents are not compared (a changed column type changes their text).
  void upgrade_keeps_rows() {
    migrator<D> m{H{}, database_->url()};
    std::optional<schema> model{std::in_place};
    long counter = 0;
    std::size_t seeded = 0;
    for (std::size_t i = 0; i < H::size; ++i) {
      const auto& r = H::revisions[i];
      std::vector<std::string> tables;
      if (!attempt(who(i), "listing the tables before its upgrade", [&] {
            for (const auto& o : m.dialect().objects())
              if (o.type == "table" && !is_strata_table(o.name, version_table)) tables.push_back(o.name);
          }))
        return;
      std::reverse(tables.begin(), tables.end());  // objects() lists referencing tables first
      for (const auto& t : tables) {
        try {
          const auto sql = detail::row_insert(model ? &*model : nullptr, t, counter);
          detail::with_connection(m.dialect(), [&](connection& c) { c.execute(sql); });
          ++seeded;
        } catch (const std::exception&) {  // NOLINT: no row for this table this time
        }
      }
      std::map<std::string, long> before;
      if (!attempt(who(i), "counting rows before its upgrade", [&] {
            detail::with_connection(m.dialect(), [&](connection& c) {
              for (const auto& t : tables) before[t] = std::stol(c.query("SELECT COUNT(*) FROM " + strata::detail::sql::quote(t)).at(0).at(0).value_or("0"));
            });
          }))
        return;
      std::string holding;
      for (const auto& [t, n] : before)
        if (n > 0) holding += (holding.empty() ? "" : ", ") + t + ": " + std::to_string(n);
      if (!attempt(who(i), "upgrade on a database holding rows (" + (holding.empty() ? std::string("none") : holding) + ")",
                   [&] { m.upgrade(std::string(r.id)); }))
        return;
      const auto recorded = r.record_upgrade();
      if (model) {
        try {
          model->apply(recorded);
        } catch (const std::exception&) {
          model.reset();  // the history contradicts itself: fall back to DEFAULT VALUES
        }
      }
      if (detail::has_data_migration(recorded)) continue;
      std::vector<std::string> gone;
      for (const auto& x : recorded.operations()) {
        if (const auto* d = strata::get_if<op::drop_table>(&x)) gone.emplace_back(d->table);
        if (const auto* n = strata::get_if<op::rename_table>(&x)) gone.emplace_back(n->table);
      }
      std::vector<std::string> still;
      for (const auto& o : m.dialect().objects())
        if (o.type == "table" && before.contains(o.name) && std::find(gone.begin(), gone.end(), o.name) == gone.end()) still.push_back(o.name);
      std::map<std::string, long> after;
      if (!attempt(who(i), "counting rows after its upgrade", [&] {
            detail::with_connection(m.dialect(), [&](connection& c) {
              for (const auto& t : still) after[t] = std::stol(c.query("SELECT COUNT(*) FROM " + strata::detail::sql::quote(t)).at(0).at(0).value_or("0"));
            });
          }))
        return;
      for (const auto& [t, n] : after)
        if (n != before[t]) {
          ADD_FAILURE_AT(file_, line_) << who(i) << ": upgrade changed the number of rows of table '" << t << "' from " << before[t] << " to " << n
                        << ", though the revision has no execute() or run() (a data migration)";
          return;
        }
    }
    RecordProperty("rows_inserted", static_cast<int>(seeded));
    if (seeded == 0)
      std::cout << "note: UpgradeKeepsRows could insert no row into any table, so it checked only that each upgrade runs\n";
  }

  migration_check check_;
  const char* file_;
  int line_;
  std::optional<empty_database<D>> database_;
};

namespace detail {

// "StrataMigrations_sqlite", then "StrataMigrations_sqlite_2" ...: one suite per registration,
// since GoogleTest wants one fixture type per suite.
inline std::string unique_suite_name(std::string name) {
  static std::map<std::string, int> used;
  const int n = ++used[name];
  return n == 1 ? name : name + "_" + std::to_string(n);
}

}  // namespace detail

// What STRATA_MIGRATION_TESTS does: registers the five tests of H on D. Returns true.
template <History H, Dialect D>
  requires Inspectable<D> && Provisionable<D>
bool register_migration_tests(const char* file, int line, std::string_view suite = {}) {
  const auto name = detail::unique_suite_name(suite.empty() ? "StrataMigrations_" + std::string(D::name) : std::string(suite));
  const std::pair<migration_check, const char*> checks[] = {
      {migration_check::single_head, "SingleHead"},
      {migration_check::upgrade_base_to_head, "UpgradeBaseToHead"},
      {migration_check::stairway, "Stairway"},
      {migration_check::downgrade_to_base, "DowngradeToBaseLeavesOnlyTheVersionTable"},
      {migration_check::upgrade_keeps_rows, "UpgradeKeepsRows"},
  };
  for (const auto& [check, test] : checks)
    ::testing::RegisterTest(name.c_str(), test, nullptr, nullptr, file, line,
                            [check = check, file, line]() -> migration_test<H, D>* { return new migration_test<H, D>(check, file, line); });
  return true;
}

}  // namespace strata::testing

#define STRATA_TESTING_CONCAT_INNER(a, b) a##b
#define STRATA_TESTING_CONCAT(a, b) STRATA_TESTING_CONCAT_INNER(a, b)

// STRATA_MIGRATION_TESTS(history, Dialect [, "SuiteName"]): see the top of this header.
#define STRATA_MIGRATION_TESTS(history_type, dialect_type, ...)                                                \
  [[maybe_unused]] static const bool STRATA_TESTING_CONCAT(strata_migration_tests_registered_, __COUNTER__) = \
      ::strata::testing::register_migration_tests<history_type, dialect_type>(__FILE__, __LINE__ __VA_OPT__(, ) __VA_ARGS__)
