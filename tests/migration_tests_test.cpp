// STRATA_MIGRATION_TESTS on a small history that keeps every rule, on SQLite and PostgreSQL, and
// strata::testing::empty_database. (tests/migration_tests_failing/ shows a broken downgrade caught.)
#include <filesystem>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>
#include <strata/testing/gtest.hpp>
#include <strata/testing/migration_tests.hpp>
#ifdef STRATA_HAVE_POSTGRESQL
#include <strata/dialect/postgresql.hpp>
#endif

namespace good {

struct create_accounts : strata::revision<"a1a1a1a1a1a1", strata::base> {
  static constexpr std::string_view message = "create accounts";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("accounts", {strata::column("id", strata::integer).primary_key(),
                                 strata::column("email", strata::varchar(64)).not_null().unique(),
                                 strata::column("created", strata::datetime).not_null().server_default("CURRENT_TIMESTAMP")});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("accounts"); }
};

struct create_orders : strata::revision<"b2b2b2b2b2b2", "a1a1a1a1a1a1"> {
  static constexpr std::string_view message = "create orders";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("orders", {strata::column("id", strata::integer).primary_key(),
                               strata::column("account_id", strata::integer).not_null().references("accounts", "id"),
                               strata::column("total", strata::float_).not_null(), strata::column("note", strata::text)});
    op.create_index("ix_orders_account_id", "orders", {"account_id"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_orders_account_id", "orders");
    op.drop_table("orders");
  }
};

struct add_paid : strata::revision<"c3c3c3c3c3c3", "b2b2b2b2b2b2"> {
  static constexpr std::string_view message = "add orders.paid";
  static constexpr void upgrade(strata::ops& op) {
    op.add_column("orders", strata::column("paid", strata::boolean));
    op.execute("UPDATE orders SET paid = FALSE WHERE paid IS NULL");
    op.alter_column("orders", "paid", {.nullable = false});  // a table rebuild on SQLite
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_column("orders", "paid"); }
};

struct rename_note : strata::revision<"d4d4d4d4d4d4", "c3c3c3c3c3c3"> {
  static constexpr std::string_view message = "rename orders.note to comment";
  static constexpr void upgrade(strata::ops& op) {
    op.rename_column("orders", "note", "comment");
    op.create_index("ix_orders_paid", "orders", {"paid"}, {.where = "paid"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_orders_paid", "orders");
    op.rename_column("orders", "comment", "note");
  }
};

using history = strata::history<create_accounts, create_orders, add_paid, rename_note>;

}  // namespace good

STRATA_MIGRATION_TESTS(good::history, strata::sqlite);
#ifdef STRATA_HAVE_POSTGRESQL
STRATA_MIGRATION_TESTS(good::history, strata::postgresql);
#endif

namespace {

TEST(MigrationTestsEmptyDatabase, SqliteIsAnEmptyFileRemovedAfterwards) {
  std::filesystem::path file;
  {
    strata::testing::empty_database<strata::sqlite> db;
    ASSERT_TRUE(db.url().starts_with("sqlite:////")) << db.url();
    EXPECT_TRUE(db.name().starts_with("strata_mt_")) << db.name();
    file = db.url().substr(std::string("sqlite:///").size());
    auto d = db.open();
    EXPECT_TRUE(d.objects().empty());
    EXPECT_TRUE(std::filesystem::exists(file));
  }
  EXPECT_FALSE(std::filesystem::exists(file)) << file;
}

TEST(MigrationTestsEnums, PrintTheirNames) {
  std::ostringstream out;
  out << strata::testing::migration_check::stairway << ' ' << strata::testing::migration_check::upgrade_keeps_rows << ' '
      << strata::testing::isolation::fresh_database;
  EXPECT_EQ(out.str(), "stairway upgrade_keeps_rows fresh_database");
}

TEST(MigrationTestsMessages, DifferenceNamesWhatDiffers) {
  using strata::database_object;
  const strata::testing::detail::object_list before{{"table", "t", "", {"a"}}};
  const strata::testing::detail::object_list after{{"index", "ix", "t", {}}, {"table", "t", "", {"a", "b"}}};
  const auto diff = strata::testing::detail::difference(before, after, "before", "after");
  EXPECT_NE(diff.find("index 'ix' (on 't') is there after but was not before"), std::string::npos) << diff;
  EXPECT_NE(diff.find("table 't' has columns [a, b] after but had [a] before"), std::string::npos) << diff;
}

}  // namespace
