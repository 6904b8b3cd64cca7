-- validate() reports INVALID indexes (what a failed CREATE INDEX CONCURRENTLY
-- leaves), with the migration whose up script names the index.
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
CREATE TABLE dup (a int);
INSERT INTO dup VALUES (1), (1);
SELECT schemamig.register('7', 'CREATE UNIQUE INDEX CONCURRENTLY dup_a_key ON dup (a)', 'DROP INDEX CONCURRENTLY IF EXISTS dup_a_key') IS NOT NULL AS registered;
-- the same statement run by hand, outside any transaction block, fails part-way
CREATE UNIQUE INDEX CONCURRENTLY dup_a_key ON dup (a);
SELECT indexrelid::regclass AS index, indisvalid FROM pg_index WHERE indrelid = 'dup'::regclass;
SELECT * FROM schemamig.validate();
SET lock_timeout = '5s';
-- the linter records this ad hoc DDL after it ran: DROP INDEX CONCURRENTLY
-- must be the first action of its transaction
DROP INDEX CONCURRENTLY dup_a_key;
SELECT event, message, detail->>'statement' AS statement FROM schemamig.events WHERE event = 'ddl_outside_migration' ORDER BY id DESC LIMIT 1;
SELECT * FROM schemamig.validate();
/* schemamig:allow ban-drop-table test cleanup */ DROP TABLE dup;
RESET lock_timeout;
DELETE FROM schemamig.migrations WHERE true;
