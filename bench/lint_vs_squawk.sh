#!/usr/bin/env bash
# bench/lint_vs_squawk.sh — schemamig.lint() against squawk on the same
# 10,000-statement migration script, timed in the same run.
#
#   PGHOST=... PGPORT=... bench/lint_vs_squawk.sh [statements]
#
# Needs a running server with schemamig installed in database
# ${BENCH_DB:-postgres}, and squawk: set SQUAWK to its binary, or it is
# installed with "npm install squawk-cli" into a scratch directory (nothing
# is vendored or committed).  Prints both wall-clock times and the ratio.
set -euo pipefail

n=${1:-10000}
db=${BENCH_DB:-postgres}
scratch=$(mktemp -d /tmp/schemamig-squawk.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
chmod a+rx "$scratch"

if [ -z "${SQUAWK:-}" ]; then
  (cd "$scratch" && npm install --silent squawk-cli >/dev/null 2>&1)
  SQUAWK=$scratch/node_modules/.bin/squawk
fi

script=$scratch/migration.sql
for i in $(seq 0 $((n - 1))); do
  case $((i % 5)) in
    0) echo "CREATE TABLE bench_t$i (id bigint PRIMARY KEY, v text);" ;;
    1) echo "ALTER TABLE bench_t$((i - 1)) ADD COLUMN c$i text;" ;;
    2) echo "CREATE INDEX bench_i$i ON bench_t$((i - 2)) (v);" ;;
    3) echo "ALTER TABLE bench_t$((i - 3)) ADD CONSTRAINT k$i CHECK (id > 0) NOT VALID;" ;;
    4) echo "UPDATE bench_t$((i - 4)) SET v = 'x' WHERE id = $i;" ;;
  esac
done >"$script"
chmod a+r "$script"

now() { date +%s.%N; }
t0=$(now)
rows=$(psql -X -At -d "$db" -v ON_ERROR_STOP=1 \
  -c "SELECT count(*) FROM schemamig.lint(pg_read_file('$script'))")
t1=$(now)
"$SQUAWK" "$script" >/dev/null 2>&1 || true   # exits non-zero when it finds something
t2=$(now)

lint=$(echo "$t1 - $t0" | bc -l)
squawk=$(echo "$t2 - $t1" | bc -l)
printf 'statements            %d\n' "$(grep -c ';' "$script")"
printf 'schemamig.lint()      %.3f s (%s findings)\n' "$lint" "$rows"
printf 'squawk %-14s %.3f s\n' "$("$SQUAWK" --version 2>/dev/null | awk '{print $NF}')" "$squawk"
printf 'ratio lint/squawk     %.3f\n' "$(echo "$lint / $squawk" | bc -l)"
