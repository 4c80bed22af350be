// A type in the history that is not a revision (it forgot its message) is named, once.
// expect-error: In instantiation of 'struct strata::detail::revision_checked<no_message>'
// expect-error: strata::history: the type in 'revision_checked<...>' above is not a revision
#include <strata/strata.hpp>

struct initial : strata::revision<"a0", strata::base> {
  static constexpr std::string_view message = "initial";
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};
struct no_message : strata::revision<"b1", "a0"> {
  static constexpr void upgrade(strata::ops&) {}
  static constexpr void downgrade(strata::ops&) {}
};

using history = strata::history<initial, no_message>;
static_assert(history::size == 2);
