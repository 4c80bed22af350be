// Concurrent deploys: eight processes run `upgrade` on one database at once (tests/concurrency/probe.cpp,
// whose revisions log themselves); every one exits 0, each revision runs exactly once, and the
// database ends at head. The same test on a SQLite file and on PostgreSQL.
#include <map>
#include <memory>
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
  void SetUp() override {
#ifndef STRATA_PROBE
    GTEST_SKIP() << "the probe manage_db is not built (it needs CLI11)";
#endif
    strata_test::open_backend(backend);
  }

  std::optional<Backend> backend;
  strata_test::scratch_folder dir;
};
TYPED_TEST_SUITE(ConcurrentUpgrade, strata_test::backends);

TYPED_TEST(ConcurrentUpgrade, EightProcessesApplyEachRevisionOnce) {
  if (!this->backend) return;
#ifdef STRATA_PROBE
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
  // Every revision is started by at least one process; those that find it done skip it.
  EXPECT_GE(applied_lines, 4);
#endif
}

}  // namespace
