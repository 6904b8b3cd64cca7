#!/usr/bin/env bash
# tools/cluster.sh — start or stop a throwaway cluster of the PostgreSQL on
# PATH (pg_config's) that listens only on a unix socket inside its own directory.
#
#   tools/cluster.sh start DIR   initdb DIR/data, start it with
#                                shared_preload_libraries = 'schemamig';
#                                prints the PGHOST/PGPORT to export
#   tools/cluster.sh stop DIR    stop it (fast shutdown)
#
# PostgreSQL refuses to run as root: as root, the server runs as the
# postgres OS user, and DIR is handed to it.
set -euo pipefail

bindir=$(pg_config --bindir)
cmd=${1:?usage: cluster.sh start|stop DIR}
dir=$(realpath -m "${2:?usage: cluster.sh start|stop DIR}")
port=${SCHEMAMIG_TEST_PORT:-5499}

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_server_user "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust \
      --encoding=UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log"; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
shared_preload_libraries = 'schemamig'
max_prepared_transactions = 2
fsync = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%a '
CONF
  fi
  as_server_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { cat "$dir/server.log"; exit 1; }
  echo "export PGHOST=$dir PGPORT=$port PGUSER=postgres"
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    as_server_user "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  fi
  ;;
*)
  echo "usage: cluster.sh start|stop DIR" >&2
  exit 2
  ;;
esac
