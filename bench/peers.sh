#!/usr/bin/env bash
# bench/peers.sh — schemamig migrate --dir against the migration runners
# people use today (dbmate, node-pg-migrate, postgrator-cli, sqitch) and
# raw `psql -1 -f`, on the same N generated migrations, fresh databases.
#
#   bench/peers.sh [N...]        default: 100 1000
#
# Environment:
#   PG_CONFIG    pg_config of the server to use (default: pg_config on PATH);
#                schemamig must be installed there (make install)
#   BENCH_DIR    scratch directory for tools, cluster and migrations
#                (default: /tmp/schemamig-bench); nothing is written to the repo
#   BENCH_PORT   port of the throwaway cluster (default: 5513)
#   RUNS         runs per tool and N; the median is reported (default: 3)
#   NOOP_RUNS    no-op re-runs per tool at the largest N (default: 21)
#   FSYNC        the cluster's fsync settings to measure, one table each
#                (default: "off on"; production runs with on, where every
#                per-migration commit pays for a WAL flush)
#   TOOLS        the tools to measure (default: all; psql always runs, as
#                the baseline); a peer that cannot be installed is skipped
#                with a note rather than failing the run
#
# The peers are installed into BENCH_DIR on first use: dbmate,
# node-pg-migrate, postgrator-cli and pg from the npm registry (npm
# install --prefix), sqitch and libdbd-pg-perl from apt (needs root).
#
# Migration i creates a table with an identity primary key and a text
# column, and an index on that column; every tenth migration also adds a
# column with a constant default to the table of migration i-5.  Every
# tool runs each migration in its own transaction by default, schemamig
# included (one commit per migration, pipelined, intermediate commits not
# waiting for the WAL flush, the last one flushing), except psql -1 (all in
# one).  Each run gets a fresh database; after it, the number of
# generated tables is checked, so a tool that failed cannot look fast.
# The no-op column is the same command run again on a database it has
# migrated (N = the largest N given), NOOP_RUNS times per tool, interleaved,
# after all the timed runs; `psql -c 'SELECT 1'` on the same database runs
# among them as the floor (starting a client and a backend).  Runs are
# interleaved (see below).
# psql is the server's own binary (bindir first in PATH), not Debian's
# /usr/bin/psql Perl wrapper, which adds ~40 ms per call.  schemamig's CREATE EXTENSION runs
# once per fresh database before the timed run, like installing a tool.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
PG_CONFIG=${PG_CONFIG:-pg_config}
bindir=$("$PG_CONFIG" --bindir)
export PATH="$bindir:$PATH"
BENCH_DIR=${BENCH_DIR:-/tmp/schemamig-bench}
BENCH_PORT=${BENCH_PORT:-5513}
RUNS=${RUNS:-3}
NOOP_RUNS=${NOOP_RUNS:-21}
FSYNC=${FSYNC:-off on}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(100 1000)

tools_dir=$BENCH_DIR/tools
work=$BENCH_DIR/work
cluster=$BENCH_DIR/cluster
mkdir -p "$tools_dir" "$work"
npx_bin=$tools_dir/node_modules/.bin

say() { echo "# $*" >&2; }

