// The migrator's targets and version table on real SQLite files: head, heads, ids, prefixes, +N,
// -N, base, stamp, branches and merges, and the errors for targets it cannot reach.
#include <filesystem>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>

namespace {

// Every revision records itself in a `log` table, so the tests see what really ran.
template <strata::fixed_string Id, strata::fixed_string... Down>
struct logged : strata::revision<Id, Down...> {
  static constexpr std::string_view message = "logged revision";
  static constexpr void upgrade(strata::ops& op) {
    if constexpr (strata::revision<Id, Down...>::down_revisions.empty()) op.create_table("log", {strata::column("rev", strata::text).not_null()});
    op.execute(insert_sql);
  }
  static constexpr void downgrade(strata::ops& op) {
    op.execute(delete_sql);
    if constexpr (strata::revision<Id, Down...>::down_revisions.empty()) op.drop_table("log");
  }

 private:
  static constexpr auto concat(std::string_view a, std::string_view b, std::string_view c) {
    std::array<char, 96> out{};
    std::size_t n = 0;
    for (auto part : {a, b, c})
      for (char ch : part) out[n++] = ch;
    return std::pair{out, n};
  }
  static constexpr auto insert_ = concat("INSERT INTO log (rev) VALUES ('", Id.view(), "')");
  static constexpr auto delete_ = concat("DELETE FROM log WHERE rev = '", Id.view(), "'");
  static constexpr std::string_view insert_sql{insert_.first.data(), insert_.second};
  static constexpr std::string_view delete_sql{delete_.first.data(), delete_.second};
};

struct r_a : logged<"ae1000", strata::base> {};
struct r_b : logged<"ae2000", "ae1000"> {};
struct r_c : logged<"bf3000", "ae2000"> {};
struct r_d : logged<"c04000", "ae1000"> {};          // a branch beside ae2000 -> bf3000
struct r_e : logged<"d05000", "bf3000", "c04000"> {}; // the merge

using linear = strata::history<r_a, r_b, r_c>;
using branched = strata::history<r_a, r_b, r_c, r_d>;
using merged = strata::history<r_a, r_b, r_c, r_d, r_e>;

using strings = std::vector<std::string>;

class MigratorTargets : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() / ("strata_targets_" + std::string(info->name()));
#ifdef STRATA_TEST_SCRATCH
    dir_ = std::filesystem::path(STRATA_TEST_SCRATCH) / ("targets_" + std::string(info->name()));
#endif
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  [[nodiscard]] std::string url() const { return "sqlite:///" + (dir_ / "db.sqlite").string(); }

  // The log rows, sorted: what has really run.
  [[nodiscard]] strings logged_revisions() const {
    SQLite::Database db((dir_ / "db.sqlite").string());
    strings out;
    if (!db.tableExists("log")) return out;
    SQLite::Statement q(db, "SELECT rev FROM log ORDER BY rev");
    while (q.executeStep()) out.push_back(q.getColumn(0).getString());
    return out;
  }

  std::filesystem::path dir_;
};

TEST_F(MigratorTargets, UpgradeToHeadAppliesEverythingOnceInOrder) {
  strata::migrator<strata::sqlite> m{linear{}, url()};
  EXPECT_EQ(m.current(), strings{});
  EXPECT_EQ(m.pending(), (strings{"ae1000", "ae2000", "bf3000"}));
  EXPECT_EQ(m.upgrade(), (strings{"ae1000", "ae2000", "bf3000"}));
  EXPECT_EQ(m.current(), strings{"bf3000"});
  EXPECT_EQ(logged_revisions(), (strings{"ae1000", "ae2000", "bf3000"}));
  EXPECT_EQ(m.upgrade("head"), strings{});  // nothing left to do
  EXPECT_EQ(m.pending(), strings{});
  EXPECT_EQ(logged_revisions().size(), 3u);
}

TEST_F(MigratorTargets, UpgradeToAnIdAPrefixAndRelativeSteps) {
  strata::migrator<strata::sqlite> m{linear{}, url()};
  EXPECT_EQ(m.upgrade("ae1000"), strings{"ae1000"});
  EXPECT_EQ(m.current(), strings{"ae1000"});
  EXPECT_EQ(m.upgrade("+1"), strings{"ae2000"});
  EXPECT_EQ(m.current(), strings{"ae2000"});
  EXPECT_EQ(m.upgrade("bf"), strings{"bf3000"});  // a unique prefix
  EXPECT_EQ(m.current(), strings{"bf3000"});
  EXPECT_THROW((void)m.upgrade("+1"), strata::invalid_target);
}

TEST_F(MigratorTargets, RelativeUpgradeBeyondHeadIsRefusedAndChangesNothing) {
  strata::migrator<strata::sqlite> m{linear{}, url()};
  m.upgrade("+1");
  try {
    m.upgrade("+5");
    FAIL() << "expected invalid_target";
  } catch (const strata::invalid_target& e) {
    EXPECT_NE(std::string(e.what()).find("only 2 revision(s) are pending"), std::string::npos) << e.what();
  }
  EXPECT_EQ(m.current(), strings{"ae1000"});
  EXPECT_THROW((void)m.upgrade("+x"), strata::invalid_target);
  EXPECT_THROW((void)m.upgrade("+0"), strata::invalid_target);
}

