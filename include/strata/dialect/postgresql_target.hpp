// strata::review_target_for<strata::postgresql_sql>: what the compiler's review (strata::reviewed)
// may ask of PostgreSQL, with its SQL traits declared only (see strata::review_target_for): what a
// review policy naming PostgreSQL needs, and all a unit compiling a history needs of the dialect.
#pragma once

#include <strata/rules.hpp>

namespace strata {

struct postgresql_sql;  // <strata/dialect/postgresql_sql.hpp>

// All of it: CREATE INDEX CONCURRENTLY, NOT VALID then VALIDATE, USING, and SET NOT NULL scans.
template <>
inline constexpr review_target review_target_for<postgresql_sql>{"PostgreSQL", true, true, true, true};

}  // namespace strata
