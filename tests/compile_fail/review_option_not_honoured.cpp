// rule::option_not_honoured under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule option_not_honoured: create_index ix_stocks_symbol on stocks: SQLite cannot honour .concurrently.. drop the option, or the target
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE((strata::relaxed_policy<strata::postgresql_sql, strata::sqlite_sql>()), false, op.create_index("ix_stocks_symbol", "stocks", {"symbol"}, {.concurrently = true}), op.drop_index("ix_stocks_symbol"));
