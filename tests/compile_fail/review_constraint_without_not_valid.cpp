// rule::constraint_without_not_valid under the strict policy for PostgreSQL: one message naming the revision, the operation and the safe way.
// expect-error: strata::reviewed: revision `b1` breaks rule constraint_without_not_valid: add_constraint trades.fk_trades_stock. adding a foreign key or check to an existing table checks every row under a lock
// expect-error: static assertion failed: strata::reviewed: a revision breaks a safety rule
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::strict_policy<strata::postgresql_sql>(), true, op.add_constraint("trades", strata::foreign_key("fk_trades_stock", {"stock_id"}, "stocks", {"id"})), op.drop_constraint("trades", "fk_trades_stock"));
