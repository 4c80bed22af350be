# strata::sqlite: <strata/dialect/sqlite.hpp> on SQLiteCpp (CMakeLists.txt says what this file sets).
set(strata_dialect_needs "SQLiteCpp (Debian: libsqlitecpp-dev)")
set(strata_dialect_clients)
if(NOT TARGET SQLiteCpp)
  find_package(SQLiteCpp QUIET)
endif()
if(TARGET SQLiteCpp)
  set(strata_dialect_clients SQLiteCpp SQLite::SQLite3)
endif()
