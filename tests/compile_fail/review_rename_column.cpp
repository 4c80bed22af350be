// rule::rename_column under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule rename_column: rename_column stocks.symbol to ticker. the running application still reads the old name
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::strict_policy<strata::postgresql_sql>(), true, op.rename_column("stocks", "symbol", "ticker"), op.rename_column("stocks", "ticker", "symbol"));
