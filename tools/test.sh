#!/usr/bin/env bash
# tools/test.sh — build, install, and run every test against a throwaway
# cluster: pg_regress files, pgTAP files, isolation specs and Perl TAP tests
# (all reached by `make installcheck`), then print one summary line.
# Before the tests, tools/cppcheck.sh checks src/ and cli/ statically
# (SCHEMAMIG_SKIP_CPPCHECK=reason skips it, printing the reason).
#
# Needs the build dependencies (tools/deps.sh installs them).  As root, the
# tests run as the postgres OS user from a copy of the tree it owns,
# because PostgreSQL refuses to run as root.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=${SCHEMAMIG_TEST_DIR:-$(mktemp -d /tmp/schemamig-test.XXXXXX)}
cluster="$work/cluster"
log="$work/installcheck.log"

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# the project's own build treats every warning as an error (the Makefiles
# leave -Werror out, so a user's newer compiler cannot fail the build)
make -C "$top" -s COPT=-Werror
make -C "$top" -s COPT=-Werror install >/dev/null
# static analysis of src/ and cli/; the source is the same for every
# PostgreSQL release, so tools/chroot.sh (17, 18) skips it there
if [ -n "${SCHEMAMIG_SKIP_CPPCHECK:-}" ]; then
  echo "cppcheck: skipped ($SCHEMAMIG_SKIP_CPPCHECK)"
else
  "$top/tools/cppcheck.sh"
fi

mkdir -p "$work/tree"
tar -C "$top" --exclude=./.git --exclude=./build --exclude=./results --exclude=./tmp_check --exclude=./regression.diffs --exclude=./regression.out --exclude="*.o" --exclude="*.so" -cf - . | tar -C "$work/tree" -xf -
mkdir -p "$work/tree/results/isolation" "$work/tree/results/pgtap"
[ "$(id -u)" = 0 ] && chown -R postgres: "$work"

cleanup() { [ -d "$cluster" ] && "$top/tools/cluster.sh" stop "$cluster" || true; }
trap cleanup EXIT
eval "$("$top/tools/cluster.sh" start "$cluster")"

# the pgTAP files first, then the rest (make installcheck alone runs both;
# run apart, a failure in one does not hide the results of the other).
# prove prints when each TAP file ends (--timer), to see where time goes.
status=0
: >"$log"
for target in installcheck-pgtap "installcheck PGTAP_TESTS="; do
  set +e
  # shellcheck disable=SC2086
  as_server_user env PGHOST="$PGHOST" PGPORT="$PGPORT" PGUSER="$PGUSER" \
    make -C "$work/tree" $target PROVE_FLAGS=--timer "$@" 2>&1 | tee -a "$log"
  [ "${PIPESTATUS[0]}" = 0 ] || status=1
  set -e
done

# one summary line over every runner: pg_regress (regress, pgTAP, isolation) and prove
# (pg_regress prints "test NAME ... ok" up to 15, TAP's "ok N - NAME" from 16)
passed=$(grep -cE '^test .* \.\.\. ok|^ok +[0-9]+ +[-+] ' "$log" || true)
failed=$(grep -cE '^test .* \.\.\. FAILED|^not ok +[0-9]+ +[-+] ' "$log" || true)
prove_tests=$(sed -nE 's/^Files=[0-9]+, Tests=([0-9]+),.*/\1/p' "$log" | tail -1)
prove_failed=$(sed -nE 's/.*Failed ([0-9]+)\/[0-9]+ subtests.*/\1/p' "$log" | paste -sd+ | bc 2>/dev/null || true)
passed=$((passed + ${prove_tests:-0} - ${prove_failed:-0}))
failed=$((failed + ${prove_failed:-0}))
if [ "$status" != 0 ]; then
  for d in "$work"/tree/regression.diffs "$work"/tree/results/*/regression.diffs "$work"/tree/results/isolation/regression.diffs; do
    [ -f "$d" ] && { echo "=== $d"; head -200 "$d"; }
  done
  [ "$failed" = 0 ] && failed=1
fi
echo "$passed passed, $failed failed"
[ "$status" = 0 ] && [ -z "${SCHEMAMIG_TEST_DIR:-}" ] && rm -rf "$work"
exit "$status"
