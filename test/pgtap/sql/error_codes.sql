-- Every error a user can cause has the documented SQLSTATE (doc/errors.md).
\pset format unaligned
\pset tuples_only true
\pset pager off
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS schemamig;
BEGIN;
SELECT plan(21);

SELECT throws_ok($$SELECT schemamig.apply(NULL, 'SELECT 1')$$, '22004', 'version must not be null', 'NULL version: 22004');
SELECT throws_ok($$SELECT schemamig.apply('1', NULL)$$, '22004', NULL, 'NULL script: 22004');
SELECT throws_ok($$SELECT schemamig.register('no spaces', 'SELECT 1')$$, '22023', NULL, 'invalid version name: 22023');
SELECT throws_ok($$SELECT schemamig.register('1', '-- nothing')$$, '22023', 'migration is empty', 'empty script: 22023');
SELECT throws_ok($$SELECT schemamig.register('1', 'COMMIT')$$, '2D000', NULL, 'transaction control: 2D000');
SELECT throws_ok($$SELECT schemamig.register('1', 'COPY t FROM STDIN')$$, '0A000', NULL, 'COPY with the client: 0A000');
SELECT throws_ok($$SELECT schemamig.register('1', 'SELECT ' || repeat('1', 16 * 1024 * 1024))$$, '54000', NULL, 'script too large: 54000');
SELECT throws_ok($$SELECT schemamig.register('1', 'CREATE TABLE (')$$, '42601', NULL, 'syntax error: 42601');
SELECT throws_ok($$SELECT schemamig.enqueue('1', 'sideways')$$, '22023', 'invalid direction "sideways"', 'invalid job direction: 22023');
SELECT throws_ok($$SELECT schemamig.apply('1', 'SELECT 1/0')$$, '22012', 'division by zero', 'a failing statement keeps its own SQLSTATE');

SELECT is(schemamig.apply('0001', 'CREATE TABLE ec_1 (a int)', 'DROP TABLE ec_1'), 'applied', 'apply works');
SELECT throws_ok($$SELECT schemamig.apply('0001', 'CREATE TABLE ec_1 (a bigint)')$$, 'SM001', 'checksum mismatch for applied migration "0001"', 'changed applied migration: SM001');
SELECT throws_ok($$SELECT schemamig.register('1', 'SELECT 1')$$, '42710', NULL, '"1" is "0001": 42710');
SELECT throws_ok($$SELECT * FROM schemamig.migrate('7')$$, '42704', NULL, 'unknown target: 42704');
SELECT throws_ok($$SELECT * FROM schemamig.rollback_to('7')$$, '42704', NULL, 'unknown rollback target: 42704');
SELECT throws_ok($$SELECT * FROM schemamig.rollback(0)$$, '22023', NULL, 'steps below 1: 22023');

SELECT lives_ok($$SELECT schemamig.apply('0003', 'CREATE TABLE ec_3 (a int)')$$, 'apply 0003 (no down script)');
SELECT throws_ok($$SELECT * FROM schemamig.rollback()$$, 'SM004', 'migration "0003" has no down script', 'missing down script: SM004');
SELECT lives_ok($$SELECT schemamig.register('0002', 'CREATE TABLE ec_2 (a int)')$$, 'register 0002 below the highest applied');
SELECT throws_ok($$SELECT * FROM schemamig.migrate()$$, 'SM003', NULL, 'out of order: SM003');
UPDATE schemamig.applied SET dirty = true WHERE version = '0001';
SET LOCAL schemamig.auto_recover = off;
SELECT throws_ok($$SELECT * FROM schemamig.migrate()$$, 'SM002', 'migration "0001" is dirty', 'dirty migration: SM002');

SELECT * FROM finish();
ROLLBACK;

-- stricter isolation levels are refused before anything happens
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT plan(1);
SELECT throws_ok($$SELECT * FROM schemamig.migrate()$$, '0A000', 'schemamig migrations must run at the READ COMMITTED isolation level', 'REPEATABLE READ: 0A000');
SELECT * FROM finish();
ROLLBACK;
