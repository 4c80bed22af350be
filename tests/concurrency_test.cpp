// Concurrent deploys: eight processes run `upgrade` on one database at once (tests/concurrency/probe.cpp,
// whose revisions log themselves), and two migrators in one process race on threads; every one
// succeeds, each revision runs exactly once, and the database ends at head. The same tests on a
// SQLite file and on PostgreSQL.
#include <chrono>
#include <exception>
#include <latch>
#include <map>
#include <memory>
#include <set>
#include <thread>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/databases.hpp"
#include "support/process.hpp"

namespace {

template <class Backend>
class ConcurrentUpgrade : public ::testing::Test {
 protected:
  void SetUp() override { strata_test::open_backend(backend); }

  std::optional<Backend> backend;
  strata_test::scratch_folder dir;
};
TYPED_TEST_SUITE(ConcurrentUpgrade, strata_test::backends);

TYPED_TEST(ConcurrentUpgrade, EightProcessesApplyEachRevisionOnce) {
  if (!this->backend) return;
#ifndef STRATA_PROBE
  GTEST_SKIP() << "the probe manage_db is not built (it needs CLI11)";
#else
  constexpr int processes = 8;
  std::vector<std::unique_ptr<strata_test::child_process>> children;
  // All eight are started before any is waited for; each waits up to 30 s for the lock.
  const auto url = this->backend->locked_url(30);
  for (int i = 0; i < processes; ++i)
    children.push_back(std::make_unique<strata_test::child_process>(
        STRATA_PROBE, std::vector<std::string>{"upgrade"}, std::map<std::string, std::string>{{"DATABASE_URL", url}},
        this->dir.path(), this->dir.path() / ("probe" + std::to_string(i))));
  int applied_lines = 0;
  for (int i = 0; i < processes; ++i) {
    const auto r = children[i]->wait(std::chrono::seconds(120));
    EXPECT_EQ(r.status, 0) << "process " << i << ":\n" << r.out << r.err;
    for (std::size_t at = r.out.find("Running upgrade"); at != std::string::npos; at = r.out.find("Running upgrade", at + 1))
      ++applied_lines;
  }
  EXPECT_EQ(this->backend->rows("SELECT revision, count(*) FROM migration_log GROUP BY revision ORDER BY revision"),
            (strata_test::table_rows{{"ccc000000001", "1"}, {"ccc000000002", "1"}, {"ccc000000003", "1"}, {"ccc000000004", "1"}}));
  EXPECT_EQ(this->backend->rows("SELECT version_num FROM alembic_version"), (strata_test::table_rows{{"ccc000000004"}}));
  EXPECT_EQ(this->backend->rows("SELECT name, price FROM items"), (strata_test::table_rows{{"first", "1"}}));
  // Each revision is announced once, by the process that applies it; the others skip it.
  EXPECT_EQ(applied_lines, 4);
#endif
}

// Revisions that log themselves in `applied` and pause, so that the two migrators interleave.
void slow_down(strata::connection&) { std::this_thread::sleep_for(std::chrono::milliseconds(15)); }

struct c1 : strata::revision<"e30000000001", strata::base> {
  static constexpr std::string_view message = "log";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("applied", {strata::column("n", strata::integer).primary_key(), strata::column("revision", strata::text).not_null()});
    op.execute("INSERT INTO applied (revision) VALUES ('1')");
    op.run(&slow_down);
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("applied"); }
};
#define STRATA_TEST_LOGGED(N, PREVIOUS)                                                                \
  struct c##N : strata::revision<"e3000000000" #N, "e3000000000" #PREVIOUS> {                          \
    static constexpr std::string_view message = "log " #N;                                             \
    static constexpr void upgrade(strata::ops& op) {                                                   \
      op.execute("INSERT INTO applied (revision) VALUES ('" #N "')");                                  \
      op.run(&slow_down);                                                                              \
    }                                                                                                  \
    static constexpr void downgrade(strata::ops& op) { op.execute("DELETE FROM applied WHERE revision = '" #N "'"); } \
  };
STRATA_TEST_LOGGED(2, 1)
STRATA_TEST_LOGGED(3, 2)
STRATA_TEST_LOGGED(4, 3)
STRATA_TEST_LOGGED(5, 4)
#undef STRATA_TEST_LOGGED
using logged_history = strata::history<c1, c2, c3, c4, c5>;

TYPED_TEST(ConcurrentUpgrade, TwoMigratorsOnThreadsApplyEachRevisionOnce) {
  if (!this->backend) return;
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::optional<TypeParam> db;  // a fresh database each round
    strata_test::open_backend(db);
    if (!db) return;
    std::latch start(2);
    std::vector<std::string> applied[2];
    std::string failures[2];
    auto migrate = [&](int who) {
      try {
        strata::migrator<typename TypeParam::dialect> m{logged_history{}, db->locked_url(30)};
        start.arrive_and_wait();
        applied[who] = m.upgrade();
      } catch (const std::exception& e) {
        failures[who] = e.what();
      }
    };
    std::thread a(migrate, 0), b(migrate, 1);
    a.join();
    b.join();
    EXPECT_EQ(failures[0], "");
    EXPECT_EQ(failures[1], "");
    std::multiset<std::string> all(applied[0].begin(), applied[0].end());
    all.insert(applied[1].begin(), applied[1].end());
    EXPECT_EQ(all, (std::multiset<std::string>{"e30000000001", "e30000000002", "e30000000003", "e30000000004", "e30000000005"}));
    EXPECT_EQ(db->rows("SELECT revision FROM applied ORDER BY n"), (strata_test::table_rows{{"1"}, {"2"}, {"3"}, {"4"}, {"5"}}));
    EXPECT_EQ(db->rows("SELECT version_num FROM alembic_version"), (strata_test::table_rows{{"e30000000005"}}));
  }
}

}  // namespace
