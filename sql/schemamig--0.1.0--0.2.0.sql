/* sql/schemamig--0.1.0--0.2.0.sql — update schemamig from 0.1.0 to 0.2.0 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION schemamig UPDATE TO '0.2.0'" to load this file. \quit

-- Each section below belongs to one change of 0.2.0 and says which.

-- schemamig.trace(sql) (issue 14): runs a script in a transaction that is
-- always rolled back and reports, per statement and relation, the lock it
-- took, whether it scanned or rewrote the relation, how long it ran and its
-- lint() findings (doc/functions.md).  It runs the script as the caller, so
-- it is not SECURITY DEFINER; PUBLIC may not call it.
CREATE FUNCTION schemamig.trace(sql text)
RETURNS TABLE (statement_no integer, line integer, relation regclass,
               relation_name text, lock_mode text, scanned boolean,
               rewritten boolean, duration_ms double precision,
               outcome text, detail text, lint_rules text[])
LANGUAGE C VOLATILE STRICT
AS 'MODULE_PATHNAME', 'schemamig_trace';
REVOKE EXECUTE ON FUNCTION schemamig.trace(text) FROM PUBLIC;
