// strata::revision_types<H>: a history's revisions as a Boost.Hana typelist (opt-in: needs Boost.Hana).
#pragma once

#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>

#include <strata/history.hpp>

namespace strata {

namespace detail {
template <class H>
struct revision_types_of;
template <class... R>
struct revision_types_of<history<R...>> {
  static constexpr auto value = boost::hana::tuple_t<R...>;
};
}  // namespace detail

// For compile-time algorithms over the revisions: `boost::hana::length(strata::revision_types<history>)`.
// Kept out of <strata/history.hpp> so that the core needs no Boost.
template <History H>
inline constexpr auto revision_types = detail::revision_types_of<H>::value;

}  // namespace strata
