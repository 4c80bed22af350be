// A 200-revision upgrade and downgrade (strata::bench::history_of<200>), and a no-op upgrade, on a
// SQLite file and on PostgreSQL, in both transaction modes (strata::transaction_mode), each beside
// its floor in the same binary: the same SQL, the statements strata ran for the operations
// (captured once with on_statement), run directly in one transaction (SQLite's C API through
// SQLiteCpp; libpqxx), and for the no-op the read of the version table. The upgrade and downgrade
// have a second floor, /script: what `manage_db upgrade --sql` (strata::offline::script, tx_mode
// all) writes for the same range, version table included, sent as one string, as `psql -f` or
// `sqlite3` would run that file.
//
// Timed per iteration: SQLite, opening the file, the work, closing it; PostgreSQL, the work on an
// open connection. Untimed: making the database the work starts from (an empty file or schema, or a
// copy at head).
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include <unistd.h>

#include <SQLiteCpp/Database.h>

#include <strata/dialect/sqlite.hpp>
#include <strata/offline.hpp>
#include <strata/strata.hpp>

#include "synthetic_history.hpp"

#ifdef STRATA_HAVE_POSTGRESQL
#include <pqxx/pqxx>

#include <strata/dialect/postgresql.hpp>
#endif

namespace {

constexpr std::size_t revisions = 200;
using history = strata::bench::history_of<revisions>;

// Arg(0): one transaction per revision; Arg(1): one for all.
strata::migrator_options options_for(const benchmark::State& state) {
  strata::migrator_options options;
  options.transactions = state.range(0) == 1 ? strata::transaction_mode::all : strata::transaction_mode::revision;
  return options;
}

void count(benchmark::State& state) {
  state.counters["revisions/s"] = benchmark::Counter(static_cast<double>(revisions), benchmark::Counter::kIsIterationInvariantRate);
}

// What strata ran for the operations of an upgrade from empty to head and of the downgrade back.
struct statements {
  std::vector<std::string> up, down;
};
template <class M>
statements capture(M& m) {
  statements s;
  std::vector<std::string>* into = &s.up;
  m.dialect().on_statement([&](std::string_view sql) { into->emplace_back(sql); });
  m.upgrade("head");
  into = &s.down;
  m.downgrade("base");
  m.dialect().on_statement({});
  return s;
}

// SQLite -----------------------------------------------------------------------------------------

std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("strata_upgrade_benchmark_" + std::to_string(::getpid()) + "_" + name + ".db");
}
std::string url_of(const std::filesystem::path& file) { return "sqlite:///" + file.string(); }

const statements& sqlite_statements() {
  static const statements s = [] {
    const auto file = scratch("capture");
    std::filesystem::remove(file);
    strata::migrator<strata::sqlite> m(history{}, url_of(file));
    auto out = capture(m);
    std::filesystem::remove(file);
    return out;
  }();
  return s;
}

// A file at head, made once, that each downgrade or no-op iteration starts from (a copy of it).
const std::filesystem::path& sqlite_at_head() {
  static const std::filesystem::path file = [] {
    auto f = scratch("head");
    std::filesystem::remove(f);
    strata::migrator<strata::sqlite>(history{}, url_of(f)).upgrade("head");
    return f;
  }();
  return file;
}

// The file, opened as strata opens one (foreign keys on).
SQLite::Database open_sqlite(const std::filesystem::path& file) {
  SQLite::Database db(file.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("PRAGMA foreign_keys = ON");
  return db;
}

void run_sqlite_statements(const std::filesystem::path& file, const std::vector<std::string>& sql) {
  auto db = open_sqlite(file);
  db.exec("BEGIN IMMEDIATE");
  for (const auto& statement : sql) db.exec(statement);
  db.exec("COMMIT");
}

// Each iteration starts from an empty file (or a copy of the one at head), made untimed.
template <class F>
void sqlite_iterations(benchmark::State& state, bool from_head, F&& work) {
  const auto file = scratch("work");
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove(file);
    if (from_head) std::filesystem::copy_file(sqlite_at_head(), file);
    state.ResumeTiming();
    work(file);
  }
  std::filesystem::remove(file);
  count(state);
}

