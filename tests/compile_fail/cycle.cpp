// Two revisions that follow each other: a cycle, which moving one up the list cannot fix.
// expect-error: strata::history: revisions `b1` and `c2` are in a cycle: `b1` follows `c2`, which follows `b1` \(directly or through others\); make one of them follow an earlier revision
// expect-error: static assertion failed: strata::history is invalid
// expect-clang-error: static_assert failed due to requirement 'detail::graph_ok<strata::revisions_are_in_a_cycle<r1, r2>>' "strata::history is invalid
// expect-clang-error: [^0-9]1 error generated
#include <strata/strata.hpp>

struct r0 : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "r0";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct r1 : strata::revision<"b1", "c2"> {
  static constexpr std::string_view message = "r1";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct r2 : strata::revision<"c2", "d3"> {
  static constexpr std::string_view message = "r2";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct r3 : strata::revision<"d3", "b1"> {
  static constexpr std::string_view message = "r3";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<r0, r1, r2, r3>;
static_assert(history::size >= 0);
