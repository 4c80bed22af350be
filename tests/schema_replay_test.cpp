// strata::schema::apply at run time: an operation that does not fit is a strata::replay_failed whose
// sentence names the operation and the object, the schema keeping what applied before it; the
// builder under it keeps creation order when tables go; replay<H>() at run time reads the same schema.
#include <string>

#include <gtest/gtest.h>

#include <strata/strata.hpp>

namespace {

using strata::column;

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("a", {column("id", strata::integer).primary_key()});
    op.create_table("b", {column("id", strata::integer).primary_key(), column("name", strata::text)});
    op.create_table("c", {column("id", strata::integer).primary_key()});
    op.create_index("ix_b_name", "b", {"name"});
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_index("ix_b_name");
    op.drop_table("c");
    op.drop_table("b");
    op.drop_table("a");
  }
};
struct drop_a : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "drop a, rename b.name";
  static constexpr void upgrade(strata::ops& op) {
    op.drop_table("a");
    op.rename_column("b", "name", "title");
  }
  static constexpr void downgrade(strata::ops& op) {
    op.rename_column("b", "title", "name");
    op.create_table("a", {column("id", strata::integer).primary_key()});
  }
};
using history = strata::history<initial, drop_a>;

TEST(SchemaReplay, AnOperationThatDoesNotFitThrowsASentence) {
  strata::schema s;
  strata::ops op;
  op.create_table("stocks", {column("id", strata::integer)});
  op.add_column("stocks", column("id", strata::text));
  try {
    s.apply(op);
    FAIL() << "apply() accepted a duplicate column";
  } catch (const strata::replay_failed& e) {
    EXPECT_EQ(std::string(e.what()), "strata::schema: add_column stocks.id: table `stocks` has a column `id` already; fix the operation");
    EXPECT_EQ(e.operation(), "add_column stocks.id");
  }
  ASSERT_EQ(s.tables.size(), 1U);  // what applied before the failing operation stays
  EXPECT_EQ(s.tables[0].columns.size(), 1U);
}

TEST(SchemaReplay, TablesKeepTheirOrderOfCreation) {
  strata::schema s;
  strata::ops op;
  for (auto name : {"t1", "t2", "t3", "t4"}) op.create_table(name, {column("id", strata::integer)});
  op.drop_table("t2");
  s.apply(op);
  ASSERT_EQ(s.tables.size(), 3U);
  EXPECT_EQ(s.tables[0].name, "t1");
  EXPECT_EQ(s.tables[1].name, "t3");
  EXPECT_EQ(s.tables[2].name, "t4");
}

TEST(SchemaReplay, ReplayAtRunTimeReadsEachRevision) {
  const auto head = strata::replay<history>();
  ASSERT_EQ(head.tables.size(), 2U);
  EXPECT_EQ(head.tables[0].name, "b");
  EXPECT_NE(head.tables[0].find_column("title"), nullptr);
  ASSERT_EQ(head.indexes.size(), 1U);
  EXPECT_EQ(head.indexes[0].columns.at(0), "title");
  const auto first = strata::replay<history>("a0");
  EXPECT_EQ(first.tables.size(), 3U);
  EXPECT_EQ(first.indexes.at(0).columns.at(0), "name");
  EXPECT_EQ(strata::first_irreversible<history>(), history::size);
}

}  // namespace