TEST_F(MigratorTargets, DowngradeByStepsToAnIdAndToBase) {
  strata::migrator<strata::sqlite> m{linear{}, url()};
  m.upgrade();
  EXPECT_EQ(m.downgrade("-1"), strings{"bf3000"});
  EXPECT_EQ(m.current(), strings{"ae2000"});
  m.upgrade();
  EXPECT_EQ(m.downgrade("ae1"), (strings{"bf3000", "ae2000"}));  // a prefix; the target stays applied
  EXPECT_EQ(m.current(), strings{"ae1000"});
  EXPECT_EQ(logged_revisions(), strings{"ae1000"});
  m.upgrade();
  EXPECT_EQ(m.downgrade("base"), (strings{"bf3000", "ae2000", "ae1000"}));
  EXPECT_EQ(m.current(), strings{});
  SQLite::Database db((dir_ / "db.sqlite").string());
  EXPECT_FALSE(db.tableExists("log"));
  EXPECT_TRUE(db.tableExists("alembic_version"));  // empty, as Alembic leaves it
}

TEST_F(MigratorTargets, DowngradeBelowBaseIsRefusedAndChangesNothing) {
  strata::migrator<strata::sqlite> m{linear{}, url()};
  m.upgrade("+2");
  try {
    m.downgrade("-3");
    FAIL() << "expected invalid_target";
  } catch (const strata::invalid_target& e) {
    EXPECT_NE(std::string(e.what()).find("below base"), std::string::npos) << e.what();
  }
  EXPECT_EQ(m.current(), strings{"ae2000"});
  EXPECT_EQ(logged_revisions(), (strings{"ae1000", "ae2000"}));
}

TEST_F(MigratorTargets, DowngradeToARevisionThatIsNotAppliedIsRefused) {
  strata::migrator<strata::sqlite> m{linear{}, url()};
  m.upgrade("ae1000");
  EXPECT_THROW((void)m.downgrade("bf3000"), strata::invalid_target);
  EXPECT_THROW((void)m.downgrade("head"), strata::invalid_target);
  EXPECT_THROW((void)m.downgrade(""), strata::invalid_target);
  EXPECT_EQ(m.current(), strings{"ae1000"});
}

TEST_F(MigratorTargets, UnknownAndAmbiguousRevisionsAreNamed) {
  strata::migrator<strata::sqlite> m{linear{}, url()};
  try {
    m.upgrade("ffff");
    FAIL() << "expected revision_not_found";
  } catch (const strata::revision_not_found& e) {
    EXPECT_EQ(e.revision(), "ffff");
    EXPECT_NE(std::string(e.what()).find("no revision 'ffff'"), std::string::npos) << e.what();
  }
  try {
    m.upgrade("ae");
    FAIL() << "expected ambiguous_revision";
  } catch (const strata::ambiguous_revision& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'ae1000'"), std::string::npos) << what;
    EXPECT_NE(what.find("'ae2000'"), std::string::npos) << what;
  }
  EXPECT_THROW((void)m.stamp("ffff"), strata::revision_not_found);
  EXPECT_EQ(m.current(), strings{});
  EXPECT_EQ(logged_revisions(), strings{});
}

TEST_F(MigratorTargets, SeveralHeadsRefuseHeadButTakeHeadsOrAnId) {
  strata::migrator<strata::sqlite> m{branched{}, url()};
  EXPECT_EQ(m.heads(), (strings{"bf3000", "c04000"}));
  try {
    m.upgrade();
    FAIL() << "expected multiple_heads";
  } catch (const strata::multiple_heads& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'bf3000'"), std::string::npos) << what;
    EXPECT_NE(what.find("'c04000'"), std::string::npos) << what;
    EXPECT_NE(what.find("merge revision"), std::string::npos) << what;
  }
  EXPECT_EQ(m.current(), strings{});
  EXPECT_EQ(m.upgrade("c04000"), (strings{"ae1000", "c04000"}));
  EXPECT_EQ(m.current(), strings{"c04000"});
  EXPECT_EQ(m.upgrade("heads"), (strings{"ae2000", "bf3000"}));
  EXPECT_EQ(m.current(), (strings{"bf3000", "c04000"}));  // one row per head, as Alembic keeps them
  // Going down one branch leaves the other alone.
  EXPECT_EQ(m.downgrade("ae2000"), strings{"bf3000"});
  EXPECT_EQ(m.current(), (strings{"ae2000", "c04000"}));
  EXPECT_EQ(m.downgrade("ae1000"), (strings{"c04000", "ae2000"}));
  EXPECT_EQ(m.current(), strings{"ae1000"});
}

