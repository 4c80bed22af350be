// Checksums of revisions and strata's history table (<version table>_history), on each backend of
// support/databases.hpp: the checksum's canonical form pinned to literals, what changes it and what
// does not; a row per upgrade, downgrade and stamp, read back through the database's own client; a
// failed revision's row with its error; an applied revision edited afterwards refused by upgrade,
// status and validate until repaired; a database migrated before the table existed adopted; and
// the same through manage_db (strata::cli::main in process).
#include <algorithm>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <strata/cli.hpp>
#include <strata/commands.hpp>
#include <strata/strata.hpp>

#include "support/databases.hpp"

namespace {

namespace commands = strata::commands;
using strings = std::vector<std::string>;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- the revisions ------------------------------------------------------------------------------------

struct items : strata::revision<"7a0000000001", strata::base> {
  static constexpr std::string_view message = "create items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {strata::column("id", strata::integer).primary_key(), strata::column("name", strata::varchar(20)).not_null()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};
// The same operations, written otherwise (layout, comments, a name spelled through a constant).
struct items_reformatted : strata::revision<"7a0000000001", strata::base> {
  static constexpr std::string_view message = "create items, reworded";  // the message is no operation
  static constexpr std::string_view table = "items";
  static constexpr void upgrade(strata::ops& op) {
    // a comment
    op.create_table(table, {
                               strata::column("id", strata::integer).primary_key(),
                               strata::column("name", strata::varchar(20)).not_null(),
                           });
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};
// Edited after it was applied: a wider name.
struct items_widened : strata::revision<"7a0000000001", strata::base> {
  static constexpr std::string_view message = "create items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {strata::column("id", strata::integer).primary_key(), strata::column("name", strata::varchar(40)).not_null()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};
struct price : strata::revision<"7a0000000002", "7a0000000001"> {
  static constexpr std::string_view message = "add price";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", strata::column("price", strata::integer).server_default("0")); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "price"); }
};
struct broken : strata::revision<"7a0000000003", "7a0000000002"> {
  static constexpr std::string_view message = "insert into a table that is not there";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", strata::column("note", strata::text));
    op.execute("INSERT INTO no_such_table VALUES (1)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "note"); }
};

struct first_broken : strata::revision<"7b0000000001", strata::base> {
  static constexpr std::string_view message = "broken from the start";
  static constexpr void upgrade(strata::ops& op) { op.execute("INSERT INTO no_such_table VALUES (1)"); }
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<items, price>;
using edited = strata::history<items_widened, price>;
using with_broken = strata::history<items, price, broken>;

// One operation's checksum.
template <class F>
std::string checksum_of(F record) {
  strata::ops o;
  record(o);
  return strata::checksum_text(strata::checksum_value(o));
}

// ---- the checksum, without a database -----------------------------------------------------------------

TEST(Checksum, IsPinnedToTheCanonicalFormVersionOne) {
  // The value of this fixed revision is frozen: if this fails, the canonical form changed, and every
  // database migrated before would be refused. Make a new version ("v2:") instead.
  EXPECT_EQ(history::revisions[0].checksum(), "v1:65e2ca3eb2d7945e");
  EXPECT_EQ(history::revisions[1].checksum(), "v1:f784a4aac9a7c9e2");
  EXPECT_EQ(checksum_of([](strata::ops&) {}), "v1:cbf29ce484222325");  // FNV-1a's offset basis: nothing written
  EXPECT_EQ(checksum_of([](strata::ops& op) { op.execute("SELECT 1"); }), "v1:63c7ed4faa0ef9f7");
}

TEST(Checksum, IsComputedOncePerProcessFromTheRecordedOperations) {
  // Not at compile time (it would cost every build), but once, by each revision's own function.
  static_assert(history::revisions[0].upgrade_checksum == &strata::detail::upgrade_checksum_once<items>);
  EXPECT_EQ(strata::checksum_text(history::revisions[0].upgrade_checksum()), history::revisions[0].checksum());
  EXPECT_EQ(history::revisions[0].upgrade_checksum(), history::revisions[0].upgrade_checksum());
  EXPECT_NE(history::revisions[0].upgrade_checksum(), history::revisions[1].upgrade_checksum());
  // The same value from the frozen operations a manage_db hands over (strata::cli::project_of).
  const auto project = strata::cli::project_of<history>();
  EXPECT_NE(project.revisions[0].upgrade_checksum, history::revisions[0].upgrade_checksum);
  EXPECT_EQ(project.revisions[0].checksum(), history::revisions[0].checksum());
  EXPECT_EQ(project.revisions[1].checksum(), history::revisions[1].checksum());
  // And from the recorded operations each time, for a revision_info built without the function.
  auto each_time = history::revisions[0];
  each_time.upgrade_checksum = nullptr;
  EXPECT_EQ(each_time.checksum(), history::revisions[0].checksum());
}

TEST(Checksum, IgnoresHowTheRevisionIsWrittenAndLineEndings) {
  EXPECT_EQ(strata::history<items_reformatted>::revisions[0].checksum(), history::revisions[0].checksum());
  EXPECT_EQ(checksum_of([](strata::ops& op) { op.execute("UPDATE items\r\nSET name = 'x'"); }),
            checksum_of([](strata::ops& op) { op.execute("UPDATE items\nSET name = 'x'"); }));
  // A rename hint is no part of a column's definition.
  EXPECT_EQ(checksum_of([](strata::ops& op) { op.add_column("t", strata::column("a", strata::integer).renamed_from("b")); }),
            checksum_of([](strata::ops& op) { op.add_column("t", strata::column("a", strata::integer)); }));
}

TEST(Checksum, ChangesWithANameATypeADefaultOrAnSqlLiteral) {
  const auto base = checksum_of([](strata::ops& op) { op.add_column("t", strata::column("a", strata::varchar(10)).server_default("'x'")); });
  EXPECT_NE(base, checksum_of([](strata::ops& op) { op.add_column("t", strata::column("b", strata::varchar(10)).server_default("'x'")); }));
  EXPECT_NE(base, checksum_of([](strata::ops& op) { op.add_column("u", strata::column("a", strata::varchar(10)).server_default("'x'")); }));
  EXPECT_NE(base, checksum_of([](strata::ops& op) { op.add_column("t", strata::column("a", strata::varchar(11)).server_default("'x'")); }));
  EXPECT_NE(base, checksum_of([](strata::ops& op) { op.add_column("t", strata::column("a", strata::text).server_default("'x'")); }));
  EXPECT_NE(base, checksum_of([](strata::ops& op) { op.add_column("t", strata::column("a", strata::varchar(10)).server_default("'y'")); }));
  EXPECT_NE(base, checksum_of([](strata::ops& op) { op.add_column("t", strata::column("a", strata::varchar(10))); }));
  EXPECT_NE(base, checksum_of([](strata::ops& op) { op.add_column("t", strata::column("a", strata::varchar(10)).server_default("'x'").not_null()); }));
  EXPECT_NE(checksum_of([](strata::ops& op) { op.execute("UPDATE t SET a = 1"); }),
            checksum_of([](strata::ops& op) { op.execute("UPDATE t SET a = 2"); }));
  // Field boundaries are kept: ("ab", "c") is not ("a", "bc"); an empty default is not no default.
  EXPECT_NE(checksum_of([](strata::ops& op) { op.rename_table("ab", "c"); }), checksum_of([](strata::ops& op) { op.rename_table("a", "bc"); }));
  EXPECT_NE(checksum_of([](strata::ops& op) { op.add_column("t", strata::column("a", strata::text).server_default("")); }),
            checksum_of([](strata::ops& op) { op.add_column("t", strata::column("a", strata::text)); }));
  EXPECT_NE(history::revisions[0].checksum(), edited::revisions[0].checksum());
  EXPECT_EQ(history::revisions[1].checksum(), edited::revisions[1].checksum());
}

// ================================================================================================
// On each backend
// ================================================================================================

template <class B>
class HistoryTable : public ::testing::Test {
 protected:
  using dialect = typename B::dialect;

