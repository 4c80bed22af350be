#!/usr/bin/env bash
# Installs every Debian package strata needs to build, test and benchmark. Idempotent.
set -euo pipefail
packages=(
  build-essential cmake pkg-config python3 lld
  libsqlitecpp-dev libsqlite3-dev sqlite3
  libpqxx-dev libpq-dev postgresql postgresql-common
  libboost-dev libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update
$sudo apt-get install -y --no-install-recommends "${missing[@]}"
