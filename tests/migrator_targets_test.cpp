// The migrator's targets and version table on real databases, SQLite and PostgreSQL alike (typed
// tests: MigratorTargets/sqlite, MigratorTargets/postgresql): head, heads, ids, prefixes, +N, -N,
// base, stamp, branches and merges, and the errors for targets it cannot reach. What ran is read
// back through the database's own client, never through strata.
#include <algorithm>
#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include <strata/strata.hpp>

#include "support/databases.hpp"

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

template <class B>
using migrator = strata::migrator<typename B::dialect>;

template <class B>
class MigratorTargets : public ::testing::Test {
 protected:
  void SetUp() override { strata_test::open_backend(db_); }

  [[nodiscard]] B& db() { return *db_; }
  [[nodiscard]] std::string url() { return db().url(); }

  // The log rows, sorted: what has really run.
  [[nodiscard]] strings logged_revisions() {
    if (!contains(db().tables(), "log")) return {};
    strings out;
    for (const auto& r : db().rows("SELECT rev FROM log ORDER BY rev")) out.push_back(*r.at(0));
    return out;
  }

  static bool contains(const strings& list, const std::string& item) { return std::find(list.begin(), list.end(), item) != list.end(); }

 private:
  std::optional<B> db_;
};

TYPED_TEST_SUITE(MigratorTargets, strata_test::backends);

#ifndef STRATA_HAVE_POSTGRESQL  // no MigratorTargets/postgresql: fails the run if it had to include PostgreSQL
TEST(MigratorTargetsBackends, IncludePostgresqlWhenRequired) { strata_test::expect_postgresql_built(); }
#endif

TYPED_TEST(MigratorTargets, UpgradeToHeadAppliesEverythingOnceInOrder) {
  migrator<TypeParam> m{linear{}, this->url()};
  EXPECT_EQ(m.current(), strings{});
  EXPECT_EQ(m.pending(), (strings{"ae1000", "ae2000", "bf3000"}));
  EXPECT_EQ(m.upgrade(), (strings{"ae1000", "ae2000", "bf3000"}));
  EXPECT_EQ(m.current(), strings{"bf3000"});
  EXPECT_EQ(this->logged_revisions(), (strings{"ae1000", "ae2000", "bf3000"}));
  EXPECT_EQ(m.upgrade("head"), strings{});  // nothing left to do
  EXPECT_EQ(m.pending(), strings{});
  EXPECT_EQ(this->logged_revisions().size(), 3u);
}

TYPED_TEST(MigratorTargets, UpgradeToAnIdAPrefixAndRelativeSteps) {
  migrator<TypeParam> m{linear{}, this->url()};
  EXPECT_EQ(m.upgrade("ae1000"), strings{"ae1000"});
  EXPECT_EQ(m.current(), strings{"ae1000"});
  EXPECT_EQ(m.upgrade("+1"), strings{"ae2000"});
  EXPECT_EQ(m.current(), strings{"ae2000"});
  EXPECT_EQ(m.upgrade("bf"), strings{"bf3000"});  // a unique prefix
  EXPECT_EQ(m.current(), strings{"bf3000"});
  EXPECT_THROW((void)m.upgrade("+1"), strata::invalid_target);
}

