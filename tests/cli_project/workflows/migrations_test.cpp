// STRATA_MIGRATION_TESTS on the workflow project's revisions, those manage_db generated included, on
// the dialect the project is built for.
#include <strata/testing/migration_tests.hpp>

#include "migrations/history.hpp"

#ifdef STRATA_WORKFLOW_SQLITE
#include <strata/dialect/sqlite.hpp>
STRATA_MIGRATION_TESTS(migrations::history, strata::sqlite);
#else
#include <strata/dialect/postgresql.hpp>
STRATA_MIGRATION_TESTS(migrations::history, strata::postgresql);
#endif
