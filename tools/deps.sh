#!/usr/bin/env bash
# tools/deps.sh — install what building and testing schemamig needs on a
# fresh Debian machine that has the PostgreSQL 15 server binaries: server
# headers, OpenSSL headers, pgTAP, pg_prove, the Perl modules of the TAP
# tests, and cppcheck.  Needs root.
set -euo pipefail

packages=(
  build-essential
  postgresql-15
  postgresql-server-dev-15
  postgresql-15-pgtap
  postgresql-15-pgaudit
  libpq-dev
  libtap-parser-sourcehandler-pgtap-perl
  libipc-run-perl
  libio-pty-perl
  libssl-dev
  bc
  cppcheck
  npm
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# the real migration tools whose histories test/t/810_adopt.pl adopts (npm's registry has them)
command -v dbmate >/dev/null && command -v node-pg-migrate >/dev/null ||
  npm install -g --silent dbmate@2.36.0 node-pg-migrate@9.0.0 pg@8 >/dev/null
# pg_config on PATH must be the server's (Debian's /usr/bin/pg_config is a wrapper that finds it)
pg_config --version
