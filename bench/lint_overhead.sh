#!/usr/bin/env bash
# bench/lint_overhead.sh — cost of the linter's hooks, as ratios from one run.
#
#   bench/lint_overhead.sh [seconds-per-run [rounds]]
#
# Starts a throwaway cluster (unix socket only, in a temp directory) with the
# pg_config on PATH, and runs the same pgbench workloads twice: without
# schemamig loaded, then with shared_preload_libraries = 'schemamig' and the
# extension installed (schemamig.lint = error, lint_scope = all: the hooks
# check every statement).  Workloads:
#   ddl   a custom script of DDL (create/alter/index/drop of a regular table
#         inside a transaction, and of a temporary table), 1 client
#   -S    pgbench select-only, 2 clients
#   tpcb  the default TPC-B-like script, 2 clients
# The two configurations alternate for $rounds rounds (restarting between
# them) and the best tps of each is kept, which cancels most of the noise of
# a shared machine.  Prints tps without/with and the ratio (with / without);
# nothing here asserts.
set -euo pipefail

secs=${1:-10}
rounds=${2:-3}
bindir=$(pg_config --bindir)
dir=$(mktemp -d /tmp/schemamig-bench.XXXXXX)
port=${SCHEMAMIG_BENCH_PORT:-5533}
as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
cleanup() { as_server_user "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

as_server_user "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
fsync = off
synchronous_commit = off
CONF
export PGHOST=$dir PGPORT=$port PGUSER=postgres

cat >"$dir/ddl.sql" <<'SQL'
BEGIN;
CREATE TABLE bench_r_:client_id (id bigint PRIMARY KEY, v text);
ALTER TABLE bench_r_:client_id ADD COLUMN w int DEFAULT 0;
CREATE INDEX ON bench_r_:client_id (v);
DROP TABLE bench_r_:client_id;
COMMIT;
CREATE TEMP TABLE bench_t (id int, v text);
ALTER TABLE bench_t ADD COLUMN w int;
CREATE INDEX ON bench_t (v);
DROP TABLE bench_t;
SQL
chmod a+r "$dir/ddl.sql"

tps() { # label, pgbench args...
  local out
  out=$("$bindir/pgbench" -n -T "$secs" "$@" bench 2>&1) || { echo "$out" >&2; exit 1; }
  echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -1
}

run_all() {
  ddl=$(tps -c 1 -f "$dir/ddl.sql")
  sel=$(tps -c 2 -j 2 -S)
  tpcb=$(tps -c 2 -j 2)
  echo "$ddl $sel $tpcb"
}

start() { as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null; }
stop() { as_server_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; }

max() { echo "$1 $2" | awk '{print ($1 > $2) ? $1 : $2}'; }
preload() { # on|off
  sed -i '/^shared_preload_libraries/d' "$dir/data/postgresql.conf"
  [ "$1" = on ] && echo "shared_preload_libraries = 'schemamig'" >>"$dir/data/postgresql.conf"
  return 0
}

start
createdb bench
"$bindir/pgbench" -i -q -s 5 bench >/dev/null 2>&1
# installed, but inert while the library is not loaded
psql -X -q -d bench -c 'CREATE EXTENSION schemamig'
stop

d0=0 s0=0 t0=0 d1=0 s1=0 t1=0
for round in $(seq "$rounds"); do
  preload off; start
  read -r d s t < <(run_all); d0=$(max "$d0" "$d"); s0=$(max "$s0" "$s"); t0=$(max "$t0" "$t")
  stop
  preload on; start
  read -r d s t < <(run_all); d1=$(max "$d1" "$d"); s1=$(max "$s1" "$s"); t1=$(max "$t1" "$t")
  stop
done
start
events=$(psql -X -At -d bench -c "SELECT count(*) FROM schemamig.events WHERE event = 'ddl_outside_migration'")
stop

echo "best of $rounds rounds of ${secs}s each"
printf '%-8s %12s %12s %8s\n' workload without with ratio
for w in "ddl $d0 $d1" "select $s0 $s1" "tpcb $t0 $t1"; do
  set -- $w
  printf '%-8s %12.1f %12.1f %8.3f\n' "$1" "$2" "$3" "$(echo "$3 / $2" | bc -l)"
done
echo "(ddl_outside_migration events written by the runs with the linter: $events)"
