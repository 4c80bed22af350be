// strata::cli::main in process, on a history with a branch and a merge (what history, heads and
// status print for them, and downgrade -1 refused at two heads) and on an empty history (every
// command works before the first revision). The end-to-end tests in cli_test.cpp run InsightBull's
// linear history. Neither has models: migrate writes an empty revision only when asked to.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
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

TEST_F(CliHistory, DowngradeByStepsAtTwoHeadsIsRefusedAsAmbiguous) {
  ASSERT_EQ(run<branched>(url, {"upgrade", "heads"}).status, 0);
  const auto down = run<branched>(url, {"downgrade", "-1"});
  EXPECT_EQ(down.status, 1);
  EXPECT_EQ(std::count(down.err.begin(), down.err.end(), '\n'), 1) << down.err;
  for (const char* part : {"ambiguous", "'bb0000000002', 'cc0000000003'", "'aa0000000001' reverts"})
    EXPECT_NE(down.err.find(part), std::string::npos) << part << "\n" << down.err;
  EXPECT_TRUE(down.out.empty()) << down.out;
  EXPECT_EQ(run<branched>(url, {"current", "--json"}).out, "{\"current\": [\"bb0000000002\", \"cc0000000003\"]}\n");
  // Going down by id works, and so does -1 on the merge, whose one row has one step down.
  ASSERT_EQ(run<merged>(url, {"upgrade"}).status, 0);
  const auto two = run<merged>(url, {"downgrade", "-2"});
  EXPECT_EQ(two.status, 1);
  EXPECT_NE(two.err.find("after reverting 'dd0000000004'"), std::string::npos) << two.err;
  EXPECT_EQ(run<merged>(url, {"current", "--json"}).out, "{\"current\": [\"dd0000000004\"]}\n");
}

// ---- an empty history: a project before its first revision ---------------------------------------

using nothing_yet = strata::history<>;

TEST_F(CliHistory, EveryCommandWorksOnAnEmptyHistory) {
  auto r = run<nothing_yet>(url, {"status"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("Current:        base\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Heads:          none (the history has no revisions yet)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Pending:        0 revisions\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Up to date"), std::string::npos) << r.out;
  r = run<nothing_yet>(url, {"status", "--json"});
  EXPECT_NE(r.out.find("\"current\": [], \"heads\": [], \"pending\": [], \"needs_upgrade\": false"), std::string::npos) << r.out;

  r = run<nothing_yet>(url, {"upgrade"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "Nothing to upgrade: the database is at base.\n");
  EXPECT_EQ(run<nothing_yet>(url, {"upgrade", "heads"}).out, "Nothing to upgrade: the database is at base.\n");
  r = run<nothing_yet>(url, {"upgrade", "+1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("only 0 revision(s) are pending"), std::string::npos) << r.err;

  for (const char* command : {"history", "heads"}) {
    r = run<nothing_yet>(url, {command});
    EXPECT_EQ(r.status, 0) << command << ": " << r.err;
    EXPECT_EQ(r.out, "") << command;
  }
  EXPECT_EQ(run<nothing_yet>(url, {"heads", "--json"}).out, "{\"heads\": []}\n");
  EXPECT_EQ(run<nothing_yet>(url, {"history", "--json"}).out, "{\"revisions\": []}\n");
  EXPECT_EQ(run<nothing_yet>(url, {"current"}).out, "base\n");
  r = run<nothing_yet>(url, {"stamp", "head"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(run<nothing_yet>(url, {"current", "--json"}).out, "{\"current\": []}\n");

  r = run<nothing_yet>(url, {"downgrade", "-1"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("only 0 revision(s) are applied"), std::string::npos) << r.err;
  r = run<nothing_yet>(url, {"show", "head"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("no revisions yet"), std::string::npos) << r.err;
}

// A program without models: autogenerate has nothing to diff, and says how to write an empty
// revision; --empty (as --no-autogenerate) writes it.
TEST_F(CliHistory, WithoutModelsMigrateEmptyWritesAnEmptyRevision) {
  const auto ini = (dir.path() / "strata.ini").string();
  std::ofstream(ini) << "[strata]\nversions_dir = versions\n";
  const auto versions = dir.path() / "versions";
  auto r = run<nothing_yet>(url, {"--config", ini, "migrate", "first"});
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_NE(r.err.find("has no models to compare"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'migrate --no-autogenerate'"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(versions));

  r = run<nothing_yet>(url, {"--config", ini, "migrate", "first", "--empty"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  EXPECT_NE(r.out.find("(down revision base)"), std::string::npos) << r.out;
  const auto first = r.out.substr(r.out.find("Revision ") + 9, 12);
  r = run<nothing_yet>(url, {"--config", ini, "migrate", "second", "--no-autogenerate"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("(down revision " + first + ")"), std::string::npos) << r.out;
  // The two revisions and history.hpp.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(versions), std::filesystem::directory_iterator{}), 3);
}

}  // namespace
