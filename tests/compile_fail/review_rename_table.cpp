// rule::rename_table under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule rename_table: rename_table trades to fills. the running application still reads the old name
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::strict_policy<strata::postgresql_sql>(), true, op.rename_table("trades", "fills"), op.rename_table("fills", "trades"));
