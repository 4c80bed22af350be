// Two revisions with one id.
// expect-error: strata::history: revision id `b1` appears twice \(positions 2 and 3 of the list\); give each revision its own id
// expect-error: static assertion failed: strata::history is invalid
// expect-clang-error: static_assert failed due to requirement 'detail::graph_ok<strata::revision_id_appears_twice<r1, r2>>' "strata::history is invalid
// expect-clang-error: [^0-9]1 error generated
#include <strata/strata.hpp>

struct r0 : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "r0";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct r1 : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "r1";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct r2 : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "r2";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<r0, r1, r2>;
static_assert(history::size >= 0);
