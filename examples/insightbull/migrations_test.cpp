// InsightBull's revisions checked on a real database of each dialect: a single head, upgrade to
// head, the stairway (each revision up, down, up), downgrade to base, and upgrades keeping rows.
#include <strata/dialect/sqlite.hpp>
#include <strata/testing/migration_tests.hpp>
#ifdef STRATA_HAVE_POSTGRESQL
#include <strata/dialect/postgresql.hpp>
#endif

#include "migrations/history.hpp"

STRATA_MIGRATION_TESTS(migrations::history, strata::sqlite);
#ifdef STRATA_HAVE_POSTGRESQL
STRATA_MIGRATION_TESTS(migrations::history, strata::postgresql);
#endif
