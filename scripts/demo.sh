#!/usr/bin/env bash
# Builds examples/insightbull and runs its migrations on the default SQLite database:
# `manage_db upgrade`, `status`, `history` and `check` (the models against the migrations), then the
# InsightBull program itself. Everything runs in build-demo/examples/insightbull/, where the database
# lands (data/insight_stock.db, the URL of examples/insightbull/strata.ini). Arguments replace the manage_db commands: demo.sh downgrade -1
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$root/build-demo"

"$root/scripts/install-deps.sh"
cmake -S "$root" -B "$build" \
  -DSTRATA_BUILD_TESTS=OFF -DSTRATA_BUILD_EXAMPLES=ON -DSTRATA_BUILD_BENCHMARKS=OFF
cmake --build "$build" --target manage_db insightbull -j "${STRATA_JOBS:-2}"

cd "$build/examples/insightbull"
manage_db=(./manage_db --config "$root/examples/insightbull/strata.ini")
if [ "$#" -gt 0 ]; then
  exec "${manage_db[@]}" "$@"
fi
for command in upgrade status history check; do
  echo "\$ manage_db $command"
  "${manage_db[@]}" "$command"
  echo
done
echo "\$ insightbull"
./insightbull --config "$root/examples/insightbull/strata.ini"
