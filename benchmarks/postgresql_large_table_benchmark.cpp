// A large PostgreSQL table gets a NOT NULL column the safe way round: ADD COLUMN, one UPDATE of
// every row (the single-statement backfill; the batched one is backfill_benchmark.cpp's), then SET
// NOT NULL, on 1,000,000 generated rows (strata/benchmark.hpp: seeded once into a template, copied
// with CREATE DATABASE ... TEMPLATE for each iteration, untimed), as strata runs the revision and as
// its floor, the same SQL (the revision's offline script) run directly on the connection.
//
//   pg_virtualenv -t build-release/benchmarks/strata_postgresql_large_table_benchmarks
#include <cstdint>
#include <string>

#include <benchmark/benchmark.h>

#include <strata/benchmark.hpp>
#include <strata/dialect/postgresql.hpp>
#include <strata/strata.hpp>

namespace {

struct create_orders : strata::revision<"d0e1f2a3b4c5", strata::base> {
  static constexpr std::string_view message = "create orders";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("customers", {strata::column("id", strata::integer).primary_key(), strata::column("name", strata::varchar(50)).not_null()});
    op.create_table("orders", {strata::column("id", strata::integer).primary_key(),
                               strata::column("customer_id", strata::integer).not_null().references("customers", "id"),
                               strata::column("reference", strata::varchar(20)).not_null().unique(),
                               strata::column("amount", strata::float_).not_null(),
                               strata::column("placed_at", strata::datetime).not_null(),
                               strata::column("note", strata::text)});
    op.create_index("ix_orders_customer_id", "orders", {"customer_id"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("orders");
    op.drop_table("customers");
  }
};
struct add_status : strata::revision<"e1f2a3b4c5d6", "d0e1f2a3b4c5"> {
  static constexpr std::string_view message = "orders get a status, NOT NULL";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("orders", strata::column("status", strata::integer));
    op.execute("UPDATE orders SET status = 0");
    op.alter_column("orders", "status", {.nullable = false});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("orders", "status"); }
};
using history = strata::history<create_orders, add_status>;

// postgresql_add_column_backfill_not_null/<rows>/strata and .../floor; skipped without a server.
const bool registered = [] {
  for (std::int64_t rows : {1000, 1000000}) {
    strata::benchmarking::revision_benchmark<history, strata::postgresql> b("e1f2a3b4c5d6");
    b.seed("customers", 1000).seed("orders", rows);
    strata::benchmarking::register_benchmarks("postgresql_add_column_backfill_not_null/" + std::to_string(rows), std::move(b));
  }
  return true;
}();

}  // namespace
