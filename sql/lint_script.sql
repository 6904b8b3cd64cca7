-- lint_script: what schemamig.lint() knows about a script: statement numbers
-- and lines, objects created earlier in it, transaction structure, settings
-- made by the script, overrides, advisory rules; and that it runs nothing.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schemamig;
RESET client_min_messages;
SET schemamig.lint = off;
DROP SCHEMA IF EXISTS lint_sc CASCADE;
CREATE SCHEMA lint_sc;
SET search_path = lint_sc, public;
CREATE TABLE items (id bigint PRIMARY KEY, label text, price numeric);

-- numbers, lines, messages and hints
SELECT * FROM schemamig.lint($$
CREATE TABLE fresh (id int);

-- a comment line
CREATE INDEX ON items (label);
$$);

-- nothing was executed
SELECT to_regclass('fresh') AS fresh, count(*) AS indexes
  FROM pg_indexes WHERE tablename = 'items';

-- objects created earlier in the script are not pre-existing
SELECT statement_no, rule FROM schemamig.lint($$
CREATE TABLE fresh (id int, ref bigint);
CREATE INDEX fresh_ref ON fresh (ref);
ALTER TABLE fresh ADD CONSTRAINT fresh_items FOREIGN KEY (ref) REFERENCES items (id);
ALTER TABLE fresh ADD COLUMN token uuid DEFAULT gen_random_uuid();
ALTER TABLE fresh ALTER COLUMN id SET NOT NULL;
DROP INDEX fresh_ref;
DROP TABLE fresh;
$$);

-- the NOT NULL pattern: CHECK NOT VALID, validate in a later transaction,
-- then SET NOT NULL uses the validated constraint
SELECT statement_no, rule FROM schemamig.lint($$
BEGIN;
ALTER TABLE items ADD CONSTRAINT label_nn CHECK (label IS NOT NULL) NOT VALID;
COMMIT;
BEGIN;
ALTER TABLE items VALIDATE CONSTRAINT label_nn;
COMMIT;
ALTER TABLE items ALTER COLUMN label SET NOT NULL;
$$);
-- the same in one migration (one transaction) is flagged
SELECT statement_no, rule FROM schemamig.lint($$
ALTER TABLE items ADD CONSTRAINT label_nn CHECK (label IS NOT NULL) NOT VALID;
ALTER TABLE items VALIDATE CONSTRAINT label_nn;
ALTER TABLE items ALTER COLUMN label SET NOT NULL;
$$);

-- transaction structure
SELECT statement_no, line, rule FROM schemamig.lint($$
BEGIN;
BEGIN;
COMMIT;
COMMIT;
CREATE INDEX CONCURRENTLY items_label ON items (label);
BEGIN;
CREATE INDEX CONCURRENTLY items_price ON items (price);
$$);

-- settings made by the script: lock_timeout
SELECT statement_no, rule FROM schemamig.lint($$
SET lock_timeout = 0;
ALTER TABLE items ADD COLUMN note text;
SET lock_timeout = '3s';
ALTER TABLE items ADD COLUMN note2 text;
SELECT set_config('lock_timeout', '0', false);
ALTER TABLE items ADD COLUMN note3 text;
RESET lock_timeout;
$$);

-- overrides: one rule, for the next statement only
SELECT statement_no, rule FROM schemamig.lint($$
-- schemamig:allow ban-drop-column replaced by label in 0007
ALTER TABLE items DROP COLUMN price;
ALTER TABLE items DROP COLUMN label;
$$);

-- advisory rules: off by default, reported as advisory when on
SELECT count(*) FROM schemamig.lint('CREATE TABLE t (a int, b varchar(20), c char(2), d timestamp, e json, f serial, g smallint)');
SET schemamig.lint_advisory = on;
SELECT rule, severity FROM schemamig.lint($$
CREATE TABLE t (a int, b varchar(20), c char(2), d timestamp, e json, f serial, g smallint);
CREATE DOMAIN pos AS int CHECK (VALUE > 0);
CREATE TYPE color AS ENUM ('red');
ALTER TYPE color ADD VALUE 'blue';
UPDATE items SET label = 'a', label = 'b' WHERE id = 1;
CREATE TABLE a_table_whose_name_is_far_longer_than_sixty_three_bytes_allowed_by_postgres (id bigint);
$$) ORDER BY statement_no, rule;
RESET schemamig.lint_advisory;

-- an application role may call it
CREATE ROLE lint_reader;
SET ROLE lint_reader;
SELECT rule FROM schemamig.lint('DROP DATABASE production');
RESET ROLE;
DROP ROLE lint_reader;

-- syntax errors are errors
SELECT * FROM schemamig.lint('ALTER TABLE items ADD COLUMN');

DROP SCHEMA lint_sc CASCADE;
RESET ALL;
