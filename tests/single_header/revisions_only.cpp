// A unit that compiles a history as strata_add_manage_db()'s does, with nothing of strata but the
// single header: STRATA_REVISIONS_ONLY before it leaves out the migrator and the database clients,
// and keeps what the unit needs: revisions, the review under a policy naming both dialects' SQL
// traits (declared, with their review targets, not defined: no renderer), and project_of.
#define STRATA_REVISIONS_ONLY
#include <strata/strata.hpp>

// A compile error ("redefinition as a different kind of symbol") if the single header brought in the
// migrator or a dialect's client (which strata::postgresql and strata::sqlite wrap).
namespace strata {
using migrator = void;
using postgresql = void;
using sqlite = void;
}  // namespace strata

// Nor the standard headers that only the full header uses: C++20's <algorithm> (with the ranges
// algorithms), <ostream> and <iterator> were a seventh of the revisions-only part's memory at compile
// time (strata's revisions-only headers loop by hand: detail::each). libstdc++'s include guards tell.
#if defined(__GLIBCXX__) && (defined(_GLIBCXX_ALGORITHM) || defined(_GLIBCXX_OSTREAM) || defined(_GLIBCXX_ITERATOR))
#error "STRATA_REVISIONS_ONLY brought in <algorithm>, <ostream> or <iterator>: the revisions-only part includes <iosfwd> and loops by hand"
#endif

#include <cstdio>

// Nor the SQL traits' definitions (the renderer they derive from, a third of the header's parsing):
// the policy below needs them declared only (strata::review_target_for).
template <class T>
concept defined = requires { sizeof(T); };
static_assert(!defined<strata::postgresql_sql> && !defined<strata::sqlite_sql>,
              "STRATA_REVISIONS_ONLY brought in the SQL traits' definitions: the single header's revisions-only part should "
              "carry each dialect's <dialect>_target.hpp only");

struct create_users : strata::revision<"a1", strata::base> {
  static constexpr std::string_view message = "create users";
  static constexpr void upgrade(strata::ops& op) {
    op.create_table("users", {strata::column("id", strata::integer).primary_key(), strata::column("email", strata::text).not_null()});
  }
};
struct index_users : strata::revision<"b2", "a1"> {
  static constexpr std::string_view message = "index users";
  static constexpr void upgrade(strata::ops& op) {
    op.allow(strata::rule::index_without_concurrently).create_index("ix_users_email", "users", {"email"});
  }
  static constexpr void downgrade(strata::ops& op) { op.drop_index("ix_users_email"); }
};
using history = strata::history<create_users, index_users>;
template <>
inline constexpr strata::review_policy strata::review_policy_for<history> = strata::strict_policy<strata::postgresql_sql, strata::sqlite_sql>();

int main() {
  const auto project = strata::cli::project_of<history>();
  if (project.revisions.size() != 2 || project.revisions[1].id != "b2") {
    std::fputs("single header, revisions only: project_of does not hold the history's two revisions\n", stderr);
    return 1;
  }
  return 0;
}