  void SetUp() override { strata_test::open_backend(db_); }
  [[nodiscard]] const B& db() const { return *db_; }

  template <class H = history>
  [[nodiscard]] strata::migrator<dialect> migrator(std::string application = "strata") const {
    return strata::migrator<dialect>(H{}, strata::migrator_options{"alembic_version", std::move(application)}, db().url());
  }

  // The history table's rows, read back through the database's own client: revision, direction,
  // outcome, checksum, error; oldest first.
  [[nodiscard]] strata_test::table_rows rows(const std::string& columns = "revision, direction, outcome, checksum") const {
    return db().rows("SELECT " + columns + " FROM alembic_version_history ORDER BY id");
  }
  [[nodiscard]] strings column(const std::string& name) const {
    strings out;
    for (const auto& r : rows(name)) out.push_back(r.at(0).value_or("NULL"));
    return out;
  }

  struct run_result {
    int status;
    std::string out, err;
  };
  template <class H = history>
  run_result cli(std::vector<std::string> args) const {
    args.insert(args.begin(), {"manage_db", "--url", db().url()});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
#ifdef STRATA_HAVE_POSTGRESQL
    const int status = strata::cli::main<H, strata::sqlite, strata::postgresql>(static_cast<int>(argv.size()), argv.data(), out, err);
#else
    const int status = strata::cli::main<H, strata::sqlite>(static_cast<int>(argv.size()), argv.data(), out, err);
#endif
    return {status, out.str(), err.str()};
  }

