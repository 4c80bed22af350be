// Transaction grouping (migrator_options::transactions, manage_db --tx-mode, tx_mode in strata.ini)
// on each backend of support/databases.hpp: strata::transaction_groups without a database; in
// tx_mode all an upgrade or a downgrade is all or nothing (the version table, the history table and
// the tables' rows as before the group, the failure recorded after the rollback); a
// non-transactional revision splits the group; the same through manage_db.
#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include <strata/cli.hpp>
#include <strata/config.hpp>
#include <strata/strata.hpp>

#include "support/databases.hpp"
#include "support/sqlite_scratch.hpp"

namespace {

using strings = std::vector<std::string>;
using row = std::vector<std::optional<std::string>>;

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- the revisions ------------------------------------------------------------------------------------

struct items : strata::revision<"9a0000000001", strata::base> {
  static constexpr std::string_view message = "create items";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("items", {strata::column("id", strata::integer).primary_key(), strata::column("name", strata::varchar(20)).not_null()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("items"); }
};
struct price : strata::revision<"9a0000000002", "9a0000000001"> {
  static constexpr std::string_view message = "add price";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", strata::column("price", strata::integer).server_default("0")); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "price"); }
};
struct sku : strata::revision<"9a0000000003", "9a0000000002"> {
  static constexpr std::string_view message = "add sku, and set the prices";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", strata::column("sku", strata::varchar(20)));
    op.execute("UPDATE items SET price = 7");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "sku"); }
};
struct broken : strata::revision<"9a0000000004", "9a0000000003"> {
  static constexpr std::string_view message = "insert into a table that is not there";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", strata::column("note", strata::text));
    op.execute("INSERT INTO no_such_table VALUES (1)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "note"); }
};
// Its downgrade fails.
struct stuck : strata::revision<"9a0000000004", "9a0000000003"> {
  static constexpr std::string_view message = "cannot be reverted";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", strata::column("note", strata::text)); }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_column("items", "note");
    op.execute("INSERT INTO no_such_table VALUES (1)");
  }
};
struct colour : strata::revision<"9a0000000005", "9a0000000004"> {
  static constexpr std::string_view message = "add colour";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", strata::column("colour", strata::text)); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "colour"); }
};
// Outside a transaction: it runs alone, between the groups before and after it.
struct outside : strata::revision<"9a0000000004", "9a0000000003"> {
  static constexpr std::string_view message = "index the names, outside a transaction";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) { op.create_index("items_name", "items", {"name"}); }
  static constexpr void downgrade(strata::ops& op) { op.drop_index("items_name", "items"); }
};
struct outside_broken : strata::revision<"9a0000000004", "9a0000000003"> {
  static constexpr std::string_view message = "fails outside a transaction";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops& op) { op.execute("INSERT INTO no_such_table VALUES (1)"); }
  static constexpr void downgrade(strata::ops&) {}
};
struct broken_after_outside : strata::revision<"9a0000000006", "9a0000000005"> {
  static constexpr std::string_view message = "insert into a table that is not there";
  static constexpr void upgrade(strata::ops& op) { op.execute("INSERT INTO no_such_table VALUES (1)"); }
  static constexpr void downgrade(strata::ops&) {}
};

// A group whose middle revision fails, with revisions after it (whose statements PostgreSQL's
// dialect holds with the failing one's and sends together: strata::HoldsStatements).
struct middle_fails : strata::revision<"9a0000000003", "9a0000000002"> {
  static constexpr std::string_view message = "add sku, then insert into a table that is not there";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", strata::column("sku", strata::varchar(20)));
    op.execute("INSERT INTO no_such_table VALUES (1)");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "sku"); }
};
struct middle_does_not_parse : strata::revision<"9a0000000003", "9a0000000002"> {
  static constexpr std::string_view message = "a statement that does not parse";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("items", strata::column("sku", strata::varchar(20)));
    op.execute("UPDATE items SET price = (");
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "sku"); }
};
// Statements that end in a comment, between others.
struct commented : strata::revision<"9a0000000003", "9a0000000002"> {
  static constexpr std::string_view message = "set the prices, with comments";
  static constexpr void upgrade(strata::ops& op) {
    op.execute("UPDATE items SET price = 3 -- every item");
    op.execute("UPDATE items SET price = price + 1 /* once */");
  }
  static constexpr void downgrade(strata::ops&) {}
};
struct after_middle : strata::revision<"9a0000000004", "9a0000000003"> {
  static constexpr std::string_view message = "add colour";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", strata::column("colour", strata::text)); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "colour"); }
};
struct last_after_middle : strata::revision<"9a0000000005", "9a0000000004"> {
  static constexpr std::string_view message = "add note";
  static constexpr void upgrade(strata::ops& op) { op.add_column("items", strata::column("note", strata::text)); }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("items", "note"); }
};

