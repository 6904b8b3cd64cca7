-- Drift: DDL outside migrations is recorded as ddl_outside_migration when
-- its transaction commits, and only DDL whose effect lasts.
SET lock_timeout = '5s';
DELETE FROM schemamig.events WHERE true;
CREATE TABLE drift_keep (id int);
-- a scratch table created and dropped in one transaction leaves nothing
BEGIN;
CREATE TABLE drift_scratch (id int);
CREATE INDEX ON drift_scratch (id);
ALTER TABLE drift_scratch ADD COLUMN b int;
/* schemamig:allow ban-drop-table scratch */ DROP TABLE drift_scratch;
COMMIT;
-- a rolled-back savepoint, and a rolled-back transaction, leave nothing
BEGIN;
ALTER TABLE drift_keep ADD COLUMN c int;
SAVEPOINT s;
ALTER TABLE drift_keep ADD COLUMN d int;
ROLLBACK TO SAVEPOINT s;
SELECT count(*) AS written_before_commit FROM schemamig.events;
COMMIT;
BEGIN;
ALTER TABLE drift_keep ADD COLUMN e int;
ROLLBACK;
-- temporary objects are not drift
CREATE TEMP TABLE drift_temp (id int);
-- a top-level statement that must be the first of its transaction still works, and is recorded
CREATE INDEX CONCURRENTLY drift_keep_c ON drift_keep (c);
DROP INDEX CONCURRENTLY drift_keep_c;
SELECT event, message, detail->>'statement' AS statement FROM schemamig.events ORDER BY id;
/* schemamig:allow ban-drop-table test cleanup */ DROP TABLE drift_keep;
RESET lock_timeout;
-- dropping the extension records no drift (the event log goes with it) and
-- warns about nothing
SELECT current_database() AS regress_db \gset
CREATE DATABASE schemamig_drift_drop;
\c schemamig_drift_drop
CREATE EXTENSION schemamig;
DROP EXTENSION schemamig;
SELECT to_regclass('schemamig.events') IS NULL AS dropped;
\c :regress_db
/* schemamig:allow ban-drop-database test cleanup */ DROP DATABASE schemamig_drift_drop;