TYPED_TEST(MigratorTargets, RelativeUpgradeBeyondHeadIsRefusedAndChangesNothing) {
  migrator<TypeParam> m{linear{}, this->url()};
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

TYPED_TEST(MigratorTargets, DowngradeByStepsToAnIdAndToBase) {
  migrator<TypeParam> m{linear{}, this->url()};
  m.upgrade();
  EXPECT_EQ(m.downgrade("-1"), strings{"bf3000"});
  EXPECT_EQ(m.current(), strings{"ae2000"});
  m.upgrade();
  EXPECT_EQ(m.downgrade("ae1"), (strings{"bf3000", "ae2000"}));  // a prefix; the target stays applied
  EXPECT_EQ(m.current(), strings{"ae1000"});
  EXPECT_EQ(this->logged_revisions(), strings{"ae1000"});
  m.upgrade();
  EXPECT_EQ(m.downgrade("base"), (strings{"bf3000", "ae2000", "ae1000"}));
  EXPECT_EQ(m.current(), strings{});
  EXPECT_EQ(this->db().tables(), (strings{"alembic_version", "alembic_version_history"}));  // empty, as Alembic leaves it; no log
  EXPECT_EQ(this->db().scalar("SELECT count(*) FROM alembic_version"), "0");
}

TYPED_TEST(MigratorTargets, DowngradeBelowBaseIsRefusedAndChangesNothing) {
  migrator<TypeParam> m{linear{}, this->url()};
  m.upgrade("+2");
  try {
    m.downgrade("-3");
    FAIL() << "expected invalid_target";
  } catch (const strata::invalid_target& e) {
    EXPECT_NE(std::string(e.what()).find("below base"), std::string::npos) << e.what();
  }
  EXPECT_EQ(m.current(), strings{"ae2000"});
  EXPECT_EQ(this->logged_revisions(), (strings{"ae1000", "ae2000"}));
}

TYPED_TEST(MigratorTargets, DowngradeToARevisionThatIsNotAppliedIsRefused) {
  migrator<TypeParam> m{linear{}, this->url()};
  m.upgrade("ae1000");
  EXPECT_THROW((void)m.downgrade("bf3000"), strata::invalid_target);
  EXPECT_THROW((void)m.downgrade("head"), strata::invalid_target);
  EXPECT_THROW((void)m.downgrade(""), strata::invalid_target);
  EXPECT_EQ(m.current(), strings{"ae1000"});
}

TYPED_TEST(MigratorTargets, UnknownAndAmbiguousRevisionsAreNamed) {
  migrator<TypeParam> m{linear{}, this->url()};
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
  EXPECT_EQ(this->logged_revisions(), strings{});
}

TYPED_TEST(MigratorTargets, SeveralHeadsRefuseHeadButTakeHeadsOrAnId) {
  migrator<TypeParam> m{branched{}, this->url()};
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

TYPED_TEST(MigratorTargets, AMergeRevisionJoinsTheHeads) {
  {
    migrator<TypeParam> m{branched{}, this->url()};
    m.upgrade("heads");
  }
  migrator<TypeParam> m{merged{}, this->url()};  // the next release ships the merge
  EXPECT_EQ(m.heads(), strings{"d05000"});
  EXPECT_EQ(m.upgrade(), strings{"d05000"});
  EXPECT_EQ(m.current(), strings{"d05000"});
  EXPECT_EQ(m.downgrade("-1"), strings{"d05000"});
  EXPECT_EQ(m.current(), (strings{"bf3000", "c04000"}));
  EXPECT_EQ(m.upgrade(), strings{"d05000"});
  EXPECT_EQ(this->logged_revisions(), (strings{"ae1000", "ae2000", "bf3000", "c04000", "d05000"}));
}

TYPED_TEST(MigratorTargets, StampWritesTheVersionTableOnly) {
  migrator<TypeParam> m{linear{}, this->url()};
  m.stamp("ae2");
  EXPECT_EQ(m.current(), strings{"ae2000"});
  EXPECT_EQ(this->logged_revisions(), strings{});  // nothing ran
  m.stamp("head");
  EXPECT_EQ(m.current(), strings{"bf3000"});
  m.stamp("base");
  EXPECT_EQ(m.current(), strings{});
  migrator<TypeParam> b{branched{}, this->url()};
  EXPECT_THROW(b.stamp("head"), strata::multiple_heads);
  b.stamp("heads");
  EXPECT_EQ(b.current(), (strings{"bf3000", "c04000"}));
}

TYPED_TEST(MigratorTargets, AVersionRowOutsideTheHistoryStopsEverything) {
  this->db().execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))");
  this->db().execute("INSERT INTO alembic_version VALUES ('0badc0ffee00')");
  migrator<TypeParam> m{linear{}, this->url()};
  try {
    m.upgrade();
    FAIL() << "expected unknown_database_state";
  } catch (const strata::unknown_database_state& e) {
    EXPECT_NE(std::string(e.what()).find("'0badc0ffee00'"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)m.downgrade("base"), strata::unknown_database_state);
  EXPECT_EQ(m.current(), strings{"0badc0ffee00"});
  EXPECT_EQ(this->logged_revisions(), strings{});
}

TYPED_TEST(MigratorTargets, VersionTableHasAlembicsLayout) {
  migrator<TypeParam> m{linear{}, this->url()};
  m.upgrade();
  // Alembic's VARCHAR(32) NOT NULL primary key, as each database spells the type.
  const auto layout = this->db().layout("alembic_version");
  ASSERT_EQ(layout.size(), 1u);
  EXPECT_EQ(layout[0].name, "version_num");
  EXPECT_EQ(layout[0].type, strata_test::is_sqlite<TypeParam> ? "VARCHAR(32)" : "character varying(32)");
  EXPECT_TRUE(layout[0].not_null);
  EXPECT_EQ(layout[0].primary_key, 1);
  EXPECT_EQ(this->db().rows("SELECT count(*), max(version_num) FROM alembic_version"),
            (strata_test::table_rows{{"1", "bf3000"}}));
}

TYPED_TEST(MigratorTargets, TheVersionTableNameIsConfigurable) {
  migrator<TypeParam> m{linear{}, strata::migrator_options{.version_table = "strata_versions"}, this->url()};
  m.upgrade();
  EXPECT_EQ(this->db().tables(), (strings{"log", "strata_versions", "strata_versions_history"}));  // and no alembic_version
  EXPECT_EQ(m.current(), strings{"bf3000"});
}

TYPED_TEST(MigratorTargets, ListenersSeeEachRevisionStartAndFinish) {
  migrator<TypeParam> m{linear{}, this->url()};
  strings seen;
  m.on_event([&](const strata::migration_event& e) {
    const char* what = e.what == strata::migration_event::kind::starting ? "start " : "done ";
    seen.push_back(what + std::string(e.revision->id));
  });
  m.upgrade("+2");
  EXPECT_EQ(seen, (strings{"start ae1000", "done ae1000", "start ae2000", "done ae2000"}));
}

TYPED_TEST(MigratorTargets, HistoryListsRevisionsInDependencyOrder) {
  migrator<TypeParam> m{merged{}, this->url()};
  const auto revisions = m.history();
  ASSERT_EQ(revisions.size(), 5u);
  EXPECT_EQ(revisions[0].id, "ae1000");
  EXPECT_TRUE(revisions[0].is_base());
  EXPECT_TRUE(revisions[4].is_merge());
  EXPECT_EQ(revisions[4].down_revisions[1], "c04000");
}

TYPED_TEST(MigratorTargets, DowngradeByStepsAtTwoHeadsIsAmbiguousAndChangesNothing) {
  migrator<TypeParam> m{branched{}, this->url()};
  m.upgrade("heads");
  try {
    m.downgrade("-1");
    FAIL() << "expected invalid_target";
  } catch (const strata::invalid_target& e) {
    const std::string what = e.what();
    // Which heads, and the targets that say which branch to go down (with what each reverts).
    EXPECT_NE(what.find("at 2 heads ('bf3000', 'c04000')"), std::string::npos) << what;
    EXPECT_NE(what.find("ambiguous"), std::string::npos) << what;
    EXPECT_NE(what.find("'ae2000' reverts 'bf3000'"), std::string::npos) << what;
    EXPECT_NE(what.find("'ae1000' reverts 'c04000', 'bf3000', 'ae2000'"), std::string::npos) << what;
  }
  EXPECT_EQ(m.current(), (strings{"bf3000", "c04000"}));
  EXPECT_EQ(this->logged_revisions(), (strings{"ae1000", "ae2000", "bf3000", "c04000"}));
  EXPECT_EQ(m.downgrade("ae2000"), strings{"bf3000"});  // what the message offers works
  EXPECT_EQ(m.current(), (strings{"ae2000", "c04000"}));
  try {
    m.downgrade("-1");  // still two heads, below both of which is one revision, offered once
    FAIL() << "expected invalid_target";
  } catch (const strata::invalid_target& e) {
    EXPECT_NE(std::string(e.what()).find("instead ('ae1000' reverts 'c04000', 'ae2000')"), std::string::npos) << e.what();
  }
  EXPECT_EQ(m.downgrade("ae1000"), (strings{"c04000", "ae2000"}));
  EXPECT_EQ(m.downgrade("-1"), strings{"ae1000"});  // one head: one step again
  EXPECT_EQ(m.current(), strings{});
}

TYPED_TEST(MigratorTargets, DowngradeByStepsThroughAMergeIsAmbiguousAndChangesNothing) {
  migrator<TypeParam> m{merged{}, this->url()};
  m.upgrade();
  try {
    m.downgrade("-2");
    FAIL() << "expected invalid_target";
  } catch (const strata::invalid_target& e) {
    EXPECT_NE(std::string(e.what()).find("after reverting 'd05000' the database would be at 2 heads"), std::string::npos) << e.what();
  }
  EXPECT_EQ(m.current(), strings{"d05000"});
  EXPECT_EQ(m.downgrade("-1"), strings{"d05000"});
}

TYPED_TEST(MigratorTargets, AnEmptyHistoryHasNothingToDo) {
  migrator<TypeParam> m{strata::history<>{}, this->url()};
  EXPECT_EQ(m.heads(), strings{});
  EXPECT_EQ(m.pending(), strings{});
  EXPECT_EQ(m.pending("heads"), strings{});
  EXPECT_EQ(m.upgrade(), strings{});
  EXPECT_EQ(m.upgrade("heads"), strings{});
  EXPECT_THROW((void)m.upgrade("+1"), strata::invalid_target);
  EXPECT_EQ(m.downgrade("base"), strings{});
  EXPECT_THROW((void)m.downgrade("-1"), strata::invalid_target);
  m.stamp("head");
  EXPECT_EQ(m.current(), strings{});
  EXPECT_EQ(this->db().tables(), (strings{"alembic_version", "alembic_version_history"}));
}

TYPED_TEST(MigratorTargets, RevisionsKnownAtRunTimeMigrateAsTheirHistoryDoes) {
  const std::span<const strata::revision_info> revisions = linear::revisions;  // as another unit passes them on
  migrator<TypeParam> m{revisions, strata::migrator_options{.version_table = "v"}, this->url()};
  EXPECT_EQ(m.upgrade(), (strings{"ae1000", "ae2000", "bf3000"}));
  EXPECT_EQ(this->logged_revisions(), (strings{"ae1000", "ae2000", "bf3000"}));
  EXPECT_EQ(m.current(), strings{"bf3000"});
  migrator<TypeParam> same{revisions, this->url()};
  EXPECT_EQ(same.current(), strings{});  // alembic_version: the other table
}

}  // namespace
