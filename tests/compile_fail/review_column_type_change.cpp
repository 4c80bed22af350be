// rule::column_type_change under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule column_type_change: alter_column stocks.price. changing a column.s type rewrites the table
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::strict_policy<strata::postgresql_sql>(), true, op.alter_column("stocks", "price", {.type = strata::big_integer}), op.alter_column("stocks", "price", {.type = strata::integer}));
