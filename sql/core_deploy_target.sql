-- migrate(target) and run(target) with a migration that cannot run in a
-- transaction block pending below the target: the same result as without a
-- target (the ones before it applied, it queued, the run ends there); and a
-- new enum value used by a later migration: one transaction per migration
-- (run()) applies both, migrate()'s one transaction fails with a hint to run().
\set VERBOSITY default
DELETE FROM schemamig.jobs WHERE true;
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
DELETE FROM schemamig.events WHERE true;
SELECT schemamig.register('1', 'CREATE TABLE dt_1 (id int)', 'DROP TABLE dt_1') IS NOT NULL AS registered;
SELECT schemamig.register('2', 'CREATE INDEX CONCURRENTLY dt_1_id ON dt_1 (id)', 'DROP INDEX CONCURRENTLY dt_1_id') IS NOT NULL AS registered;
SELECT schemamig.register('3', 'CREATE TABLE dt_3 (id int)', 'DROP TABLE dt_3') IS NOT NULL AS registered;

-- without a target, then with the target: the same rows
BEGIN;
SELECT version, result FROM schemamig.migrate();
ROLLBACK;
BEGIN;
SELECT version, result FROM schemamig.migrate('3');
SELECT version, direction, status FROM schemamig.jobs ORDER BY id;
ROLLBACK;
-- a target past the end that is not registered is still an error
SELECT version, result FROM schemamig.migrate('4');

-- run(target) likewise: 1 applied, 2 queued, 3 left for after the worker
CALL schemamig.run('3');
SELECT version, state FROM schemamig.status();
SELECT version, direction, status FROM schemamig.jobs ORDER BY id;
DELETE FROM schemamig.jobs WHERE true;
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
SET schemamig.lint = off;
DROP TABLE dt_1;
RESET schemamig.lint;

-- ALTER TYPE ... ADD VALUE, then a migration that uses the value
CREATE TYPE dt_mood AS ENUM ('sad');
CREATE TABLE dt_person (name text, mood dt_mood);
SELECT schemamig.register('10', $$ALTER TYPE dt_mood ADD VALUE 'happy'$$) IS NOT NULL AS registered;
SELECT schemamig.register('11', $$INSERT INTO dt_person VALUES ('ann', 'happy')$$) IS NOT NULL AS registered;
-- one transaction for both: the value is not committed when 11 uses it
SELECT version, result FROM schemamig.migrate();
SELECT version, state FROM schemamig.status();
-- one transaction per migration: 10 commits, then 11 uses the value
CALL schemamig.run();
SELECT version, state FROM schemamig.status();
SELECT name, mood FROM dt_person;

DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
DELETE FROM schemamig.events WHERE true;
SET schemamig.lint = off;
DROP TABLE dt_person;
DROP TYPE dt_mood;
RESET schemamig.lint;
-- later files count jobs from 1
DELETE FROM schemamig.jobs WHERE true;
SELECT setval(pg_get_serial_sequence('schemamig.jobs', 'id'), 1, false) IS NOT NULL AS reset;
