#!/usr/bin/env bash
# Builds and runs examples/quickstart in build-demo/ (its SQLite file lands in
# build-demo/examples/quickstart/). Arguments are passed on to quickstart.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-demo"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" \
  -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_EXAMPLES=ON -DSTRATA_BUILD_BENCHMARKS=OFF
cmake --build "$build" --target quickstart -j "${STRATA_JOBS:-2}"
cd "$build/examples/quickstart"
./quickstart "$@"