# ---- tools ----
# install what can be installed; tools_available lists what is there
install_tools() {
  local wanted=" ${TOOLS:-schemamig dbmate node_pg_migrate postgrator sqitch} "
  tools_available=(psql)
  if [[ $wanted == *" dbmate "* || $wanted == *" node_pg_migrate "* || $wanted == *" postgrator "* ]]; then
    if [ ! -x "$npx_bin/dbmate" ] || [ ! -x "$npx_bin/node-pg-migrate" ] || [ ! -x "$npx_bin/postgrator" ]; then
      say "installing dbmate, node-pg-migrate, postgrator-cli from npm into $tools_dir"
      (cd "$tools_dir" && { [ -f package.json ] || npm init -y >/dev/null; } &&
        npm install --no-audit --no-fund dbmate node-pg-migrate postgrator-cli pg >/dev/null) ||
        say "npm install failed: the Node peers are skipped"
    fi
  fi
  if [[ $wanted == *" sqitch "* ]] && { ! command -v sqitch >/dev/null || ! perl -MDBD::Pg -e1 2>/dev/null; }; then
    if [ "$(id -u)" = 0 ]; then
      say "installing sqitch and libdbd-pg-perl from apt"
      apt-get install -y --no-install-recommends sqitch libdbd-pg-perl >/dev/null ||
        say "apt-get install sqitch failed: sqitch is skipped"
    fi
  fi
  command -v schemamig >/dev/null || { echo "schemamig is not in $bindir: run make install" >&2; exit 2; }
  for tool in schemamig dbmate node_pg_migrate postgrator sqitch; do
    [[ $wanted == *" $tool "* ]] || continue
    case $tool in
      dbmate) [ -x "$npx_bin/dbmate" ] ;;
      node_pg_migrate) [ -x "$npx_bin/node-pg-migrate" ] ;;
      postgrator) [ -x "$npx_bin/postgrator" ] ;;
      sqitch) command -v sqitch >/dev/null && perl -MDBD::Pg -e1 2>/dev/null ;;
      *) true ;;
    esac && tools_available+=("$tool") || say "$tool is not installed: skipped"
  done
}

# ---- cluster ----
start_cluster() { # FSYNC: on or off
  SCHEMAMIG_TEST_PORT=$BENCH_PORT "$here/tools/cluster.sh" start "$cluster" >/dev/null
  if ! grep -q '^# bench settings' "$cluster/data/postgresql.conf"; then
    # TCP for the Node and Perl drivers; room for 1000 migrations' locks in
    # one transaction (psql -1 needs it; schemamig commits per migration)
    cat >>"$cluster/data/postgresql.conf" <<CONF
# bench settings
listen_addresses = '127.0.0.1'
max_locks_per_transaction = 256
CONF
  fi
  # the last fsync line wins
  echo "fsync = $1" >>"$cluster/data/postgresql.conf"
  "$here/tools/cluster.sh" stop "$cluster"
  SCHEMAMIG_TEST_PORT=$BENCH_PORT "$here/tools/cluster.sh" start "$cluster" >/dev/null
  [ "$(psql -X -At -h 127.0.0.1 -p "$BENCH_PORT" -U postgres -d postgres -c 'SHOW fsync')" = "$1" ] ||
    { echo "the cluster did not take fsync = $1" >&2; exit 2; }
}
stop_cluster() { "$here/tools/cluster.sh" stop "$cluster" || true; }

export PGHOST=127.0.0.1 PGPORT=$BENCH_PORT PGUSER=postgres
url() { echo "postgres://postgres@127.0.0.1:$BENCH_PORT/$1"; }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }

fresh_db() {
  psql_q -d postgres -c 'SET client_min_messages = warning' -c "DROP DATABASE IF EXISTS $1" \
    -c "CREATE DATABASE $1" >/dev/null
}

# ---- migrations ----
up_sql() {
  local i=$1
  echo "CREATE TABLE t_$i (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);"
  echo "CREATE INDEX t_${i}_name ON t_$i (name);"
  if [ $((i % 10)) -eq 0 ]; then
    echo "ALTER TABLE t_$((i - 5)) ADD COLUMN flag_$i integer NOT NULL DEFAULT 0;"
  fi
}
down_sql() { echo "DROP TABLE t_$1;"; }

