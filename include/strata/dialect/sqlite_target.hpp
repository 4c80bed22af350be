// strata::review_target_for<strata::sqlite_sql>: what the compiler's review (strata::reviewed) may
// ask of SQLite, with its SQL traits declared only (see strata::review_target_for): what a review
// policy naming SQLite needs, and all a unit compiling a history needs of the dialect.
#pragma once

#include <strata/rules.hpp>

namespace strata {

struct sqlite_sql;  // <strata/dialect/sqlite_sql.hpp>

// No CONCURRENTLY, no NOT VALID, no USING (a column changes type by a table rebuild), no scan to
// SET NOT NULL (a rebuild too).
template <>
inline constexpr review_target review_target_for<sqlite_sql>{"SQLite", false, false, false, false};

}  // namespace strata
