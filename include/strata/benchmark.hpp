// strata::benchmarking: Google Benchmark helpers with which an application times its own revisions on large tables.
//
//   strata::benchmarking::revision_benchmark<migrations::history, strata::sqlite> b("3b1f0c2d4e5a:c7d2a9e1f0b3");
//   b.seed("stocks", 100'000);                          // rows generated from the schema at 3b1f0c2d4e5a
//   strata::benchmarking::register_benchmarks("add_market_cap/sqlite", std::move(b));
//   // BENCHMARK_MAIN(), or benchmark::benchmark_main: "add_market_cap/sqlite/strata" and ".../floor"
//
// A revision_benchmark builds once, per process, a template database at the range's start: the
// history migrated to `from`, then seeded, by rows generated from the schema the history's replay
// gives there (strata::benchmarking::row_generator) or by a function of the application's. Each
// iteration copies the template (the place's own copy: a file copy on SQLite, CREATE DATABASE ...
// TEMPLATE on PostgreSQL; provisioner::copy of ClonesDatabases) and opens it, untimed, then times
// either strata's migrator from `from` to `to` (run) or the SQL that `manage_db upgrade --sql` writes
// for the same range, executed directly on the connection (run_floor: strata::offline::script), and
// drops the copy, untimed. Both report rows/s (items_per_second) and bytes/s (bytes_per_second) of
// the seeded rows, so that strata and its floor stand side by side in one run. Generic over the
// dialect: any ClonesDatabases model that ExecutesSql (strata::sqlite, strata::postgresql); where the
// place is (the temporary folder, the server libpq's PG* variables name) is the provisioner's.
#pragma once

#if !__has_include(<benchmark/benchmark.h>)
#error "strata/benchmark.hpp needs Google Benchmark: install it (Debian: libbenchmark-dev) and link benchmark::benchmark"
#endif

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <benchmark/benchmark.h>

#include <strata/commands.hpp>
#include <strata/dialect.hpp>
#include <strata/errors.hpp>
#include <strata/graph.hpp>
#include <strata/migrator.hpp>
#include <strata/offline.hpp>
#include <strata/ops.hpp>
#include <strata/schema.hpp>

namespace strata::benchmarking {

// Rows that cannot be generated or seeded (a NOT NULL column of a type strata cannot make values
// for, a foreign key to a table not seeded, a table not in the schema ...); what() says what to do.
class seeding_failed : public error {
 public:
  using error::error;
};

// What seeding wrote: the rows, and the bytes of their values (as SQL text, without quotes); the
// benchmark's rows/s and bytes/s are of these. A seeding function returns them (bytes 0: unknown).
struct seeded {
  std::int64_t rows = 0;
  std::int64_t bytes = 0;
};

namespace detail {

// 1970-01-01 plus `days`, as YYYY-MM-DD (Howard Hinnant's civil_from_days).
inline std::string date_text(std::int64_t days) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  auto two = [](unsigned v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
  return std::to_string(y) + "-" + two(m) + "-" + two(d);
}

inline constexpr std::int64_t year_2000 = 10957;  // days from 1970-01-01 to 2000-01-01

}  // namespace detail

// Rows generated from a schema (the history replayed to a revision), table by table: row j (from 1)
// of a table holds, in each column, a value made from j by the column's type: integers j, reals
// j + 0.5, text and varchar(n) j in decimal (a varchar too short for it is cut to its last n digits,
// refused when the column is unique), booleans j % 2, dates 2000-01-01 plus j days, datetimes
// 2000-01-01 00:00:00 plus j seconds, blobs the bytes of j in decimal. So every column is unique
// across a table's rows (booleans apart), and NOT NULL and primary keys hold. A column the database
// numbers itself (the single integer primary key: SQLite's rowid, PostgreSQL's SERIAL) is left to
// it, which numbers the rows of an empty table 1, 2, ... as well; generated columns are left out,
// and so is a column of an SQL type strata does not model (strata::sql_type) when it is nullable or
// has a default. A foreign key points at the seeded rows of its table, row j at row (j - 1) % P + 1
// of the P seeded (its own row for a table that references itself), or is NULL when its table is not
// seeded (refused when it is NOT NULL: seed the referenced table first). CHECK constraints are the
// application's: one these values break fails the seeding with the database's message (seed that
// table with a function of your own).
class row_generator {
 public:
  explicit row_generator(schema s) : schema_(std::move(s)) {}

