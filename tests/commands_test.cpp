// strata::commands on each backend of support/databases.hpp (a SQLite file, a PostgreSQL database):
// every manage_db verb called as a function, its value checked against the database read back
// through its own client; strata::manager and strata::cli::main (in process) agreeing with them; and
// the commands that need no database (heads, show, migrate, merge) once.
#include <algorithm>
#include <array>
#include <filesystem>
#include <functional>
#include <fstream>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <variant>
#include <vector>

#include <gtest/gtest.h>

#include <insightbull/migrations/history.hpp>
#include <strata/cli.hpp>
#include <strata/commands.hpp>
#include <strata/manager.hpp>
#include <strata/revision_files.hpp>
#include <strata/strata.hpp>

#include "support/branched_history.hpp"
#include "support/databases.hpp"
#include "support/process.hpp"
#include "support/sqlite_scratch.hpp"

namespace {

namespace fs = std::filesystem;
namespace commands = strata::commands;
using strings = std::vector<std::string>;
using history = migrations::history;
using strata::difference_kind;

// examples/insightbull/migrations, beside this file's folder.
const fs::path insightbull_migrations = fs::path(__FILE__).parent_path().parent_path() / "examples" / "insightbull" / "migrations";

constexpr const char* initial = "8653cc238299";
constexpr const char* confidence = "3b1f0c2d4e5a";
constexpr const char* market_cap = "c7d2a9e1f0b3";
constexpr const char* initial_message = "initial schema";
constexpr const char* confidence_message = "Add sentiment_confidence column to sentiment_data table";
constexpr const char* market_cap_message = "Add market_cap to stocks";

using namespace strata_test::branching;  // root, left, right, join; branched, merged

commands::revision_entry entry(const std::string& id, const std::string& message, bool head = false) { return {id, message, head, true}; }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::vector<difference_kind> kinds(const std::vector<strata::schema_difference>& differences) {
  std::vector<difference_kind> out;
  for (const auto& d : differences) out.push_back(d.kind);
  return out;
}

// ================================================================================================
// On each backend
// ================================================================================================

template <class B>
class Commands : public ::testing::Test {
 protected:
  using dialect = typename B::dialect;

  void SetUp() override { strata_test::open_backend(db_); }

  [[nodiscard]] const B& db() const { return *db_; }

  template <class H = history>
  [[nodiscard]] strata::migrator<dialect> migrator() const {
    return strata::migrator<dialect>(H{}, db().url());
  }

  // The version rows, read back through the database's own client.
  [[nodiscard]] strings versions() const {
    const auto tables = db().tables();
    if (std::find(tables.begin(), tables.end(), "alembic_version") == tables.end()) return {"<no version table>"};
    strings out;
    for (const auto& r : db().rows("SELECT version_num FROM alembic_version ORDER BY version_num")) out.push_back(r.at(0).value_or("NULL"));
    return out;
  }

