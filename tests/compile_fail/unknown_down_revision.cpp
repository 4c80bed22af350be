// A down revision that is not in the list.
// expect-error: strata::history: revision `c7d2a9e1f0b3` names down revision `3b1f0c2d4e5b`, which is not in the list; add that revision before it or fix the id
// expect-error: static assertion failed: strata::history is invalid
// expect-clang-error: static_assert failed due to requirement 'detail::graph_ok<strata::revision_names_a_down_revision_not_in_the_list<market_cap>>' "strata::history is invalid
// expect-clang-error: [^0-9]1 error generated
#include <strata/strata.hpp>

struct initial : strata::revision<"8653cc238299", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct confidence : strata::revision<"3b1f0c2d4e5a", "8653cc238299"> {
  static constexpr std::string_view message = "confidence";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct market_cap : strata::revision<"c7d2a9e1f0b3", "3b1f0c2d4e5b"> {  // a typo in the down id
  static constexpr std::string_view message = "market cap";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<initial, confidence, market_cap>;
static_assert(history::size == 3);
