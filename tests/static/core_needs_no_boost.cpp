// The core includes no Boost header (Boost.Hana is opt-in through <strata/hana.hpp>; Boost.PropertyTree
// comes with strata::cli).
#include <strata/strata.hpp>

#if defined(BOOST_HANA_CONFIG_HPP) || defined(BOOST_CONFIG_HPP) || defined(BOOST_VERSION)
#error "<strata/strata.hpp> includes Boost: the core must build without it"
#endif