  // The INSERT statements of `rows` rows of `table`, `batch` rows a statement, each handed to
  // `each` (quoting identifiers with Sql, the dialect's traits); returns the rows and bytes made.
  // The tables a foreign key references count as seeded when they were generated before.
  template <class Sql, class F>
  seeded generate(std::string_view table, std::int64_t rows, std::size_t batch, F&& each) {
    const auto* t = schema_.find_table(table);
    if (t == nullptr)
      throw seeding_failed("cannot seed the table '" + std::string(table) + "': there is no such table at the revision the benchmark starts from; "
                           "seed a table of that revision, or start the range at a revision that has it");
    const auto columns = plan(*t, rows);
    seeded out;
    if (columns.empty() || rows <= 0) return out;
    std::string head = "INSERT INTO " + Sql::quote(t->name) + " (";
    for (std::size_t i = 0; i < columns.size(); ++i) head += (i == 0 ? "" : ", ") + Sql::quote(columns[i]->name);
    head += ") VALUES ";
    std::string sql;
    for (std::int64_t j = 1; j <= rows; ++j) {
      sql += sql.empty() ? head + "(" : ", (";
      for (std::size_t i = 0; i < columns.size(); ++i) {
        if (i > 0) sql += ", ";
        const auto v = value(*t, *columns[i], j, 0);
        if (!v) {
          sql += "NULL";
          continue;
        }
        out.bytes += static_cast<std::int64_t>(v->text.size());
        if (v->quoted) sql += "'" + v->text + "'";
        else sql += v->text;
      }
      sql += ")";
      if (j % static_cast<std::int64_t>(batch) == 0 || j == rows) {
        each(std::string_view(sql));
        sql.clear();
      }
    }
    out.rows = rows;
    seeded_.emplace_back(t->name, rows);
    return out;
  }

  // Counts `rows` rows of `table`, written by other means (a seeding function) with the values a
  // generated table would have in the columns foreign keys reference (keys 1 to rows), as seeded.
  void assume_seeded(std::string_view table, std::int64_t rows) {
    const auto* t = schema_.find_table(table);
    if (t == nullptr)
      throw seeding_failed("cannot count the table '" + std::string(table) + "' as seeded: there is no such table at the revision the "
                           "benchmark starts from");
    seeded_.emplace_back(t->name, rows);
  }

  [[nodiscard]] const schema& tables() const { return schema_; }

 private:
  struct literal {
    std::string text;
    bool quoted = false;
  };

  // Whether the database numbers the column itself: the single integer primary key without a
  // default or a foreign key (SQLite's INTEGER PRIMARY KEY is the rowid; PostgreSQL's is SERIAL).
  static bool numbered(const table_schema& t, const column& c) {
    if (c.type.kind != type_kind::integer || !c.is_primary_key || c.default_sql || c.generated_sql || c.foreign_key) return false;
    const auto keys = std::count_if(t.columns.begin(), t.columns.end(), [](const column& k) { return k.is_primary_key; });
    const bool key_constraint = std::any_of(t.constraints.begin(), t.constraints.end(),
                                            [](const constraint& k) { return k.kind == constraint_kind::primary_key; });
    return keys == 1 && !key_constraint;
  }

  static bool unique_alone(const table_schema& t, const column& c, const schema& s) {
    if (c.is_unique || (c.is_primary_key && std::count_if(t.columns.begin(), t.columns.end(), [](const column& k) { return k.is_primary_key; }) == 1))
      return true;
    for (const auto& k : t.constraints)
      if ((k.kind == constraint_kind::unique || k.kind == constraint_kind::primary_key) && k.columns.size() == 1 && k.columns[0] == c.name) return true;
    for (const auto& i : s.indexes)
      if (i.table == t.name && i.options.unique && i.columns.size() == 1 && i.columns[0] == c.name) return true;
    return false;
  }

  // The foreign key of column c, as (referenced table, referenced column), if it has one.
  std::optional<std::pair<std::string_view, std::string_view>> reference(const table_schema& t, const column& c) const {
    if (c.foreign_key) return std::pair{c.foreign_key->table, c.foreign_key->column};
    for (const auto& k : t.constraints) {
      if (k.kind != constraint_kind::foreign_key) continue;
      for (std::size_t i = 0; i < k.columns.size(); ++i) {
        if (k.columns[i] != c.name) continue;
        if (i < k.referenced_columns.size()) return std::pair{k.referenced_table, k.referenced_columns[i]};
        if (const auto* parent = schema_.find_table(k.referenced_table)) {  // the referenced table's key
          std::size_t n = 0;
          for (const auto& pc : parent->columns)
            if (pc.is_primary_key && n++ == i) return std::pair{k.referenced_table, pc.name};
        }
      }
    }
    return std::nullopt;
  }

