// rule::drop_table under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule drop_table: drop_table trades. its rows are lost for good
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::strict_policy<strata::postgresql_sql>(), true, op.drop_table("trades"), op.create_table("trades", {strata::column("id", strata::integer).primary_key(), strata::column("stock_id", strata::integer)}));
