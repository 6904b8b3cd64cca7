-- Long scripts are parsed a chunk of statements at a time (see src/script.c):
-- statement numbers, lines, syntax errors and BEGIN ATOMIC routine bodies
-- (whose semicolons end no statement) come out as if the script were parsed
-- whole.  Scripts of 30,000 and more statements span many chunks.
\set VERBOSITY default
DELETE FROM schemamig.applied WHERE true;
DELETE FROM schemamig.migrations WHERE true;
DELETE FROM schemamig.events WHERE true;
CREATE TABLE dc_rows (a int);

-- lint(): findings far into the script carry their own statement and line
SELECT statement_no, line, rule
  FROM schemamig.lint(repeat(E'SELECT 1;\n', 25000) || E'CREATE INDEX ON dc_rows (a);\n' ||
                      repeat(E'SELECT 1;\n', 25000) || E'CREATE INDEX ON dc_rows (a);');

-- a syntax error, an unterminated string, transaction control: the line in the script
SELECT schemamig.register('c1', repeat(E'SELECT 1;\n', 30000) || E'SELECT 1 +;');
SELECT schemamig.register('c2', repeat(E'SELECT 1;\n', 30000) || E'SELECT ''unterminated;');
SELECT schemamig.register('c3', repeat(E'SELECT 1;\n', 30000) || E'BEGIN;');

-- a BEGIN ATOMIC body across the 1,000th statement, then many more statements
BEGIN;
SELECT schemamig.apply('c4', repeat(E'SELECT 1;\n', 998) ||
       E'CREATE FUNCTION dc_f() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\n  SELECT 3;\nEND;\n' ||
       repeat(E'INSERT INTO dc_rows VALUES (1);\n', 30000) || E'CREATE TABLE dc_t (a int);');
SELECT dc_f() AS f, to_regclass('dc_t') AS t, (SELECT count(*) FROM dc_rows) AS rows;
SELECT detail->'statement_count' AS statement_count, jsonb_array_length(detail->'statements') AS listed
  FROM schemamig.events WHERE version = 'c4' AND event = 'applied';
SELECT statement_no, line, rule
  FROM schemamig.lint(repeat(E'SELECT 1;\n', 998) ||
       E'CREATE FUNCTION dc_g() RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT 1;\n  SELECT 2;\n  SELECT 3;\nEND;\n' ||
       repeat(E'SELECT 1;\n', 30000) || E'CREATE INDEX ON dc_rows (a);');
ROLLBACK;

SET schemamig.lint = off;
DROP TABLE dc_rows;
RESET schemamig.lint;