 private:
  std::optional<B> db_;
};

TYPED_TEST_SUITE(HistoryTable, strata_test::backends);

TYPED_TEST(HistoryTable, EveryUpgradeDowngradeAndStampHasARow) {
  auto m = this->migrator("inventory 2.1");
  m.upgrade();
  m.downgrade("-1");
  m.stamp("head");
  m.stamp("base");
  const auto c0 = history::revisions[0].checksum(), c1 = history::revisions[1].checksum();
  using row = std::vector<std::optional<std::string>>;
  EXPECT_EQ(this->rows(), (strata_test::table_rows{row{"7a0000000001", "upgrade", "succeeded", c0}, row{"7a0000000002", "upgrade", "succeeded", c1},
                                                   row{"7a0000000002", "downgrade", "succeeded", c1}, row{"7a0000000002", "stamp", "succeeded", ""},
                                                   row{"base", "stamp", "succeeded", ""}}));
  // Who ran it, when, and for how long.
  for (const auto& r : this->rows("application, host, started_at, duration_ms, error, progress")) {
    EXPECT_EQ(r.at(0), "inventory 2.1");
    EXPECT_FALSE(r.at(1).value_or("").empty());
    const auto started = r.at(2).value_or("");
    EXPECT_EQ(started.size(), 24u) << started;  // 2026-12-02T09:30:00.123Z
    EXPECT_EQ(started.back(), 'Z') << started;
    EXPECT_GE(std::stoll(r.at(3).value_or("-1")), 0);
    EXPECT_EQ(r.at(4), "");
    EXPECT_EQ(r.at(5), "");
  }
  if (TypeParam::name == "postgresql") {
    EXPECT_EQ(this->column("database_user")[0], this->db().scalar("SELECT current_user"));
  }
  // Read back through strata, the same rows.
  const auto records = commands::applied(m);
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].revision, "7a0000000001");
  EXPECT_EQ(records[0].checksum, c0);
  EXPECT_EQ(records[0].application, "inventory 2.1");
  EXPECT_LT(records[0].id, records[1].id);
  // Alembic's version table keeps its exact layout.
  EXPECT_EQ(this->db().rows("SELECT version_num FROM alembic_version").size(), 0u);
}

TYPED_TEST(HistoryTable, AFailedRevisionsRowHoldsItsErrorAndNothingElseChanged) {
  auto m = this->template migrator<with_broken>();
  m.upgrade("7a0000000002");
  try {
    m.upgrade();
    ADD_FAILURE() << "the broken revision was applied";
  } catch (const strata::migration_failed& e) {
    EXPECT_TRUE(contains(e.what(), "no_such_table")) << e.what();
  }
  EXPECT_EQ(m.current(), strings{"7a0000000002"});
  EXPECT_EQ(this->db().columns("items"), (strings{"id", "name", "price"}));  // the note column was rolled back
  const auto r = this->rows("revision, direction, outcome, error");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[2].at(0), "7a0000000003");
  EXPECT_EQ(r[2].at(1), "upgrade");
  EXPECT_EQ(r[2].at(2), "failed");
  EXPECT_TRUE(contains(r[2].at(3).value_or(""), "no_such_table")) << r[2].at(3).value_or("");
  EXPECT_TRUE(contains(r[2].at(3).value_or(""), "7a0000000003")) << r[2].at(3).value_or("");
}

TYPED_TEST(HistoryTable, AFailedFirstRevisionLeavesNoTableButItsRow) {
  auto m = this->template migrator<strata::history<first_broken>>();
  EXPECT_THROW(m.upgrade(), strata::migration_failed);
  EXPECT_EQ(this->db().tables(), strings{"alembic_version_history"});  // the version table's creation was rolled back
  EXPECT_EQ(this->column("outcome"), strings{"failed"});
}

TYPED_TEST(HistoryTable, AnEditedAppliedRevisionIsRefusedUntilRepaired) {
  {
    auto m = this->migrator();
    m.upgrade("7a0000000001");
  }
  auto m = this->template migrator<edited>();
  const auto recorded = history::revisions[0].checksum(), now = edited::revisions[0].checksum();
  const auto changed = m.changed_checksums();
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].id, "7a0000000001");
  EXPECT_EQ(changed[0].recorded, recorded);
  EXPECT_EQ(changed[0].current, now);
  for (auto* what : {"upgrade", "status"}) {
    try {
      if (std::string_view(what) == "upgrade") m.upgrade();
      else (void)commands::status(m);
      ADD_FAILURE() << what << " went on";
    } catch (const strata::checksum_mismatch& e) {
      EXPECT_EQ(std::string(e.what()),
                "the applied revision '7a0000000001' (create items; recorded " + recorded + ", now " + now +
                    ") has changed since the database was migrated with it: restore the revision as it was, or accept the change with "
                    "'manage_db repair' (strata::commands::repair)")
          << what;
    }
  }
  EXPECT_EQ(m.current(), strings{"7a0000000001"});
  EXPECT_EQ(this->db().columns("items"), (strings{"id", "name"}));
  const auto report = commands::validate(m);
  ASSERT_EQ(report.version_problems.size(), 1u);
  EXPECT_TRUE(contains(report.version_problems[0], "'7a0000000001'")) << report.version_problems[0];
  EXPECT_FALSE(report.valid());

