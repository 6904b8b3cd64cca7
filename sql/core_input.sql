-- Bad input gets a clear error and changes nothing.
\set VERBOSITY default
SELECT count(*) AS before FROM schemamig.migrations \gset

SELECT schemamig.apply(NULL, 'SELECT 1');
SELECT schemamig.apply('x1', NULL);
SELECT schemamig.register(NULL, 'SELECT 1');
SELECT * FROM schemamig.rollback(NULL);
SELECT * FROM schemamig.rollback_to(NULL);
SELECT schemamig.repair(NULL);
SELECT schemamig.baseline(NULL);
SELECT schemamig.checksum(NULL) IS NULL AS null_checksum;

-- version names: ^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$
SELECT schemamig.register('', 'SELECT 1');
SELECT schemamig.register('_1', 'SELECT 1');
SELECT schemamig.register('1 2', 'SELECT 1');
SELECT schemamig.register('1;DROP TABLE x', 'SELECT 1');
SELECT schemamig.register('v1/2', 'SELECT 1');
SELECT schemamig.register(repeat('9', 129), 'SELECT 1');
SELECT schemamig.register('é1', 'SELECT 1');
SELECT length(schemamig.register(repeat('9', 128), 'SELECT 1')) AS longest_ok;
SELECT schemamig.register('V1.2.3-rc_1', 'SELECT 1') IS NOT NULL AS punctuated_ok;
SELECT * FROM schemamig.migrate('bad name');
DELETE FROM schemamig.migrations WHERE version IN (repeat('9', 128), 'V1.2.3-rc_1');

-- a version of the same natural order as a registered one ("7" beside
-- "0007") is refused by register() and baseline() alike
SELECT schemamig.register('0007', 'SELECT 1') IS NOT NULL AS registered;
SELECT schemamig.register('7', 'SELECT 1');
SELECT schemamig.baseline('07');
DELETE FROM schemamig.migrations WHERE version = '0007';

-- scripts larger than the documented limit (16 MiB)
SELECT schemamig.register('big', 'SELECT 1; ' || repeat('-', 16 * 1024 * 1024));

-- injection through names and descriptions is just data
SELECT schemamig.register('inj1', 'SELECT 1', NULL, $$'); DROP TABLE schemamig.applied; --$$);
SELECT description FROM schemamig.migrations WHERE version = 'inj1';
SELECT to_regclass('schemamig.applied') IS NOT NULL AS applied_still_there;
DELETE FROM schemamig.migrations WHERE version = 'inj1';

-- scripts that are not valid UTF-8 (a SQL_ASCII database accepts any bytes)
CREATE DATABASE schemamig_ascii ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;
\c schemamig_ascii
\set VERBOSITY default
CREATE EXTENSION schemamig;
SELECT schemamig.register('1', E'SELECT \'\xff\xfe\'');
SELECT schemamig.register('1', 'SELECT 1', E'SELECT \'\xc3\'');
SELECT schemamig.register('2', E'SELECT \'caf\xc3\xa9\'') IS NOT NULL AS utf8_ok;
SELECT count(*) FROM schemamig.migrations;
\c contrib_regression
/* schemamig:allow ban-drop-database test cleanup */ DROP DATABASE schemamig_ascii;

SELECT count(*) = :before AS unchanged FROM schemamig.migrations;