  // manage_db in this process, on the backend's database.
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

TYPED_TEST_SUITE(Commands, strata_test::backends);

#ifndef STRATA_HAVE_POSTGRESQL  // no Commands/1 (PostgreSQL): fails the run if it had to include it
TEST(CommandsBackends, IncludePostgresqlWhenRequired) { strata_test::expect_postgresql_built(); }
#endif

// ---- open ----------------------------------------------------------------------------------------

TYPED_TEST(Commands, OpenPicksTheDialectByTheUrlsScheme) {
#ifdef STRATA_HAVE_POSTGRESQL
  auto opened = commands::open<history, strata::sqlite, strata::postgresql>(this->db().url());
#else
  auto opened = commands::open<history, strata::sqlite>(this->db().url());
#endif
  ASSERT_TRUE(std::holds_alternative<strata::migrator<typename TestFixture::dialect>>(opened));
  auto& m = std::get<strata::migrator<typename TestFixture::dialect>>(opened);
  EXPECT_EQ(m.options().version_table, "alembic_version");
  EXPECT_EQ(commands::status(m).pending.size(), 3u);
  try {
    (void)commands::open<history, typename TestFixture::dialect>("mysql://app:secret@localhost/insight");
    ADD_FAILURE() << "mysql:// was opened";
  } catch (const strata::malformed_url& e) {
    EXPECT_TRUE(contains(e.what(), "'mysql'")) << e.what();
    EXPECT_TRUE(contains(e.what(), std::string(TestFixture::dialect::name) + "://")) << e.what();
    EXPECT_FALSE(contains(e.what(), "secret")) << e.what();
  }
}

// ---- status, current, upgrade, downgrade, stamp ---------------------------------------------------

TYPED_TEST(Commands, StatusAtBaseAndAtHead) {
  auto m = this->migrator();
  auto s = commands::status(m);
  EXPECT_EQ(s.location, m.dialect().location());
  EXPECT_EQ(s.version_table, "alembic_version");
  EXPECT_EQ(s.current, std::vector<commands::revision_entry>{});
  EXPECT_EQ(s.heads, std::vector{entry(market_cap, market_cap_message, true)});
  EXPECT_EQ(s.pending, (std::vector{entry(initial, initial_message), entry(confidence, confidence_message), entry(market_cap, market_cap_message, true)}));
  EXPECT_TRUE(s.needs_upgrade);
  EXPECT_EQ(this->db().tables(), strings{});  // looking changes nothing

  commands::upgrade(m);
  s = commands::status(m);
  EXPECT_EQ(s.current, std::vector{entry(market_cap, market_cap_message, true)});
  EXPECT_EQ(s.pending, std::vector<commands::revision_entry>{});
  EXPECT_FALSE(s.needs_upgrade);
}

TYPED_TEST(Commands, ManagerAndCommandsAgreeOnStatus) {
  auto m = this->migrator();
  commands::upgrade(m, initial);
  strata::manager<typename TestFixture::dialect> manager{history{}, this->db().url()};
  const auto by_manager = manager.check_status();
  const auto by_command = commands::status(m);
  ASSERT_TRUE(by_manager.ok) << by_manager.error;
  EXPECT_EQ(by_manager.current, commands::ids(by_command.current));
  EXPECT_EQ(by_manager.heads, commands::ids(by_command.heads));
  EXPECT_EQ(by_manager.pending, commands::ids(by_command.pending));
  EXPECT_EQ(by_manager.pending, (strings{confidence, market_cap}));
  EXPECT_EQ(by_manager.needs_upgrade, by_command.needs_upgrade);
  EXPECT_EQ(by_manager.location, by_command.location);
}

TYPED_TEST(Commands, UpgradeDowngradeAndStampSayWhatChanged) {
  auto m = this->migrator();
  auto c = commands::upgrade(m, "+1");
  EXPECT_EQ(c.from, std::vector<commands::revision_entry>{});
  EXPECT_EQ(c.applied, std::vector{entry(initial, initial_message)});
  EXPECT_EQ(c.to, std::vector{entry(initial, initial_message)});
  EXPECT_EQ(this->versions(), strings{initial});

  c = commands::upgrade(m);
  EXPECT_EQ(c.from, std::vector{entry(initial, initial_message)});
  EXPECT_EQ(commands::ids(c.applied), (strings{confidence, market_cap}));
  EXPECT_EQ(c.to, std::vector{entry(market_cap, market_cap_message, true)});
  EXPECT_EQ(this->versions(), strings{market_cap});

  c = commands::upgrade(m);
  EXPECT_EQ(c.applied, std::vector<commands::revision_entry>{});
  EXPECT_EQ(c.from, c.to);

  c = commands::downgrade(m, "-1");
  EXPECT_EQ(commands::ids(c.applied), strings{market_cap});
  EXPECT_EQ(commands::ids(c.to), strings{confidence});
  EXPECT_EQ(this->versions(), strings{confidence});

  const auto before = this->db().snapshot("alembic_version");
  c = commands::stamp(m, "head");
  EXPECT_EQ(commands::ids(c.from), strings{confidence});
  EXPECT_EQ(c.to, std::vector{entry(market_cap, market_cap_message, true)});
  EXPECT_EQ(c.applied, std::vector<commands::revision_entry>{});
  EXPECT_EQ(this->versions(), strings{market_cap});
  EXPECT_EQ(this->db().snapshot("alembic_version"), before);  // no migration ran

  commands::stamp(m, confidence);  // where the schema really is
  c = commands::downgrade(m, "base");
  EXPECT_EQ(commands::ids(c.applied), (strings{confidence, initial}));
  EXPECT_EQ(c.to, std::vector<commands::revision_entry>{});
  EXPECT_EQ(this->db().tables(), (strings{"alembic_version", "alembic_version_history"}));
}

TYPED_TEST(Commands, ErrorsAreTheMigratorsExceptionsAndChangeNothing) {
  auto m = this->migrator();
  commands::upgrade(m, confidence);
  const auto before = this->db().snapshot();
  EXPECT_THROW(commands::upgrade(m, "zzzz"), strata::revision_not_found);
  EXPECT_THROW(commands::downgrade(m, market_cap), strata::invalid_target);
  EXPECT_THROW(commands::upgrade(m, "+5"), strata::invalid_target);
  EXPECT_THROW(commands::stamp(m, "zzzz"), strata::revision_not_found);
  EXPECT_EQ(this->db().snapshot(), before);
}

TYPED_TEST(Commands, CurrentNamesARowTheHistoryLacks) {
  auto m = this->migrator();
  EXPECT_EQ(commands::current(m), std::vector<commands::revision_entry>{});
  commands::upgrade(m, confidence);
  this->db().execute("INSERT INTO alembic_version (version_num) VALUES ('ffffffffffff')");
  EXPECT_EQ(commands::current(m), (std::vector<commands::revision_entry>{entry(confidence, confidence_message), {"ffffffffffff", "", false, false}}));
  EXPECT_THROW((void)commands::status(m), strata::unknown_database_state);
}

// ---- history --------------------------------------------------------------------------------------

TYPED_TEST(Commands, HistoryRowsSayWhereTheDatabaseStands) {
  auto m = this->migrator();
  commands::upgrade(m, confidence);
  const auto rows = commands::history(m);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].revision.id, initial);
  EXPECT_EQ(rows[0].revision.down_revisions, strings{});
  EXPECT_EQ(rows[0].revision.next, strings{confidence});
  EXPECT_EQ(rows[1].revision.message, confidence_message);
  EXPECT_EQ(rows[2].revision.down_revisions, strings{confidence});
  EXPECT_EQ(rows[2].revision.next, strings{});
  std::vector<bool> head, current, applied;
  for (const auto& r : rows) {
    head.push_back(r.revision.head);
    current.push_back(r.current);
    applied.push_back(r.applied);
    EXPECT_FALSE(r.revision.branch_point);
    EXPECT_FALSE(r.revision.merge_point);
    EXPECT_TRUE(r.revision.transactional);
  }
  EXPECT_EQ(head, (std::vector{false, false, true}));
  EXPECT_EQ(current, (std::vector{false, true, false}));
  EXPECT_EQ(applied, (std::vector{true, true, false}));
}