void BM_upgrade_sqlite(benchmark::State& state) {
  sqlite_iterations(state, false, [&](const auto& file) {
    benchmark::DoNotOptimize(strata::migrator<strata::sqlite>(history{}, options_for(state), url_of(file)).upgrade("head"));
  });
}
void BM_upgrade_sqlite_floor(benchmark::State& state) {
  const auto& sql = sqlite_statements().up;
  sqlite_iterations(state, false, [&](const auto& file) { run_sqlite_statements(file, sql); });
}
void BM_downgrade_sqlite(benchmark::State& state) {
  sqlite_iterations(state, true, [&](const auto& file) {
    benchmark::DoNotOptimize(strata::migrator<strata::sqlite>(history{}, options_for(state), url_of(file)).downgrade("base"));
  });
}
void BM_downgrade_sqlite_floor(benchmark::State& state) {
  const auto& sql = sqlite_statements().down;
  sqlite_iterations(state, true, [&](const auto& file) { run_sqlite_statements(file, sql); });
}
// What `manage_db upgrade --sql base:head` (or `downgrade --sql head:base`) writes, tx_mode all.
template <class D>
std::string script_of(std::string_view url, strata::direction way) {
  strata::migrator_options options;
  options.transactions = strata::transaction_mode::all;
  return strata::offline::script<D>(history::revisions, url, way, way == strata::direction::upgrade ? "base:head" : "head:base", options).text;
}
void BM_upgrade_sqlite_script(benchmark::State& state) {
  static const auto sql = script_of<strata::sqlite>("sqlite:///script.db", strata::direction::upgrade);
  sqlite_iterations(state, false, [&](const auto& file) { open_sqlite(file).exec(sql); });
}
void BM_downgrade_sqlite_script(benchmark::State& state) {
  static const auto sql = script_of<strata::sqlite>("sqlite:///script.db", strata::direction::downgrade);
  sqlite_iterations(state, true, [&](const auto& file) { open_sqlite(file).exec(sql); });
}
void BM_noop_upgrade_sqlite(benchmark::State& state) {
  const auto& file = sqlite_at_head();
  for (auto _ : state) benchmark::DoNotOptimize(strata::migrator<strata::sqlite>(history{}, url_of(file)).upgrade("head"));
}
void BM_noop_upgrade_sqlite_floor(benchmark::State& state) {
  const auto& file = sqlite_at_head();
  for (auto _ : state) {
    SQLite::Database db(file.string(), SQLite::OPEN_READWRITE);
    SQLite::Statement q(db, "SELECT version_num FROM alembic_version");
    while (q.executeStep()) benchmark::DoNotOptimize(q.getColumn(0).getString());
  }
}

BENCHMARK(BM_upgrade_sqlite)->ArgName("all")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_upgrade_sqlite_floor)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_upgrade_sqlite_script)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_downgrade_sqlite)->ArgName("all")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_downgrade_sqlite_floor)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_downgrade_sqlite_script)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_noop_upgrade_sqlite)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_noop_upgrade_sqlite_floor)->Unit(benchmark::kMicrosecond)->UseRealTime();

// PostgreSQL -------------------------------------------------------------------------------------
#ifdef STRATA_HAVE_POSTGRESQL

std::optional<std::string> no_server() {
  for (const char* name : {"PGHOST", "PGPORT", "PGUSER"})
    if (const char* v = std::getenv(name); v != nullptr && *v != '\0') return std::nullopt;
  return "no PostgreSQL server: PGHOST, PGPORT and PGUSER are not set (run under pg_virtualenv, or export a server's PG* variables)";
}