using healthy = strata::history<items, price, sku>;
using with_middle_failing = strata::history<items, price, middle_fails, after_middle, last_after_middle>;
using with_middle_not_parsing = strata::history<items, price, middle_does_not_parse, after_middle, last_after_middle>;
using with_comments = strata::history<items, price, commented, after_middle, last_after_middle>;
using with_broken = strata::history<items, price, sku, broken>;
using with_stuck = strata::history<items, price, sku, stuck, colour>;
using with_outside = strata::history<items, price, sku, outside, colour, broken_after_outside>;
using with_outside_broken = strata::history<items, price, sku, outside_broken>;

// ---- the groups, without a database -------------------------------------------------------------------

std::vector<strata::transaction_group> groups(strata::transaction_mode mode, const std::vector<bool>& transactional) {
  return strata::transaction_groups(transactional.size(), mode, [&](std::size_t k) { return transactional[k]; });
}

TEST(TransactionGroups, RevisionModeMakesOneGroupPerRevision) {
  using g = strata::transaction_group;
  EXPECT_EQ(groups(strata::transaction_mode::revision, {true, false, true}), (std::vector<g>{{0, 1, true}, {1, 2, false}, {2, 3, true}}));
  EXPECT_TRUE(groups(strata::transaction_mode::all, {}).empty());
}

TEST(TransactionGroups, AllModeGroupsTheRevisionsBetweenNonTransactionalOnes) {
  using g = strata::transaction_group;
  EXPECT_EQ(groups(strata::transaction_mode::all, {true, true, true}), (std::vector<g>{{0, 3, true}}));
  EXPECT_EQ(groups(strata::transaction_mode::all, {true, true, false, true, true}),
            (std::vector<g>{{0, 2, true}, {2, 3, false}, {3, 5, true}}));
  EXPECT_EQ(groups(strata::transaction_mode::all, {false, false, true}), (std::vector<g>{{0, 1, false}, {1, 2, false}, {2, 3, true}}));
}

TEST(TransactionGroups, ModesAreNamedAsTheCommandLineAndTheIniFileWriteThem) {
  EXPECT_EQ(strata::transaction_mode_named("all"), strata::transaction_mode::all);
  EXPECT_EQ(strata::transaction_mode_named("revision"), strata::transaction_mode::revision);
  EXPECT_EQ(strata::transaction_mode_named("group"), std::nullopt);
  EXPECT_EQ(to_string(strata::transaction_mode::all), "all");
  EXPECT_EQ(strata::migrator_options{}.transactions, strata::transaction_mode::revision);
}

// ================================================================================================
// On each backend
// ================================================================================================

template <class B>
class TransactionGroups : public ::testing::Test {
 protected:
  using dialect = typename B::dialect;

  void SetUp() override { strata_test::open_backend(db_); }
  [[nodiscard]] const B& db() const { return *db_; }

  template <class H>
  [[nodiscard]] strata::migrator<dialect> migrator(strata::transaction_mode mode) const {
    strata::migrator_options options;
    options.transactions = mode;
    return strata::migrator<dialect>(H{}, options, db().url());
  }

  // The history table's rows: revision, direction, outcome; oldest first.
  [[nodiscard]] strata_test::table_rows audit() const {
    return db().rows("SELECT revision, direction, outcome FROM alembic_version_history ORDER BY id");
  }
  // The version table's rows, read through the database's client (none when it does not exist).
  [[nodiscard]] strings versions() const {
    strings out;
    const auto tables = db().tables();
    if (std::find(tables.begin(), tables.end(), "alembic_version") == tables.end()) return out;
    for (const auto& r : db().rows("SELECT version_num FROM alembic_version ORDER BY version_num")) out.push_back(r.at(0).value_or("NULL"));
    return out;
  }
  [[nodiscard]] strata_test::table_rows items() const { return db().rows("SELECT id, name FROM items ORDER BY id"); }

