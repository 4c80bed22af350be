// The policy the compiler reviews this history under (strata::reviewed), kept by hand next to the
// revisions; the generated history.hpp includes it. InsightBull runs on SQLite and PostgreSQL in
// production: every safety rule is an error, the history has one head, and an option either
// database cannot honour (CREATE INDEX CONCURRENTLY on SQLite) is refused.
#pragma once

// The dialects' review targets, not their SQL traits: the unit that compiles the history then parses
// no renderer (see strata::review_target_for).
#include <strata/dialect/postgresql_target.hpp>
#include <strata/dialect/sqlite_target.hpp>
#include <strata/review.hpp>

template <>
inline constexpr strata::review_policy strata::review_policy_for<migrations::history> =
    strata::strict_policy<strata::postgresql_sql, strata::sqlite_sql>();
