// manage_db: InsightBull's migration command line (the seed's manage_db.py): status, upgrade,
// downgrade, history, current, migrate ... over the revisions of migrations/.
#include <strata/cli.hpp>
#include <strata/dialect/sqlite.hpp>

#include "migrations/history.hpp"

int main(int argc, char** argv) { return strata::cli::main<migrations::history, strata::sqlite>(argc, argv); }
