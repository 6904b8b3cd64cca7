-- lint_hook: what the hooks do in a session: error mode refuses before
-- anything is locked or created, warning mode warns, overrides and warnings
-- are recorded, ad hoc DDL is recorded as drift, down scripts keep only the
-- lock and rewrite rules, and the GUCs are superuser-only.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schemamig;
RESET client_min_messages;
\set SHOW_CONTEXT never
SET schemamig.lint = off;
DROP SCHEMA IF EXISTS lint_h CASCADE;
CREATE SCHEMA lint_h;
SET search_path = lint_h, public;
CREATE TABLE accounts (id bigint PRIMARY KEY, owner text, balance numeric);
INSERT INTO accounts SELECT g, 'o' || g, 0 FROM generate_series(1, 20) g;
CREATE FUNCTION sqlstate_of(stmt text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE stmt;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
CREATE FUNCTION new_events() RETURNS TABLE (event text, version text, rule text, reason text, message text)
LANGUAGE sql AS $$
    SELECT event, version, detail->>'rule', detail->>'reason', message
      FROM schemamig.events WHERE id > coalesce(current_setting('lint_h.mark', true), '0')::bigint ORDER BY id
$$;
CREATE FUNCTION mark() RETURNS void LANGUAGE sql AS $$
    SELECT set_config('lint_h.mark', (SELECT coalesce(max(id), 0)::text FROM schemamig.events), false)
$$;
RESET schemamig.lint;
SHOW schemamig.lint;
SHOW schemamig.lint_scope;
SHOW schemamig.lint_advisory;
SET lock_timeout = '5s';
SELECT mark();

-- error mode: the statement fails with SM100, naming rule, lock and table
CREATE INDEX accounts_owner ON accounts (owner);
SELECT sqlstate_of('CREATE INDEX accounts_owner ON accounts (owner)');
-- nothing was created, and no lock was taken before the refusal
SELECT to_regclass('accounts_owner');
BEGIN;
SELECT sqlstate_of('CREATE INDEX accounts_owner ON accounts (owner)');
SELECT count(*) AS locks_on_accounts FROM pg_locks
 WHERE relation = 'accounts'::regclass AND pid = pg_backend_pid();
ROLLBACK;

-- the same statement with lock_timeout = 0 breaks two rules
SET lock_timeout = 0;
ALTER TABLE accounts ADD COLUMN opened timestamptz DEFAULT clock_timestamp();
SET lock_timeout = '5s';

-- an override in a comment lets it run, and is recorded with its reason
/* schemamig:allow require-concurrent-index-creation twenty rows, maintenance window */
CREATE INDEX accounts_owner ON accounts (owner);
SELECT to_regclass('accounts_owner');

-- UPDATE and DELETE without WHERE, also in a data-modifying CTE
UPDATE accounts SET balance = 1;
WITH gone AS (DELETE FROM accounts RETURNING id) SELECT count(*) FROM gone;
UPDATE accounts SET balance = 1 WHERE id = 1;
CREATE TEMP TABLE scratch AS SELECT * FROM accounts;
DELETE FROM scratch;

-- warning mode: the statement runs, with a WARNING and a lint_warned event
SET schemamig.lint = warning;
ALTER TABLE accounts ALTER COLUMN owner SET NOT NULL;
-- a backfill in the transaction that holds ACCESS EXCLUSIVE
BEGIN;
ALTER TABLE accounts ADD COLUMN flag boolean;
UPDATE accounts SET flag = true WHERE id < 5;
ROLLBACK;
-- a rolled-back savepoint releases the lock: no finding
BEGIN;
SAVEPOINT s;
ALTER TABLE accounts ADD COLUMN flag boolean;
ROLLBACK TO SAVEPOINT s;
UPDATE accounts SET balance = 2 WHERE id < 5;
COMMIT;
RESET schemamig.lint;

-- drift: persistent ad hoc DDL is recorded, temporary objects are not
CREATE TABLE notes (id int);
CREATE TEMP TABLE tmp_notes (id int);
ALTER TABLE tmp_notes ADD COLUMN body text;
SELECT * FROM new_events();

-- inside migrations: refusal names the migration; an override is recorded
SELECT schemamig.apply('h001', 'ALTER TABLE accounts ADD CONSTRAINT positive CHECK (balance >= 0)');
SELECT version FROM schemamig.status() WHERE version = 'h001';
SELECT mark();
SELECT schemamig.apply('h001', E'-- schemamig:allow constraint-missing-not-valid checked: 20 rows\nALTER TABLE accounts ADD CONSTRAINT positive CHECK (balance >= 0)');
SELECT * FROM new_events() WHERE event LIKE 'lint%';

-- down scripts: destructive rules are off, lock rules stay on
SELECT schemamig.apply('h002', 'CREATE TABLE ledger (id int)', 'DROP TABLE ledger');
SELECT result FROM schemamig.rollback(1);
SELECT to_regclass('ledger');
SELECT schemamig.apply('h003', 'CREATE TABLE ledger2 (id int)', 'DROP INDEX accounts_owner; DROP TABLE ledger2');
SELECT result FROM schemamig.rollback(1);
SELECT to_regclass('ledger2');

-- lint_scope = migrations leaves ad hoc statements alone
SET schemamig.lint_scope = migrations;
UPDATE accounts SET balance = 3;
SELECT schemamig.apply('h004', 'UPDATE accounts SET balance = 4');
RESET schemamig.lint_scope;

-- transaction nesting outside migrations
COMMIT;

-- advisory rules only when asked for, never blocking
CREATE TABLE adv1 (id int, at timestamp);
SET schemamig.lint_advisory = on;
CREATE TABLE adv2 (id int, at timestamp, doc json);
RESET schemamig.lint_advisory;

-- off is off
SET schemamig.lint = off;
DROP TABLE notes;
RESET schemamig.lint;

-- an application role cannot switch the guard off
CREATE ROLE lint_app;
SET ROLE lint_app;
SET schemamig.lint = off;
SET schemamig.lint_scope = migrations;
SET schemamig.lint_advisory = on;
RESET ROLE;
DROP ROLE lint_app;

SET schemamig.lint = off;
DROP SCHEMA lint_h CASCADE;
RESET ALL;
