-- apply(): runs the up script and records it in the caller's transaction;
-- same text again is "skipped"; changed text is a checksum mismatch.
CREATE EXTENSION schemamig;
\set VERBOSITY default

SELECT schemamig.apply('0001',
  'CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
   CREATE INDEX accounts_name ON accounts (name);',
  'DROP TABLE accounts;',
  'accounts table');
SELECT to_regclass('accounts') IS NOT NULL AS table_exists,
       to_regclass('accounts_name') IS NOT NULL AS index_exists;
SELECT version, description, transactional, checksum = schemamig.checksum(up_sql) AS checksum_ok,
       registered_by
  FROM schemamig.migrations;
SELECT version, checksum = (SELECT checksum FROM schemamig.migrations m WHERE m.version = a.version) AS checksum_ok,
       applied_by, dirty, duration_ms >= 0 AS timed
  FROM schemamig.applied a;

-- the same text again: skipped, nothing runs twice
SELECT schemamig.apply('0001',
  'CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text);
   CREATE INDEX accounts_name ON accounts (name);',
  'DROP TABLE accounts;',
  'accounts table');

-- CRLF line endings are the same migration
SELECT schemamig.checksum(E'SELECT 1;\r\nSELECT 2;\r\n') = schemamig.checksum(E'SELECT 1;\nSELECT 2;\n') AS crlf_normalised,
       schemamig.checksum(E'SELECT 1;\rSELECT 2;') <> schemamig.checksum(E'SELECT 1;SELECT 2;') AS lone_cr_kept,
       schemamig.checksum('') AS empty_sha256;

-- different text for an applied version: checksum mismatch, detail shows both
SELECT schemamig.apply('0001', 'CREATE TABLE accounts (id int);');
SELECT count(*) AS accounts_versions FROM schemamig.migrations WHERE version = '0001' AND up_sql LIKE '%IDENTITY%';

-- recorded atomically in the caller's transaction: a rollback undoes both
BEGIN;
SELECT schemamig.apply('0002', 'CREATE TABLE invoices (id bigint PRIMARY KEY);', 'DROP TABLE invoices;');
SELECT state FROM schemamig.status() WHERE version = '0002';
ROLLBACK;
SELECT to_regclass('invoices') AS invoices, (SELECT count(*) FROM schemamig.applied WHERE version = '0002') AS applied_rows,
       (SELECT count(*) FROM schemamig.migrations WHERE version = '0002') AS registered_rows;

-- a failing statement aborts the whole migration, keeps its SQLSTATE and
-- says which migration, statement, line and text failed
SELECT schemamig.apply('0002',
  'CREATE TABLE invoices (id bigint PRIMARY KEY);

   INSERT INTO invoices VALUES (1);
   INSERT INTO invoices VALUES (1);', 'DROP TABLE invoices;');
SELECT to_regclass('invoices') AS invoices, (SELECT count(*) FROM schemamig.applied WHERE version = '0002') AS applied_rows;
\set VERBOSITY sqlstate
SELECT schemamig.apply('0002', 'SELECT 1; SELECT 1/0;');
\set VERBOSITY default

-- events: every success recorded with its duration
SELECT event, version, direction, duration_ms IS NOT NULL AS timed, detail->>'role' AS role,
       jsonb_array_length(detail->'statements') AS statements
  FROM schemamig.events ORDER BY id;
SELECT s->>'n' AS n, s->>'line' AS line, s->>'tag' AS tag, s->>'sql' AS sql
  FROM schemamig.events, jsonb_array_elements(detail->'statements') s
 WHERE event = 'applied' AND version = '0001';
