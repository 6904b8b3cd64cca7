#!/usr/bin/env bash
# bench/lint_overhead.sh — cost of the linter's hooks on ordinary traffic,
# as ratios from one run.
#
#   bench/lint_overhead.sh [seconds-per-run [rounds]]
#
# Starts a throwaway cluster (unix socket only, in a temp directory) with the
# pg_config on PATH, fsync = on and synchronous_commit = on (commits wait for
# the disk, as in production), and runs the same pgbench workloads in three
# configurations:
#   unloaded   schemamig not in shared_preload_libraries (the extension is
#              installed, inert): the floor
#   hook off   loaded, schemamig.lint = off (set per session with PGOPTIONS)
#   hook on    loaded, schemamig.lint = error, lint_scope = all: the hooks
#              judge every statement of every session
# Workloads:
#   select         pgbench -S (select-only), 2 clients
#   simple-update  pgbench -N (simple-update: UPDATE with a WHERE clause,
#                  SELECT, INSERT), 2 clients
#   ddl            a custom script of DDL (create/alter/index/drop of a
#                  regular table inside a transaction, and of a temporary
#                  table), 1 client
# The configurations alternate, in alternating order, for $rounds rounds
# (the server restarted when the library changes; "hook off" and "hook on"
# run back to back on the same server).  Prints the best and the median tps
# of each over the rounds and the ratios hook on / hook off and hook on /
# unloaded of both: on a shared machine the best cancels most of the noise
# of other work, the median shows how much is left.  Nothing here asserts,
# and it is not part of the test suite.
set -euo pipefail

secs=${1:-10}
rounds=${2:-5}
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
fsync = on
synchronous_commit = on
schemamig.lint_scope = all
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

tps() { # pgbench args...
  local out
  out=$("$bindir/pgbench" -n -T "$secs" "$@" bench 2>&1) || { echo "$out" >&2; exit 1; }
  echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p' | head -1
}

run_all() { # the schemamig.lint of the sessions (empty: not loaded)
  local opts=""
  [ -n "$1" ] && opts="-c schemamig.lint=$1"
  PGOPTIONS=$opts
  export PGOPTIONS
  echo "$(tps -c 2 -j 2 -S) $(tps -c 2 -j 2 -N) $(tps -c 1 -f "$dir/ddl.sql")"
  unset PGOPTIONS
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

declare -A runs b m # runs: configuration.workload -> the tps of every round
keep() { # configuration, tps of select update ddl
  local c=$1 s u d
  read -r s u d <<<"$2"
  runs[$c.select]+="$s "
  runs[$c.update]+="$u "
  runs[$c.ddl]+="$d "
}
loaded() { # the two settings of schemamig.lint, in the round's order
  if [ $((round % 2)) = 1 ]; then
    keep off "$(run_all off)"; keep on "$(run_all error)"
  else
    keep on "$(run_all error)"; keep off "$(run_all off)"
  fi
}
for round in $(seq "$rounds"); do
  # the order alternates too: whatever else loads the machine hits both
  if [ $((round % 2)) = 1 ]; then
    preload off; start; keep unloaded "$(run_all '')"; stop
    preload on; start; loaded; stop
  else
    preload on; start; loaded; stop
    preload off; start; keep unloaded "$(run_all '')"; stop
  fi
done
start
events=$(psql -X -At -d bench -c "SELECT count(*) FROM schemamig.events WHERE event = 'ddl_outside_migration'")
stop

best() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | tail -1; }
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
ratio() { echo "$1 / $2" | bc -l; }

echo "$rounds rounds of ${secs}s each; fsync = on, synchronous_commit = on; tps, best (median) of the rounds"
printf '%-14s %20s %20s %20s %15s %15s\n' workload unloaded 'hook off' 'hook on' 'on/off' 'on/unloaded'
for w in select update ddl; do
  name=$w; [ "$w" = update ] && name=simple-update
  for c in unloaded off on; do
    b[$c]=$(best "${runs[$c.$w]}"); m[$c]=$(median "${runs[$c.$w]}")
  done
  printf '%-14s %9.1f (%8.1f) %9.1f (%8.1f) %9.1f (%8.1f) %6.3f (%6.3f) %6.3f (%6.3f)\n' "$name" \
    "${b[unloaded]}" "${m[unloaded]}" "${b[off]}" "${m[off]}" "${b[on]}" "${m[on]}" \
    "$(ratio "${b[on]}" "${b[off]}")" "$(ratio "${m[on]}" "${m[off]}")" \
    "$(ratio "${b[on]}" "${b[unloaded]}")" "$(ratio "${m[on]}" "${m[unloaded]}")"
done
echo "(ddl_outside_migration events written by the runs with the hook on: $events)"
