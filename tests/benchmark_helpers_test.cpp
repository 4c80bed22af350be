// strata/benchmark.hpp on each backend of support/databases.hpp: rows generated from the replayed
// schema (every type, NOT NULL, unique columns, foreign keys to seeded tables, to the table itself,
// and to a table not seeded), a seeding function of the application's, a fresh copy of the seeded
// template for each iteration (the template stays at the range's start), the floor's SQL run on a
// copy, and both benchmark bodies run by Google Benchmark. Not timings: those are read, never asserted.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <gtest/gtest.h>

#include <strata/benchmark.hpp>
#include <strata/strata.hpp>

#include "support/databases.hpp"

namespace {

struct owners_and_items : strata::revision<"be0000000001", strata::base> {
  static constexpr std::string_view message = "owners, items and tags";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("owners", {strata::column("id", strata::integer).primary_key(),
                               strata::column("code", strata::varchar(6)).not_null().unique(),
                               strata::column("active", strata::boolean).not_null(),
                               strata::column("born", strata::date),
                               strata::column("seen", strata::datetime).not_null(),
                               strata::column("score", strata::real),
                               strata::column("photo", strata::blob),
                               strata::column("note", strata::text)});
    op.create_table("tags", {strata::column("id", strata::integer).primary_key()});
    op.create_table("items", {strata::column("id", strata::integer).primary_key(),
                              strata::column("owner_id", strata::integer).not_null().references("owners", "id"),
                              strata::column("name", strata::varchar(20)).not_null(),
                              strata::column("price", strata::float_).not_null().check("price >= 0"),
                              strata::column("parent_id", strata::integer).references("items", "id"),
                              strata::column("tag_id", strata::integer).references("tags", "id")});
    op.create_index("ix_items_name", "items", {"name"}, {.unique = true});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("items");
    op.drop_table("tags");
    op.drop_table("owners");
  }
};
struct quantity : strata::revision<"be0000000002", "be0000000001"> {
  static constexpr std::string_view message = "items get a quantity, NOT NULL";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", strata::column("qty", strata::integer));
    op.execute("UPDATE items SET qty = 1");
    op.alter_column("items", "qty", {.nullable = false});  // a rebuild on SQLite
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "qty"); }
};
using history = strata::history<owners_and_items, quantity>;

template <class B>
class BenchmarkHelpersTest : public ::testing::Test {
 protected:
  using dialect = typename B::dialect;
  using bench = strata::benchmarking::revision_benchmark<history, dialect>;

  void SetUp() override {
    std::optional<B> probe;
    strata_test::open_backend(probe);  // skips (or fails) when the dialect's place cannot be reached
  }

  static std::int64_t count(dialect& d, const std::string& sql) { return std::stoll(strata_test::scalar(d.database(), sql)); }
  static std::string version(dialect& d) { return strata_test::scalar(d.database(), "SELECT version_num FROM alembic_version"); }
};
TYPED_TEST_SUITE(BenchmarkHelpersTest, strata_test::backends);

TYPED_TEST(BenchmarkHelpersTest, GeneratedRowsKeepEveryConstraint) {
  if (this->IsSkipped()) return;
  typename TestFixture::bench b("be0000000002");
  EXPECT_EQ(b.from(), "be0000000001");
  EXPECT_EQ(b.to(), "be0000000002");
  EXPECT_EQ(b.way(), strata::direction::upgrade);
  b.seed("owners", 50).seed("items", 300);
  b.prepare();
  EXPECT_EQ(b.rows().rows, 350);
  EXPECT_GT(b.rows().bytes, 350);

  auto c = b.fresh_copy();
  auto& d = c.dialect();
  EXPECT_EQ(this->version(d), "be0000000001");
  EXPECT_EQ(this->count(d, "SELECT COUNT(*) FROM owners"), 50);
  EXPECT_EQ(this->count(d, "SELECT COUNT(DISTINCT code) FROM owners"), 50);
  EXPECT_EQ(this->count(d, "SELECT COUNT(*) FROM owners WHERE active"), 25);
  EXPECT_EQ(this->count(d, "SELECT COUNT(*) FROM owners WHERE id BETWEEN 1 AND 50 AND born IS NOT NULL AND score > 0 AND photo IS NOT NULL AND note IS NOT NULL"), 50);
  EXPECT_EQ(strata_test::scalar(d.database(), "SELECT born FROM owners WHERE id = 1"), "2000-01-02");
  EXPECT_EQ(this->count(d, "SELECT COUNT(*) FROM items"), 300);
  EXPECT_EQ(this->count(d, "SELECT COUNT(DISTINCT name) FROM items"), 300);
  // Every item's owner is a seeded one, spread over all of them; its parent is itself; no tags.
  EXPECT_EQ(this->count(d, "SELECT COUNT(*) FROM items i JOIN owners o ON o.id = i.owner_id"), 300);
  EXPECT_EQ(this->count(d, "SELECT COUNT(DISTINCT owner_id) FROM items"), 50);
  EXPECT_EQ(this->count(d, "SELECT COUNT(*) FROM items WHERE parent_id = id"), 300);
  EXPECT_EQ(this->count(d, "SELECT COUNT(*) FROM items WHERE tag_id IS NULL"), 300);
}