  std::int64_t seeded_rows(std::string_view table) const {
    for (const auto& [name, rows] : seeded_)
      if (name == table) return rows;
    return 0;
  }

  // The columns given values, checked against `rows`.
  std::vector<const column*> plan(const table_schema& t, std::int64_t rows) const {
    std::vector<const column*> out;
    const auto where = "column '" + std::string(t.name) + ".";
    for (const auto& c : t.columns) {
      const auto name = where + std::string(c.name) + "'";
      if (c.generated_sql || numbered(t, c)) continue;
      if (const auto ref = reference(t, c); ref && ref->first != t.name && seeded_rows(ref->first) == 0) {
        if (!c.nullable)
          throw seeding_failed("cannot seed " + name + ": it is a NOT NULL foreign key to the table '" + std::string(ref->first) +
                               "', which is not seeded; seed '" + std::string(ref->first) + "' first");
        out.push_back(&c);  // NULL
        continue;
      }
      if (c.type.kind == type_kind::custom) {
        if (c.nullable || c.default_sql) continue;
        throw seeding_failed("cannot seed " + name + ": strata makes no values of its type " + std::string(c.type.sql) +
                             ", and it is NOT NULL without a default; seed the table with a function of your own");
      }
      if (unique_alone(t, c, schema_)) {
        if (c.type.kind == type_kind::boolean && rows > 2)
          throw seeding_failed("cannot seed " + std::to_string(rows) + " rows into " + name + ": a unique boolean holds two rows at most; "
                               "seed the table with a function of your own");
        if (c.type.kind == type_kind::varchar && std::to_string(rows).size() > c.type.length)
          throw seeding_failed("cannot seed " + std::to_string(rows) + " rows into " + name + ": it is unique, and varchar(" +
                               std::to_string(c.type.length) + ") holds " + std::to_string(c.type.length) +
                               " digits; seed fewer rows, or the table with a function of your own");
      }
      out.push_back(&c);
    }
    return out;
  }

  std::optional<literal> value(const table_schema& t, const column& c, std::int64_t j, int depth) const {
    if (const auto ref = reference(t, c); ref && depth < 8) {
      const auto* parent = ref->first == t.name ? &t : schema_.find_table(ref->first);
      const auto rows = ref->first == t.name ? j : seeded_rows(ref->first);
      const column* target = parent == nullptr ? nullptr : parent->find_column(ref->second);
      if (target == nullptr || rows == 0) return std::nullopt;
      return value(*parent, *target, ref->first == t.name ? j : (j - 1) % rows + 1, depth + 1);
    }
    const auto n = std::to_string(j);
    switch (c.type.kind) {
      case type_kind::integer:
      case type_kind::big_integer: return literal{n, false};
      case type_kind::real:
      case type_kind::float_: return literal{n + ".5", false};
      case type_kind::boolean: return literal{j % 2 == 0 ? "0" : "1", true};
      case type_kind::date: return literal{detail::date_text(detail::year_2000 + j), true};
      case type_kind::datetime: {
        auto two = [](std::int64_t v) { return std::string(v < 10 ? "0" : "") + std::to_string(v); };
        const auto s = j % 86400;
        return literal{detail::date_text(detail::year_2000 + j / 86400) + " " + two(s / 3600) + ":" + two(s / 60 % 60) + ":" + two(s % 60), true};
      }
      case type_kind::varchar:
        if (c.type.length > 0 && n.size() > c.type.length) return literal{n.substr(n.size() - c.type.length), true};
        return literal{n, true};
      case type_kind::text:
      case type_kind::blob: return literal{n, true};
      case type_kind::custom: return std::nullopt;
    }
    return std::nullopt;
  }

