// strata: C++20 schema migrations with the revision graph checked by the compiler. The core
// (no database client); add a dialect header such as <strata/dialect/sqlite.hpp>.
//
// With STRATA_REVISIONS_ONLY defined, only what revision files use (revisions, history, ops, column
// types, naming, connection, errors): the unit strata_add_manage_db() generates to compile a history
// defines it, which halves that unit's parsing, the one a new revision recompiles.
#pragma once

#include <strata/checksum.hpp>
#include <strata/connection.hpp>
#include <strata/errors.hpp>
#include <strata/fixed_string.hpp>
#include <strata/history.hpp>
#include <strata/naming.hpp>
#include <strata/ops.hpp>
#include <strata/revision.hpp>
#include <strata/rules.hpp>
#include <strata/types.hpp>

#ifndef STRATA_REVISIONS_ONLY
#include <strata/commands.hpp>
#include <strata/dialect.hpp>
#include <strata/diff.hpp>
#include <strata/graph.hpp>
#include <strata/manager.hpp>
#include <strata/migrator.hpp>
#include <strata/model.hpp>
#include <strata/offline.hpp>
#include <strata/owned_schema.hpp>
#include <strata/project.hpp>
#include <strata/render.hpp>
#include <strata/review.hpp>
#include <strata/schema.hpp>
#include <strata/schema_diff.hpp>
#include <strata/url.hpp>
#endif
