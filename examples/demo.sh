#!/usr/bin/env bash
# examples/demo.sh — the whole of schemamig in one command: install the
# dependencies, build and install the extension, start a throwaway cluster,
# register and apply the migrations in examples/migrations, show status(),
# roll one back, show the event log, and stop the cluster.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "installing build dependencies and building schemamig"
tools/deps.sh >/dev/null
make -s >/dev/null
make -s install >/dev/null

work=$(mktemp -d /tmp/schemamig-demo.XXXXXX)
trap 'tools/cluster.sh stop "$work"; rm -rf "$work"' EXIT
step "starting a throwaway cluster in $work"
eval "$(tools/cluster.sh start "$work")"
psql() { command psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }

psql -c 'CREATE EXTENSION schemamig'

step "registering examples/migrations (scripts are checksummed in the server)"
register_sql=$(mktemp)
for up in examples/migrations/*.up.sql; do
  base=$(basename "$up" .up.sql)
  version=${base%%_*}
  description=${base#*_}
  down="${up%.up.sql}.down.sql"
  {
    printf '\\set up `cat %q`\n' "$up"
    if [ -f "$down" ]; then printf '\\set down `cat %q`\n' "$down"; else echo '\set down'; fi
    printf "SELECT schemamig.register('%s', :'up', NULLIF(:'down', ''), '%s') AS checksum;\n" "$version" "${description//_/ }"
  } >>"$register_sql"
done
psql -f "$register_sql"
rm -f "$register_sql"

step "SELECT * FROM schemamig.status()"
psql -c 'SELECT version, description, state, left(checksum, 12) AS checksum FROM schemamig.status()'

step "SELECT * FROM schemamig.migrate()   -- one transaction, natural version order"
psql -c 'SELECT version, result, round(duration_ms::numeric, 2) AS ms FROM schemamig.migrate()'

step "migrate() again: nothing to do"
psql -c 'SELECT count(*) AS applied_now FROM schemamig.migrate()'

step "an edited migration is caught (checksum mismatch)"
psql -c "SELECT schemamig.apply('0001', 'CREATE TABLE customers (id int)')" || true

step "a failing migration leaves nothing behind, and says where it failed"
psql -c "SELECT schemamig.apply('0011', 'CREATE TABLE audit (id int); INSERT INTO orders (customer_id, total_cents) VALUES (42, 1);')" || true
psql -c "SELECT to_regclass('audit') AS audit_table, (SELECT count(*) FROM schemamig.applied WHERE version = '0011') AS applied"

step "SELECT * FROM schemamig.rollback()   -- newest first"
psql -c 'SELECT version, result FROM schemamig.rollback()'
psql -c 'SELECT version, state FROM schemamig.status()'

step "the event log"
psql -c "SELECT id, event, version, direction, round(duration_ms::numeric, 2) AS ms, detail->>'role' AS role FROM schemamig.events ORDER BY id"

step "done: the cluster is stopped and removed"