TYPED_TEST(Commands, HistoryRowsMarkBranchAndMergePoints) {
  auto m = this->template migrator<merged>();
  commands::upgrade(m, "cc00");
  const auto rows = commands::history(m);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_TRUE(rows[0].revision.branch_point);
  EXPECT_EQ(rows[0].revision.next, (strings{"bb0000000002", "cc0000000003"}));
  EXPECT_TRUE(rows[3].revision.merge_point);
  EXPECT_TRUE(rows[3].revision.head);
  EXPECT_EQ(rows[3].revision.down_revisions, (strings{"bb0000000002", "cc0000000003"}));
  EXPECT_FALSE(rows[1].applied);
  EXPECT_TRUE(rows[2].current);

  auto two_heads = this->template migrator<branched>();
  EXPECT_EQ(commands::ids(commands::status(two_heads).heads), (strings{"bb0000000002", "cc0000000003"}));
  EXPECT_THROW(commands::upgrade(two_heads), strata::multiple_heads);
  EXPECT_EQ(commands::ids(commands::upgrade(two_heads, "heads").to), (strings{"bb0000000002", "cc0000000003"}));
}

// ---- validate -------------------------------------------------------------------------------------

TYPED_TEST(Commands, ValidateAcceptsAMigratedDatabase) {
  auto m = this->migrator();
  auto r = commands::validate(m);
  EXPECT_TRUE(r.valid());
  EXPECT_EQ(r.schema, commands::check_state::done);
  EXPECT_EQ(r.expected_tables, 0u);
  EXPECT_EQ(r.folder, commands::check_state::skipped);  // no folder named
  for (const char* target : {initial, confidence, market_cap}) {
    commands::upgrade(m, target);
    r = commands::validate(m);
    EXPECT_TRUE(r.valid()) << target << ": " << (r.problems().empty() ? "" : r.problems().front());
    EXPECT_EQ(r.schema, commands::check_state::done);
    EXPECT_EQ(r.drift, std::vector<strata::schema_difference>{});
    EXPECT_EQ(r.unknown, std::vector<strata::schema_difference>{});
    EXPECT_EQ(commands::ids(r.current), strings{target});
    EXPECT_EQ(r.expected_tables, 3u);
    EXPECT_EQ(r.expected_indexes, 2u);
    EXPECT_EQ(r.problems(), strings{});
  }
  // A table the history does not know is the application's business.
  this->db().execute("CREATE TABLE sessions (id INTEGER PRIMARY KEY)");
  EXPECT_TRUE(commands::validate(m).valid());
}

