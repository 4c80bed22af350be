// rule::backfill_in_transaction under the basic policy: a backfill in a transactional revision would commit its batches as one.
// expect-error: strata::reviewed: revision `b1` breaks rule backfill_in_transaction: backfill stocks. in a transaction its batches commit as one UPDATE
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::policy::basic, true, op.backfill("stocks", "price = 0", "price IS NULL"), (void)op);
