// rule::drop_column under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule drop_column: drop_column stocks.price. its rows are lost for good
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::strict_policy<strata::postgresql_sql>(), true, op.drop_column("stocks", "price"), op.add_column("stocks", strata::column("price", strata::integer)));
