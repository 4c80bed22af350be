// strata's Boost.Hana integration (opt-in: needs Boost.Hana): a history's revisions as a Hana
// typelist, and the members of a BOOST_HANA_DEFINE_STRUCT row for the models' binding check.
#pragma once

#include <array>
#include <type_traits>
#include <utility>

#include <boost/hana/accessors.hpp>
#include <boost/hana/concept/struct.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>

#include <strata/history.hpp>
#include <strata/model.hpp>

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

// A row struct defined with BOOST_HANA_DEFINE_STRUCT: its members (name, type) for the binding
// check of `m.table<Row>(...)`. Include this header where the models are declared.
template <class Row>
  requires boost::hana::Struct<Row>::value
struct row_members<Row> {
  static constexpr bool reflected = true;
  static constexpr auto members = boost::hana::unpack(boost::hana::accessors<Row>(), [](auto... accessor) {
    return std::array<member_info, sizeof...(accessor)>{
        member_of<std::remove_cvref_t<decltype(boost::hana::second(accessor)(std::declval<Row&>()))>>(
            boost::hana::to<char const*>(boost::hana::first(accessor)))...};
  });
};

}  // namespace strata
