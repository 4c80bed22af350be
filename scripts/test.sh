#!/usr/bin/env bash
# Configures build/, builds everything and runs the whole test suite. Arguments go to ctest
# (e.g. `scripts/test.sh -R consumer`). STRATA_JOBS sets the parallelism (default 2).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build"
jobs="${STRATA_JOBS:-2}"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" \
  -DSTRATA_BUILD_TESTS=ON -DSTRATA_BUILD_EXAMPLES=ON -DSTRATA_BUILD_BENCHMARKS=ON
cmake --build "$build" -j "$jobs"
cd "$build"
ctest --output-on-failure --no-tests=error --timeout 600 -j "$jobs" "$@"