  schema schema_;
  std::vector<std::pair<std::string_view, std::int64_t>> seeded_;
};

// A table and how many rows to generate for it.
struct table_rows {
  std::string table;
  std::int64_t rows = 0;
};

// Generated rows of `tables`, in the given order (a referenced table first, by this call or an
// earlier one with the same generator), inserted through the dialect in one transaction (the
// migration lock of `version_table` held), `batch` rows an INSERT.
template <ExecutesSql D>
seeded seed_rows(D& d, row_generator& rows, const std::vector<table_rows>& tables, std::string_view version_table = "alembic_version",
                 std::size_t batch = 500) {
  seeded total;
  const unit_of_work unit{"strata::benchmarking", {}, true, version_table};
  d.transaction(unit, [&] {
    row_generator attempt = rows;  // the body may run again (PostgreSQL, after its lock_timeout)
    total = {};
    for (const auto& t : tables) {
      const auto s = attempt.template generate<typename D::sql>(t.table, t.rows, batch, [&](std::string_view sql) { d.execute(sql); });
      total.rows += s.rows;
      total.bytes += s.bytes;
    }
    rows = std::move(attempt);
  });
  return total;
}

namespace detail {

// What a benchmark holds in its place (a connection, a seeded template), released before the
// process's static objects are destroyed. Benchmarks given to Google Benchmark live in its static
// registry, destroyed after the database library's own function-local statics (libpqxx's table of
// encodings), so a template dropped from a benchmark's destructor would run a query on freed memory.
// The exit handler is registered again after each template is made, so after the statics its
// database library built, and exit handlers run in the reverse order of construction and
// registration; it releases every live benchmark's, once.
struct benchmark_resources {
  benchmark_resources() = default;
  benchmark_resources(const benchmark_resources&) = delete;
  benchmark_resources& operator=(const benchmark_resources&) = delete;
  virtual ~benchmark_resources() = default;
  virtual void release() noexcept = 0;
};

inline std::vector<std::weak_ptr<benchmark_resources>>& live_benchmark_resources() {
  static std::vector<std::weak_ptr<benchmark_resources>> live;
  return live;
}

inline void release_live_benchmark_resources() noexcept {
  for (const auto& held : live_benchmark_resources())
    if (const auto r = held.lock()) r->release();
}

inline void release_at_exit(const std::shared_ptr<benchmark_resources>& held) {
  auto& live = live_benchmark_resources();
  if (std::atexit(release_live_benchmark_resources) != 0) return;  // left to the benchmark's destructor
  std::erase_if(live, [](const auto& w) { return w.expired(); });
  live.push_back(held);
}

}  // namespace detail

// One revision ("c7d2a9e1f0b3": from its down revision to it) or a range ("from:to", either way:
// a `to` below `from` downgrades) of history H, timed on a fresh copy of a seeded database per
// iteration, on dialect D. Seeding steps run in the order given, after the history is migrated to
// `from`. Move-only; the template it builds is dropped with it.
template <class H, class D>
  requires ClonesDatabases<D> && ExecutesSql<D>
class revision_benchmark {
 public:
  using provisioner = typename D::provisioner;
  using seed_function = std::function<seeded(D&)>;

  explicit revision_benchmark(std::string_view range, migrator_options options = {}) : options_(std::move(options)) {
    const revision_graph g(H::revisions);
    const auto colon = range.find(':');
    if (colon == std::string_view::npos) {
      const auto& r = g[g.resolve(range)];
      if (r.down_revisions.size() > 1)
        throw seeding_failed("revision '" + std::string(r.id) + "' merges several revisions, so it has no single revision to start from; "
                             "name a range, from:to");
      from_ = r.down_revisions.empty() ? "base" : std::string(r.down_revisions.front());
      to_ = std::string(r.id);
    } else {
      from_ = std::string(range.substr(0, colon));
      to_ = std::string(range.substr(colon + 1));
    }
    const auto from_rows = offline::rows_of(g, from_);
    if (to_ == "base") {
      way_ = from_rows.empty() ? direction::upgrade : direction::downgrade;
    } else {
      const auto to_rows = offline::rows_of(g, to_);
      std::vector<std::size_t> tips;
      for (const auto& id : from_rows) tips.push_back(g.find(id));
      const auto below = g.ancestors(tips);
      way_ = !to_rows.empty() && to_rows != from_rows && below[g.find(to_rows.front())] ? direction::downgrade : direction::upgrade;
    }
  }
  revision_benchmark(revision_benchmark&&) noexcept = default;
  revision_benchmark& operator=(revision_benchmark&&) noexcept = default;
  revision_benchmark(const revision_benchmark&) = delete;
  revision_benchmark& operator=(const revision_benchmark&) = delete;
  ~revision_benchmark() = default;  // the template goes with the last of held_'s owners, or at exit

