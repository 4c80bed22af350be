# strata::postgresql: <strata/dialect/postgresql.hpp> on libpqxx 6.x and libpq, which the dialect calls
# directly; found with pkg-config, as Debian ships no CMake package for libpqxx (CMakeLists.txt
# says what this file sets).
set(strata_dialect_needs "libpqxx and libpq, found with pkg-config (Debian: libpqxx-dev, pkg-config)")
set(strata_dialect_clients)
if(NOT TARGET PkgConfig::STRATA_PQXX)
  find_package(PkgConfig QUIET)
  if(PkgConfig_FOUND)
    pkg_check_modules(STRATA_PQXX QUIET IMPORTED_TARGET GLOBAL libpqxx libpq)
  endif()
endif()
if(TARGET PkgConfig::STRATA_PQXX)
  set(strata_dialect_clients PkgConfig::STRATA_PQXX)
endif()
