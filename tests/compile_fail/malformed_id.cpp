// An id with characters Alembic ids never have.
// expect-error: strata::history: revision id `Add-Column` is malformed; use 1 to 32 characters from \[0-9a-z_\]
// expect-error: static assertion failed: strata::history is invalid
// expect-clang-error: static_assert failed due to requirement 'detail::graph_ok<strata::revision_id_is_malformed<r1>>' "strata::history is invalid
// expect-clang-error: [^0-9]1 error generated
#include <strata/strata.hpp>

struct r0 : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "r0";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct r1 : strata::revision<"Add-Column", "a0"> {
  static constexpr std::string_view message = "r1";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<r0, r1>;
static_assert(history::size >= 0);