  // At 9a0000000001 with two rows.
  template <class H>
  void at_items_with_rows() {
    migrator<H>(strata::transaction_mode::revision).upgrade("9a0000000001");
    db().execute("INSERT INTO items (id, name) VALUES (1, 'tea'), (2, 'coffee')");
  }

  struct run_result {
    int status;
    std::string out, err;
  };
  template <class H>
  run_result cli(std::vector<std::string> args, bool with_url = true) const {
    if (with_url) args.insert(args.begin(), {"--url", db().url()});
    args.insert(args.begin(), "manage_db");
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

TYPED_TEST_SUITE(TransactionGroups, strata_test::backends);

TYPED_TEST(TransactionGroups, AGroupedUpgradeRunsEveryRevisionAndRecordsEach) {
  auto m = this->template migrator<healthy>(strata::transaction_mode::all);
  std::vector<std::string> events;
  m.on_event([&](const strata::migration_event& e) { events.push_back(std::string(to_string(e.what)) + " " + std::string(e.revision->id)); });
  EXPECT_EQ(m.upgrade(), (strings{"9a0000000001", "9a0000000002", "9a0000000003"}));
  EXPECT_EQ(m.current(), strings{"9a0000000003"});
  EXPECT_EQ(this->audit(), (strata_test::table_rows{row{"9a0000000001", "upgrade", "succeeded"}, row{"9a0000000002", "upgrade", "succeeded"},
                                                    row{"9a0000000003", "upgrade", "succeeded"}}));
  EXPECT_EQ(events, (strings{"starting 9a0000000001", "starting 9a0000000002", "starting 9a0000000003", "finished 9a0000000001",
                             "finished 9a0000000002", "finished 9a0000000003"}));
  EXPECT_TRUE(m.upgrade().empty());  // nothing pending: nothing runs
}

TYPED_TEST(TransactionGroups, AFailureInTheMiddleRollsTheWholeGroupBack) {
  this->template at_items_with_rows<with_broken>();
  auto m = this->template migrator<with_broken>(strata::transaction_mode::all);
  try {
    m.upgrade();
    ADD_FAILURE() << "the broken revision was applied";
  } catch (const strata::migration_failed& e) {
    EXPECT_EQ(e.revision(), "9a0000000004");
    EXPECT_TRUE(contains(e.what(), "no_such_table")) << e.what();
    EXPECT_TRUE(contains(e.what(), "rolled back with the 2 revision(s) before it in the same transaction")) << e.what();
    EXPECT_TRUE(contains(e.what(), "the database is still at '9a0000000001'")) << e.what();
  }
  EXPECT_EQ(m.current(), strings{"9a0000000001"});
  EXPECT_EQ(this->db().columns("items"), (strings{"id", "name"}));  // price and sku were rolled back too
  EXPECT_EQ(this->items(), (strata_test::table_rows{row{"1", "tea"}, row{"2", "coffee"}}));
  // The failure, recorded after the rollback; no success row of the revisions rolled back with it.
  EXPECT_EQ(this->audit(), (strata_test::table_rows{row{"9a0000000001", "upgrade", "succeeded"}, row{"9a0000000004", "upgrade", "failed"}}));

  // One transaction per revision keeps the revisions before the failure.
  auto per_revision = this->template migrator<with_broken>(strata::transaction_mode::revision);
  EXPECT_THROW(per_revision.upgrade(), strata::migration_failed);
  EXPECT_EQ(per_revision.current(), strings{"9a0000000003"});
  EXPECT_EQ(this->db().rows("SELECT price FROM items ORDER BY id"), (strata_test::table_rows{row{"7"}, row{"7"}}));
}

// The failure is the middle revision's and names its statement's error, though the revisions after
// it had started (on PostgreSQL their statements went to the server in one string with it).
TYPED_TEST(TransactionGroups, AFailureBeforeTheGroupsLastRevisionIsTheFailingRevisions) {
  for (const bool parses : {true, false}) {
    SCOPED_TRACE(parses ? "a statement that fails" : "a statement that does not parse");
    if (parses) this->template at_items_with_rows<with_middle_failing>();
    auto m = parses ? this->template migrator<with_middle_failing>(strata::transaction_mode::all)
                    : this->template migrator<with_middle_not_parsing>(strata::transaction_mode::all);
    std::vector<std::string> events;
    m.on_event([&](const strata::migration_event& e) { events.push_back(std::string(to_string(e.what)) + " " + std::string(e.revision->id)); });
    try {
      m.upgrade();
      ADD_FAILURE() << "the failing revision was applied";
    } catch (const strata::migration_failed& e) {
      EXPECT_EQ(e.revision(), "9a0000000003");
      EXPECT_TRUE(contains(e.what(), parses ? "no_such_table" : "UPDATE items SET price = (")) << e.what();
      if (parses) {
        EXPECT_FALSE(contains(e.what(), "add_column")) << "the failing operation is the INSERT: " << e.what();
      }
      EXPECT_TRUE(contains(e.what(), "rolled back with the 1 revision(s) before it in the same transaction")) << e.what();
      EXPECT_TRUE(contains(e.what(), "the database is still at '9a0000000001'")) << e.what();
    }
    // No revision finished; PostgreSQL's held statements fail after the later revisions started.
    ASSERT_GE(events.size(), 2U);
    EXPECT_EQ(events[1], "starting 9a0000000003");
    EXPECT_TRUE(std::none_of(events.begin(), events.end(), [](const std::string& e) { return e.starts_with("finished"); }));
    EXPECT_EQ(m.current(), strings{"9a0000000001"});
    EXPECT_EQ(this->db().columns("items"), (strings{"id", "name"}));
    EXPECT_EQ(this->items(), (strata_test::table_rows{row{"1", "tea"}, row{"2", "coffee"}}));
  }
  EXPECT_EQ(this->audit(), (strata_test::table_rows{row{"9a0000000001", "upgrade", "succeeded"}, row{"9a0000000003", "upgrade", "failed"},
                                                    row{"9a0000000003", "upgrade", "failed"}}));
}

// A statement that ends in a -- comment does not hide the next one.
TYPED_TEST(TransactionGroups, StatementsEndingInCommentsRunEach) {
  this->template at_items_with_rows<with_comments>();
  auto m = this->template migrator<with_comments>(strata::transaction_mode::all);
  EXPECT_EQ(m.upgrade(), (strings{"9a0000000002", "9a0000000003", "9a0000000004", "9a0000000005"}));
  EXPECT_EQ(this->db().rows("SELECT price FROM items ORDER BY id"), (strata_test::table_rows{row{"4"}, row{"4"}}));
  EXPECT_EQ(this->db().columns("items"), (strings{"id", "name", "price", "colour", "note"}));
}

TYPED_TEST(TransactionGroups, ANonTransactionalRevisionSplitsTheGroup) {
  this->template at_items_with_rows<with_outside>();
  auto m = this->template migrator<with_outside>(strata::transaction_mode::all);
  EXPECT_THROW(m.upgrade(), strata::migration_failed);
  // 0002 and 0003 committed as one group, 0004 ran alone; 0005 and 0006 failed together.
  EXPECT_EQ(m.current(), strings{"9a0000000004"});
  EXPECT_EQ(this->db().columns("items"), (strings{"id", "name", "price", "sku"}));
  EXPECT_EQ(this->db().indexes(), strings{"items_name"});
  EXPECT_EQ(this->items(), (strata_test::table_rows{row{"1", "tea"}, row{"2", "coffee"}}));
  EXPECT_EQ(this->audit(), (strata_test::table_rows{row{"9a0000000001", "upgrade", "succeeded"}, row{"9a0000000002", "upgrade", "succeeded"},
                                                    row{"9a0000000003", "upgrade", "succeeded"}, row{"9a0000000004", "upgrade", "succeeded"},
                                                    row{"9a0000000006", "upgrade", "failed"}}));
}

TYPED_TEST(TransactionGroups, TheGroupBeforeAFailedNonTransactionalRevisionStaysCommitted) {
  this->template at_items_with_rows<with_outside_broken>();
  auto m = this->template migrator<with_outside_broken>(strata::transaction_mode::all);
  try {
    m.upgrade();
    ADD_FAILURE() << "the broken revision was applied";
  } catch (const strata::migration_failed& e) {
    EXPECT_TRUE(contains(e.what(), "ran outside a transaction")) << e.what();
    EXPECT_TRUE(contains(e.what(), "still says '9a0000000003'")) << e.what();
  }
  EXPECT_EQ(m.current(), strings{"9a0000000003"});
  EXPECT_EQ(this->audit(), (strata_test::table_rows{row{"9a0000000001", "upgrade", "succeeded"}, row{"9a0000000002", "upgrade", "succeeded"},
                                                    row{"9a0000000003", "upgrade", "succeeded"}, row{"9a0000000004", "upgrade", "failed"}}));
}

TYPED_TEST(TransactionGroups, AGroupedDowngradeIsAllOrNothingToo) {
  auto m = this->template migrator<with_stuck>(strata::transaction_mode::all);
  m.upgrade();
  this->db().execute("INSERT INTO items (id, name) VALUES (1, 'tea')");
  try {
    m.downgrade("base");
    ADD_FAILURE() << "the stuck revision was reverted";
  } catch (const strata::migration_failed& e) {
    EXPECT_EQ(e.revision(), "9a0000000004");
    EXPECT_TRUE(contains(e.what(), "downgrade of revision '9a0000000004'")) << e.what();
    EXPECT_TRUE(contains(e.what(), "rolled back with the 1 revision(s) before it")) << e.what();
  }
  EXPECT_EQ(m.current(), strings{"9a0000000005"});
  EXPECT_EQ(this->db().columns("items"), (strings{"id", "name", "price", "sku", "note", "colour"}));
  EXPECT_EQ(this->items(), (strata_test::table_rows{row{"1", "tea"}}));
  const auto audit = this->audit();
  ASSERT_EQ(audit.size(), 6u);
  EXPECT_EQ(audit.back(), (row{"9a0000000004", "downgrade", "failed"}));  // and no row of 0005's rolled-back downgrade
  EXPECT_EQ(m.downgrade("9a0000000004"), strings{"9a0000000005"});  // above the stuck one, it goes
}

TYPED_TEST(TransactionGroups, AGroupedDowngradeRevertsEveryRevisionInOneTransaction) {
  auto m = this->template migrator<healthy>(strata::transaction_mode::all);
  m.upgrade();
  EXPECT_EQ(m.downgrade("base"), (strings{"9a0000000003", "9a0000000002", "9a0000000001"}));
  EXPECT_TRUE(m.current().empty());
  EXPECT_EQ(this->db().tables(), (strings{"alembic_version", "alembic_version_history"}));
  const auto audit = this->audit();
  ASSERT_EQ(audit.size(), 6u);
  EXPECT_EQ(audit[3], (row{"9a0000000003", "downgrade", "succeeded"}));
  EXPECT_EQ(audit[5], (row{"9a0000000001", "downgrade", "succeeded"}));
}

TYPED_TEST(TransactionGroups, ManageDbTakesTxModeFromItsOptionAndFromTheIniFile) {
  // --tx-mode all: nothing of the failed group stays.
  auto r = this->template cli<with_broken>({"upgrade", "--tx-mode", "all"});
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "rolled back with the 3 revision(s) before it")) << r.err;
  EXPECT_EQ(this->versions(), strings{});

