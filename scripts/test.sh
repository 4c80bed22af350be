#!/usr/bin/env bash
# Configures build/, builds everything and runs the whole test suite. Arguments go to ctest
# (e.g. `scripts/test.sh -R consumer`). STRATA_JOBS sets the parallelism (default 2).
#
# The PostgreSQL tests need a server: ctest runs inside Debian's pg_virtualenv, which starts a
# throwaway PostgreSQL cluster, exports PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE to it and removes
# the cluster afterwards. -t keeps the cluster in a temporary folder even as root (instead of
# /etc/postgresql/<version>/regress, which a second run at the same time would collide with).
# STRATA_REQUIRE_POSTGRESQL=1 makes every PostgreSQL test fail, not skip, if it cannot reach it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
jobs="${STRATA_JOBS:-2}"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" \
  -DSTRATA_BUILD_TESTS=ON -DSTRATA_BUILD_EXAMPLES=ON -DSTRATA_BUILD_BENCHMARKS=ON
cmake --build "$build" -j "$jobs"
cd "$build"
export STRATA_REQUIRE_POSTGRESQL=1
exec pg_virtualenv -t ctest --output-on-failure --no-tests=error --timeout 600 -j "$jobs" "$@"
