// rule::set_not_null under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule set_not_null: alter_column stocks.symbol. SET NOT NULL scans the whole table under an exclusive lock
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::strict_policy<strata::postgresql_sql>(), true, op.alter_column("stocks", "symbol", {.nullable = false}), op.alter_column("stocks", "symbol", {.nullable = true}));
