-- Scripts are split with PostgreSQL's own parser and classified.
\set VERBOSITY default

-- dollar quotes, E'' strings, nested comments, semicolons inside strings
SELECT schemamig.apply('0100', $script$
/* a nested /* comment; with ; semicolons */ still comment; */
CREATE TABLE notes (body text DEFAULT 'a;b', tag text DEFAULT E'it\'s;');
CREATE FUNCTION notes_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM notes; $$;
-- a line comment; with a semicolon
INSERT INTO notes (body) VALUES ($tag$x;y$tag$);
$script$, 'DROP FUNCTION notes_count(); DROP TABLE notes;');
SELECT body, tag, notes_count() FROM notes;
SELECT s->>'n' AS n, s->>'line' AS line, s->>'tag' AS tag
  FROM schemamig.events, jsonb_array_elements(detail->'statements') s
 WHERE event = 'applied' AND version = '0100';

-- transaction control is refused, whatever its spelling
SELECT schemamig.apply('0101', 'BEGIN; CREATE TABLE t (a int); COMMIT;');
SELECT schemamig.apply('0101', 'CREATE TABLE t (a int); COMMIT;');
SELECT schemamig.register('0101', 'CREATE TABLE t (a int); SAVEPOINT s;');
SELECT schemamig.register('0101', 'CREATE TABLE t (a int);', 'START TRANSACTION; DROP TABLE t;');
SELECT schemamig.register('0101', 'ROLLBACK PREPARED ''x''');
SELECT count(*) AS registered FROM schemamig.migrations WHERE version = '0101';

-- empty and comment-only scripts
SELECT schemamig.apply('0102', '');
SELECT schemamig.apply('0102', '  -- only a comment
  /* and a block */  ;  ; ');
-- a down script of only comments is accepted: nothing to undo (issue 15)
SELECT schemamig.register('0102', 'SELECT 1', '-- nothing to undo');

-- COPY with the client is refused
SELECT schemamig.register('0103', 'COPY notes FROM STDIN');

-- syntax errors point into the script
SELECT schemamig.register('0104', E'CREATE TABLE a (x int);\nCREATE TABLE b (x int;');

-- statements that cannot run in a transaction block make the migration non-transactional
SELECT schemamig.register('0110', 'CREATE TABLE big (a int); CREATE INDEX CONCURRENTLY big_a ON big (a);');
SELECT schemamig.register('0111', 'VACUUM notes');
SELECT schemamig.register('0112', 'DROP INDEX CONCURRENTLY IF EXISTS big_a');
SELECT schemamig.register('0113', 'REINDEX (CONCURRENTLY) TABLE notes');
SELECT schemamig.register('0114', 'ALTER TABLE notes DETACH PARTITION p CONCURRENTLY');
SELECT schemamig.register('0115', 'ANALYZE notes; REINDEX TABLE notes; CREATE INDEX ON notes (body)');
SELECT version, transactional FROM schemamig.migrations WHERE version LIKE '011%' ORDER BY version;

-- applying one needs the worker: refused, nothing changes
SELECT schemamig.apply('0110', 'CREATE TABLE big (a int); CREATE INDEX CONCURRENTLY big_a ON big (a);');
SELECT to_regclass('big') AS big;
DELETE FROM schemamig.migrations WHERE version LIKE '011%';