TYPED_TEST(BenchmarkHelpersTest, EachCopyStartsFromTheSeededTemplate) {
  if (this->IsSkipped()) return;
  typename TestFixture::bench b("be0000000001:be0000000002");
  b.seed("owners", 10).seed("items", 40);

  auto first = b.fresh_copy();
  b.migrate(first);  // strata, on the first copy
  {
    typename TestFixture::dialect d(first.url());
    EXPECT_EQ(this->version(d), "be0000000002");
    EXPECT_EQ(this->count(d, "SELECT COUNT(*) FROM items WHERE qty = 1"), 40);
  }
  auto second = b.fresh_copy();  // the template is still at the start, with its rows
  EXPECT_NE(second.name(), first.name());
  EXPECT_EQ(this->version(second.dialect()), "be0000000001");
  EXPECT_EQ(this->count(second.dialect(), "SELECT COUNT(*) FROM items"), 40);
  b.run_sql(second);  // the floor: the range's offline script, run as it is
  EXPECT_EQ(this->version(second.dialect()), "be0000000002");
  EXPECT_EQ(this->count(second.dialect(), "SELECT COUNT(*) FROM items WHERE qty = 1"), 40);
  EXPECT_NE(b.floor_sql().find("UPDATE items SET qty = 1"), std::string::npos);

  // Down again: a downgrade range starts from its higher end.
  typename TestFixture::bench down("be0000000002:be0000000001");
  EXPECT_EQ(down.way(), strata::direction::downgrade);
  down.seed("owners", 3);
  auto third = down.fresh_copy();
  EXPECT_EQ(this->version(third.dialect()), "be0000000002");
  down.migrate(third);
  typename TestFixture::dialect d(third.url());
  EXPECT_EQ(this->version(d), "be0000000001");
  EXPECT_EQ(this->count(d, "SELECT COUNT(*) FROM owners"), 3);
}

TYPED_TEST(BenchmarkHelpersTest, SeedsWithTheApplicationsFunction) {
  if (this->IsSkipped()) return;
  typename TestFixture::bench b("be0000000002");
  b.seed("owners", 2).seed([](typename TestFixture::dialect& d) {
    d.execute("INSERT INTO items (id, owner_id, name, price) VALUES (7, 1, 'a', 1), (8, 2, 'b', 2)");
    return strata::benchmarking::seeded{2, 0};
  });
  auto c = b.fresh_copy();
  EXPECT_EQ(b.rows().rows, 4);
  EXPECT_EQ(this->count(c.dialect(), "SELECT SUM(id) FROM items"), 15);

  // Owners of its own, declared, and items generated to point at them.
  typename TestFixture::bench mixed("be0000000002");
  mixed
      .seed(
          [](typename TestFixture::dialect& d) {
            d.execute("INSERT INTO owners (id, code, active, seen) VALUES (1, 'x', '1', '2020-01-01 00:00:00'), "
                      "(2, 'y', '0', '2020-01-01 00:00:00'), (3, 'z', '0', '2020-01-01 00:00:00')");
            return strata::benchmarking::seeded{3, 0};
          },
          {{"owners", 3}})
      .seed("items", 30);
  auto m = mixed.fresh_copy();
  EXPECT_EQ(mixed.rows().rows, 33);
  EXPECT_EQ(this->count(m.dialect(), "SELECT COUNT(*) FROM items WHERE owner_id BETWEEN 1 AND 3"), 30);
  EXPECT_EQ(this->count(m.dialect(), "SELECT COUNT(DISTINCT owner_id) FROM items"), 3);
}

TYPED_TEST(BenchmarkHelpersTest, RefusesRowsItCannotMake) {
  if (this->IsSkipped()) return;
  typename TestFixture::bench orphans("be0000000002");
  orphans.seed("items", 5);  // owner_id is NOT NULL, and owners are not seeded
  try {
    orphans.prepare();
    FAIL() << "seeded items without owners";
  } catch (const strata::benchmarking::seeding_failed& e) {
    EXPECT_STREQ(e.what(), "cannot seed column 'items.owner_id': it is a NOT NULL foreign key to the table 'owners', which is not seeded; "
                           "seed 'owners' first");
  }
  typename TestFixture::bench too_many("be0000000002");
  too_many.seed("owners", 1'000'000);  // code is unique, varchar(6)
  EXPECT_THROW(too_many.prepare(), strata::benchmarking::seeding_failed);
  typename TestFixture::bench missing("be0000000002");
  missing.seed("stock", 5);
  EXPECT_THROW(missing.prepare(), strata::benchmarking::seeding_failed);
}

// Captures what Google Benchmark reports.
class capture : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>& runs) override { all.insert(all.end(), runs.begin(), runs.end()); }
  std::vector<Run> all;
};

TYPED_TEST(BenchmarkHelpersTest, RunsBothBodiesUnderGoogleBenchmark) {
  if (this->IsSkipped()) return;
  auto b = std::make_shared<typename TestFixture::bench>("be0000000002");
  b->seed("owners", 20).seed("items", 100);
  const std::string name = "benchmark_helpers_" + std::string(TypeParam::name);
  benchmark::RegisterBenchmark((name + "/strata").c_str(), [b](benchmark::State& s) { b->run(s); })->Iterations(3)->UseRealTime();
  benchmark::RegisterBenchmark((name + "/floor").c_str(), [b](benchmark::State& s) { b->run_floor(s); })->Iterations(3)->UseRealTime();
  capture reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter, "^" + name + "/");
  ASSERT_EQ(reporter.all.size(), 2u);
  for (const auto& run : reporter.all) {
    EXPECT_FALSE(run.error_occurred) << run.error_message;
    EXPECT_EQ(run.iterations, 3);
    EXPECT_EQ(run.counters.at("rows").value, 120);
    EXPECT_GT(run.counters.at("items_per_second").value, 0);
    EXPECT_GT(run.counters.at("bytes_per_second").value, 0);
  }
  // The template is left at the start.
  auto c = b->fresh_copy();
  EXPECT_EQ(this->version(c.dialect()), "be0000000001");
}

}  // namespace
