// rule::concurrently_in_transaction under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule concurrently_in_transaction: create_index ix_stocks_symbol on stocks. CREATE INDEX CONCURRENTLY cannot run in a transaction
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::policy::basic, true, op.create_index("ix_stocks_symbol", "stocks", {"symbol"}, {.concurrently = true}), op.drop_index("ix_stocks_symbol"));
