// strata: C++20 schema migrations with the revision graph checked by the compiler. The core
// (no database client); add a dialect header such as <strata/dialect/sqlite.hpp>.
#pragma once

#include <strata/commands.hpp>
#include <strata/dialect.hpp>
#include <strata/diff.hpp>
#include <strata/connection.hpp>
#include <strata/errors.hpp>
#include <strata/fixed_string.hpp>
#include <strata/graph.hpp>
#include <strata/history.hpp>
#include <strata/manager.hpp>
#include <strata/migrator.hpp>
#include <strata/model.hpp>
#include <strata/naming.hpp>
#include <strata/ops.hpp>
#include <strata/owned_schema.hpp>
#include <strata/render.hpp>
#include <strata/revision.hpp>
#include <strata/schema.hpp>
#include <strata/schema_diff.hpp>
#include <strata/types.hpp>
#include <strata/url.hpp>
