// Two heads under a policy that requires one: the message names them and the merge command.
// expect-error: strata::reviewed: the history has 2 heads \(`b1`, `c2`\) and its policy requires one. merge them: manage_db merge -m "merge heads" heads
// expect-error: static assertion failed: strata::reviewed: the history has several heads
// expect-clang-error: static_assert failed due to requirement 'graph_ok<strata::history_has_several_heads_to_merge<left, right>>' "strata::reviewed: the history has several heads
// expect-clang-error: [^0-9]1 error generated
#include "review_base.hpp"

struct left : strata::revision<"b1", "a0"> {
  static constexpr std::string_view message = "left";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct right : strata::revision<"c2", "a0"> {
  static constexpr std::string_view message = "right";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
using history = strata::history<initial, left, right>;
template <>
inline constexpr strata::review_policy strata::review_policy_for<history> = strata::policy::basic.requiring_single_head();
static_assert(strata::reviewed<history>);
