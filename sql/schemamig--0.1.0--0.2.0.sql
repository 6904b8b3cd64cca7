/* sql/schemamig--0.1.0--0.2.0.sql — update schemamig from 0.1.0 to 0.2.0 */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION schemamig UPDATE TO '0.2.0'" to load this file. \quit

-- Each section below belongs to one change of 0.2.0 and says which.

-- ---- layouts (issue 15): a tool's "NO TRANSACTION" marker reaches the server ----
-- register() with a fifth argument: in_transaction false makes the migration
-- non-transactional (the worker runs it) even when every statement could run
-- in a transaction block.  The four-argument form is unchanged.  (A down
-- script of only comments, "nothing to undo", needs no catalog change.)
CREATE FUNCTION schemamig.register(version text, up_sql text, down_sql text,
                                   description text, in_transaction boolean)
RETURNS text
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_register';
REVOKE EXECUTE ON FUNCTION schemamig.register(text, text, text, text, boolean) FROM PUBLIC;

-- adopt(): "schemamig adopt --from TOOL" marks a registered migration that
-- another tool applied as applied, without running it, at that tool's time.
CREATE FUNCTION schemamig.adopt(version text, applied_at timestamptz, source text)
RETURNS boolean
LANGUAGE C VOLATILE
AS 'MODULE_PATHNAME', 'schemamig_adopt';
REVOKE EXECUTE ON FUNCTION schemamig.adopt(text, timestamptz, text) FROM PUBLIC;

-- lint_rule_destructive(): "schemamig lint --dir" judges down scripts as
-- rollback runs them, where the destructive rules do not apply.
CREATE FUNCTION schemamig.lint_rule_destructive(rule text)
RETURNS boolean
LANGUAGE C STABLE STRICT
AS 'MODULE_PATHNAME', 'schemamig_lint_rule_destructive';
GRANT EXECUTE ON FUNCTION schemamig.lint_rule_destructive(text) TO PUBLIC;
