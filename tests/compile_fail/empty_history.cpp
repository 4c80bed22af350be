// No revisions at all.
// expect-error: strata::history: the list of revisions is empty; list at least one revision
// expect-error: static assertion failed: strata::history is invalid
#include <strata/strata.hpp>


using history = strata::history<>;
static_assert(history::size >= 0);
