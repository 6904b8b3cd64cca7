#!/usr/bin/env bash
# examples/demo.sh — the whole of schemamig in one command: install the
# dependencies, build and install the extension and the client, start a
# throwaway cluster, apply examples/migrations with the `schemamig` client,
# show status(), roll one back, show the linter refusing an unsafe ALTER and
# linting a script, let the background worker build an index CONCURRENTLY,
# show the event log, and stop the cluster.
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

step "schemamig migrate --dir examples/migrations   (the client: one round trip registers the folder)"
bindir=$(pg_config --bindir)
"$bindir/schemamig" status --dir examples/migrations --db "dbname=postgres" || true
"$bindir/schemamig" migrate --dir examples/migrations --db "dbname=postgres" --target 0002

step "SELECT * FROM schemamig.status()"
psql -c 'SELECT version, description, state, left(checksum, 12) AS checksum FROM schemamig.status()'

step "SELECT * FROM schemamig.migrate()   -- the rest, in one transaction, natural version order (10 after 3)"
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

step "the safety linter: schemamig.lint() judges a script against the live catalog"
psql -c "SELECT statement_no, rule, severity, message FROM schemamig.lint(\$\$
CREATE INDEX orders_placed_at ON orders (placed_at);
ALTER TABLE orders ALTER COLUMN total_cents TYPE numeric;
ALTER TABLE customers ADD COLUMN note varchar(200);
\$\$)"

step "the linter's hook refuses an unsafe ALTER from any session, before it takes a lock"
psql -c "SET lock_timeout = '2s'; ALTER TABLE orders ALTER COLUMN total_cents TYPE numeric" || true

step "the background worker: a migration with CREATE INDEX CONCURRENTLY is queued, then built at top level"
psql -c "SELECT schemamig.apply('0020', 'CREATE INDEX CONCURRENTLY orders_placed_at ON orders (placed_at)',
                                'DROP INDEX CONCURRENTLY IF EXISTS orders_placed_at', 'index placed_at') AS result"
job=$(psql -At -c "SELECT max(id) FROM schemamig.jobs")
psql -c "CALL schemamig.wait($job, '60s')"
psql -c "SELECT id, version, status, finished_at IS NOT NULL AS finished FROM schemamig.jobs"
psql -c "SELECT indexrelid::regclass AS index, indisvalid AS valid FROM pg_index WHERE indrelid = 'orders'::regclass"

step "the event log"
psql -c "SELECT id, event, version, direction, round(duration_ms::numeric, 2) AS ms, detail->>'role' AS role FROM schemamig.events ORDER BY id"

step "done: the cluster is stopped and removed"
