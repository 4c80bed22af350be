// strata::cpp_statement and strata::cpp_body: operations written back as the C++ that records them.
// The round trip (every kind of operation written, compiled, recorded again and compared) runs on
// revision_source/cases.hpp: the build writes generated_cases from it (revision_source/generate.cpp).
#include <gtest/gtest.h>

#include <strata/revision_source.hpp>
#include <strata/strata.hpp>

#include "revision_source/cases.hpp"
#include "revision_source_cases.hpp"  // generated

namespace {

strata::ops record(void (*f)(strata::ops&)) {
  strata::ops o;
  f(o);
  return o;
}

TEST(RevisionSource, WrittenCasesRecordTheSameOperations) {
  const auto original = record(&strata_test::source_cases::record);
  const auto again = record(&strata_test::generated_cases::record);
  ASSERT_EQ(again.size(), original.size());
  for (std::size_t i = 0; i < original.size(); ++i)
    EXPECT_TRUE(again.operations()[i] == original.operations()[i]) << "operation " << i << ": " << strata::describe(original.operations()[i])
                                                                   << "\nwritten as: " << strata::cpp_statement(original.operations()[i]);
}

TEST(RevisionSource, ReadsAsARevisionWouldBeWritten) {
  strata::ops o;
  o.create_table("stocks", {strata::column("id", strata::integer).primary_key(), strata::column("symbol", strata::varchar(10)).not_null(),
                            strata::unique("uq_stocks_symbol", {"symbol"})});
  o.add_column("stocks", strata::column("market_cap", strata::big_integer));
  o.alter_column("stocks", "market_cap", {.nullable = false});
  o.create_index("ix_stocks_symbol", "stocks", {"symbol"}, {.unique = true});
  o.drop_constraint("stocks", strata::constraint_kind::unique, {"symbol"});
  EXPECT_EQ(strata::cpp_body(o.operations()),
            "    op.create_table(\"stocks\",\n"
            "                    {strata::column(\"id\", strata::integer).primary_key(),\n"
            "                     strata::column(\"symbol\", strata::varchar(10)).not_null(),\n"
            "                     strata::unique(\"uq_stocks_symbol\", {\"symbol\"})});\n"
            "    op.add_column(\"stocks\", strata::column(\"market_cap\", strata::big_integer));\n"
            "    op.alter_column(\"stocks\", \"market_cap\", {.nullable = false});\n"
            "    op.create_index(\"ix_stocks_symbol\", \"stocks\", {\"symbol\"}, {.unique = true});\n"
            "    op.drop_constraint(\"stocks\", strata::constraint_kind::unique, {\"symbol\"});\n");
}

TEST(RevisionSource, EscapesNamesAndSql) {
  strata::ops o;
  o.execute("SELECT 'a\"b\\c'\n\t;");
  EXPECT_EQ(strata::cpp_statement(o.operations()[0]), R"(op.execute("SELECT 'a\"b\\c'\n\t;");)");
}

TEST(RevisionSource, ReviewNotesGoAboveTheirOperationOnOneLine) {
  strata::ops o;
  o.drop_column("stocks", "name");
  const std::vector<strata::reviewed_operation> reviewed{{&o.operations()[0], "drops stocks.name\nand its data"}};
  EXPECT_EQ(strata::cpp_body(reviewed), "    // REVIEW: drops stocks.name and its data\n    op.drop_column(\"stocks\", \"name\");\n");
}

TEST(RevisionSource, NamingConventionIsSetWhereItChanges) {
  strata::ops o;
  o.use_naming_convention({.check = "ck_%(table_name)s_%(column_0_name)s"});
  o.add_constraint("t", strata::check("x > 0"));
  o.add_constraint("t", strata::check("y > 0"));
  o.use_naming_convention({});
  o.drop_column("t", "x");
  EXPECT_EQ(strata::cpp_body(o.operations(), "  "),
            "  op.use_naming_convention({.check = \"ck_%(table_name)s_%(column_0_name)s\"});\n"
            "  op.add_constraint(\"t\", strata::check(\"x > 0\"));\n"
            "  op.add_constraint(\"t\", strata::check(\"y > 0\"));\n"
            "  op.use_naming_convention({});\n"
            "  op.drop_column(\"t\", \"x\");\n");
}

void data_migration(strata::connection&) {}

TEST(RevisionSource, ADataMigrationIsACommentAskingForItsCode) {
  strata::ops o;
  o.run(&data_migration, "backfill\nprices");
  EXPECT_EQ(strata::cpp_statement(o.operations()[0]),
            "// op.run(backfill prices): C++ code, which cannot be written back; write it again here");
}

}  // namespace
