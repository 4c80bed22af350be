// rule::not_null_without_default under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule not_null_without_default: add_column stocks.isin. a NOT NULL column without a server default cannot be added to a table that has rows
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::strict_policy<strata::postgresql_sql>(), true, op.add_column("stocks", strata::column("isin", strata::text).not_null()), op.drop_column("stocks", "isin"));