  // `rows` rows generated for `table` from the schema at `from` (row_generator).
  revision_benchmark& seed(std::string table, std::int64_t rows) {
    seeds_.emplace_back(table_rows{std::move(table), rows});
    return *this;
  }
  // The application's own rows: `fill` writes them on the connection (d.database() is the native
  // one), before the template is copied, and returns how many (and their bytes, or 0). `tables`
  // names those it fills, with their rows keyed 1 to rows in the columns that foreign keys
  // reference, so that tables generated after it point at them (row_generator::assume_seeded).
  revision_benchmark& seed(seed_function fill, std::vector<table_rows> tables = {}) {
    seeds_.emplace_back(function_seed{std::move(fill), std::move(tables)});
    return *this;
  }

  [[nodiscard]] const std::string& from() const { return from_; }
  [[nodiscard]] const std::string& to() const { return to_; }
  [[nodiscard]] direction way() const { return way_; }
  // What the seeding wrote (after prepare()).
  [[nodiscard]] const seeded& rows() const { return seeded_; }

  // Builds the seeded template, once: the history migrated to `from`, then seeded. Throws
  // strata::database_unavailable when the place cannot be reached, seeding_failed, or what the
  // migrator throws.
  void prepare() {
    if (!held_->name.empty()) return;
    if (!held_->place) held_->place = std::make_unique<provisioner>();
    drop_leftovers();
    const auto name = std::string(prefix) + held_->place->session() + "_" + std::to_string(next_number());
    held_->place->create(name);
    try {
      {
        migrator<D> m(H{}, options_, held_->place->open(name));
        for (const auto& row : offline::rows_of(m.graph(), from_)) m.upgrade(row);
        row_generator generated(replay_at_from(m.graph()));
        seeded_ = {};
        for (const auto& s : seeds_) {
          seeded w;
          if (const auto* t = std::get_if<table_rows>(&s)) {
            w = seed_rows(m.dialect(), generated, {*t}, options_.version_table);
          } else {
            const auto& f = std::get<function_seed>(s);
            w = f.fill(m.dialect());
            for (const auto& t : f.tables) generated.assume_seeded(t.table, t.rows);
          }
          seeded_.rows += w.rows;
          seeded_.bytes += w.bytes;
        }
      }
      held_->place->mark_template(name);
    } catch (...) {
      try {
        held_->place->drop(name);
      } catch (...) {  // NOLINT: the first failure is the one to report
      }
      throw;
    }
    held_->name = name;
    detail::release_at_exit(held_);
    try {
      floor_ = offline::script<D>(H::revisions, held_->place->url(name), way_, from_ + ":" + to_, options_).text;
    } catch (const not_renderable& e) {
      floor_error_ = e.what();
    }
  }

  // A copy of the seeded template, open (by its URL, as the application opens its database);
  // dropped when destroyed. Move-only.
  class copy {
   public:
    copy(provisioner& place, std::string name, D connection)
        : place_(&place), name_(std::move(name)), url_(place.url(name_)), dialect_(std::move(connection)) {}
    copy(copy&& other) noexcept
        : place_(std::exchange(other.place_, nullptr)), name_(std::move(other.name_)), url_(std::move(other.url_)), dialect_(std::move(other.dialect_)) {
      other.dialect_.reset();
    }
    copy& operator=(copy&&) = delete;
    copy(const copy&) = delete;
    copy& operator=(const copy&) = delete;
    ~copy() {
      dialect_.reset();
      if (place_ != nullptr) {
        try {
          place_->drop(name_);
        } catch (...) {  // NOLINT: a leftover, dropped by the next benchmark process of this place
        }
      }
    }
    [[nodiscard]] const std::string& name() const { return name_; }
    [[nodiscard]] const std::string& url() const { return url_; }
    // The connection; after migrate(), which takes it, there is none (open another with url()).
    [[nodiscard]] D& dialect() { return *dialect_; }
    D take() {
      D d = std::move(*dialect_);
      dialect_.reset();
      return d;
    }

   private:
    provisioner* place_;
    std::string name_;
    std::string url_;
    std::optional<D> dialect_;
  };

  copy fresh_copy() {
    prepare();
    const auto name = held_->name + "_" + std::to_string(++copies_);
    held_->place->copy(held_->name, name);
    try {
      return copy(*held_->place, name, D(held_->place->url(name)));
    } catch (...) {
      held_->place->drop(name);
      throw;
    }
  }