  // tx_mode = all in strata.ini, the same; --tx-mode revision wins over it.
  strata_test::scratch_folder dir;
  const auto ini = (dir.path() / "strata.ini").string();
  std::ofstream(ini) << "[strata]\nurl = " << this->db().url() << "\ntx_mode = all\n";
  r = this->template cli<with_broken>({"--config", ini, "upgrade"}, false);
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(this->versions(), strings{});
  r = this->template cli<with_broken>({"--config", ini, "upgrade", "--tx-mode", "revision"}, false);
  EXPECT_NE(r.status, 0);
  EXPECT_EQ(this->versions(), strings{"9a0000000003"});

  // Downgrade takes it too.
  r = this->template cli<healthy>({"--config", ini, "downgrade", "base"}, false);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(this->versions(), strings{});

  // A mode that is neither: one sentence, nothing run.
  r = this->template cli<healthy>({"upgrade", "--tx-mode", "group"});
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "--tx-mode")) << r.err;
  std::ofstream(ini) << "[strata]\nurl = " << this->db().url() << "\ntx_mode = group\n";
  r = this->template cli<healthy>({"--config", ini, "upgrade"}, false);
  EXPECT_NE(r.status, 0);
  EXPECT_TRUE(contains(r.err, "tx_mode = 'group' is not a transaction mode; write tx_mode = revision")) << r.err;
  EXPECT_EQ(this->versions(), strings{});
}

}  // namespace