TYPED_TEST(Commands, ValidateFindsWhatWasChangedByHand) {
  auto m = this->migrator();
  commands::upgrade(m);
  this->db().execute("ALTER TABLE sentiment_data DROP COLUMN sentiment_confidence");
  this->db().execute("DROP INDEX ix_stock_prices_stock_id_ts");
  this->db().execute("CREATE INDEX ix_by_hand ON stocks (name)");
  if constexpr (!strata_test::is_sqlite<TypeParam>) this->db().execute("ALTER TABLE stocks ALTER COLUMN sector SET NOT NULL");
  const auto before = this->db().snapshot();
  const auto r = commands::validate(m);
  EXPECT_FALSE(r.valid());
  EXPECT_EQ(r.version_problems, strings{});
  if constexpr (strata_test::is_sqlite<TypeParam>) {
    EXPECT_EQ(kinds(r.drift), (std::vector{difference_kind::missing_column, difference_kind::missing_index}));
  } else {
    EXPECT_EQ(kinds(r.drift), (std::vector{difference_kind::column_nullability, difference_kind::missing_column, difference_kind::missing_index}));
  }
  EXPECT_EQ(kinds(r.unknown), std::vector{difference_kind::unexpected_index});  // reported, but no problem
  const auto problems = r.problems();
  ASSERT_EQ(problems.size(), r.drift.size());
  EXPECT_TRUE(contains(problems.at(problems.size() - 2),
                       "column 'sentiment_data.sentiment_confidence' is missing, though the applied revisions create it; restore it, or stamp"))
      << problems.at(problems.size() - 2);
  EXPECT_TRUE(contains(problems.back(), "index 'ix_stock_prices_stock_id_ts' is missing")) << problems.back();
  if constexpr (!strata_test::is_sqlite<TypeParam>) {
    EXPECT_EQ(problems.front(), "column 'stocks.sector' is NOT NULL, expected nullable, unlike what the applied revisions make; change it back, "
                                "or stamp the database at the revision it is really at");
  }
  EXPECT_EQ(this->db().snapshot(), before);  // validate only reads
}

TYPED_TEST(Commands, ValidateChecksTheVersionTableFirst) {
  auto m = this->migrator();
  commands::upgrade(m, confidence);
  this->db().execute("INSERT INTO alembic_version (version_num) VALUES ('ffffffffffff'), ('" + std::string(initial) + "')");
  const auto r = commands::validate(m);
  EXPECT_FALSE(r.valid());
  ASSERT_EQ(r.version_problems.size(), 2u);
  EXPECT_TRUE(contains(r.version_problems[0], "'ffffffffffff'")) << r.version_problems[0];
  EXPECT_TRUE(contains(r.version_problems[0], "'alembic_version'")) << r.version_problems[0];
  EXPECT_TRUE(contains(r.version_problems[1], "both '3b1f0c2d4e5a' and its ancestor '8653cc238299'")) << r.version_problems[1];
  EXPECT_EQ(r.schema, commands::check_state::skipped);  // there is no telling which revisions are applied
  EXPECT_EQ(r.problems(), r.version_problems);
}