// A database of this process's, its public schema emptied before each iteration.
struct postgresql_database {
  std::string name = "strata_bench_upgrade_" + std::to_string(::getpid());
  pqxx::connection admin;
  std::optional<pqxx::connection> db;
  statements sql;
  postgresql_database() {
    pqxx::nontransaction(admin).exec0("DROP DATABASE IF EXISTS " + name);
    pqxx::nontransaction(admin).exec0("CREATE DATABASE " + name);
    db.emplace("dbname=" + name);
    strata::migrator<strata::postgresql> m(history{}, *db);
    sql = capture(m);
  }
  ~postgresql_database() {
    db.reset();
    try {
      pqxx::nontransaction(admin).exec0("DROP DATABASE IF EXISTS " + name);
    } catch (...) {  // NOLINT: left for the server's owner
    }
  }
  // Empty, or at head (through the floor's statements and the version row), with a marker in the
  // server's log (log_statement = all) where the timed work begins.
  void reset(bool at_head, const char* marker) {
    pqxx::nontransaction(*db).exec0("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
    if (at_head) {
      run(sql.up);
      pqxx::nontransaction(*db).exec0("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc "
                                      "PRIMARY KEY (version_num)); INSERT INTO alembic_version VALUES ('" +
                                      std::string(history::revisions[revisions - 1].id) + "')");
    }
    pqxx::nontransaction(*db).exec(std::string("SELECT 'strata_bench: ") + marker + "'");
  }
  void run(const std::vector<std::string>& statements) {
    pqxx::work w(*db);
    for (const auto& s : statements) w.exec0(s);
    w.commit();
  }
};

postgresql_database* postgresql(benchmark::State& state) {
  if (auto reason = no_server()) {
    state.SkipWithError(reason->c_str());
    return nullptr;
  }
  static std::optional<postgresql_database> database;
  try {
    if (!database) database.emplace();
  } catch (const std::exception& e) {
    state.SkipWithError(("could not set up the PostgreSQL database: " + std::string(e.what())).c_str());
    return nullptr;
  }
  return &*database;
}

template <class F>
void postgresql_iterations(benchmark::State& state, bool from_head, const char* marker, F&& work) {
  auto* p = postgresql(state);
  if (p == nullptr) return;
  for (auto _ : state) {
    state.PauseTiming();
    p->reset(from_head, marker);
    state.ResumeTiming();
    work(*p);
  }
  count(state);
}

void BM_upgrade_postgresql(benchmark::State& state) {
  postgresql_iterations(state, false, state.range(0) == 1 ? "upgrade all" : "upgrade revision", [&](postgresql_database& p) {
    benchmark::DoNotOptimize(strata::migrator<strata::postgresql>(history{}, options_for(state), *p.db).upgrade("head"));
  });
}
void BM_upgrade_postgresql_floor(benchmark::State& state) {
  postgresql_iterations(state, false, "upgrade floor", [](postgresql_database& p) { p.run(p.sql.up); });
}
void BM_upgrade_postgresql_script(benchmark::State& state) {
  static const auto sql = script_of<strata::postgresql>("postgresql://localhost/script", strata::direction::upgrade);
  postgresql_iterations(state, false, "upgrade script", [](postgresql_database& p) { pqxx::nontransaction(*p.db).exec0(sql); });
}
void BM_downgrade_postgresql(benchmark::State& state) {
  postgresql_iterations(state, true, state.range(0) == 1 ? "downgrade all" : "downgrade revision", [&](postgresql_database& p) {
    benchmark::DoNotOptimize(strata::migrator<strata::postgresql>(history{}, options_for(state), *p.db).downgrade("base"));
  });
}
void BM_downgrade_postgresql_floor(benchmark::State& state) {
  postgresql_iterations(state, true, "downgrade floor", [](postgresql_database& p) { p.run(p.sql.down); });
}
void BM_downgrade_postgresql_script(benchmark::State& state) {
  static const auto sql = script_of<strata::postgresql>("postgresql://localhost/script", strata::direction::downgrade);
  postgresql_iterations(state, true, "downgrade script", [](postgresql_database& p) { pqxx::nontransaction(*p.db).exec0(sql); });
}
void BM_noop_upgrade_postgresql(benchmark::State& state) {
  auto* p = postgresql(state);
  if (p == nullptr) return;
  p->reset(true, "no-op upgrade");
  for (auto _ : state) benchmark::DoNotOptimize(strata::migrator<strata::postgresql>(history{}, *p->db).upgrade("head"));
}
void BM_noop_upgrade_postgresql_floor(benchmark::State& state) {
  auto* p = postgresql(state);
  if (p == nullptr) return;
  p->reset(true, "no-op floor");
  for (auto _ : state) benchmark::DoNotOptimize(pqxx::nontransaction(*p->db).exec("SELECT version_num FROM alembic_version").size());
}

BENCHMARK(BM_upgrade_postgresql)->ArgName("all")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_upgrade_postgresql_floor)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_upgrade_postgresql_script)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_downgrade_postgresql)->ArgName("all")->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_downgrade_postgresql_floor)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_downgrade_postgresql_script)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_noop_upgrade_postgresql)->Unit(benchmark::kMicrosecond)->UseRealTime();
BENCHMARK(BM_noop_upgrade_postgresql_floor)->Unit(benchmark::kMicrosecond)->UseRealTime();

#endif

}  // namespace
