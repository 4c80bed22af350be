// The core's enumerations print as their names (operator<<), so that a failing EXPECT_EQ or a log
// line shows "downgrade", not a number.
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include <strata/strata.hpp>

namespace {

template <class E>
std::string printed(E value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

TEST(EnumOutput, DirectionAndMigrationEvents) {
  EXPECT_EQ(printed(strata::direction::upgrade), "upgrade");
  EXPECT_EQ(printed(strata::direction::downgrade), "downgrade");
  EXPECT_EQ(printed(strata::migration_event::kind::starting), "starting");
  EXPECT_EQ(printed(strata::migration_event::kind::finished), "finished");
  EXPECT_EQ(printed(strata::migration_event::kind::skipped), "skipped");
}

TEST(EnumOutput, GraphFaults) {
  using strata::detail::graph_fault;
  EXPECT_EQ(printed(graph_fault::none), "none");
  EXPECT_EQ(printed(graph_fault::malformed_id), "malformed_id");
  EXPECT_EQ(printed(graph_fault::malformed_down_id), "malformed_down_id");
  EXPECT_EQ(printed(graph_fault::duplicate_id), "duplicate_id");
  EXPECT_EQ(printed(graph_fault::self_down), "self_down");
  EXPECT_EQ(printed(graph_fault::unknown_down), "unknown_down");
  EXPECT_EQ(printed(graph_fault::later_down), "later_down");
  EXPECT_EQ(printed(graph_fault::several_bases), "several_bases");
}

TEST(EnumOutput, TypesAndReferentialActions) {
  EXPECT_EQ(printed(strata::type_kind::big_integer), "big_integer");
  EXPECT_EQ(printed(strata::type_kind::float_), "float");
  EXPECT_EQ(printed(strata::referential_action::set_null), "SET NULL");
}

// A value outside the enumeration (a cast, a newer library) prints something, never nothing.
TEST(EnumOutput, UnknownValuesPrintUnknown) {
  EXPECT_EQ(printed(static_cast<strata::migration_event::kind>(7)), "unknown");
  EXPECT_EQ(printed(static_cast<strata::detail::graph_fault>(200)), "unknown");
}

}  // namespace