  const auto repaired = commands::repair(m);
  EXPECT_EQ(commands::ids(repaired.recorded), strings{"7a0000000001"});
  EXPECT_FALSE(repaired.closed);
  EXPECT_EQ(m.changed_checksums().size(), 0u);
  EXPECT_EQ(m.upgrade(), strings{"7a0000000002"});
  const auto r = this->rows();
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1], (std::vector<std::optional<std::string>>{"7a0000000001", "repair", "succeeded", now}));
  // Nothing left to repair; the original revision is now the changed one.
  EXPECT_EQ(commands::repair(m).recorded.size(), 0u);
  EXPECT_EQ(this->migrator().changed_checksums().size(), 1u);
}

TYPED_TEST(HistoryTable, ADatabaseMigratedBeforeTheTableIsAdopted) {
  {
    auto m = this->migrator();
    m.upgrade("7a0000000001");
  }
  this->db().execute("DROP TABLE alembic_version_history");  // as strata left it before the history table
  auto m = this->template migrator<edited>();
  EXPECT_EQ(m.changed_checksums().size(), 0u);  // nothing recorded: no complaint
  EXPECT_NO_THROW((void)commands::status(m));
  m.upgrade();
  // The applied revision adopted with its current checksum, in the first revision's transaction.
  const auto r = this->rows();
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], (std::vector<std::optional<std::string>>{"7a0000000001", "adopt", "succeeded", edited::revisions[0].checksum()}));
  EXPECT_EQ(r[1].at(0), "7a0000000002");
  // From now on, a change of it is seen.
  EXPECT_EQ(this->migrator().changed_checksums().size(), 1u);
}