TYPED_TEST(Commands, ValidateComparesTheVersionsFolder) {
  strata_test::scratch_folder dir;
  const auto folder = dir.path() / "migrations";
  fs::copy(insightbull_migrations, folder, fs::copy_options::recursive);
  auto m = this->migrator();
  commands::upgrade(m);
  auto r = commands::validate(m, folder, {.program = "manage_db"});
  EXPECT_TRUE(r.valid());
  EXPECT_EQ(r.folder, commands::check_state::done);
  EXPECT_EQ(r.revision_files, 3u);

  const auto written = commands::migrate(folder, m.graph(), "later work");
  fs::remove(folder / "3b1f0c2d4e5a_add_sentiment_confidence_column_to_sentiment_data_table.hpp");
  r = commands::validate(m, folder, {.program = "manage_db"});
  EXPECT_FALSE(r.valid());
  ASSERT_EQ(r.folder_problems.size(), 1u) << "the removed file makes the new one's down revision unknown";
  EXPECT_TRUE(contains(r.folder_problems[0], "names down revision '3b1f0c2d4e5a'")) << r.folder_problems[0];

  fs::copy(insightbull_migrations / "3b1f0c2d4e5a_add_sentiment_confidence_column_to_sentiment_data_table.hpp", folder);
  r = commands::validate(m, folder, {.program = "manage_db"});
  ASSERT_EQ(r.folder_problems.size(), 1u);
  EXPECT_EQ(r.folder_problems[0], "revision '" + written.id + "' (" + written.file.filename().string() +
                                      ") is in the versions folder but not in manage_db; rebuild manage_db");
  EXPECT_EQ(r.revision_files, 4u);
}

