#!/usr/bin/env bash
# tools/cppcheck.sh — static analysis of the extension (src/) and the client
# (cli/) with cppcheck; exits non-zero on any finding.  tools/test.sh (and so
# .ci/run) runs it before the tests.
#
# Checks: warning, performance, portability.  The "style" class is left out:
# it mostly asks for C99 block-local declarations (variableScope), against
# the PostgreSQL layout this project follows (STYLE.md).
#
# The PostgreSQL headers are not parsed (with them a run takes minutes on
# two cores instead of two seconds); tools/cppcheck-postgres.cfg tells
# cppcheck the shape of the few PostgreSQL macros it cannot parse without
# them (foreach, PG_TRY, ...).  tools/cppcheck-suppressions.txt lists the
# findings that are false positives of PostgreSQL macros, each with why.
#
#   tools/cppcheck.sh                 the fast check CI runs
#   tools/cppcheck.sh --server-headers  also parse the server headers (slow)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

if ! command -v cppcheck >/dev/null; then
  echo "cppcheck: not installed (tools/deps.sh installs it)" >&2
  exit 1
fi

includes=(-I src -I cli)
if [ "${1:-}" = --server-headers ]; then
  includes+=(-I "$(pg_config --includedir-server)" -I "$(pg_config --includedir)")
fi

cppcheck --quiet --std=c99 --enable=warning,performance,portability \
  --library="$top/tools/cppcheck-postgres.cfg" \
  --suppressions-list="$top/tools/cppcheck-suppressions.txt" \
  --inline-suppr --error-exitcode=1 -j2 \
  "${includes[@]}" src cli
echo "cppcheck: src/ and cli/ clean"
