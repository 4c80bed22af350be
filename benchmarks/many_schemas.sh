#!/bin/sh
# Many schemas: N InsightBull schemas (one per tenant) upgraded from base to head by one
# `manage_db upgrade --schemas 'tenant_*' --jobs J`, against the shell loop a user writes without it,
# `manage_db --url ...?schema=tenant_K upgrade` once per schema. Prints schemas/s of each and the
# ratio, a line per round (the schemas are dropped and made again before each run).
#
#   pg_virtualenv -t benchmarks/many_schemas.sh build-rel/examples/insightbull/manage_db [schemas] [jobs] [rounds]
#
# It needs the PG* variables of a server (pg_virtualenv sets them) and psql; docs/benchmarks.md has
# the figures.
set -eu
manage_db=$(realpath "${1:?usage: many_schemas.sh path/to/manage_db [schemas=100] [jobs=4] [rounds=3]}")
schemas=${2:-100}
jobs=${3:-4}
rounds=${4:-3}

host=${PGHOST:-localhost}
case $host in /*) host="" ;; esac  # a socket folder: libpq finds it in PGHOST
url="postgresql://${PGUSER:-postgres}${PGPASSWORD:+:$PGPASSWORD}@$host${PGPORT:+:$PGPORT}/${PGDATABASE:-postgres}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"  # no strata.ini or .env of the caller's

names=$(seq -f 'tenant_%03g' 0 $((schemas - 1)))

fresh_schemas() {
  {
    for s in $names; do echo "DROP SCHEMA IF EXISTS $s CASCADE; CREATE SCHEMA $s;"; done
  } | psql -q -v ON_ERROR_STOP=1 >/dev/null 2>&1
}

now() { date +%s.%N; }

# Every schema must be at head after a run: a run that skipped some would look fast.
check_all_at_head() {
  at_head=$(psql -Atc "SELECT count(*) FROM pg_namespace n WHERE n.nspname LIKE 'tenant\\_%' AND
                         to_regclass(quote_ident(n.nspname) || '.alembic_version') IS NOT NULL" 2>/dev/null)
  if [ "$at_head" != "$schemas" ]; then
    echo "many_schemas.sh: $1 left $((schemas - at_head)) of $schemas schemas without a version table" >&2
    exit 1
  fi
}

echo "$schemas InsightBull schemas, base to head (3 revisions each); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
round=1
while [ "$round" -le "$rounds" ]; do
  fresh_schemas
  start=$(now)
  for s in $names; do "$manage_db" --url "$url?schema=$s" upgrade >/dev/null; done
  loop=$(echo "$(now) - $start" | bc -l)
  check_all_at_head "the shell loop"

  fresh_schemas
  start=$(now)
  "$manage_db" --url "$url" upgrade --schemas 'tenant_*' --jobs "$jobs" >/dev/null
  each=$(echo "$(now) - $start" | bc -l)
  check_all_at_head "upgrade --schemas"

  printf 'round %d: shell loop %.2f s (%.1f schemas/s); upgrade --jobs %d %.2f s (%.1f schemas/s); %.1fx; load %s\n' \
    "$round" "$loop" "$(echo "$schemas / $loop" | bc -l)" "$jobs" "$each" "$(echo "$schemas / $each" | bc -l)" \
    "$(echo "$loop / $each" | bc -l)" "$(cut -d' ' -f1 /proc/loadavg)"
  round=$((round + 1))
done
fresh_schemas
{ for s in $names; do echo "DROP SCHEMA $s CASCADE;"; done; } | psql -q >/dev/null 2>&1
