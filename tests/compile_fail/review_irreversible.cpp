// A downgrade that fits but does not undo its upgrade (it forgets the index), in a revision that does
// not declare itself irreversible: one message naming the revision and the operation not undone.
// expect-error: strata::reviewed: the downgrade of revision `b1` does not undo its upgrade: it leaves `ix_stocks_symbol` other than it was \(the upgrade's first change to it: `create_index ix_stocks_symbol on stocks`\). make downgrade\(\) undo it, or declare the revision irreversible
// expect-error: static assertion failed: strata::reviewed: a downgrade does not undo its upgrade
#include "review_base.hpp"

STRATA_REVIEW_CASE(strata::policy::basic, true, op.add_column("stocks", strata::column("isin", strata::text));
                   op.create_index("ix_stocks_symbol", "stocks", {"symbol"}), op.drop_column("stocks", "isin"));
