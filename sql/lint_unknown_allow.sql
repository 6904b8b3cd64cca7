-- lint_unknown_allow: a "schemamig:allow" comment that names no rule (a
-- misspelt id) allows nothing, and lint() and the hooks say so with a
-- WARNING (SM103) naming it; a comment naming a real rule says nothing.
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS schemamig;
RESET client_min_messages;
SET lock_timeout = '5s';
SET schemamig.lint = off;
DROP SCHEMA IF EXISTS lint_ua CASCADE;
CREATE SCHEMA lint_ua;
SET search_path = lint_ua, public;
CREATE TABLE items (id bigint PRIMARY KEY, label text);
RESET schemamig.lint;

-- lint(): the misspelt allow is reported, and allows nothing
SELECT statement_no, rule FROM schemamig.lint($$
-- schemamig:allow ban-drop-colum the column is unused
ALTER TABLE items DROP COLUMN label;
$$);

-- lint(): block comments too, nested ones included, on a statement without findings
SELECT count(*) AS findings FROM schemamig.lint($$
/* outer /* schemamig:allow nested-is-not-a-directive */ still the outer comment */
/* schemamig:allow no-such-rule reason */
CREATE TABLE fresh (id int);
$$);

-- lint(): an allow after a nested block comment still counts
SELECT count(*) AS findings FROM schemamig.lint($$
/* a comment /* inside a comment */ ends here */
/* schemamig:allow ban-drop-column the column is unused */
ALTER TABLE items DROP COLUMN label;
$$);

-- lint(): a real rule id is quiet, and allows its rule
SELECT count(*) AS findings FROM schemamig.lint($$
-- schemamig:allow ban-drop-column the column is unused
ALTER TABLE items DROP COLUMN label;
$$);

-- the hook, error mode: the warning comes before the refusal (psql sends
-- block comments, not "--" ones)
/* schemamig:allow ban-drop-colum the column is unused */ ALTER TABLE items DROP COLUMN label;

-- the hook, a statement that breaks no rule (shown with its SQLSTATE)
\set VERBOSITY sqlstate
/* schemamig:allow require-concurent-index-creation typo */ CREATE TABLE fresh (id int);
\set VERBOSITY default

-- the hook: a real rule id runs the statement, without the warning
/* schemamig:allow ban-drop-column the column is unused */ ALTER TABLE items DROP COLUMN label;

SET schemamig.lint = off;
DROP SCHEMA lint_ua CASCADE;
RESET ALL;
