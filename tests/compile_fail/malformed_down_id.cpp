// A down id with characters Alembic ids never have.
// expect-error: strata::history: revision `b1` names down revision `A0`, which is not a valid id
// expect-error: static assertion failed: strata::history is invalid
// expect-clang-error: static_assert failed due to requirement 'detail::graph_ok<strata::revision_names_a_malformed_down_id<r1>>' "strata::history is invalid
// expect-clang-error: [^0-9]1 error generated
#include <strata/strata.hpp>

struct r0 : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "r0";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct r1 : strata::revision<"b1", "A0"> {
  static constexpr std::string_view message = "r1";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<r0, r1>;
static_assert(history::size >= 0);
