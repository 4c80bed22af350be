// Migration throughput on large SQLite tables: the 12-step rebuild (alter_column) and an in-place
// add_column, per row of the table; and the rebuild beside its floor, the same SQL (the revision's
// offline script) run directly on a copy of the same seeded file (strata/benchmark.hpp).
#include <cstdint>
#include <filesystem>
#include <string>

#include <benchmark/benchmark.h>

#include <SQLiteCpp/Database.h>

#include <strata/benchmark.hpp>
#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>

namespace {

struct create_items : strata::revision<"a0b1c2d3e4f5", strata::base> {
  static constexpr std::string_view message = "create items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("owners", {strata::column("id", strata::integer).primary_key()});
    op.create_table("items", {strata::column("id", strata::integer).primary_key(),
                              strata::column("owner_id", strata::integer).references("owners", "id"),
                              strata::column("name", strata::varchar(50)).not_null(),
                              strata::column("price", strata::real).check("price >= 0"),
                              strata::column("note", strata::text)});
    op.create_index("ix_items_name", "items", {"name"}, {.unique = true});
    op.create_index("ix_items_owner_price", "items", {"owner_id", "price"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("items");
    op.drop_table("owners");
  }
};
struct tighten_note : strata::revision<"b1c2d3e4f5a0", "a0b1c2d3e4f5"> {
  static constexpr std::string_view message = "note NOT NULL with a default, price as float";
  static constexpr void upgrade(strata::ops& op) {
    op.execute("UPDATE items SET note = '' WHERE note IS NULL");
    op.alter_column("items", "note", {.nullable = false, .server_default = "''"});
    op.alter_column("items", "price", {.type = strata::float_});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.alter_column("items", "price", {.type = strata::real});
    op.alter_column("items", "note", {.nullable = true, .drop_default = true});
  }
};
struct add_stock : strata::revision<"c2d3e4f5a0b1", "b1c2d3e4f5a0"> {
  static constexpr std::string_view message = "add stock";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", strata::column("stock", strata::integer)); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "stock"); }
};
struct loosen : strata::revision<"d3e4f5a0b1c2", "c2d3e4f5a0b1"> {
  static constexpr std::string_view message = "name nullable, no CHECK on price";
  static constexpr void upgrade(strata::ops& op) {
    op.alter_column("items", "name", {.nullable = true});
    op.drop_constraint("items", strata::constraint_kind::check, {"price"});
  }
  static constexpr void downgrade(strata::ops&) {}
  static constexpr bool irreversible = true;
};
using history = strata::history<create_items, tighten_note, add_stock, loosen>;

// Three owners and `rows` items, half of them without a note.
void fill(SQLite::Database& db, std::int64_t rows) {
  db.exec("INSERT INTO owners (id) VALUES (1), (2), (3)");
  db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + std::to_string(rows) +
          ") INSERT INTO items (owner_id, name, price, note) SELECT 1 + i % 3, 'item ' || i, i * 0.25, "
          "CASE WHEN i % 2 = 0 THEN 'even' END FROM n");
}

// A fresh file at the first revision holding `rows` items.
std::string fresh_database(std::int64_t rows) {
  const auto path = std::filesystem::temp_directory_path() / "strata_rebuild_benchmark.db";
  std::filesystem::remove(path);
  const std::string url = "sqlite:///" + path.string();
  strata::migrator<strata::sqlite> m{history{}, url};
  m.upgrade("a0b1c2d3e4f5");
  fill(m.dialect().database(), rows);
  return url;
}

void run(benchmark::State& state, std::string_view from, std::string_view to, bool edit_schema = true) {
  const auto rows = state.range(0);
  for (auto _ : state) {
    state.PauseTiming();
    const auto url = fresh_database(rows);
    strata::migrator<strata::sqlite> m{history{}, strata::migrator_options{}, url, strata::sqlite_options{.edit_schema = edit_schema}};
    if (from != "a0b1c2d3e4f5") m.upgrade(from);
    state.ResumeTiming();
    benchmark::DoNotOptimize(m.upgrade(to));
  }
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows), benchmark::Counter::kIsIterationInvariantRate);
}

// Two alterations of one table: one rebuild, one copy of every row, indexes and checks rebuilt.
void BM_sqlite_rebuild(benchmark::State& state) { run(state, "a0b1c2d3e4f5", "b1c2d3e4f5a0"); }
// ALTER TABLE ADD COLUMN: no copy.
void BM_sqlite_add_column(benchmark::State& state) { run(state, "b1c2d3e4f5a0", "c2d3e4f5a0b1"); }

// Constraints removed (a NOT NULL, a CHECK): a schema edit, no row copied; and the same revision
// by a copy of the table (sqlite_options::edit_schema off), as a script runs it.
void BM_sqlite_constraints_removed(benchmark::State& state) { run(state, "c2d3e4f5a0b1", "d3e4f5a0b1c2"); }
void BM_sqlite_constraints_removed_by_copy(benchmark::State& state) { run(state, "c2d3e4f5a0b1", "d3e4f5a0b1c2", false); }

BENCHMARK(BM_sqlite_rebuild)->Arg(1000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_sqlite_constraints_removed)->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_sqlite_constraints_removed_by_copy)->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_sqlite_add_column)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

// The rebuild (tighten_note) as strata runs it and as its floor, the same SQL run directly, each on
// a fresh copy of one seeded file: sqlite_rebuild/<rows>/strata and sqlite_rebuild/<rows>/floor.
const bool rebuild_beside_floor = [] {
  for (std::int64_t rows : {1000, 1000000}) {
    strata::benchmarking::revision_benchmark<history, strata::sqlite> b("b1c2d3e4f5a0");
    b.seed([rows](strata::sqlite& d) {
      fill(d.database(), rows);
      return strata::benchmarking::seeded{rows, 0};
    });
    strata::benchmarking::register_benchmarks("sqlite_rebuild/" + std::to_string(rows), std::move(b));
  }
  return true;
}();

}  // namespace
