// rule::index_without_concurrently under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule index_without_concurrently: create_index ix_stocks_symbol on stocks. building an index on an existing table blocks its writes
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::strict_policy<strata::postgresql_sql>(), true, op.create_index("ix_stocks_symbol", "stocks", {"symbol"}), op.drop_index("ix_stocks_symbol"));