TEST_F(MigratorTargets, AMergeRevisionJoinsTheHeads) {
  {
    strata::migrator<strata::sqlite> m{branched{}, url()};
    m.upgrade("heads");
  }
  strata::migrator<strata::sqlite> m{merged{}, url()};  // the next release ships the merge
  EXPECT_EQ(m.heads(), strings{"d05000"});
  EXPECT_EQ(m.upgrade(), strings{"d05000"});
  EXPECT_EQ(m.current(), strings{"d05000"});
  EXPECT_EQ(m.downgrade("-1"), strings{"d05000"});
  EXPECT_EQ(m.current(), (strings{"bf3000", "c04000"}));
  EXPECT_EQ(m.upgrade(), strings{"d05000"});
  EXPECT_EQ(logged_revisions(), (strings{"ae1000", "ae2000", "bf3000", "c04000", "d05000"}));
}

TEST_F(MigratorTargets, StampWritesTheVersionTableOnly) {
  strata::migrator<strata::sqlite> m{linear{}, url()};
  m.stamp("ae2");
  EXPECT_EQ(m.current(), strings{"ae2000"});
  EXPECT_EQ(logged_revisions(), strings{});  // nothing ran
  m.stamp("head");
  EXPECT_EQ(m.current(), strings{"bf3000"});
  m.stamp("base");
  EXPECT_EQ(m.current(), strings{});
  strata::migrator<strata::sqlite> b{branched{}, url()};
  EXPECT_THROW(b.stamp("head"), strata::multiple_heads);
  b.stamp("heads");
  EXPECT_EQ(b.current(), (strings{"bf3000", "c04000"}));
}

TEST_F(MigratorTargets, AVersionRowOutsideTheHistoryStopsEverything) {
  {
    SQLite::Database db((dir_ / "db.sqlite").string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))");
    db.exec("INSERT INTO alembic_version VALUES ('0badc0ffee00')");
  }
  strata::migrator<strata::sqlite> m{linear{}, url()};
  try {
    m.upgrade();
    FAIL() << "expected unknown_database_state";
  } catch (const strata::unknown_database_state& e) {
    EXPECT_NE(std::string(e.what()).find("'0badc0ffee00'"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)m.downgrade("base"), strata::unknown_database_state);
  EXPECT_EQ(m.current(), strings{"0badc0ffee00"});
  EXPECT_EQ(logged_revisions(), strings{});
}

TEST_F(MigratorTargets, VersionTableHasAlembicsLayout) {
  strata::migrator<strata::sqlite> m{linear{}, url()};
  m.upgrade();
  SQLite::Database db((dir_ / "db.sqlite").string());
  SQLite::Statement q(db, "SELECT name, type, \"notnull\", pk FROM pragma_table_info('alembic_version')");
  ASSERT_TRUE(q.executeStep());
  EXPECT_EQ(q.getColumn(0).getString(), "version_num");
  EXPECT_EQ(q.getColumn(1).getString(), "VARCHAR(32)");
  EXPECT_EQ(q.getColumn(2).getInt(), 1);
  EXPECT_EQ(q.getColumn(3).getInt(), 1);
  EXPECT_FALSE(q.executeStep());
  SQLite::Statement rows(db, "SELECT count(*), max(version_num) FROM alembic_version");
  ASSERT_TRUE(rows.executeStep());
  EXPECT_EQ(rows.getColumn(0).getInt(), 1);
  EXPECT_EQ(rows.getColumn(1).getString(), "bf3000");
}

TEST_F(MigratorTargets, TheVersionTableNameIsConfigurable) {
  strata::migrator<strata::sqlite> m{linear{}, strata::migrator_options{.version_table = "strata_versions"}, url()};
  m.upgrade();
  SQLite::Database db((dir_ / "db.sqlite").string());
  EXPECT_TRUE(db.tableExists("strata_versions"));
  EXPECT_FALSE(db.tableExists("alembic_version"));
  EXPECT_EQ(m.current(), strings{"bf3000"});
}

TEST_F(MigratorTargets, ListenersSeeEachRevisionStartAndFinish) {
  strata::migrator<strata::sqlite> m{linear{}, url()};
  strings seen;
  m.on_event([&](const strata::migration_event& e) {
    const char* what = e.what == strata::migration_event::kind::starting ? "start " : "done ";
    seen.push_back(what + std::string(e.revision->id));
  });
  m.upgrade("+2");
  EXPECT_EQ(seen, (strings{"start ae1000", "done ae1000", "start ae2000", "done ae2000"}));
}

TEST_F(MigratorTargets, HistoryListsRevisionsInDependencyOrder) {
  strata::migrator<strata::sqlite> m{merged{}, url()};
  const auto revisions = m.history();
  ASSERT_EQ(revisions.size(), 5u);
  EXPECT_EQ(revisions[0].id, "ae1000");
  EXPECT_TRUE(revisions[0].is_base());
  EXPECT_TRUE(revisions[4].is_merge());
  EXPECT_EQ(revisions[4].down_revisions[1], "c04000");
}

}  // namespace
