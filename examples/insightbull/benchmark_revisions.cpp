// InsightBull benchmarks one of its own revisions with strata/benchmark.hpp: c7d2a9e1f0b3 ("Add
// market_cap to stocks": ADD COLUMN, an UPDATE of every row, then NOT NULL, a table rebuild on
// SQLite) on 100,000 seeded stocks and as many sentiment rows pointing at them, on SQLite and, when
// a server is named by the PG* variables, on PostgreSQL; each beside its floor, the same SQL run
// directly (what `manage_db upgrade 3b1f0c2d4e5a:c7d2a9e1f0b3 --sql` writes).
//
//   insightbull_benchmark [--rows=N] [Google Benchmark's flags]
//   pg_virtualenv -t insightbull_benchmark --rows=1000000
#include <cstdint>
#include <string>
#include <string_view>

#include <benchmark/benchmark.h>

#include <strata/benchmark.hpp>
#include <strata/dialect/sqlite.hpp>
#ifdef STRATA_HAVE_POSTGRESQL
#include <strata/dialect/postgresql.hpp>
#endif

#include "migrations/history.hpp"

namespace {

template <class D>
void add(std::string_view dialect, std::int64_t rows) {
  strata::benchmarking::revision_benchmark<migrations::history, D> b("c7d2a9e1f0b3");  // from its down revision, 3b1f0c2d4e5a
  b.seed("stocks", rows).seed("sentiment_data", rows);
  strata::benchmarking::register_benchmarks("add_market_cap/" + std::string(dialect) + "/" + std::to_string(rows), std::move(b));
}

}  // namespace

int main(int argc, char** argv) {
  std::int64_t rows = 100'000;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg.starts_with("--rows=")) rows = std::stoll(std::string(arg.substr(7)));
    else argv[kept++] = argv[i];
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  add<strata::sqlite>("sqlite", rows);
#ifdef STRATA_HAVE_POSTGRESQL
  add<strata::postgresql>("postgresql", rows);  // skipped, with the reason, without a server
#endif
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