generate() {
  local n=$1 d=$work/n$n i v
  [ -f "$d/.done" ] && return
  rm -rf "$d"
  mkdir -p "$d/schemamig" "$d/dbmate" "$d/npm" "$d/postgrator" "$d/sqitch/deploy" "$d/sqitch/revert"
  : >"$d/psql.sql"
  printf '%%syntax-version=1.0.0\n%%project=bench\n\n' >"$d/sqitch/sqitch.plan"
  printf '[core]\n\tengine = pg\n\tplan_file = sqitch.plan\n\ttop_dir = .\n' >"$d/sqitch/sqitch.conf"
  for ((i = 1; i <= n; i++)); do
    v=$(printf '%04d' "$i")
    up=$(up_sql "$i")
    down=$(down_sql "$i")
    printf '%s\n' "$up" >>"$d/psql.sql"
    printf '%s\n' "$up" >"$d/schemamig/${v}_m$i.up.sql"
    printf '%s\n' "$down" >"$d/schemamig/${v}_m$i.down.sql"
    printf -- '-- migrate:up\n%s\n\n-- migrate:down\n%s\n' "$up" "$down" >"$d/dbmate/${v}_m$i.sql"
    printf -- '-- Up Migration\n%s\n\n-- Down Migration\n%s\n' "$up" "$down" >"$d/npm/${v}_m$i.sql"
    printf '%s\n' "$up" >"$d/postgrator/$v.do.m$i.sql"
    printf '%s\n' "$down" >"$d/postgrator/$v.undo.m$i.sql"
    printf 'BEGIN;\n%s\nCOMMIT;\n' "$up" >"$d/sqitch/deploy/m$i.sql"
    printf 'BEGIN;\n%s\nCOMMIT;\n' "$down" >"$d/sqitch/revert/m$i.sql"
    printf 'm%d 2024-01-01T00:00:00Z bench <bench@example.com> # migration %d\n' "$i" "$i" >>"$d/sqitch/sqitch.plan"
  done
  touch "$d/.done"
}

# ---- one timed command per tool: run_TOOL N DB ----
run_psql() { psql_q -d "$2" -1 -f "$work/n$1/psql.sql" >/dev/null; }
run_psql_select_1() { psql_q -d "$2" -c 'SELECT 1' >/dev/null; }
run_schemamig() { schemamig migrate --dir "$work/n$1/schemamig" --db "$(url "$2")" >/dev/null; }
run_dbmate() {
  "$npx_bin/dbmate" --url "$(url "$2")?sslmode=disable" --migrations-dir "$work/n$1/dbmate" \
    --no-dump-schema up >/dev/null
}
run_node_pg_migrate() {
  DATABASE_URL=$(url "$2") "$npx_bin/node-pg-migrate" up -m "$work/n$1/npm" \
    --migration-file-language sql >/dev/null
}
run_postgrator() {
  (cd "$work/n$1" && "$npx_bin/postgrator" --no-config --host 127.0.0.1 --port "$BENCH_PORT" \
    --database "$2" --username postgres --migration-pattern 'postgrator/*' >/dev/null)
}
run_sqitch() {
  (cd "$work/n$1/sqitch" && sqitch --quiet deploy --target "db:pg://postgres@127.0.0.1:$BENCH_PORT/$2" >/dev/null)
}

prepare() { # TOOL DB: untimed per-database setup
  fresh_db "$2"
  if [ "$1" = schemamig ]; then psql_q -d "$2" -c 'CREATE EXTENSION schemamig' >/dev/null; fi
  # every run starts from a clean cluster: what the previous run and the
  # DROP/CREATE DATABASE left dirty is written out now, untimed, instead of
  # during whichever tool runs next (with fsync = on that is seconds)
  psql_q -d postgres -c 'CHECKPOINT' >/dev/null
}

time_ms() { # command... → elapsed ms on stdout; fails if the command fails
  local t0 t1
  t0=$EPOCHREALTIME # bash's clock: no process started around the command
  "$@" || { echo "FAILED: $*" >&2; return 1; }
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }'
}

