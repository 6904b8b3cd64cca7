#!/usr/bin/env bash
# bench/noop.sh — the no-op re-run of `schemamig migrate` (a deploy that
# finds nothing to do) against the floor of any client, `psql -c 'SELECT 1'`
# on the same database, alternated in one run; optionally against a second
# build of the client (A/B).
#
#   bench/noop.sh [N] [ROUNDS]     default: 1000 migrations, 41 rounds
#
# Environment:
#   PG_CONFIG      pg_config of the server (schemamig installed there)
#   BENCH_DIR      scratch directory (default /tmp/schemamig-noop)
#   BENCH_PORT     port of the throwaway cluster (default 5514); the client
#                  connects over TCP to 127.0.0.1, as a deploy host would
#   OTHER_CLIENT   path of another schemamig binary to alternate with (A/B)
#
# Prints the median of each command and its ratio to psql's floor.  Timing
# uses bash's $EPOCHREALTIME, so no process is started around a command.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
bindir=$("$PG_CONFIG" --bindir)
N=${1:-1000}
ROUNDS=${2:-41}
BENCH_DIR=${BENCH_DIR:-/tmp/schemamig-noop}
BENCH_PORT=${BENCH_PORT:-5514}
cluster=$BENCH_DIR/cluster
folder=$BENCH_DIR/migrations_$N
url="postgres://postgres@127.0.0.1:$BENCH_PORT/noop"

mkdir -p "$BENCH_DIR"
if [ ! -f "$folder/.done" ]; then
  rm -rf "$folder"
  mkdir -p "$folder"
  for ((i = 1; i <= N; i++)); do
    v=$(printf '%04d' "$i")
    {
      echo "CREATE TABLE t_$i (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);"
      echo "CREATE INDEX t_${i}_name ON t_$i (name);"
      if [ $((i % 10)) -eq 0 ]; then echo "ALTER TABLE t_$((i - 5)) ADD COLUMN flag_$i integer NOT NULL DEFAULT 0;"; fi
    } >"$folder/${v}_m$i.up.sql"
    echo "DROP TABLE t_$i;" >"$folder/${v}_m$i.down.sql"
  done
  touch "$folder/.done"
fi

SCHEMAMIG_TEST_PORT=$BENCH_PORT "$here/tools/cluster.sh" start "$cluster" >/dev/null
trap '"$here/tools/cluster.sh" stop "$cluster"' EXIT
if ! grep -q '^# noop bench' "$cluster/data/postgresql.conf"; then
  printf '# noop bench\nlisten_addresses = '"'"'127.0.0.1'"'"'\nmax_locks_per_transaction = 256\n' \
    >>"$cluster/data/postgresql.conf"
  "$here/tools/cluster.sh" stop "$cluster"
  SCHEMAMIG_TEST_PORT=$BENCH_PORT "$here/tools/cluster.sh" start "$cluster" >/dev/null
fi
psql_q() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 "$@"; }
psql_q -h 127.0.0.1 -p "$BENCH_PORT" -U postgres -d postgres -c 'SET client_min_messages = warning' \
  -c 'DROP DATABASE IF EXISTS noop' -c 'CREATE DATABASE noop' >/dev/null
psql_q -d "$url" -c 'CREATE EXTENSION schemamig' >/dev/null
"$bindir/schemamig" migrate --dir "$folder" --db "$url" >/dev/null
psql_q -d "$url" -c 'VACUUM (ANALYZE)' -c 'CHECKPOINT' >/dev/null

names=("psql -c 'SELECT 1'" "schemamig migrate (no-op)")
commands=("$bindir/psql -X -q -d $url -c 'SELECT 1'" "$bindir/schemamig migrate --dir $folder --db $url")
if [ -n "${OTHER_CLIENT:-}" ]; then
  names+=("$OTHER_CLIENT migrate (no-op)")
  commands+=("$OTHER_CLIENT migrate --dir $folder --db $url")
fi
declare -A samples
for ((r = 0; r < ROUNDS; r++)); do
  for ((k = 0; k < ${#commands[@]}; k++)); do
    t0=$EPOCHREALTIME
    eval "${commands[$k]}" >/dev/null
    t1=$EPOCHREALTIME
    samples[$k]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", (b - a) * 1000 }') "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
floor=$(echo "${samples[0]}" | median)
printf '%-48s %9s %7s\n' "command ($N migrations, $ROUNDS rounds)" "median" "ratio"
for ((k = 0; k < ${#commands[@]}; k++)); do
  m=$(echo "${samples[$k]}" | median)
  printf '%-48s %6.1f ms %6.2f×\n' "${names[$k]}" "$m" "$(awk -v a="$m" -v b="$floor" 'BEGIN { print a / b }')"
done
printf 'load average %s, %s cores\n' "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)"
