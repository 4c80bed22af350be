// A fresh database at head for each test: a clone of strata::testing's template against replaying
// the whole history, for synthetic histories of 10, 100 and 200 revisions, on SQLite and PostgreSQL.
//
// Timed per iteration: SQLite, the connection's open, the clone or the migration, and its close;
// PostgreSQL, what each benchmark's comment says (the replay: CREATE DATABASE, its connection and
// the migration, with the DROP DATABASE after it untimed).
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>

#include <benchmark/benchmark.h>

#include <SQLiteCpp/Database.h>

#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>
#include <strata/testing/database_template.hpp>

#include "synthetic_history.hpp"

#ifdef STRATA_HAVE_POSTGRESQL
#include <unistd.h>

#include <pqxx/pqxx>

#include <strata/dialect/postgresql.hpp>
#endif

namespace {

using strata::bench::history_of;

void count(benchmark::State& state, const char* per_second) {
  state.counters["revisions"] = static_cast<double>(state.range(0));
  state.counters[per_second] = benchmark::Counter(1, benchmark::Counter::kIsIterationInvariantRate);
}

// SQLite ---------------------------------------------------------------------------------------

// A new in-memory database, migrated from empty to head (as the template itself is built).
template <std::size_t N>
void BM_fresh_database_replay_sqlite(benchmark::State& state) {
  for (auto _ : state) {
    SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA foreign_keys = ON");
    benchmark::DoNotOptimize(strata::migrator<strata::sqlite>(history_of<N>{}, db).upgrade("heads"));
  }
  count(state, "databases/s");
}

// sqlite3_deserialize of the template's image into a new in-memory database.
template <std::size_t N>
void BM_fresh_database_clone_sqlite(benchmark::State& state) {
  const auto& source = strata::testing::database_template<history_of<N>, strata::sqlite>::instance();
  for (auto _ : state) {
    auto clone = source.clone_in_memory();
    benchmark::DoNotOptimize(clone.connection().getHandle());
  }
  count(state, "clones/s");
}

// The template's image written to a new file in the temporary folder, opened, and deleted (what
// the fixtures use).
template <std::size_t N>
void BM_fresh_database_clone_file_sqlite(benchmark::State& state) {
  auto& source = strata::testing::database_template<history_of<N>, strata::sqlite>::instance();
  for (auto _ : state) {
    auto clone = source.clone();
    benchmark::DoNotOptimize(clone.connection().getHandle());
  }
  count(state, "clones/s");
}

// Registered as BM_fresh_database_<kind>_<dialect>/<revisions>/real_time: wall-clock time, since
// PostgreSQL's work is done in the server, not in this process.
#define STRATA_FRESH_DATABASE(function, unit)                                                  \
  BENCHMARK_TEMPLATE(function, 10)->Name(#function)->Arg(10)->Unit(unit)->UseRealTime();     \
  BENCHMARK_TEMPLATE(function, 100)->Name(#function)->Arg(100)->Unit(unit)->UseRealTime();   \
  BENCHMARK_TEMPLATE(function, 200)->Name(#function)->Arg(200)->Unit(unit)->UseRealTime()

STRATA_FRESH_DATABASE(BM_fresh_database_clone_sqlite, benchmark::kMicrosecond);
STRATA_FRESH_DATABASE(BM_fresh_database_clone_file_sqlite, benchmark::kMicrosecond);
STRATA_FRESH_DATABASE(BM_fresh_database_replay_sqlite, benchmark::kMillisecond);

#ifdef STRATA_HAVE_POSTGRESQL
// PostgreSQL ----------------------------------------------------------------------------------

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

// Why the PostgreSQL benchmarks cannot run, or nothing when libpq's PG* variables name a server.
std::optional<std::string> no_server() {
  if (environment("PGHOST").empty() && environment("PGPORT").empty() && environment("PGUSER").empty())
    return "no PostgreSQL server: PGHOST, PGPORT and PGUSER are not set (export the PG* variables of a server, "
           "or run under pg_virtualenv)";
  return std::nullopt;
}

// The template of N revisions, with its clones made ahead as in a test program (make_ahead() of
// them, from the second clone() on); nothing when there is no server.
template <std::size_t N>
strata::testing::database_template<history_of<N>, strata::postgresql>* postgresql_template(benchmark::State& state, std::size_t ahead) {
  if (auto reason = no_server()) {
    state.SkipWithError(reason->c_str());
    return nullptr;
  }
  try {
    auto& t = strata::testing::database_template<history_of<N>, strata::postgresql>::instance();
    t.make_ahead(ahead);
    for (int i = 0; i < 2; ++i) benchmark::DoNotOptimize(t.clone().connection().is_open());
    t.settle();
    return &t;
  } catch (const std::exception& e) {
    state.SkipWithError(("could not clone the PostgreSQL template: " + std::string(e.what())).c_str());
    return nullptr;
  }
}

// clone() and the connection, timed; the release not, nor (with clones made ahead) the refill:
// each iteration starts with `ahead` clones ready.
template <std::size_t N>
void clone_one_at_a_time(benchmark::State& state, std::size_t ahead) {
  auto* t = postgresql_template<N>(state, ahead);
  if (t == nullptr) return;
  std::optional<strata::testing::cloned_database<strata::postgresql>> clone;
  for (auto _ : state) {
    clone.emplace(t->clone());
    benchmark::DoNotOptimize(clone->connection().is_open());
    state.PauseTiming();
    clone.reset();
    t->settle();
    state.ResumeTiming();
  }
  count(state, "clones/s");
}

// What a suite waits for its database when the clones made ahead are ready (the previous suite's
// tests ran for as long as making one takes).
template <std::size_t N>
void BM_fresh_database_clone_postgresql(benchmark::State& state) {
  clone_one_at_a_time<N>(state, 2);
}

// Clones asked for back to back, each released at once (tests that take no time): clone() and the
// release, all timed. This is the rate at which the two workers make (and drop) them.
template <std::size_t N>
void BM_fresh_database_clone_back_to_back_postgresql(benchmark::State& state) {
  auto* t = postgresql_template<N>(state, 2);
  if (t == nullptr) return;
  for (auto _ : state) {
    auto clone = t->clone();
    benchmark::DoNotOptimize(clone.connection().is_open());
  }
  t->settle();
  count(state, "clones/s");
}

// Nothing made ahead (make_ahead(0), as for a process's first clone): CREATE DATABASE ... TEMPLATE
// and the connection to the copy; the DROP DATABASE after it is untimed.
template <std::size_t N>
void BM_fresh_database_clone_unpooled_postgresql(benchmark::State& state) {
  clone_one_at_a_time<N>(state, 0);
}

// A process's first clone when the process before it left a spare (made untimed, by a copy of the
// template under the spare's name): the template's connection, the RENAME that claims the spare and
// the clone's connection, timed.
template <std::size_t N>
void BM_fresh_database_clone_spare_postgresql(benchmark::State& state) {
  auto* t = postgresql_template<N>(state, 0);
  if (t == nullptr) return;
  using postgresql_clone_pool = strata::testing::clone_pool<strata::postgresql>;
  strata::postgresql::provisioner admin;
  int made = 0;
  for (auto _ : state) {
    state.PauseTiming();
    admin.copy(t->name(), t->spare_prefix() + "0_" + std::to_string(made++));
    state.ResumeTiming();
    std::optional<postgresql_clone_pool> process(std::in_place, t->name());
    process->attach(t->identity());
    process->make_ahead(0);
    auto clone = process->take();
    benchmark::DoNotOptimize(clone.connection->database().is_open());
    state.PauseTiming();
    clone.connection.reset();
    process->release(clone.name);
    process.reset();
    state.ResumeTiming();
  }
  count(state, "clones/s");
}

// CREATE DATABASE (empty), a connection to it, and the migration from empty to head.
template <std::size_t N>
void BM_fresh_database_replay_postgresql(benchmark::State& state) {
  if (auto reason = no_server()) return state.SkipWithError(reason->c_str());
  std::optional<pqxx::connection> admin;
  try {
    admin.emplace();  // the PG* variables' database
  } catch (const std::exception& e) {
    return state.SkipWithError(("could not connect to PostgreSQL: " + std::string(e.what())).c_str());
  }
  const std::string name = "strata_bench_replay_" + std::to_string(::getpid());
  auto drop = [&] { pqxx::nontransaction(*admin).exec0("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); };
  drop();
  for (auto _ : state) {
    pqxx::nontransaction(*admin).exec0("CREATE DATABASE " + name);
    {
      pqxx::connection db("dbname=" + name);
      benchmark::DoNotOptimize(strata::migrator<strata::postgresql>(history_of<N>{}, db).upgrade("heads"));
      state.PauseTiming();
    }
    drop();
    state.ResumeTiming();
  }
  count(state, "databases/s");
}

// A fixed number of iterations: each waits untimed for the pool to refill (about 0.1 s), and the
// timed part is short.
#define STRATA_READY_CLONE(n) \
  BENCHMARK_TEMPLATE(BM_fresh_database_clone_postgresql, n)->Name("BM_fresh_database_clone_postgresql")->Arg(n)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(40)
STRATA_READY_CLONE(10);
STRATA_READY_CLONE(100);
STRATA_READY_CLONE(200);
STRATA_FRESH_DATABASE(BM_fresh_database_clone_back_to_back_postgresql, benchmark::kMillisecond);
STRATA_FRESH_DATABASE(BM_fresh_database_clone_unpooled_postgresql, benchmark::kMillisecond);
#define STRATA_SPARE_CLONE(n) \
  BENCHMARK_TEMPLATE(BM_fresh_database_clone_spare_postgresql, n)->Name("BM_fresh_database_clone_spare_postgresql")->Arg(n)->Unit(benchmark::kMillisecond)->UseRealTime()->Iterations(20)
STRATA_SPARE_CLONE(10);
STRATA_SPARE_CLONE(100);
STRATA_SPARE_CLONE(200);
STRATA_FRESH_DATABASE(BM_fresh_database_replay_postgresql, benchmark::kMillisecond);
#endif

}  // namespace
