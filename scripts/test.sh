#!/usr/bin/env bash
# The whole test suite, twice: built in Release (build/release: what users ship, and where the
# benchmarks' figures mean something), then in Debug under AddressSanitizer and
# UndefinedBehaviorSanitizer (build/sanitize, STRATA_SANITIZE=ON). Arguments go to both ctest runs
# (e.g. `scripts/test.sh -R consumer`). STRATA_JOBS sets the parallelism (default 2);
# STRATA_TEST_BUILDS picks the builds ("release", "sanitize", default both).
#
# The PostgreSQL tests need a server: ctest runs inside Debian's pg_virtualenv, which starts a
# throwaway PostgreSQL cluster, exports PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE to it and removes
# the cluster afterwards. -t keeps the cluster in a temporary folder even as root (instead of
# /etc/postgresql/<version>/regress, which a second run at the same time would collide with).
# STRATA_REQUIRE_POSTGRESQL=1 makes every PostgreSQL test fail, not skip, if it cannot reach it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jobs="${STRATA_JOBS:-2}"
builds="${STRATA_TEST_BUILDS:-release sanitize}"

"$root/scripts/install-deps.sh"
export STRATA_REQUIRE_POSTGRESQL=1

# suite <build folder> <cmake options...>: configures, builds everything, runs ctest.
suite() {
  local build="$root/build/$1"
  shift
  echo "== $(basename "$build"): $*"
  cmake -S "$root" -B "$build" -DSTRATA_BUILD_TESTS=ON -DSTRATA_BUILD_EXAMPLES=ON -DSTRATA_BUILD_BENCHMARKS=ON "$@"
  cmake --build "$build" -j "$jobs"
  (cd "$build" && pg_virtualenv -t ctest --output-on-failure --no-tests=error --timeout 900 -j "$jobs" "${ctest_args[@]}" ${suite_args[@]+"${suite_args[@]}"})
}
ctest_args=("$@")
suite_args=()

for b in $builds; do
  case "$b" in
    release)
      suite release -DCMAKE_BUILD_TYPE=Release ;;
    sanitize)
      # Also while building: gtest_discover_tests runs each test program to list its tests.
      # detect_stack_use_after_return: a string_view into a std::string of a returned function.
      export ASAN_OPTIONS="detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1:detect_leaks=1"
      export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
      export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
      # The tests that build a project of their own (label `project`) build it without sanitizers,
      # as the release pass did already.
      suite_args=(-LE project)
      suite sanitize -DCMAKE_BUILD_TYPE=Debug -DSTRATA_SANITIZE=ON ;;
    *)
      echo "scripts/test.sh: unknown build '$b' in STRATA_TEST_BUILDS; use release and/or sanitize" >&2
      exit 2 ;;
  esac
done
