#!/usr/bin/env bash
# bench/apply.sh — schemamig.migrate() against raw `psql -1 -f` on the same
# generated migrations, side by side in one run, printing medians and ratios.
#
#   bench/apply.sh [N] [RUNS]      default N=1000, RUNS=3
#
# Each migration creates a table with an identity primary key and an index;
# every tenth also adds a column with a constant default to an earlier table.
# Measured, each on a fresh database, alternating the two so noise hits both:
#   raw      psql -1 -f all.sql
#   schemamig   psql -1 -f register.sql (one register() per migration), then
#               SELECT ... FROM schemamig.migrate()      (end to end)
#   migrate  the migrate() call alone
#   no-op    migrate() again with everything applied (checksums revalidated)
#   status   status() over 10,000 applied migrations
# Needs the extension installed (make install) and runs its own cluster.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# the server's own psql: Debian's /usr/bin/psql is a Perl wrapper that adds ~40 ms per call
PATH="$(pg_config --bindir):$PATH"
n=${1:-1000}
runs=${2:-3}
work=$(mktemp -d /tmp/schemamig-bench.XXXXXX)
[ "$(id -u)" = 0 ] && chown postgres: "$work"
export SCHEMAMIG_TEST_PORT=${SCHEMAMIG_BENCH_PORT:-5520}
trap '"$top/tools/cluster.sh" stop "$work/cluster"; rm -rf "$work"' EXIT
eval "$("$top/tools/cluster.sh" start "$work/cluster")"

now_ms() { date +%s%3N; }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@" >/dev/null; }

generate() {	# $1 = count, $2 = dir
  local i up
  mkdir -p "$2"
  : >"$2/all.sql"
  : >"$2/register.sql"
  for ((i = 1; i <= $1; i++)); do
    up="CREATE TABLE bench_$i (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text);
CREATE INDEX bench_${i}_payload ON bench_$i (payload);"
    if ((i % 10 == 0)); then
      up="$up
ALTER TABLE bench_$((i - 5)) ADD COLUMN flag_$i integer NOT NULL DEFAULT 0;"
    fi
    printf '%s\n' "$up" >>"$2/all.sql"
    printf "SELECT schemamig.register('%05d', \$m\$%s\$m\$, 'SELECT 1', 'bench %d');\n" "$i" "$up" "$i" >>"$2/register.sql"
  done
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

generate "$n" "$work/gen"
raw_times=() sm_times=() mig_times=() noop_times=()
for ((r = 1; r <= runs; r++)); do
  createdb "raw_$r"
  t0=$(now_ms); psql_q -d "raw_$r" -1 -f "$work/gen/all.sql"; t1=$(now_ms)
  raw_times+=($((t1 - t0)))

  createdb "sm_$r"
  psql_q -d "sm_$r" -c 'CREATE EXTENSION schemamig'
  t0=$(now_ms)
  psql_q -d "sm_$r" -1 -f "$work/gen/register.sql"
  t1=$(now_ms)
  psql_q -d "sm_$r" -c 'SELECT count(*) FROM schemamig.migrate()'
  t2=$(now_ms)
  sm_times+=($((t2 - t0)))
  mig_times+=($((t2 - t1)))
  for ((k = 0; k < 5; k++)); do
    t0=$(now_ms); psql_q -d "sm_$r" -c 'SELECT count(*) FROM schemamig.migrate()'; t1=$(now_ms)
    noop_times+=($((t1 - t0)))
  done
  dropdb "raw_$r"; dropdb "sm_$r"
done

# status() at 10,000 applied migrations (marked applied by baseline, not run)
createdb status_db
psql_q -d status_db -c 'CREATE EXTENSION schemamig'
psql_q -d status_db -c "SELECT schemamig.register(lpad(i::text, 5, '0'),
    format('CREATE TABLE s_%s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, payload text); CREATE INDEX ON s_%s (payload);', i, i),
    format('DROP TABLE s_%s', i)) FROM generate_series(1, 10000) i"
psql_q -d status_db -c "SELECT schemamig.baseline('10000')"
status_times=()
for ((k = 0; k < 5; k++)); do
  t0=$(now_ms); psql_q -d status_db -c 'SELECT count(*) FROM schemamig.status()'; t1=$(now_ms)
  status_times+=($((t1 - t0)))
done
psql_q -d status_db -c 'SELECT count(*) FROM schemamig.migrate()'
noop10k=()
for ((k = 0; k < 5; k++)); do
  t0=$(now_ms); psql_q -d status_db -c 'SELECT count(*) FROM schemamig.migrate()'; t1=$(now_ms)
  noop10k+=($((t1 - t0)))
done

select1=()
for ((k = 0; k < 5; k++)); do
  t0=$(now_ms); psql_q -d status_db -c 'SELECT 1'; t1=$(now_ms)
  select1+=($((t1 - t0)))
done

raw=$(printf '%s\n' "${raw_times[@]}" | median)
sm=$(printf '%s\n' "${sm_times[@]}" | median)
mig=$(printf '%s\n' "${mig_times[@]}" | median)
noop=$(printf '%s\n' "${noop_times[@]}" | median)
status=$(printf '%s\n' "${status_times[@]}" | median)
noop_big=$(printf '%s\n' "${noop10k[@]}" | median)
base=$(printf '%s\n' "${select1[@]}" | median)
printf '\nN = %d migrations, medians of %d runs (no-op and status: of %d calls), %s\n' "$n" "$runs" "$((runs * 5))" "$(nproc) cores"
printf '%-52s %10s %8s\n' "what" "ms" "ratio"
printf '%-52s %10s %8s\n' "raw psql -1 -f" "$raw" "1.00"
printf '%-52s %10s %8.2f\n' "schemamig: register all + migrate() (end to end)" "$sm" "$(echo "$sm / $raw" | bc -l)"
printf '%-52s %10s %8.2f\n' "schemamig: migrate() alone" "$mig" "$(echo "$mig / $raw" | bc -l)"
printf '%-52s %10s %8s\n' "psql -c 'SELECT 1' (connection + psql itself)" "$base" "-"
printf '%-52s %10s %8s\n' "no-op migrate() through psql, N applied" "$noop" "-"
printf '%-52s %10s %8s\n' "no-op migrate() through psql, 10,000 applied" "$noop_big" "-"
printf '%-52s %10s %8s\n' "status() through psql, 10,000 applied" "$status" "-"
