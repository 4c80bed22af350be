// strata::cli::main in process, on a history with a branch and a merge: what history, heads and
// status print for them (the end-to-end tests in cli_test.cpp run InsightBull's linear history).
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <strata/cli.hpp>
#include <strata/dialect/sqlite.hpp>

#include "support/branched_history.hpp"
#include "support/sqlite_scratch.hpp"

namespace {

using namespace strata_test::branching;  // root, left, right, join; branched, merged

struct run_result {
  int status;
  std::string out, err;
};

template <class H>
run_result run(const std::string& url, std::vector<std::string> args) {
  args.insert(args.begin(), {"manage_db", "--url", url});
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  const int status = strata::cli::main<H, strata::sqlite>(static_cast<int>(argv.size()), argv.data(), out, err);
  return {status, out.str(), err.str()};
}

class CliHistory : public ::testing::Test {
 protected:
  strata_test::scratch_folder dir;
  std::string url = "sqlite:///" + (dir.path() / "branched.db").string();
};

TEST_F(CliHistory, MarksTheBranchPointTheMergePointHeadsAndCurrent) {
  ASSERT_EQ(run<merged>(url, {"upgrade", "cc00"}).status, 0);
  const auto r = run<merged>(url, {"history"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "base -> aa0000000001 (branchpoint), root\n"
            "aa0000000001 -> bb0000000002, left\n"
            "aa0000000001 -> cc0000000003 (current), right\n"
            "bb0000000002, cc0000000003 -> dd0000000004 (head) (mergepoint), join\n");
  const auto json = run<merged>(url, {"history", "--json"}).out;
  EXPECT_NE(json.find("{\"id\": \"aa0000000001\", \"down_revisions\": [], \"message\": \"root\", \"head\": false, \"current\": false, "
                      "\"applied\": true, \"branch_point\": true, \"merge_point\": false}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"id\": \"dd0000000004\", \"down_revisions\": [\"bb0000000002\", \"cc0000000003\"]"), std::string::npos) << json;
}

TEST_F(CliHistory, TwoHeadsAreListedAndHeadIsRefusedUntilMerged) {
  const auto heads = run<branched>(url, {"heads", "--json"});
  EXPECT_EQ(heads.out, "{\"heads\": [\"bb0000000002\", \"cc0000000003\"]}\n");
  const auto up = run<branched>(url, {"upgrade"});
  EXPECT_EQ(up.status, 1);
  EXPECT_NE(up.err.find("several heads"), std::string::npos) << up.err;
  EXPECT_EQ(std::count(up.err.begin(), up.err.end(), '\n'), 1) << up.err;
  EXPECT_TRUE(up.out.empty()) << up.out;

  const auto all = run<branched>(url, {"upgrade", "heads"});
  ASSERT_EQ(all.status, 0) << all.err;
  const auto current = run<branched>(url, {"current", "--json"});
  EXPECT_EQ(current.out, "{\"current\": [\"bb0000000002\", \"cc0000000003\"]}\n");
  const auto status = run<branched>(url, {"status"});
  EXPECT_NE(status.out.find("Heads:          bb0000000002, cc0000000003\n"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("Up to date"), std::string::npos) << status.out;

  // The merge revision joins the two rows into one.
  ASSERT_EQ(run<merged>(url, {"upgrade"}).status, 0);
  EXPECT_EQ(run<merged>(url, {"current", "--json"}).out, "{\"current\": [\"dd0000000004\"]}\n");
  ASSERT_EQ(run<merged>(url, {"downgrade", "-1"}).status, 0);
  EXPECT_EQ(run<merged>(url, {"current", "--json"}).out, "{\"current\": [\"bb0000000002\", \"cc0000000003\"]}\n");
}

}  // namespace
