// strata::detail::postgresql_sql: libpq connection-string values, SQL literals, and waiting for a database's sessions to end.
#pragma once

#include <string>
#include <string_view>

#include <strata/detail/sql_identifiers.hpp>

namespace strata::detail::postgresql_sql {

using sql::literal;
using sql::quote;

// A libpq connection-string value: single-quoted, with \ and ' escaped (libpq's rules).
inline std::string conninfo_value(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\\' || c == '\'') out += '\\';
    out += c;
  }
  return out + "'";
}

// Waits in the server (up to 2 s) until no other session is connected to `database`. A closed
// connection's server process ends a moment after the client has gone; DROP DATABASE (and RENAME)
// finding it still there sleeps 100 ms before looking again, so run this first.
inline std::string wait_for_no_sessions(std::string_view database) {
  return "DO $strata$ BEGIN FOR i IN 1..2000 LOOP PERFORM pg_stat_clear_snapshot(); "
         "EXIT WHEN NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = " +
         literal(database) + " AND pid <> pg_backend_pid()); PERFORM pg_sleep(0.001); END LOOP; END $strata$";
}

}  // namespace strata::detail::postgresql_sql
