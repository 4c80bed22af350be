// manage_db: InsightBull's migration command line (the seed's manage_db.py): status, upgrade,
// downgrade, history, current, migrate ... over the revisions of migrations/. The URL's scheme
// picks the database: sqlite:///... or, when built with libpqxx, postgresql://...
#include <strata/cli.hpp>
#include <strata/dialect/sqlite.hpp>
#ifdef STRATA_HAVE_POSTGRESQL
#include <strata/dialect/postgresql.hpp>
#endif

#include "migrations/history.hpp"

int main(int argc, char** argv) {
#ifdef STRATA_HAVE_POSTGRESQL
  return strata::cli::main<migrations::history, strata::sqlite, strata::postgresql>(argc, argv);
#else
  return strata::cli::main<migrations::history, strata::sqlite>(argc, argv);
#endif
}
