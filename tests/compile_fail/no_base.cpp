// No revision is the base: the downs go round (a0 -> b1 -> a0).
// expect-error: strata::history: no revision has strata::base as its down revision, so the down revisions go round in a cycle; give the first revision of the list, `a0`, strata::base as its down revision
// expect-error: static assertion failed: strata::history is invalid
// expect-clang-error: static_assert failed due to requirement 'detail::graph_ok<strata::history_has_no_base<r0>>' "strata::history is invalid
// expect-clang-error: [^0-9]1 error generated
#include <strata/strata.hpp>

struct r0 : strata::revision<"a0", "b1"> {
  static constexpr std::string_view message = "r0";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct r1 : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "r1";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<r0, r1>;
static_assert(history::size >= 0);
