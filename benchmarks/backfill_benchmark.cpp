// A 1M-row PostgreSQL backfill: one UPDATE against op.backfill's batches (issue 14 §2), while a
// writer thread keeps inserting rows and updating random existing ones. Counters: rows/s of the
// backfill, the longest lock it held (one UPDATE: the statement; batched: the longest batch, from
// one committed batch to the next), and the writer's longest stall and statements done. Needs a
// server (libpq's PG* variables, e.g. under pg_virtualenv); skipped without one. docs/benchmarks.md
// has the figures and the command.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <thread>

#include <benchmark/benchmark.h>
#include <pqxx/pqxx>

#include <strata/dialect/postgresql.hpp>

namespace {

using clock_type = std::chrono::steady_clock;

double ms(clock_type::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// A table of `rows` rows (id, n, v NULL), vacuumed and analysed: what both sides start from.
void seed(pqxx::connection& c, std::int64_t rows) {
  pqxx::nontransaction t(c);
  t.exec("DROP TABLE IF EXISTS backfill_bench");
  // No autovacuum on it: a vacuum that starts during one side's run and not the other's is noise.
  t.exec("CREATE TABLE backfill_bench (id BIGSERIAL PRIMARY KEY, n INTEGER NOT NULL, v INTEGER) WITH (autovacuum_enabled = false)");
  t.exec("INSERT INTO backfill_bench (n) SELECT i FROM generate_series(1, " + std::to_string(rows) + ") AS s(i)");
  t.exec("VACUUM ANALYZE backfill_bench");
}

// Inserts a row, then updates a random row of the first `rows`, one autocommit statement at a
// time, every 5 ms until told to stop; keeps the longest a statement took.
class writer {
 public:
  // rows 0: no writer.
  explicit writer(std::int64_t rows) : rows_(rows) {
    if (rows_ > 0) thread_ = std::thread([this] { run(); });
  }
  ~writer() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] double longest_ms() const { return longest_ms_; }
  [[nodiscard]] std::int64_t statements() const { return statements_; }

 private:
  void run() {
    pqxx::connection c;
    std::mt19937_64 random(42);
    std::uniform_int_distribution<std::int64_t> row(1, rows_);
    while (!stop_) {
      for (const auto& sql : {std::string("INSERT INTO backfill_bench (n) VALUES (1)"),
                              "UPDATE backfill_bench SET n = n + 1 WHERE id = " + std::to_string(row(random))}) {
        const auto start = clock_type::now();
        pqxx::nontransaction t(c);
        t.exec(sql);
        longest_ms_ = std::max(longest_ms_.load(), ms(clock_type::now() - start));
        ++statements_;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // a steady load, the same for both sides
    }
  }
  std::int64_t rows_;
  std::atomic<bool> stop_{false};
  std::atomic<double> longest_ms_{0};
  std::atomic<std::int64_t> statements_{0};
  std::thread thread_;
};

bool server_reachable() {
  try {
    pqxx::connection c;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

// The floor: UPDATE ... SET v = n * 2 in one statement (its locks held until it commits).
void single_update(benchmark::State& state) {
  if (!server_reachable()) return state.SkipWithError("no PostgreSQL server (run under pg_virtualenv)");
  const auto rows = state.range(0);
  const bool writing = state.range(1) != 0;
  pqxx::connection c;
  double longest_lock = 0, stall = 0, statements = 0;
  for (auto _ : state) {
    state.PauseTiming();
    seed(c, rows);
    writer w(writing ? rows : 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state.ResumeTiming();
    const auto start = clock_type::now();
    pqxx::nontransaction(c).exec("UPDATE backfill_bench SET v = n * 2");
    longest_lock = std::max(longest_lock, ms(clock_type::now() - start));
    state.PauseTiming();
    w.stop();
    stall = std::max(stall, w.longest_ms());
    statements += static_cast<double>(w.statements());
    state.ResumeTiming();
  }
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["longest_lock_ms"] = longest_lock;
  state.counters["writer_stall_ms"] = stall;
  state.counters["writer_statements"] = statements / static_cast<double>(state.iterations());
}

// op.backfill("backfill_bench", "v = n * 2") in batches of range(1) rows, each its own transaction.
void batched_backfill(benchmark::State& state) {
  if (!server_reachable()) return state.SkipWithError("no PostgreSQL server (run under pg_virtualenv)");
  const auto rows = state.range(0);
  const auto batch = static_cast<std::uint32_t>(state.range(1));
  const bool writing = state.range(2) != 0;
  pqxx::connection c;
  strata::postgresql d;
  clock_type::time_point last;
  double longest_lock = 0, stall = 0, statements = 0;
  d.on_progress([&](const strata::progress& p) {
    const auto now = clock_type::now();
    if (p.done != 0) longest_lock = std::max(longest_lock, ms(now - last));
    last = now;
  });
  const strata::operation backfill = strata::op::backfill{"backfill_bench", "v = n * 2", {}, batch};
  for (auto _ : state) {
    state.PauseTiming();
    seed(c, rows);
    writer w(writing ? rows : 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    state.ResumeTiming();
    d.apply(std::span<const strata::operation>(&backfill, 1));
    state.PauseTiming();
    w.stop();
    stall = std::max(stall, w.longest_ms());
    statements += static_cast<double>(w.statements());
    state.ResumeTiming();
  }
  state.counters["rows/s"] = benchmark::Counter(static_cast<double>(rows) * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["longest_lock_ms"] = longest_lock;
  state.counters["writer_stall_ms"] = stall;
  state.counters["writer_statements"] = statements / static_cast<double>(state.iterations());
}

// Arguments: rows, (batch rows,) whether the writer runs.
BENCHMARK(single_update)->Args({1000000, 1})->Args({1000000, 0})->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(batched_backfill)
    ->Args({1000000, 10000, 1})
    ->Args({1000000, 20000, 1})
    ->Args({1000000, 50000, 1})
    ->Args({1000000, 10000, 0})
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
// Small, for the smoke test.
BENCHMARK(single_update)->Args({2000, 1})->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(batched_backfill)->Args({2000, 500, 1})->Iterations(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