struct creates_notes : strata::revision<"e0e0e0e0e0e0", strata::base> {
  static constexpr std::string_view message = "notes";
  static constexpr void upgrade(strata::ops& op) { op.create_table("notes", {strata::column("id", strata::integer).primary_key()}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("notes"); }
};
struct drops_note : strata::revision<"e1e1e1e1e1e1", "e0e0e0e0e0e0"> {
  static constexpr std::string_view message = "drop a table that does not exist";
  static constexpr void upgrade(strata::ops& op) { op.drop_table("note"); }
  static constexpr void downgrade(strata::ops& op) { op.create_table("note", {strata::column("id", strata::integer).primary_key()}); }
};
using does_not_replay = strata::history<creates_notes, drops_note>;
}  // namespace
// Written to fail at run time: the compiler's review would refuse it first.
template <>
inline constexpr strata::review_policy strata::review_policy_for<does_not_replay> = strata::policy::unchecked;
namespace {

TYPED_TEST(Commands, ValidateNamesTheAppliedRevisionThatDoesNotReplay) {
  auto m = this->template migrator<does_not_replay>();
  commands::upgrade(m, "e0e0e0e0e0e0");
  EXPECT_TRUE(commands::validate(m).valid());
  commands::stamp(m, "e1e1e1e1e1e1");
  const auto r = commands::validate(m);
  EXPECT_FALSE(r.valid());
  EXPECT_EQ(r.schema, commands::check_state::done);
  EXPECT_EQ(r.replay_problems, strings{"strata::replay: revision `e1e1e1e1e1e1` does not fit the revisions before it: drop_table note: "
                                       "there is no table `note`; fix the revision or the revisions before it"});
  EXPECT_EQ(r.drift, std::vector<strata::schema_difference>{});  // nothing to compare with
  EXPECT_EQ(r.problems(), r.replay_problems);
}

// ---- reset ----------------------------------------------------------------------------------------

TYPED_TEST(Commands, ResetDropsWhatThePlanLists) {
  auto m = this->migrator();
  auto plan = commands::plan_reset(m);
  EXPECT_EQ(plan.objects, std::vector<strata::database_object>{});
  commands::upgrade(m, confidence);
  plan = commands::plan_reset(m);
  EXPECT_EQ(plan.location, m.dialect().location());
  EXPECT_EQ(commands::ids(plan.current), strings{confidence});
  std::vector<std::string> listed;
  for (const auto& o : plan.objects) listed.push_back(o.type + " " + o.name);
  std::sort(listed.begin(), listed.end());
  EXPECT_EQ(listed, (strings{"index ix_sentiment_data_stock_id", "index ix_stock_prices_stock_id_ts", "table alembic_version",
                             "table alembic_version_history", "table sentiment_data", "table stock_prices", "table stocks"}));
  EXPECT_EQ(this->db().tables().size(), 5u);  // planning drops nothing
  commands::reset(m, plan);
  EXPECT_EQ(this->db().tables(), strings{});
  EXPECT_EQ(commands::current(m), std::vector<commands::revision_entry>{});
}

// ---- the command line in process: what it prints is what the commands return ----------------------

TYPED_TEST(Commands, TheCommandLineRendersTheCommandsValues) {
  auto r = this->cli({"status", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto m = this->migrator();
  const auto s = commands::status(m);
  EXPECT_TRUE(contains(r.out, "\"url\": \"" + s.location + "\"")) << r.out;
  EXPECT_TRUE(contains(r.out, "\"needs_upgrade\": true")) << r.out;

  r = this->cli({"upgrade", confidence});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_TRUE(contains(r.out, "Running upgrade base -> 8653cc238299, initial schema\n")) << r.out;
  EXPECT_TRUE(contains(r.out, "Upgraded 2 revisions; the database is at 3b1f0c2d4e5a.\n")) << r.out;
  EXPECT_EQ(this->versions(), strings{confidence});

  r = this->cli({"current", "--json"});
  EXPECT_EQ(r.out, "{\"current\": [\"3b1f0c2d4e5a\"]}\n");

  r = this->cli({"validate"});
  EXPECT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "Schema:          ok, the 3 tables and 2 indexes that the applied revisions create match the database\n"))
      << r.out;
  EXPECT_TRUE(contains(r.out, "Valid.\n")) << r.out;

  this->db().execute("DROP INDEX ix_sentiment_data_stock_id");
  this->db().execute("CREATE INDEX ix_by_hand ON stocks (sector)");
  r = this->cli({"validate"});
  EXPECT_EQ(r.status, 1) << r.out << r.err;
  EXPECT_EQ(r.err,
            "manage_db: index 'ix_sentiment_data_stock_id' is missing, though the applied revisions create it; restore it, or stamp the "
            "database at the revision it is really at\n");
  EXPECT_TRUE(contains(r.out, "Schema:          note: index 'ix_by_hand' on 'stocks' exists but is not expected (the history does not "
                              "create it; not a problem)\n"))
      << r.out;

  r = this->cli({"reset"});
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.out, "Would drop 7 objects of " + s.location + " (at 3b1f0c2d4e5a):\n")) << r.out;
  r = this->cli({"reset", "--confirm"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(this->db().tables(), strings{});
}

// ================================================================================================
// Without a database
// ================================================================================================

const strata::revision_graph& graph() {
  static const strata::revision_graph g(history::revisions);
  return g;
}

TEST(CommandsWithoutADatabase, Heads) {
  EXPECT_EQ(commands::heads(graph()), std::vector{entry(market_cap, market_cap_message, true)});
  const strata::revision_graph two(branched::revisions);
  EXPECT_EQ(commands::ids(commands::heads(two)), (strings{"bb0000000002", "cc0000000003"}));
}

TEST(CommandsWithoutADatabase, ShowGivesARevisionWithItsOperations) {
  const auto d = commands::show(graph(), "c7d2");
  EXPECT_EQ(d.revision.id, market_cap);
  EXPECT_EQ(d.revision.down_revisions, strings{confidence});
  EXPECT_TRUE(d.revision.head);
  std::vector<std::string> upgrade, downgrade;
  for (const auto& o : d.upgrade.operations()) upgrade.push_back(strata::describe(o));
  for (const auto& o : d.downgrade.operations()) downgrade.push_back(strata::describe(o));
  EXPECT_EQ(upgrade, (strings{"add_column stocks.market_cap", "execute \"UPDATE stocks SET market_cap = 0 WHERE market_cap IS NULL\"",
                              "alter_column stocks.market_cap"}));
  EXPECT_EQ(downgrade, strings{"drop_column stocks.market_cap"});

  EXPECT_EQ(commands::show(graph(), "head").revision.id, market_cap);
  EXPECT_EQ(commands::show(graph(), initial).revision.next, strings{confidence});
  EXPECT_THROW((void)commands::show(graph(), "zzzz"), strata::revision_not_found);
  const strata::revision_graph two(branched::revisions);
  try {
    (void)commands::show(two, "head");
    ADD_FAILURE() << "show head of two heads";
  } catch (const strata::multiple_heads& e) {
    EXPECT_TRUE(contains(e.what(), "'bb0000000002', 'cc0000000003'")) << e.what();
  }
}

TEST(CommandsWithoutADatabase, EntriesOfRowsKnownAndUnknown) {
  EXPECT_EQ(commands::entries(graph(), {confidence, "ffffffffffff"}),
            (std::vector<commands::revision_entry>{entry(confidence, confidence_message), {"ffffffffffff", "", false, false}}));
}

TEST(CommandsWithoutADatabase, MigrateAndMergeWriteRevisionFiles) {
  strata_test::scratch_folder dir;
  const auto folder = dir.path() / "versions";
  const auto first = commands::migrate(folder, graph(), "first");
  EXPECT_TRUE(fs::exists(first.file));
  EXPECT_EQ(first.file.parent_path(), folder);
  EXPECT_EQ(first.down_revisions, strings{});  // the folder was empty: a base revision
  EXPECT_EQ(first.list_file, folder / "history.hpp");
  EXPECT_TRUE(contains(strata_test::read_whole_file(first.list_file), first.file.filename().string()));
  EXPECT_EQ(graph().find(first.id), graph().size());  // an id the program does not use

  const auto second = commands::migrate(folder, graph(), "second");
  EXPECT_EQ(second.down_revisions, strings{first.id});
  // A third revision beside the second: two heads, merged.
  const auto list_before = strata_test::read_whole_file(folder / "history.hpp");
  try {
    (void)commands::merge(folder, graph(), {second.id}, "merge");
    ADD_FAILURE() << "a merge of one revision was written";
  } catch (const commands::usage_error& e) {
    EXPECT_TRUE(contains(e.what(), "two or more")) << e.what();
  }
  EXPECT_EQ(strata_test::read_whole_file(folder / "history.hpp"), list_before);
  std::ofstream(folder / "ffffffffffff_beside.hpp") << "#pragma once\n#include <strata/strata.hpp>\nnamespace migrations {\n"
                                                      "struct beside : strata::revision<\"ffffffffffff\", \"" << first.id << "\"> {};\n}\n";
  const auto merge = commands::merge(folder, graph(), {"heads"}, "join them");
  EXPECT_EQ(merge.down_revisions.size(), 2u);
  EXPECT_NE(std::find(merge.down_revisions.begin(), merge.down_revisions.end(), "ffffffffffff"), merge.down_revisions.end());
  EXPECT_NE(std::find(merge.down_revisions.begin(), merge.down_revisions.end(), second.id), merge.down_revisions.end());
  EXPECT_TRUE(contains(strata_test::read_whole_file(merge.list_file), merge.file.filename().string()));
}

TEST(CommandsWithoutADatabase, InitSetsUpAFolderOnceAndListsFilesAlreadyThere) {
  strata_test::scratch_folder dir;
  const auto folder = dir.path() / "db" / "versions";
  auto done = commands::init(folder);
  EXPECT_TRUE(done.created);
  EXPECT_EQ(done.revisions, 0u);
  EXPECT_EQ(done.list_file, folder / "history.hpp");
  const auto empty = strata_test::read_whole_file(done.list_file);
  EXPECT_TRUE(contains(empty, "using history = strata::history<>;")) << empty;
  done = commands::init(folder);  // set up already: left as it is
  EXPECT_FALSE(done.created);
  EXPECT_EQ(strata_test::read_whole_file(done.list_file), empty);

  // A folder of revision files without history.hpp: init lists them.
  const auto other = dir.path() / "copied";
  fs::create_directories(other);
  for (const auto& entry : fs::directory_iterator(insightbull_migrations))
    if (entry.path().filename() != "history.hpp") fs::copy_file(entry.path(), other / entry.path().filename());
  done = commands::init(other);
  EXPECT_TRUE(done.created);
  EXPECT_EQ(done.revisions, 3u);
  EXPECT_TRUE(contains(strata_test::read_whole_file(done.list_file), "    ::migrations::add_market_cap_to_stocks>;"));
}

TEST(CommandsWithoutADatabase, TheVersionsFolderComparedWithAProgramsRevisions) {
  strata_test::scratch_folder dir;
  auto c = commands::compare_versions_folder(graph(), dir.path() / "nowhere");  // a deployed program: nothing to compare
  EXPECT_EQ(c.state, commands::check_state::skipped);
  EXPECT_FALSE(c.stale());

  const auto folder = dir.path() / "migrations";
  fs::copy(insightbull_migrations, folder);
  c = commands::compare_versions_folder(graph(), folder);
  EXPECT_EQ(c.state, commands::check_state::done);
  EXPECT_EQ(c.revision_files, 3u);
  EXPECT_FALSE(c.stale());

  // The head's file gone, then a revision written after what is left.
  fs::remove(folder / "c7d2a9e1f0b3_add_market_cap_to_stocks.hpp");
  const auto written = commands::migrate(folder, graph(), "later");
  c = commands::compare_versions_folder(graph(), folder);
  EXPECT_TRUE(c.stale());
  ASSERT_EQ(c.not_in_program.size(), 1u);
  EXPECT_EQ(c.not_in_program[0].id, written.id);
  EXPECT_EQ(c.not_in_program[0].file, written.file);
  EXPECT_EQ(c.not_in_folder, strings{market_cap});
  EXPECT_EQ(c.unreadable, "");
  EXPECT_FALSE(commands::compare_versions_folder(strata::revision_graph(strata::history<>::revisions), dir.path() / "nowhere").stale());
}

// ================================================================================================
// A dialect that cannot inspect: strata::sqlite with Dialect's members only, at blind:///<path>
// ================================================================================================

class blind_sqlite {
 public:
  static constexpr std::string_view name = "blind";
  static constexpr std::array<std::string_view, 1> schemes{"blind"};
  using sql = strata::sqlite::sql;
  explicit blind_sqlite(std::string_view url) : db_("sqlite" + std::string(url.substr(url.find(':')))) {}
  std::vector<std::string> read_versions(std::string_view table) { return db_.read_versions(table); }
  void write_versions(std::string_view table, const std::vector<std::string>& rows) { db_.write_versions(table, rows); }
  void transaction(const strata::unit_of_work& unit, const std::function<void()>& body) { db_.transaction(unit, body); }
  void apply(std::span<const strata::operation> operations) { db_.apply(operations); }
  [[nodiscard]] std::string location() const { return db_.location(); }

 private:
  strata::sqlite db_;
};
static_assert(strata::Dialect<blind_sqlite> && !strata::Inspectable<blind_sqlite>);

TEST(CommandsOnADialectThatCannotInspect, ValidateSaysTheSchemaIsNotCheckedAndResetRefuses) {
  strata_test::scratch_folder dir;
  const auto url = "blind:///" + dir.file();
  strata::migrator<blind_sqlite> m{history{}, url};
  commands::upgrade(m);
  const auto r = commands::validate(m);
  EXPECT_EQ(r.schema, commands::check_state::unsupported);
  EXPECT_TRUE(r.valid());

  auto run = [&](std::vector<const char*> args) {
    args.insert(args.begin(), {"manage_db", "--url", url.c_str()});
    std::ostringstream out, err;
    const int status = strata::cli::main<history, blind_sqlite>(static_cast<int>(args.size()), args.data(), out, err);
    return std::tuple{status, out.str(), err.str()};
  };
  auto [status, out, err] = run({"validate"});
  EXPECT_EQ(status, 0) << err;
  EXPECT_TRUE(contains(out, "Schema:          not checked (the blind dialect cannot inspect its schema)\n")) << out;
  std::tie(status, out, err) = run({"reset", "--confirm"});
  EXPECT_EQ(status, 1);
  EXPECT_EQ(err, "manage_db: the blind dialect cannot list the objects of its schema, so manage_db cannot reset it; drop them with the "
                 "database's own tools\n");
  strata_test::sqlite_backend db(dir.file());
  EXPECT_EQ(db.tables().size(), 4u);
}

TEST(CommandsWithoutADatabase, CheckStatesPrintTheirNames) {
  std::ostringstream out;
  out << commands::check_state::done << " " << commands::check_state::skipped << " " << commands::check_state::unsupported;
  EXPECT_EQ(out.str(), "done skipped unsupported");
}

}  // namespace
