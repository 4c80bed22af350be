// strata::cli::project_of hands over a history's revisions with their operations frozen at compile
// time (detail::frozen_ops): recorded again at run time, they are the operations the revisions record.
#include <gtest/gtest.h>

#include <strata/project.hpp>
#include <strata/strata.hpp>

#include "revision_source/cases.hpp"

namespace {

void count_rows(strata::connection&) {}

struct every_kind : strata::revision<"0a1b2c3d4e5f", strata::base> {
  static constexpr std::string_view message = "every kind of operation";
  static constexpr void upgrade(strata::ops& op) {
    strata_test::source_cases::record(op);
    op.run(&count_rows, "count the rows");
    op.run(&count_rows);
    op.allow(strata::rule::backfill_in_transaction).backfill("stocks", "price = 0", "price IS NULL", 500);
  }
  static constexpr void downgrade(strata::ops& op) {
    op.drop_table("quoted \"name\"\\");
    op.drop_table("stocks");
  }
};

struct nothing : strata::revision<"1a1b2c3d4e5f", "0a1b2c3d4e5f"> {
  static constexpr std::string_view message = "no operation";
  static constexpr bool transactional = false;
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<every_kind, nothing>;
}  // namespace
// Every kind of operation, to be frozen, not run: its index is built concurrently in a transactional
// revision and its downgrade does not undo it all, which the compiler's review would refuse.
template <>
inline constexpr strata::review_policy strata::review_policy_for<history> = strata::policy::unchecked;
namespace {

void expect_same(const strata::ops& thawed, const strata::ops& recorded, std::string_view what) {
  ASSERT_EQ(thawed.size(), recorded.size()) << what;
  for (std::size_t i = 0; i < recorded.size(); ++i)
    EXPECT_TRUE(thawed.operations()[i] == recorded.operations()[i]) << what << ", operation " << i << ": " << strata::describe(recorded.operations()[i]);
}

TEST(FrozenOps, ProjectRevisionsRecordWhatTheRevisionsRecord) {
  const auto p = strata::cli::project_of<history>();
  ASSERT_EQ(p.revisions.size(), history::size);
  for (std::size_t i = 0; i < history::size; ++i) {
    const auto& frozen = p.revisions[i];
    const auto& original = history::revisions[i];
    EXPECT_EQ(frozen.id, original.id);
    EXPECT_EQ(std::vector(frozen.down_revisions.begin(), frozen.down_revisions.end()),
              std::vector(original.down_revisions.begin(), original.down_revisions.end()));
    EXPECT_EQ(frozen.message, original.message);
    EXPECT_EQ(frozen.transactional, original.transactional);
    expect_same(frozen.record_upgrade(), original.record_upgrade(), std::string(original.id) + " upgrade");
    expect_same(frozen.record_downgrade(), original.record_downgrade(), std::string(original.id) + " downgrade");
  }
  strata::ops cases;
  strata_test::source_cases::record(cases);
  EXPECT_EQ(p.revisions[0].record_upgrade().size(), cases.size() + 3);  // none left out
}

// Where operations are recorded at compile time, the project carries no function of the revisions,
// so that its unit emits none of their code.
TEST(FrozenOps, ProjectCarriesNoFunctionWhereItCanFreeze) {
  const auto p = strata::cli::project_of<history>();
  for (const auto& r : p.revisions) {
    if constexpr (strata::detail::records_at_compile_time) {
      EXPECT_EQ(r.upgrade, nullptr);
      EXPECT_EQ(r.downgrade, nullptr);
      EXPECT_NE(r.frozen_upgrade, nullptr);
    } else {
      EXPECT_NE(r.upgrade, nullptr);
      EXPECT_EQ(r.frozen_upgrade, nullptr);
    }
  }
}

}  // namespace