  // strata's migrator on the copy, from `from` to `to` (it takes the copy's connection).
  void migrate(copy& c) {
    migrator<D> m(H{}, options_, c.take());
    if (way_ == direction::upgrade) benchmark::DoNotOptimize(m.upgrade(to_));
    else benchmark::DoNotOptimize(m.downgrade(to_));
  }
  // The floor: the SQL script of the same range (manage_db upgrade --sql), executed on the copy's
  // connection as it is. Throws strata::not_renderable for a range with C++ code (op.run).
  void run_sql(copy& c) {
    prepare();
    if (!floor_error_.empty()) throw not_renderable(floor_error_);
    c.dialect().execute(floor_);
  }
  [[nodiscard]] const std::string& floor_sql() {
    prepare();
    return floor_;
  }

  // The benchmark bodies: a fresh copy per iteration, the copy and its drop untimed. Register them
  // with UseRealTime() (PostgreSQL works in the server, not in this process), as
  // register_benchmarks does. A failure skips the benchmark with its message.
  void run(benchmark::State& state) {
    iterate(state, [this](copy& c) { migrate(c); });
  }
  void run_floor(benchmark::State& state) {
    iterate(state, [this](copy& c) { run_sql(c); });
  }

 private:
  static constexpr std::string_view prefix = "strata_bench_";

  struct function_seed {
    seed_function fill;
    std::vector<table_rows> tables;
  };

  static int next_number() {
    static int n = 0;
    return n++;
  }

  schema replay_at_from(const revision_graph& g) const {
    std::vector<std::size_t> tips;
    for (const auto& id : offline::rows_of(g, from_)) tips.push_back(g.find(id));
    return commands::replay(g, tips);
  }

  // What benchmark processes that ended before dropping their databases left (strata_bench_<session>_...).
  void drop_leftovers() {
    for (const auto& name : held_->place->list(prefix)) {
      const auto rest = std::string_view(name).substr(prefix.size());
      const auto session = rest.substr(0, rest.find('_'));
      if (session != held_->place->session() && !held_->place->alive(session)) held_->place->drop(name);
    }
  }

  template <class F>
  void iterate(benchmark::State& state, F&& work) {
    bool timing = true;
    try {
      prepare();
      for (auto _ : state) {
        state.PauseTiming();
        timing = false;
        auto c = fresh_copy();
        state.ResumeTiming();
        timing = true;
        work(c);
        state.PauseTiming();
        timing = false;
        { auto gone = std::move(c); }
        state.ResumeTiming();
        timing = true;
      }
    } catch (const std::exception& e) {
      if (!timing) state.ResumeTiming();
      state.SkipWithError(e.what());
      return;
    }
    state.SetItemsProcessed(state.iterations() * seeded_.rows);
    if (seeded_.bytes > 0) state.SetBytesProcessed(state.iterations() * seeded_.bytes);
    state.counters["rows"] = static_cast<double>(seeded_.rows);
  }

  migrator_options options_;
  std::string from_, to_;
  direction way_ = direction::upgrade;
  std::vector<std::variant<table_rows, function_seed>> seeds_;
  // The place and its seeded template: the template is dropped when the benchmark is destroyed, or
  // by the exit handler detail::release_at_exit registers, whichever comes first.
  struct resources final : detail::benchmark_resources {
    std::unique_ptr<provisioner> place;
    std::string name;
    resources() = default;
    resources(const resources&) = delete;
    resources& operator=(const resources&) = delete;
    ~resources() override { release(); }
    void release() noexcept override {
      if (place && !name.empty()) {
        try {
          place->drop(name);
        } catch (...) {  // NOLINT: a leftover, dropped by the next benchmark process of this place
        }
      }
      name.clear();
      place.reset();
    }
  };
  std::shared_ptr<resources> held_ = std::make_shared<resources>();
  int copies_ = 0;
  seeded seeded_;
  std::string floor_, floor_error_;
};

// Registers `name`/strata (b.run) and `name`/floor (b.run_floor), in milliseconds of wall-clock
// time, sharing one seeded template; returns the benchmark for more settings.
template <class H, class D>
std::shared_ptr<revision_benchmark<H, D>> register_benchmarks(const std::string& name, revision_benchmark<H, D> b) {
  auto shared = std::make_shared<revision_benchmark<H, D>>(std::move(b));
  benchmark::RegisterBenchmark((name + "/strata").c_str(), [shared](benchmark::State& s) { shared->run(s); })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark((name + "/floor").c_str(), [shared](benchmark::State& s) { shared->run_floor(s); })
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);
  return shared;
}

}  // namespace strata::benchmarking
