-- CALL schemamig.run(): like migrate(), but commits after each migration,
-- so progress survives a later failure; and the schemamig.skip switch.
\set VERBOSITY default
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
DELETE FROM schemamig.events WHERE true;
SELECT schemamig.register('1', 'CREATE TABLE r_1 (id int)', 'DROP TABLE r_1') IS NOT NULL AS registered;
SELECT schemamig.register('2', 'CREATE TABLE r_2 (id int)', 'DROP TABLE r_2') IS NOT NULL AS registered;
SELECT schemamig.register('3', 'CREATE TABLE r_3 (id int); SELECT 1/0;', 'DROP TABLE r_3') IS NOT NULL AS registered;
CALL schemamig.run();
SELECT version, state FROM schemamig.status();
SELECT to_regclass('r_1') AS r_1, to_regclass('r_2') AS r_2, to_regclass('r_3') AS r_3;
SELECT schemamig.register('3', 'CREATE TABLE r_3 (id int)', 'DROP TABLE r_3') IS NOT NULL AS registered;
SELECT schemamig.register('4', 'CREATE TABLE r_4 (id int)', 'DROP TABLE r_4') IS NOT NULL AS registered;
CALL schemamig.run('3');
SELECT version, state FROM schemamig.status();
CALL schemamig.run('9');

-- it commits, so it cannot run inside a transaction block
BEGIN;
CALL schemamig.run();
ROLLBACK;

-- schemamig.skip: migrate() and run() do nothing, and say so
SET schemamig.skip = on;
SELECT * FROM schemamig.migrate();
CALL schemamig.run();
RESET schemamig.skip;
SELECT event, level, message FROM schemamig.events WHERE event = 'skipped' ORDER BY id;
SELECT version, result FROM schemamig.migrate();
SELECT version, result FROM schemamig.rollback_to('1');
SELECT version, result FROM schemamig.rollback();
