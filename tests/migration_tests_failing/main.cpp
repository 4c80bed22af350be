// A history whose second revision's downgrade forgets to drop the index its upgrade creates:
// STRATA_MIGRATION_TESTS must fail, naming that revision (tests/CMakeLists.txt checks the output).
#include <strata/dialect/sqlite.hpp>
#include <strata/strata.hpp>
#include <strata/testing/migration_tests.hpp>

namespace broken {

struct create_accounts : strata::revision<"a1a1a1a1a1a1", strata::base> {
  static constexpr std::string_view message = "create accounts";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("accounts", {strata::column("id", strata::integer).primary_key(),
                                 strata::column("email", strata::varchar(64)).not_null()});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_table("accounts"); }
};

struct index_email : strata::revision<"e5e5e5e5e5e5", "a1a1a1a1a1a1"> {
  static constexpr std::string_view message = "index accounts.email";
  static constexpr void upgrade(strata::ops& op) { op.create_index("ix_accounts_email", "accounts", {"email"}); }
  static constexpr void downgrade(strata::ops&) {}  // the bug: ix_accounts_email stays
};

using history = strata::history<create_accounts, index_email>;

}  // namespace broken

// The compiler's review (strata::reviewed) finds this bug first; switched off here so that the run-time
// stairway test, which also covers revisions the compiler cannot replay (clang 14), is seen to find it.
template <>
inline constexpr strata::review_policy strata::review_policy_for<broken::history> = strata::policy::unchecked;

STRATA_MIGRATION_TESTS(broken::history, strata::sqlite);