TYPED_TEST(HistoryTable, NoPasswordInAnyRow) {
  auto m = this->template migrator<with_broken>();
  EXPECT_THROW(m.upgrade(), strata::migration_failed);
  m.stamp("base");
  std::string all;
  for (const auto& r : this->db().rows("SELECT * FROM alembic_version_history"))
    for (const auto& f : r) all += f.value_or("") + "|";
  const char* password = std::getenv("PGPASSWORD");
  if (password != nullptr && *password != '\0') {
    if (TypeParam::name == "postgresql") {
      EXPECT_TRUE(contains(this->db().url(), password));  // the URL strata opened has it
    }
    EXPECT_FALSE(contains(all, password)) << all;
  }
  EXPECT_FALSE(contains(all, this->db().url())) << all;
}

// ---- through manage_db --------------------------------------------------------------------------------

TYPED_TEST(HistoryTable, ManageDbRefusesAnEditedRevisionShowsTheHistoryAndRepairs) {
  ASSERT_EQ(this->cli({"upgrade", "7a0000000001"}).status, 0);
  const auto recorded = history::revisions[0].checksum();
  for (std::string verb : {"upgrade", "status", "validate"}) {
    const auto r = this->template cli<edited>({verb});
    EXPECT_EQ(r.status, 1) << verb << ": " << r.out << r.err;
    EXPECT_TRUE(contains(r.err, "manage_db: the applied revision '7a0000000001' (create items; recorded " + recorded)) << verb << ": " << r.err;
    EXPECT_TRUE(contains(r.err, "'manage_db repair'")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << verb << ": " << r.err;
  }
  EXPECT_EQ(this->db().columns("items"), (strings{"id", "name"}));

  auto r = this->template cli<edited>({"repair"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Recorded the current checksum of 7a0000000001, create items\nRepaired.\n");
  r = this->template cli<edited>({"repair"});
  EXPECT_EQ(r.out, "Nothing to repair: every applied revision's checksum matches its record.\n");
  r = this->template cli<edited>({"upgrade"});
  ASSERT_EQ(r.status, 0) << r.err;

  r = this->template cli<edited>({"history", "--applied"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "  upgrade 7a0000000001  succeeded (")) << r.out;
  EXPECT_TRUE(contains(r.out, "  repair 7a0000000001  succeeded (")) << r.out;
  EXPECT_TRUE(contains(r.out, "  upgrade 7a0000000002  succeeded (")) << r.out;
  EXPECT_TRUE(contains(r.out, "by manage_db on ")) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 3) << r.out;
  r = this->template cli<edited>({"history", "--applied", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(r.out.starts_with("{\"applied\": [{\"id\": ")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"revision\": \"7a0000000001\", \"direction\": \"repair\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"checksum\": \"" + edited::revisions[0].checksum() + "\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"application\": \"manage_db\"")) << r.out;
}

TYPED_TEST(HistoryTable, ManageDbShowsAFailedRevisionsError) {
  ASSERT_EQ(this->template cli<with_broken>({"upgrade"}).status, 1);
  const auto r = this->template cli<with_broken>({"history", "--applied"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(contains(r.out, "  upgrade 7a0000000003  failed (")) << r.out;
  EXPECT_TRUE(contains(r.out, "\n    error: upgrade of revision '7a0000000003' (insert into a table that is not there) failed at execute")) << r.out;
  EXPECT_TRUE(contains(r.out, "no_such_table")) << r.out;
  const char* password = std::getenv("PGPASSWORD");
  if (password != nullptr && *password != '\0') {
    EXPECT_FALSE(contains(r.out + r.err, password));
  }
}

}  // namespace
