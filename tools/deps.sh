#!/usr/bin/env bash
# tools/deps.sh — install what building and testing schemamig needs on a
# fresh Debian machine: the PostgreSQL server and its headers, OpenSSL
# headers, pgTAP, pgaudit, pg_prove, the Perl modules of the TAP tests,
# cppcheck, and debootstrap (tools/chroot.sh builds the PostgreSQL 17 and 18
# test chroots with it).  Needs root.
#
#   tools/deps.sh        PostgreSQL 15 (the CI machine's own server)
#   tools/deps.sh 17     PostgreSQL 17 (tools/chroot.sh runs this inside a
#                        Debian chroot whose suite packages that version)
set -euo pipefail

major=${1:-15}

packages=(
  build-essential
  "postgresql-$major"
  "postgresql-server-dev-$major"
  "postgresql-$major-pgtap"
  "postgresql-$major-pgaudit"
  libpq-dev
  libtap-parser-sourcehandler-pgtap-perl
  libipc-run-perl
  libio-pty-perl
  libssl-dev
  bc
  cppcheck
  debootstrap
)
# npm, for the real migration tools below, on the CI machine itself only:
# Debian's, unless the machine has one of its own (Debian's npm conflicts
# with a Node.js that did not come from Debian).  The 17 and 18 chroots do
# without: their suites skip those cases and say why, and the 15 suite runs
# them.
[ "$major" != 15 ] || command -v npm >/dev/null || packages+=(npm)
# sqitch, whose history test/t/810_adopt.pl adopts, from Debian (the 15 suite)
[ "$major" != 15 ] || packages+=(sqitch libdbd-pg-perl)

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
# (not fatal: without them 810 skips their cases and says why)
if [ "$major" = 15 ] && ! { command -v dbmate && command -v node-pg-migrate; } >/dev/null; then
  npm install -g --silent dbmate@2.36.0 node-pg-migrate@9.0.0 pg@8 >/dev/null ||
    echo "deps.sh: could not install dbmate and node-pg-migrate from npm; test/t/810_adopt.pl skips their cases" >&2
fi
# pg_config on PATH must be the server's (Debian's /usr/bin/pg_config is a wrapper that finds it)
pg_config --version