check_tables() { # N DB
  local got
  got=$(psql -X -At -d "$2" -c "SELECT count(*) FROM pg_class WHERE relname ~ '^t_[0-9]+\$' AND relkind = 'r'")
  [ "$got" = "$1" ] || { echo "expected $1 tables in $2, found $got" >&2; return 1; }
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

install_tools
tools=("${tools_available[@]}")
trap stop_cluster EXIT

# one measurement, on a cluster with fsync = $1
measure() {
local fsync=$1
declare -A result noop samples_of noop_of
start_cluster "$fsync"

# Rounds are interleaved: round r runs every tool once (in an order that
# rotates from round to round), so load from other users of the machine
# hits every tool alike instead of whichever tool happened to run during
# a busy minute.  The databases of the last round at the largest N are
# kept for the no-op runs.
last=${SIZES[-1]}
for n in "${SIZES[@]}"; do
  generate "$n"
  for ((r = 1; r <= RUNS; r++)); do
    for ((k = 0; k < ${#tools[@]}; k++)); do
      tool=${tools[$(((k + r - 1) % ${#tools[@]}))]}
      db="bench_${tool}_$n"
      prepare "$tool" "$db"
      ms=$(time_ms "run_$tool" "$n" "$db")
      check_tables "$n" "$db"
      samples_of[$tool,$n]+="$ms "
      say "fsync=$fsync N=$n $tool run $r: $ms ms"
      if [ "$n" != "$last" ] || [ "$r" != "$RUNS" ]; then
        psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null
      fi
    done
  done
  for tool in "${tools[@]}"; do
    result[$tool,$n]=$(printf '%s\n' ${samples_of[$tool,$n]} | median)
  done
done

# No-op re-runs: every tool again on the database it migrated, interleaved
# and rotating like the timed runs, after VACUUM ANALYZE of those databases
# (otherwise autovacuum works through the catalog rows of 6,000 new tables
# while the no-op runs are timed), a checkpoint and a pause, so that what
# is measured is the tools, not the aftermath of the timed runs.
noop_tools=(psql_select_1 "${tools[@]:1}")
for tool in "${tools[@]}"; do
  psql_q -d "bench_${tool}_$last" -c 'VACUUM (ANALYZE)' >/dev/null
done
psql_q -d postgres -c 'CHECKPOINT' >/dev/null
sleep 5
for ((r = 1; r <= NOOP_RUNS; r++)); do
  for ((k = 0; k < ${#noop_tools[@]}; k++)); do
    tool=${noop_tools[$(((k + r - 1) % ${#noop_tools[@]}))]}
    db="bench_${tool}_$last"
    [ "$tool" = psql_select_1 ] && db="bench_psql_$last"
    ms=$(time_ms "run_$tool" "$last" "$db")
    noop_of[$tool]+="$ms "
    say "fsync=$fsync N=$last $tool no-op $r: $ms ms"
  done
done
for tool in "${noop_tools[@]}"; do
  noop[$tool]=$(printf '%s\n' ${noop_of[$tool]} | median)
done
for tool in "${tools[@]}"; do
  psql_q -d postgres -c "DROP DATABASE IF EXISTS bench_${tool}_$last" >/dev/null
done

fmt_s() { awk -v ms="$1" 'BEGIN { if (ms < 1000) printf "%.0f ms", ms; else printf "%.2f s", ms / 1000 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }

printf '\n### fsync = %s\n\n| tool |' "$fsync"
for n in "${SIZES[@]}"; do printf ' N = %s | vs psql -1 |' "$n"; done
printf ' no-op re-run (N = %s) |\n|---|' "$last"
for n in "${SIZES[@]}"; do printf -- '---:|---:|'; done
printf -- '---:|\n'
for tool in "${tools[@]}"; do
  name=$tool
  case $tool in
    psql) name='raw `psql -1 -f`' ;;
    schemamig) name='**schemamig migrate --dir**' ;;
    node_pg_migrate) name='node-pg-migrate' ;;
    postgrator) name='postgrator-cli' ;;
  esac
  printf '| %s |' "$name"
  for n in "${SIZES[@]}"; do
    printf ' %s | %s |' "$(fmt_s "${result[$tool,$n]}")" "$(ratio "${result[$tool,$n]}" "${result[psql,$n]}")"
  done
  if [ "$tool" = psql ]; then printf ' – |\n'; else printf ' %s |\n' "$(fmt_s "${noop[$tool]}")"; fi
done
printf '\nno-op floor: psql -c '"'"'SELECT 1'"'"' on the same database, %s (median of %s, among the no-op runs)\n' \
  "$(fmt_s "${noop[psql_select_1]}")" "$NOOP_RUNS"
printf 'median of %s interleaved rounds, fresh database per run; %s, %s cores, load average %s\n' "$RUNS" \
  "$(psql -X -At -d postgres -c 'SHOW server_version')" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
stop_cluster
}

for f in $FSYNC; do
  measure "$f"
done
